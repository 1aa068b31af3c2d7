"""hypothesis-jsonschema draws from the committed schema; the models take every draw, or refuse it
only with a rule the schema declares it leaves out (`x-kzcn-rules` of the definition or its parts).

Every kind is drawn, and every part. hypothesis-jsonschema reads the schema as
it is in about six seconds a person (minutes a kind holding one), so it draws
from the schema narrowed by `drawable.narrowed`: refs inlined, long enums and
arrays cut, each `if`/`then` decided in advance by a seeded choice of the
fields it compares. That only narrows the schema, and each draw is checked
against the committed schema too. The `https:` `$id` resolves (a `urn:` one
made it fail on `#/$defs/...`).
"""

from __future__ import annotations

import json
import warnings
from functools import cache
from typing import Any

import pytest
from drawable import ARRAY_LIMIT, ENUM_LIMIT, narrowed
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from interop_tools import need_module, schema
from pydantic import BaseModel, ValidationError

from kzcn.rules import model_named
from kzcn.schema import declared_rules, kind_refs
from kzcn.validation.problems import code_for_pydantic_type

KINDS = [ref.rsplit("/", 1)[-1] for ref in kind_refs(schema("message")).values()]
PARTS = [
    "PersonRecord",
    "IdentityDocument",
    "Place",
    "BiscriptName",
    "PartyAuthority",
    "FormerCitizenship",
    "EvidenceItem",
    "PriorChangeItem",
    "RequestedPerson",
    "StatisticsRow",
    "BorderCrossing",
]
#: Seeds of the narrowing: each decides every rule of the definition one way.
VARIANTS = 16


def _model(name: str) -> type[BaseModel]:
    model = model_named(name)
    assert model is not None, name
    return model


@cache
def _variant(name: str, seed: int) -> Any:
    module = need_module("hypothesis_jsonschema")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # its own notes on formats it does not know
        return module.from_schema(narrowed(schema("message"), name, seed))


def _strategy(name: str) -> Any:
    """Draws from the narrowed definition, a seed chosen per draw (a variant built when drawn)."""
    return st.integers(0, VARIANTS - 1).flatmap(lambda seed: _variant(name, seed))


@cache
def _committed(name: str) -> Any:
    """The committed definition `name`, as jsonschema-rs checks it."""
    jsonschema_rs = need_module("jsonschema_rs")
    root = schema("message")
    definition = {"$defs": root["$defs"], "$ref": f"#/$defs/{name}"}
    return jsonschema_rs.validator_for(definition, validate_formats=True)


@pytest.mark.parametrize("name", KINDS + PARTS)
def test_models_take_every_draw_or_name_a_declared_rule(name: str) -> None:
    model = _model(name)
    declared = declared_rules(schema("message"), name)

    # No shrinking: a failing draw is shown as found (shrinking these costs minutes).
    @settings(
        max_examples=6,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(_strategy(name))
    def check(drawn: Any) -> None:
        assert _committed(name).is_valid(drawn), "the narrowing let through what the schema refuses"
        try:
            model.model_validate_json(json.dumps(drawn))
        except ValidationError as error:
            codes = {code_for_pydantic_type(e["type"]) for e in error.errors()}
            assert codes <= declared, codes - declared

    check()


def _walk(node: Any) -> list[dict[str, Any]]:
    if isinstance(node, list):
        return [found for item in node for found in _walk(item)]
    if not isinstance(node, dict):
        return []
    return [node, *(found for value in node.values() for found in _walk(value))]


@pytest.mark.parametrize("name", KINDS + PARTS)
def test_the_narrowed_schema_has_none_of_what_made_it_slow(name: str) -> None:
    for seed in range(VARIANTS):
        for node in _walk(narrowed(schema("message"), name, seed)):
            assert not {"if", "then", "else", "$ref", "$defs"} & set(node)
            assert len(node.get("enum", ())) <= ENUM_LIMIT
            assert node.get("maxItems", 0) <= max(ARRAY_LIMIT, node.get("minItems", 0))


def _pins(name: str, *path: str) -> set[Any]:
    """The values the seeds pin the field at `path` (through `properties`) to."""
    found = set()
    for seed in range(VARIANTS):
        node = narrowed(schema("message"), name, seed)
        for part in path:
            node = node["properties"][part]
        found.add(node["const"])
    return found


@pytest.mark.parametrize(
    ("name", "path", "covered"),
    [
        ("PersonRecord", ("citizenship",), {"KAZ", "CHN"}),
        ("IdentityDocument", ("issuing_state",), {"KAZ", "CHN"}),
        ("IdentityDocument", ("document_type",), {"passport", "identity_card"}),
        ("Place", ("country",), {"KAZ", "CHN"}),
        ("CitizenshipAcquisition", ("sender", "state"), {"KAZ", "CHN"}),
        ("CitizenshipAcquisition", ("channel",), {"diplomatic", "competent_authority"}),
        ("SuspensionNotice", ("scope",), {"full", "partial"}),
    ],
)
def test_the_seeds_take_each_side_of_each_rule(
    name: str, path: tuple[str, ...], covered: set[str]
) -> None:
    pinned = _pins(name, *path)
    assert covered <= pinned
    if path[-1] in {"citizenship", "issuing_state", "country", "document_type"}:
        assert pinned - covered, "a value no rule names is drawn too"


def test_a_diplomatic_only_kind_is_never_pinned_to_another_channel() -> None:
    assert _pins("InformationRequest", "channel") == {"diplomatic"}


def test_refs_resolve_under_the_https_id() -> None:
    # The committed definitions' `$ref`s into `$defs` resolve as they stand (they did not under a
    # `urn:` `$id`): a definition with a reference and no rule, drawn without narrowing.
    module = need_module("hypothesis_jsonschema")
    root = schema("message")
    assert root["$id"].startswith("https://")
    definition = {**root["$defs"]["RequestedPerson"], "$defs": root["$defs"], "$id": root["$id"]}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        strategy = module.from_schema(definition)

    @settings(max_examples=3, deadline=None, database=None, phases=[Phase.generate])
    @given(strategy)
    def check(drawn: Any) -> None:
        assert _committed("RequestedPerson").is_valid(drawn)

    check()
