"""The library API, and the two engines (and both schema validators) agreeing on every fault."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from conftest import EXAMPLES
from kzcn._patterns import python_end_anchors
from kzcn.messages import MESSAGE_MODELS
from kzcn.schema import build_schema
from kzcn.validation import (
    ModelEngine,
    Problem,
    RecordResult,
    SchemaEngine,
    validate_file,
    validate_message,
    validate_records,
)
from kzcn.validation.problems import known_keys
from kzcn.validation.schema_faults import _models_along

DELETE = object()


def _example(kind: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((EXAMPLES / "valid" / f"{kind}.json").read_text("utf-8"))
    return data


def _mutated(kind: str, loc: tuple[str | int, ...], value: object) -> dict[str, Any]:
    data = copy.deepcopy(_example(kind))
    node: Any = data
    for part in loc[:-1]:
        node = node[part]
    if value is DELETE:
        del node[loc[-1]]
    elif isinstance(node, list) and loc[-1] == len(node):
        node.append(value)
    else:
        node[loc[-1]] = value
    return data


def _codes(engine: ModelEngine | SchemaEngine, data: object) -> list[tuple[str, str]]:
    result = validate_message(orjson.dumps(data), engine=engine)
    return sorted((p.path, p.code) for p in result.problems if p.severity == "error")


MODEL = ModelEngine()
RUST = SchemaEngine(backend="rust")
PYTHON = SchemaEngine(backend="python")

V = "entry_stay_exit_violation"
DOC = ("subject", "documents", 0)
PHOTO = {"sha256": "0" * 64, "media_type": "image/png", "uri": "photos/1.png"}

# (kind, location, new value, path reported, code): faults a JSON Schema can see.
STRUCTURAL: list[tuple[str, tuple[str | int, ...], object, str, str]] = [
    (V, ("subject", "sex"), DELETE, "$.subject.sex", "structure.missing_field"),
    (V, ("nickname",), "x", "$.<unknown key 20>", "structure.extra_field"),
    (V, (*DOC, "colour"), "x", "$.subject.documents[0].<unknown key 9>", "structure.extra_field"),
    (V, ("subject", "sex"), "X", "$.subject.sex", "structure.not_allowed"),
    (V, ("schema_version",), "3.0", "$.schema_version", "structure.not_allowed"),
    (V, ("kind",), "nope", "$.kind", "structure.unknown_kind"),
    (V, ("kind",), DELETE, "$.kind", "structure.unknown_kind"),
    (V, ("kind",), 5, "$.kind", "structure.unknown_kind"),
    (V, ("sent_on",), "2024-02-30", "$.sent_on", "date.invalid"),
    (V, ("sent_on",), "2024-9-12", "$.sent_on", "date.invalid"),
    (V, ("sent_on",), 20240912, "$.sent_on", "date.invalid"),
    (V, ("permitted_stay_until",), "2024-13-01", "$.permitted_stay_until", "date.invalid"),
    (V, ("synthetic",), "true", "$.synthetic", "structure.wrong_type"),
    (V, ("message_id",), "not-a-uuid", "$.message_id", "structure.pattern"),
    (V, ("subject", "citizenship"), "XXX", "$.subject.citizenship", "country.unknown"),
    (V, ("subject", "citizenship"), 7, "$.subject.citizenship", "structure.wrong_type"),
    (V, ("subject", "surname", "latin"), "NUERLАN", "$.subject.surname.latin", "name.homoglyph"),
    (V, ("subject", "surname", "latin"), "Nuerlan", "$.subject.surname.latin", "name.lowercase"),
    (V, ("subject", "surname", "latin"), "NUER LAN ", "$.subject.surname.latin", "name.whitespace"),
    (V, ("subject", "surname", "latin"), "努尔兰", "$.subject.surname.latin", "name.wrong_script"),
    (V, ("subject", "surname", "latin"), "", "$.subject.surname.latin", "structure.length"),
    (V, ("subject", "surname", "latin"), "A" * 65, "$.subject.surname.latin", "structure.length"),
    (
        V,
        ("subject", "surname", "cyrillic"),
        "Нурлaн",
        "$.subject.surname.cyrillic",
        "name.homoglyph",
    ),
    (
        V,
        ("subject", "surname", "cyrillic"),
        "Нур\u200bлан",
        "$.subject.surname.cyrillic",
        "name.invisible_character",
    ),
    (
        V,
        ("subject", "patronymic"),
        {"cyrillic": "Нурланович", "latin": "NURLANОVICH"},
        "$.subject.patronymic.latin",
        "name.homoglyph",
    ),
    (V, ("subject", "patronymic"), "NURLANOVICH", "$.subject.patronymic", "structure.wrong_type"),
    (V, ("subject", "name_national"), "NUERLAN", "$.subject.name_national", "name.national_script"),
    (V, (*DOC, "number"), "E12", "$.subject.documents[0].number", "document.number_format"),
    (V, (*DOC, "series"), "ab", "$.subject.documents[0].series", "structure.pattern"),
    (V, (*DOC, "series"), "AB\n", "$.subject.documents[0].series", "structure.pattern"),
    (V, (*DOC, "mrz", 0), "P<", "$.subject.documents[0].mrz[0]", "structure.pattern"),
    (V, (*DOC, "mrz"), ["P" * 44] * 4, "$.subject.documents[0].mrz", "structure.length"),
    (V, ("subject", "documents"), [], "$.subject.documents", "structure.length"),
    (V, ("subject", "documents"), {}, "$.subject.documents", "structure.wrong_type"),
    (V, ("measures",), ["fine", "entry_ban", "fine"], "$.measures", "structure.not_unique"),
    (V, ("measures", 1), "flogging", "$.measures[1]", "structure.not_allowed"),
    (
        V,
        ("crossings", 0, "crossing_point"),
        "nowhere",
        "$.crossings[0].crossing_point",
        "structure.not_allowed",
    ),
    (
        V,
        ("crossings", 0, "document_number"),
        "x",
        "$.crossings[0].document_number",
        "structure.pattern",
    ),
    (V, ("sender", "authority"), "CHN_MFA", "$.sender.authority", "message.authority_state"),
    (V, ("sender", "authority"), "KAZ_XXX", "$.sender.authority", "structure.not_allowed"),
    (
        V,
        ("recipient",),
        {"state": "KAZ", "authority": "KAZ_MLSPP"},
        "$.recipient.state",
        "message.same_state",
    ),
    (
        V,
        ("subject", "place_of_birth", "admin_code"),
        "12345",
        "$.subject.place_of_birth.admin_code",
        "place.admin_code",
    ),
    (V, ("subject", "personal_number"), "12345", "$.subject.personal_number", "resident_id.format"),
    (
        V,
        ("subject", "photo"),
        {**PHOTO, "uri": "data:image/png;base64,AAAA"},
        "$.subject.photo.uri",
        "photo.data_uri",
    ),
    (
        V,
        ("subject", "photo"),
        {**PHOTO, "media_type": "image/gif"},
        "$.subject.photo.media_type",
        "structure.not_allowed",
    ),
    (
        V,
        ("subject", "photo"),
        {**PHOTO, "sha256": "ABC"},
        "$.subject.photo.sha256",
        "structure.pattern",
    ),
    (
        "visa_free_statistics",
        ("rows", 0, "visas_issued"),
        -1,
        "$.rows[0].visas_issued",
        "structure.range",
    ),
    (
        "visa_free_statistics",
        ("rows", 0, "visas_issued"),
        "12",
        "$.rows[0].visas_issued",
        "structure.wrong_type",
    ),
    ("visa_free_statistics", ("rows",), [], "$.rows", "structure.length"),
]

# Faults only the models can see (check digits, cross-field dates): the schema accepts them.
SEMANTIC: list[tuple[str, tuple[str | int, ...], object]] = [
    (V, ("detected_on",), "2024-08-01"),
    (V, ("subject", "personal_number"), "654002197911031239"),
    (V, ("crossings", 0, "document_number"), "EA7654321"),
    # The channel is the schema's to say now (`const`; tests/test_schema.py): a date order is not.
    ("suspension_notice", ("effective_from",), "2025-01-20"),
]


@pytest.mark.parametrize(
    ("kind", "loc", "value", "path", "code"), STRUCTURAL, ids=[f"{c[4]}-{c[3]}" for c in STRUCTURAL]
)
def test_engines_agree_on_structural_faults(
    kind: str, loc: tuple[str | int, ...], value: object, path: str, code: str
) -> None:
    data = _mutated(kind, loc, value)
    expected = [(path, code)]
    # The models may find more (a bad number also breaks its MRZ); never less.
    assert (path, code) in _codes(MODEL, data)
    assert _codes(RUST, data) == expected
    assert _codes(PYTHON, data) == expected


@pytest.mark.parametrize(("kind", "loc", "value"), SEMANTIC)
def test_schema_accepts_what_only_the_models_can_judge(
    kind: str, loc: tuple[str | int, ...], value: object
) -> None:
    data = _mutated(kind, loc, value)
    assert _codes(MODEL, data)
    assert _codes(RUST, data) == []
    assert _codes(PYTHON, data) == []


def _example_files() -> list[Path]:
    return sorted(p for p in EXAMPLES.glob("*/*.json") if ".expected" not in p.name)


@pytest.mark.parametrize("path", _example_files(), ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_both_schema_validators_agree_on_examples(path: Path) -> None:
    data = json.loads(path.read_text("utf-8"))
    assert _codes(RUST, data) == _codes(PYTHON, data)


@pytest.mark.parametrize("path", _example_files(), ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_engines_agree_on_validity_of_structural_examples(path: Path) -> None:
    sidecar = path.with_suffix(".expected.json")
    expected = json.loads(sidecar.read_text("utf-8")) if sidecar.exists() else {"schema": "accept"}
    data = json.loads(path.read_text("utf-8"))
    schema_codes = _codes(RUST, data)
    if expected.get("schema") == "reject":
        assert schema_codes == _codes(MODEL, data)
    else:
        assert schema_codes == []


def test_the_schema_engine_gives_no_warnings() -> None:
    late = (EXAMPLES / "warnings" / "suspension_late.json").read_bytes()
    assert [p.code for p in validate_message(late).problems] == ["deadline.suspension"]
    assert validate_message(late, engine="schema").problems == ()


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("^A$", r"^A\Z"),
        ("^[$]$", r"^[$]\Z"),
        (r"^\$$", r"^\$\Z"),
        ("^a$|^b$", r"^a\Z|^b\Z"),
        ("^[A-Z]+$(?!\\n)", "^[A-Z]+\\Z(?!\\n)"),
    ],
)
def test_python_patterns_end_where_ecma_ends(pattern: str, expected: str) -> None:
    assert python_end_anchors(pattern) == expected


# --- the library API ---------------------------------------------------------------


def test_validate_message_keeps_its_shape() -> None:
    result = validate_message((EXAMPLES / "valid" / "suspension_notice.json").read_text("utf-8"))
    assert isinstance(result, RecordResult)
    assert result.valid
    assert result.problems == ()
    assert result.message is not None
    bad = validate_message('{"kind": "x"}', file="f.jsonl", line=7)
    assert bad.problems == (Problem("structure.unknown_kind", "$.kind", "error", "f.jsonl", 7),)


def test_validate_records_takes_text_bytes_and_objects() -> None:
    good = _example("suspension_notice")
    items: list[object] = [json.dumps(good), orjson.dumps(good), good, 42, {"kind": "x"}]
    run = validate_records(items)
    found = [[p.code for p in r.problems] for r in run]
    assert found == [[], [], [], ["input.not_object"], ["structure.unknown_kind"]]
    assert [r.line for r in validate_records(items)] == [1, 2, 3, 4, 5]
    assert (run.summary.records, run.summary.valid, run.summary.invalid) == (5, 3, 2)


def test_validation_is_lazy() -> None:
    taken: list[int] = []

    def records() -> Iterator[str]:
        for index in range(1_000):
            taken.append(index)
            yield '{"kind": "x"}'

    run = validate_records(records())
    first = next(iter(run))
    assert first.line == 1
    assert len(taken) == 1
    assert run.skip() == 999
    assert run.summary.unchecked_lines == 999


def test_validate_file_counts_and_streams(tmp_path: Path) -> None:
    good = orjson.dumps(_example("suspension_notice")) + b"\n"
    path = tmp_path / "a.jsonl"
    path.write_bytes(good * 3 + b'{"kind": "x"}\n' + b"\n")
    run = validate_file(path)
    assert not run.valid
    summary = run.summary
    assert (summary.lines, summary.records, summary.valid, summary.invalid) == (5, 4, 3, 1)
    assert dict(summary.codes) == {"structure.unknown_kind": 1, "input.blank_line": 1}
    assert (summary.errors, summary.warnings) == (1, 1)


def test_show_values_keeps_the_value_only_when_asked() -> None:
    data = _mutated(V, ("subject", "surname", "latin"), "NUERLАN")
    for engine in ("model", "schema"):
        hidden = validate_message(orjson.dumps(data), engine=engine).problems[0]
        shown = validate_message(orjson.dumps(data), engine=engine, show_values=True).problems[0]
        assert hidden.value is None
        assert shown.value == "NUERLАN"


def test_an_unknown_key_is_shown_by_its_position_only() -> None:
    example = _example("suspension_notice")
    data = {**example, "Жаксылыков Ерлан": 1, "note": 2}
    paths = {p.path for p in validate_message(orjson.dumps(data)).problems}
    width = len(example)
    assert paths == {f"$.<unknown key {width + 1}>", f"$.<unknown key {width + 2}>"}
    assert {p.path for p in validate_message(orjson.dumps(data), engine="schema").problems} == paths


@pytest.mark.parametrize(
    ("loc", "nearest"),
    [
        (("subject", "documents", 0, "number"), (3, "IdentityDocument")),
        (("subject", "surname", "latin"), (2, "BiscriptName")),
        (("sender", "authority"), (1, "PartyAuthority")),
        (("subject", "sex"), (1, "PersonRecord")),
    ],
)
def test_schema_faults_ask_the_nearest_model(
    loc: tuple[str | int, ...], nearest: tuple[int, str]
) -> None:
    # The models hold arrays as tuples: an index steps into a document, so a
    # document's fault is asked of the document, not of the whole person.
    models = _models_along(MESSAGE_MODELS["citizenship_acquisition"], loc)
    depth, model = models[-1]
    assert (depth, model.__name__) == nearest


def _schema_property_names(node: object) -> Iterator[str]:
    """Every name under a `properties` of a JSON Schema, however deep (the plain form)."""
    if isinstance(node, dict):
        properties = node.get("properties")
        if isinstance(properties, dict):
            yield from properties
        for value in node.values():
            yield from _schema_property_names(value)
    elif isinstance(node, list):
        for value in node:
            yield from _schema_property_names(value)


def test_the_keys_a_path_may_show_are_the_schemas_property_names() -> None:
    # `known_keys` reads the models' fields rather than building the schema (the first
    # warning of a run paid that): the same names, kinds' and rules' included.
    assert known_keys() == frozenset(_schema_property_names(build_schema("message")))
    assert {"issuing_authority", "visa_valid_until", "list_received_on"} <= known_keys()
