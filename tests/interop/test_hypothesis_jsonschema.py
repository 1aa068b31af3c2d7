"""hypothesis-jsonschema draws from the committed schema; the models take every draw, or refuse it
only with a rule the schema declares it leaves out (`x-kzcn-rules` of the definition or its parts).

Draws come from the definitions hypothesis-jsonschema handles in well under a second each (whole
kinds without a person, and a person's parts); `PersonRecord`, with its country enums, patterns
and `if`/`then` rules, costs it about six seconds a draw, too slow for CI. The `https:` `$id`
resolves (a `urn:` one made it fail on `#/$defs/...`).
"""

from __future__ import annotations

import warnings
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from interop_tools import need_module, schema
from pydantic import BaseModel, ValidationError

from kzcn import messages, person
from kzcn.schema import declared_rules
from kzcn.validation.problems import code_for_pydantic_type

DEFINITIONS = [
    "VisaFreeStatistics",
    "SuspensionNotice",
    "IdentityDocument",
    "Place",
    "BiscriptName",
    "PartyAuthority",
    "StatisticsRow",
    "BorderCrossing",
    "EvidenceItem",
]


def _model(name: str) -> type[BaseModel]:
    found: type[BaseModel] = getattr(messages, name, None) or getattr(person, name)
    return found


def _strategy(name: str) -> Any:
    module = need_module("hypothesis_jsonschema")
    root = schema("message")
    definition = {**root["$defs"][name], "$defs": root["$defs"], "$id": root["$id"]}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # its own notes on formats it does not know
        return module.from_schema(definition)


@pytest.mark.parametrize("name", DEFINITIONS)
def test_models_take_every_draw_or_name_a_declared_rule(name: str) -> None:
    model = _model(name)
    declared = declared_rules(schema("message"), name)

    # No shrinking: a failing draw is shown as found (shrinking these costs minutes).
    @settings(
        max_examples=10,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(_strategy(name))
    def check(drawn: Any) -> None:
        try:
            model.model_validate(drawn)
        except ValidationError as error:
            codes = {code_for_pydantic_type(e["type"]) for e in error.errors()}
            assert codes <= declared, codes - declared

    check()


def test_the_whole_message_schema_resolves() -> None:
    # The root's `$ref`s into `$defs` resolve (they did not under a `urn:` `$id`).
    need_module("hypothesis_jsonschema")
    root = schema("message")
    assert root["$id"].startswith("https://")
    assert _strategy("SuspensionNotice") is not None
