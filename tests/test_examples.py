"""Every example file behaves as its sidecar says, with the models and with the schema."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from conftest import ROOT, example_files
from kzcn.messages import MESSAGE_KINDS
from kzcn.validation import validate_message


@cache
def _schema_validator() -> jsonschema.Draft202012Validator:
    schema = json.loads((ROOT / "schema" / "message.schema.json").read_text("utf-8"))
    return jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


def _expected(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.with_suffix(".expected.json").read_text("utf-8"))
    return data


PROBLEM_EXAMPLES = example_files("invalid") + example_files("warnings")


def test_there_is_a_valid_example_of_each_kind() -> None:
    kinds = {json.loads(p.read_text("utf-8"))["kind"] for p in example_files("valid")}
    assert kinds == set(MESSAGE_KINDS)


@pytest.mark.parametrize(
    "name",
    [
        "reported_renunciation_unanswered",
        "reported_spouse_annulled",
        "reported_passport_clipped",
    ],
)
def test_the_reported_situations_are_examples(name: str) -> None:
    path = ROOT / "examples" / "valid" / f"{name}.json"
    assert validate_message(path.read_bytes()).problems == ()


def test_there_are_at_least_25_invalid_examples() -> None:
    assert len(example_files("invalid")) >= 25


@pytest.mark.parametrize("path", example_files("valid"), ids=lambda p: p.stem)
def test_valid_examples_pass_models_and_schema(path: Path) -> None:
    result = validate_message(path.read_bytes())
    assert result.problems == ()
    assert result.message is not None
    assert result.message.synthetic is True
    _schema_validator().validate(json.loads(path.read_text("utf-8")))


@pytest.mark.parametrize("path", PROBLEM_EXAMPLES, ids=lambda p: p.stem)
def test_problem_examples_report_exactly_their_codes(path: Path) -> None:
    expected = _expected(path)
    result = validate_message(path.read_bytes())
    got = sorted((p.code, p.path, p.severity) for p in result.problems)
    want = sorted((e["code"], e["path"], e.get("severity", "error")) for e in expected["problems"])
    assert got == want


@pytest.mark.parametrize("path", PROBLEM_EXAMPLES, ids=lambda p: p.stem)
def test_schema_accepts_or_rejects_as_recorded(path: Path) -> None:
    accepted = _schema_validator().is_valid(json.loads(path.read_text("utf-8")))
    assert accepted is (_expected(path)["schema"] == "accept")


@pytest.mark.parametrize("path", example_files("invalid"), ids=lambda p: p.stem)
def test_schema_rejects_every_structural_problem(path: Path) -> None:
    semantic_families = (
        "iin.",
        "resident_id.",
        "mrz.",
        "message.",
        "document.issued",
        "document.expiry",
    )
    codes = [e["code"] for e in _expected(path)["problems"]]
    if not all(code.startswith(semantic_families) for code in codes):
        assert _expected(path)["schema"] == "reject"
