"""The committed JSON Schema files are exactly what the models generate."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import jsonschema_rs
import pytest
from typer.testing import CliRunner

from cli_runner import invoke_command
from conftest import ROOT
from kzcn import __version__
from kzcn._version import SCHEMA_VERSION
from kzcn.cli import app
from kzcn.errors import CATALOGUE
from kzcn.person import PersonRecord
from kzcn.privacy import LEGAL_CATEGORIES, PRIVACY_KEY, privacy
from kzcn.rules import model_named, rule_codes
from kzcn.schema import (
    SCHEMA_NAMES,
    build_schema,
    check_schema_files,
    declared_rules,
    kind_refs,
    render_schema,
    said_rules,
)
from kzcn.validation import SchemaEngine, validate_message

SCHEMA_DIR = ROOT / "schema"


@pytest.mark.parametrize("name", SCHEMA_NAMES)
def test_committed_schema_matches_the_models(name: str) -> None:
    committed = (SCHEMA_DIR / f"{name}.schema.json").read_text("utf-8")
    assert committed == render_schema(name), "run `kzcn schema` and commit schema/"


@pytest.mark.parametrize("name", SCHEMA_NAMES)
def test_schema_head(name: str) -> None:
    schema = build_schema(name)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == f"https://kzcn.invalid/schema/{SCHEMA_VERSION}/{name}.schema.json"
    assert schema["x-kzcn-version"] == SCHEMA_VERSION == "2.0"


def test_rendering_is_deterministic_and_ends_with_newline() -> None:
    first, second = render_schema("message"), render_schema("message")
    assert first == second
    assert first.endswith("}\n")
    assert json.loads(first) == build_schema("message")


def test_unknown_schema_name_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown schema"):
        build_schema("visa")


def test_check_reports_stale_and_missing(tmp_path: Path) -> None:
    (tmp_path / "message.schema.json").write_text("{}\n", encoding="utf-8")
    result = check_schema_files(tmp_path)
    assert not result.ok
    assert [p.name for p in result.stale] == ["message.schema.json"]
    assert [p.name for p in result.missing] == ["person.schema.json"]


def _walk(node: Any, path: str = "$") -> list[tuple[str, dict[str, Any]]]:
    found: list[tuple[str, dict[str, Any]]] = []
    if isinstance(node, dict):
        if "properties" in node and isinstance(node["properties"], dict):
            found += [(f"{path}.{k}", v) for k, v in node["properties"].items()]
        for key, value in node.items():
            found += _walk(value, f"{path}.{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _walk(value, f"{path}[{index}]")
    return found


def test_every_property_has_a_description() -> None:
    schema = build_schema("message")
    undocumented = [
        path
        for path, prop in _walk(schema["$defs"])
        if ".allOf" not in path and "description" not in prop and "$ref" not in prop
    ]
    assert undocumented == []


def test_privacy_annotations_name_known_categories() -> None:
    annotated = [
        prop[PRIVACY_KEY] for _, prop in _walk(build_schema("message")) if PRIVACY_KEY in prop
    ]
    assert len(annotated) > 20
    for note in annotated:
        assert note["role"] in {"direct_identifier", "quasi_identifier", "sensitive", "other"}
        assert set(note["categories"]) <= set(LEGAL_CATEGORIES)


@pytest.mark.parametrize(
    ("field", "role", "category"),
    [
        ("ethnic_nationality", "sensitive", "gdpr.ethnic_origin"),
        ("photo", "direct_identifier", "gdpr.biometric"),
        ("photo", "direct_identifier", "kz94v.biometric"),
        ("date_of_birth", "quasi_identifier", "kz94v.restricted"),
        ("surname", "direct_identifier", "gdpr.personal"),
    ],
)
def test_person_fields_carry_their_privacy_role(field: str, role: str, category: str) -> None:
    extra = PersonRecord.model_fields[field].json_schema_extra
    assert isinstance(extra, dict)
    note = extra[PRIVACY_KEY]
    assert isinstance(note, dict)
    assert note["role"] == role
    assert isinstance(note["categories"], list)
    assert category in note["categories"]


def test_unknown_legal_category_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown legal categories"):
        privacy("sensitive", "gdpr.astrology")


runner = CliRunner()


def test_cli_schema_check_passes_on_the_committed_files() -> None:
    result = runner.invoke(app, ["schema", "--check", "--out", str(SCHEMA_DIR)])
    assert result.exit_code == 0, result.output
    assert "up to date" in result.output


def test_cli_schema_writes_then_check_detects_drift(tmp_path: Path) -> None:
    assert runner.invoke(app, ["schema", "--out", str(tmp_path)]).exit_code == 0
    assert runner.invoke(app, ["schema", "--check", "--out", str(tmp_path)]).exit_code == 0
    target = tmp_path / "person.schema.json"
    stale = target.read_text("utf-8").replace(f'"{SCHEMA_VERSION}"', '"0.9"')
    target.write_text(stale, encoding="utf-8")
    result = runner.invoke(app, ["schema", "--check", "--out", str(tmp_path)])
    assert result.exit_code == 1
    assert "stale" in result.output


def test_cli_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"kzcn {__version__}"


def _invalid_examples() -> list[Path]:
    folder = ROOT / "examples" / "invalid"
    return sorted(p for p in folder.glob("*.json") if not p.name.endswith(".expected.json"))


@pytest.mark.parametrize("path", _invalid_examples(), ids=lambda p: p.stem)
def test_every_rule_beyond_the_schema_is_declared_on_its_kind(path: Path) -> None:
    # What the schema engine does not see, the kind's x-kzcn-rules (or its parts') must list.
    schema = build_schema("message")
    message = json.loads(path.read_text("utf-8"))
    expected = json.loads(path.with_suffix(".expected.json").read_text("utf-8"))
    refs = kind_refs(schema)
    if message.get("kind") not in refs:
        return
    seen_by_schema = {
        (p.code, p.path) for p in validate_message(path.read_bytes(), engine="schema").problems
    }
    beyond = {
        p["code"] for p in expected["problems"] if (p["code"], p["path"]) not in seen_by_schema
    }
    declared = declared_rules(schema, refs[message["kind"]].rsplit("/", 1)[-1])
    assert beyond <= declared


def test_x_kzcn_rules_name_catalogue_codes() -> None:
    for definition in build_schema("message")["$defs"].values():
        for rule in definition.get("x-kzcn-rules", ()):
            assert set(rule) == {"code", "severity", "rule"}
            assert rule["rule"].startswith(CATALOGUE[rule["code"]].title)


# --- rules the schema says: one verdict from the schema validators and the models -------------

DELETE = object()
_KAZ_DIPLOMATIC = ("information_request", "prior_change_list", "prior_citizenship_change")
_DIPLOMATIC_ONLY = (*_KAZ_DIPLOMATIC, "request_refusal", "suspension_notice")
_DIRECT: dict[str, object] = {"channel": "competent_authority", "carrier": None}

#: (kind of the valid example, top-level changes, the models' (path, code) or None when valid)
SAID_RULES: list[tuple[str, dict[str, object], tuple[str, str] | None]] = [
    # message.channel: a `const` on the kinds that travel by the diplomatic channel only.
    *[(kind, _DIRECT, ("$.channel", "message.channel")) for kind in _DIPLOMATIC_ONLY],
    ("citizenship_acquisition", {"channel": "diplomatic", "carrier": "KAZ_MFA"}, None),
    ("visa_free_statistics", {"channel": "diplomatic", "carrier": "CHN_MFA"}, None),
    ("citizenship_status_reply", _DIRECT, None),
    ("entry_stay_exit_violation", {"carrier": DELETE}, None),
    # message.carrier: `if` channel (and the sender's state) `then` the carrier.
    *[(kind, {"carrier": DELETE}, ("$.carrier", "message.carrier")) for kind in _KAZ_DIPLOMATIC],
    ("information_request", {"carrier": None}, ("$.carrier", "message.carrier")),
    ("information_request", {"carrier": "CHN_MFA"}, ("$.carrier", "message.carrier")),
    ("citizenship_status_reply", {"carrier": "KAZ_MFA"}, ("$.carrier", "message.carrier")),
    ("citizenship_status_reply", {"carrier": DELETE}, ("$.carrier", "message.carrier")),
    ("citizenship_acquisition", {"carrier": "KAZ_MFA"}, ("$.carrier", "message.carrier")),
    ("visa_free_statistics", {"carrier": "CHN_MFA"}, ("$.carrier", "message.carrier")),
    # A rule's `if` requires what it looks at: a missing channel is that and nothing more.
    ("information_request", {"channel": DELETE}, ("$.channel", "structure.missing_field")),
    ("information_request", {"channel": "post"}, ("$.channel", "structure.not_allowed")),
    # message.partial_scope: `if` the scope `then` the number of areas.
    ("suspension_notice", {"suspended_areas": []}, ("$.suspended_areas", "message.partial_scope")),
    (
        "suspension_notice",
        {"suspended_areas": DELETE},
        ("$.suspended_areas", "message.partial_scope"),
    ),
    ("suspension_notice", {"scope": "full"}, ("$.suspended_areas", "message.partial_scope")),
    ("suspension_notice", {"scope": "full", "suspended_areas": []}, None),
    ("suspension_notice", {"scope": "full", "suspended_areas": DELETE}, None),
    (
        "suspension_notice",
        {"suspended_areas": ["visa_free_statistics", "citizenship_acquisition"]},
        None,
    ),
    ("suspension_notice", {"scope": DELETE}, ("$.scope", "structure.missing_field")),
]


def _said_rule_case(kind: str, changes: dict[str, object]) -> dict[str, Any]:
    path = ROOT / "examples" / "valid" / f"{kind}.json"
    message: dict[str, Any] = json.loads(path.read_text("utf-8"))
    for key, value in changes.items():
        if value is DELETE:
            message.pop(key, None)
        else:
            message[key] = value
    return message


@cache
def _generic_validators() -> tuple[Any, jsonschema.Draft202012Validator]:
    """jsonschema-rs and Python jsonschema on the committed file, as a schema user runs them."""
    schema = json.loads((SCHEMA_DIR / "message.schema.json").read_text("utf-8"))
    checker = jsonschema.Draft202012Validator.FORMAT_CHECKER
    return (
        jsonschema_rs.validator_for(schema, validate_formats=True),
        jsonschema.Draft202012Validator(schema, format_checker=checker),
    )


def _case_id(case: tuple[str, dict[str, object], tuple[str, str] | None]) -> str:
    kind, changes, expected = case
    told = ",".join(f"{k}={'deleted' if v is DELETE else v}" for k, v in changes.items())
    return f"{kind}:{told}:{expected[1] if expected else 'valid'}"


@pytest.mark.parametrize("case", SAID_RULES, ids=_case_id)
def test_schema_validators_and_models_give_one_verdict(
    case: tuple[str, dict[str, object], tuple[str, str] | None],
) -> None:
    kind, changes, expected = case
    message = _said_rule_case(kind, changes)
    rust, python = _generic_validators()
    assert rust.is_valid(message) is (expected is None)
    assert python.is_valid(message) is (expected is None)
    for engine in ("model", "schema", "schema-python"):
        found = _problems(engine, message)
        assert found == ([expected] if expected else []), engine


_ENGINES: dict[str, Any] = {
    "model": "model",
    "schema": SchemaEngine(backend="rust"),
    "schema-python": SchemaEngine(backend="python"),
}


def _problems(engine: str, message: dict[str, Any]) -> list[tuple[str, str]]:
    result = validate_message(json.dumps(message).encode(), engine=_ENGINES[engine])
    return [(p.path, p.code) for p in result.problems if p.severity == "error"]


def test_kzcn_validate_reports_said_rules_with_the_models_codes(tmp_path: Path) -> None:
    lines = [json.dumps(_said_rule_case(kind, changes)) for kind, changes, _ in SAID_RULES]
    source = tmp_path / "said.jsonl"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    reports = {}
    for engine in ("model", "schema"):
        _, output = invoke_command(
            "validate", ["--engine", engine, "--format", "json", str(source)]
        )
        reports[engine] = [
            (p["line"], p["path"], p["code"]) for p in json.loads(output)["problems"]
        ]
    expected = [
        (line, *found) for line, (_, _, found) in enumerate(SAID_RULES, 1) if found is not None
    ]
    assert reports["model"] == expected
    assert reports["schema"] == expected


def test_said_rules_are_the_models_and_leave_x_kzcn_rules() -> None:
    schema = build_schema("message")
    said_somewhere: set[str] = set()
    for name, definition in schema["$defs"].items():
        said = said_rules(definition)
        said_somewhere |= said
        model = model_named(name)
        assert model is not None or not said
        if model is not None:
            assert said <= set(rule_codes(model)), name  # a clause says a rule the model has
        listed = {rule["code"] for rule in definition.get("x-kzcn-rules", ())}
        assert not said & listed, name
    assert said_somewhere == {
        "message.authority_state",
        "message.carrier",
        "message.channel",
        "message.partial_scope",
        "message.same_state",
    }
    kinds = {
        name: schema["$defs"][ref.rsplit("/", 1)[-1]] for name, ref in kind_refs(schema).items()
    }
    diplomatic = {kind for kind, d in kinds.items() if "message.channel" in said_rules(d)}
    assert diplomatic == set(_DIPLOMATIC_ONLY)
