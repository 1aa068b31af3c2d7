"""The generator makes what the models allow: every kind, every enum value, every field.

The values come from the field dictionary (`kzcn.dictionary`), which reads the
models' `Literal` types; nothing here lists them. A value added to a model is
missing from the generated sample until the generator makes it (or it is
listed in `NOT_GENERATED` with the reason), and this test says which.
"""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from collections import defaultdict
from collections.abc import Iterator
from functools import cache
from typing import Any, Literal, get_args

import orjson
import pytest
from pydantic import BaseModel

from kzcn.dictionary import FieldEntry, field_dictionary
from kzcn.messages import MESSAGE_KINDS, Message
from kzcn.synth._regime import (
    fields_of,
    in_draw_order,
    key,
    keys,
    kinds,
    opening,
    shares,
    values_of,
)
from kzcn.synth.generator import chunk_lines

#: Allowed values the generator does not make at all, by field owner, and why.
#: Making them would change what every seed gives (the golden digests); each
#: is a candidate for the next release that may change the output.
NOT_GENERATED: dict[str, dict[str, str]] = {
    "PartyAuthority.authority": {
        "KAZ_MLSPP": "sends acquisitions (15% of Kazakhstan's) but is never a recipient",
    },
    "PersonRecord.ethnic_nationality": dict.fromkeys(
        ("dungan", "hui", "kyrgyz", "mongol", "not_stated", "other", "tatar", "uzbek", "xibe"),
        "the populations are Kazakhs, Uyghurs, Han and Russians (the reporting's)",
    ),
    "IdentityDocument.document_type": dict.fromkeys(
        ("certificate_of_return", "residence_permit", "travel_document"),
        "people carry passports and identity cards only",
    ),
    "EntryStayExitViolation.measures": {
        "administrative_detention": "the measures are drawn as five fixed combinations",
    },
    "FormerCitizenship.ended_by": {
        "deprivation": "no reported case of a former citizenship ended by deprivation",
    },
    "DocumentReference.document_type": dict.fromkeys(
        ("certificate_of_return", "identity_card", "residence_permit", "travel_document"),
        "requests name a person by passport",
    ),
}

#: The same, for one place only (a dictionary path), where the field is generated elsewhere.
NOT_GENERATED_AT: dict[str, dict[str, str]] = {
    "items[].subject.ethnic_nationality": dict.fromkeys(
        ("han", "russian"),
        "the people on Article 1(3) lists are Kazakhs and Uyghurs who changed citizenship",
    ),
}

SAMPLE = 20_000


@cache
def _sample() -> dict[str, list[dict[str, Any]]]:
    """20,000 messages of the default mix (seed 2023, as `kzcn demo`), by kind."""
    by_kind: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for line in chunk_lines(2023, 0, SAMPLE, chunk=SAMPLE):
        message = orjson.loads(line)
        by_kind[message["kind"]].append(message)
    return by_kind


def _values_at(node: Any, parts: list[str]) -> Iterator[Any]:
    """The values at a dictionary path (`subject.documents[].number`), lists flattened."""
    if not parts:
        yield from node if isinstance(node, list) else [node]
        return
    name, is_list = parts[0].removesuffix("[]"), parts[0].endswith("[]")
    if not isinstance(node, dict) or name not in node:
        return
    children = (node[name] or []) if is_list else [node[name]]
    for child in children:
        yield from _values_at(child, parts[1:])


def _generated(entry: FieldEntry) -> set[Any]:
    return {
        value
        for kind in entry.kinds
        for message in _sample()[kind]
        for value in _values_at(message, entry.path.split("."))
    }


def _enum_entries() -> list[FieldEntry]:
    return [e for e in field_dictionary().fields if e.type in ("enum", "const")]


def missing_values(entry: FieldEntry) -> set[str]:
    """Allowed values of `entry` that the sample lacks and `NOT_GENERATED` does not excuse."""
    excused = set(NOT_GENERATED.get(entry.owner, {})) | set(NOT_GENERATED_AT.get(entry.path, {}))
    return set(entry.values) - _generated(entry) - excused


@pytest.mark.slow  # a whole default run
def test_every_kind_is_generated_at_the_default_mix() -> None:
    assert set(_sample()) == set(MESSAGE_KINDS)


@pytest.mark.parametrize("entry", _enum_entries(), ids=lambda e: f"{e.path}@{e.owner}")
def test_every_allowed_value_is_generated(entry: FieldEntry) -> None:
    assert missing_values(entry) == set()


def test_values_said_not_to_be_generated_are_allowed_and_not_generated() -> None:
    entries = {e.owner: e for e in _enum_entries()}
    for owner, values in NOT_GENERATED.items():
        assert set(values) <= set(entries[owner].values), owner
        assert not set(values) & _generated(entries[owner]), f"{owner}: generated after all"


