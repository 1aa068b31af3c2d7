"""`kzcn migrate`: 1.0 messages become 2.0 ones the validator accepts; assumptions are said."""

from __future__ import annotations

import json
from pathlib import Path

import orjson
import pytest

from cli_runner import invoke_command
from conftest import ROOT, example_files
from kzcn.migrate import migrate_message
from kzcn.validation import validate_message

OLD = ROOT / "tests" / "data" / "schema_1_0"
OLD_FILES = sorted(OLD.iterdir())


def _old(name: str) -> dict[str, object]:
    data: dict[str, object] = json.loads((OLD / f"{name}.json").read_text("utf-8"))
    return data


@pytest.mark.parametrize("path", OLD_FILES, ids=lambda p: p.name)
def test_every_1_0_file_migrates_to_valid_2_0(path: Path, tmp_path: Path) -> None:
    out = tmp_path / "new.jsonl"
    code, _ = invoke_command("migrate", [str(path), "-o", str(out)])
    assert code == 0
    lines = out.read_bytes().splitlines()
    assert lines
    for line in lines:
        result = validate_message(line)
        assert [p.code for p in result.problems if p.severity == "error"] == []
        assert orjson.loads(line)["schema_version"] == "2.0"


@pytest.mark.parametrize(
    ("name", "paths"),
    [
        ("citizenship_acquisition", ["$.former_citizenship.status"]),
        (
            "prior_citizenship_change",
            ["$.carrier", "$.former_citizenship.evidence[0].type", "$.former_citizenship.ended_by"],
        ),
        ("citizenship_status_reply", ["$.carrier", "$.list_id", "$.list_item"]),
        ("suspension_notice", ["$.sender.authority", "$.carrier", "$.action"]),
        ("visa_free_statistics", []),
        ("entry_stay_exit_violation", []),
    ],
)
def test_each_assumption_is_reported_where_it_was_made(name: str, paths: list[str]) -> None:
    _, assumed = migrate_message(_old(name))
    assert [a.path for a in assumed] == paths


def test_values_that_have_a_place_in_2_0_are_kept() -> None:
    old = _old("prior_citizenship_change")
    new, _ = migrate_message(old)
    certificate = old["termination_evidence"]
    assert isinstance(certificate, dict)
    assert new["former_citizenship"]["evidence"] == [
        {
            "type": "renunciation_certificate_chn",
            "number": certificate["certificate_number"],
            "date": certificate["issued_on"],
            "issuer": certificate["issuer"],
        }
    ]
    assert new["subject"] == old["subject"]
    assert new["former_citizenship"]["state"] == old["former_citizenship"]


@pytest.mark.parametrize("path", example_files("valid"), ids=lambda p: p.stem)
def test_a_2_0_message_passes_unchanged(path: Path) -> None:
    message = json.loads(path.read_text("utf-8"))
    assert migrate_message(message) == (message, [])


def test_the_report_has_a_line_per_assumption(tmp_path: Path) -> None:
    code, out = invoke_command(
        "migrate", [str(OLD / "suspension_notice.json"), "-o", str(tmp_path / "x.jsonl")]
    )
    assert code == 0
    note = "$.action: assumed: 1.0 notices were adoptions: adopted"
    assert f"{OLD / 'suspension_notice.json'}:1: {note}" in out


def test_an_unreadable_record_is_reported_not_written(tmp_path: Path) -> None:
    source = tmp_path / "bad.jsonl"
    source.write_bytes(b'{"schema_version": "1.0"\n')
    code, out = invoke_command("migrate", [str(source), "-o", str(tmp_path / "x.jsonl")])
    assert code == 1
    assert ":1: not migrated: input." in out
    assert (tmp_path / "x.jsonl").read_bytes() == b""


def test_validate_names_a_1_0_message_and_the_way_out() -> None:
    code, out = invoke_command("validate", [str(OLD / "visa_free_statistics.json")])
    assert code == 1
    [line] = [x for x in out.splitlines() if "$.schema_version" in x]
    assert line.endswith("This message is schema 1.0; convert it with `kzcn migrate IN -o OUT`.")