def test_a_value_added_to_a_model_fails_until_it_is_generated() -> None:
    # As if `Sex = Literal["F", "M", "X"]`: the dictionary reads the patched model.
    (sex,) = [e for e in _enum_entries() if e.path == "subject.sex"]
    patched = dataclasses.replace(sex, values=(*sex.values, "X"))
    assert missing_values(sex) == set()
    assert missing_values(patched) == {"X"}


@pytest.mark.parametrize("kind", MESSAGE_KINDS)
def test_every_field_of_a_kind_is_written(kind: str) -> None:
    paths = {e.path for e in field_dictionary().fields if kind in e.kinds}
    message_keys = {
        path
        for path in paths
        if any(any(True for _ in _values_at(m, path.split("."))) for m in _sample()[kind])
    }
    assert paths - message_keys == set()


# --- the generator's tables are checked against the models when they are built -----

Colour = Literal["red", "green"]


def test_values_of_reads_a_literal() -> None:
    assert values_of(Colour) == ("red", "green")
    with pytest.raises(TypeError):
        values_of(str)


def test_a_table_naming_a_value_the_model_does_not_allow_fails() -> None:
    assert in_draw_order(Colour, ["green", "red"]) == ("green", "red")
    with pytest.raises(ValueError, match="blue"):
        in_draw_order(Colour, ["green", "blue"])
    with pytest.raises(ValueError, match="blue"):
        shares(Colour, [("blue", 1)])


def test_field_and_kind_names_are_checked() -> None:
    from kzcn.person import PersonRecord  # noqa: PLC0415 - only this test needs it

    assert fields_of(PersonRecord, ["sex"], required=True) == ("sex",)
    with pytest.raises(ValueError, match="gender"):
        fields_of(PersonRecord, ["gender"])
    with pytest.raises(ValueError, match="photo"):
        fields_of(PersonRecord, ["photo"], required=True)
    with pytest.raises(ValueError, match="visa"):
        kinds("visa")


def _key_mismatches(model: type[BaseModel], value: Any, path: str) -> list[str]:
    """Where a generated object's keys differ from its model's fields.

    The names, not the order: the messages put `kind` third, as the examples do,
    where the models declare it last (each kind's model adds it).
    """
    if not isinstance(value, dict):
        return []
    found = [] if set(value) == set(model.model_fields) else [path or "$"]
    for name, info in model.model_fields.items():
        for inner in _models_in(info.annotation):
            items = value.get(name)
            for item in items if isinstance(items, list) else [items]:
                found += _key_mismatches(inner, item, f"{path}.{name}")
    return found


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in get_args(annotation) for m in _models_in(arg)]


@pytest.mark.parametrize("kind", MESSAGE_KINDS)
def test_generated_keys_are_the_models_fields(kind: str) -> None:
    (model,) = [m for m in get_args(get_args(Message)[0]) if kind in str(m.model_fields["kind"])]
    for message in _sample()[kind][:200]:
        assert _key_mismatches(model, message, "") == []


# --- the keys in generated bytes are read from the models -------------------------


def test_a_key_is_the_models_field_as_json() -> None:
    from kzcn.person import PersonRecord  # noqa: PLC0415 - only these tests need it

    assert key(PersonRecord, "date_of_birth") == b',"date_of_birth":'
    assert opening(key(PersonRecord, "surname")) == b'{"surname":'
    assert keys(PersonRecord, "sex", "photo") == {"sex": b',"sex":', "photo": b',"photo":'}
    with pytest.raises(ValueError, match="gender"):
        key(PersonRecord, "gender")


#: Fields the generator writes, one per module that writes keys, renamed in a patched model.
_RENAMED = [
    ("kzcn.person", "IdentityDocument", "date_of_issue"),  # _documents
    ("kzcn.person", "PersonRecord", "ethnic_nationality"),  # people
    ("kzcn.types", "PhotoReference", "media_type"),  # _documents
    ("kzcn.messages", "_Envelope", "sent_on"),  # _envelope
    ("kzcn.messages", "BorderCrossing", "crossed_on"),  # _kinds
    ("kzcn.messages", "StatisticsRow", "visas_issued"),  # _kinds, a row written as a dict
]


@pytest.mark.slow  # a fresh interpreter per field
@pytest.mark.parametrize(("module", "model", "field"), _RENAMED)
def test_a_field_renamed_in_the_model_stops_the_generator_at_import(
    module: str, model: str, field: str
) -> None:
    # In a fresh interpreter: rename the field in the model, then import the generator.
    script = (
        f"import {module} as m\n"
        f"fields = m.{model}.__pydantic_fields__\n"
        f"fields['{field}_renamed'] = fields.pop('{field}')\n"
        "import kzcn.synth\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False
    )
    assert done.returncode != 0
    assert f"ValueError: ['{field}']: not fields of {model}" in done.stderr
