"""`kzcn stays` as a user types it: every format, per message and per person, dates hidden."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cli_runner import invoke_command
from conftest import EXAMPLES

_EXAMPLE = json.loads((EXAMPLES / "valid" / "entry_stay_exit_violation.json").read_text("utf-8"))


def _violation(
    crossings: list[tuple[str, str]], detected: str, **changes: object
) -> dict[str, Any]:
    message: dict[str, Any] = json.loads(json.dumps(_EXAMPLE))
    template = message["crossings"][0]
    message["crossings"] = [
        {**template, "direction": direction, "crossed_on": day} for direction, day in crossings
    ]
    message.update(detected_on=detected, occurred_on=detected, **changes)
    return message


@pytest.fixture
def two_messages(tmp_path: Path) -> Path:
    # One person, two messages: 29 days in April; then 29 + 29 + 5 days. Each message alone
    # stays within 90 in 180; together they break it on 4 July (87 + 4 = 91 days).
    first = _violation(
        [("entry", "2024-04-01"), ("exit", "2024-04-29")],
        "2024-04-29",
        violation="purpose_of_stay_violation",
        permitted_stay_until="2024-04-30",
        measures=["fine"],
        entry_ban_until=None,
        sent_on="2024-05-10",
    )
    second = _violation(
        [
            ("entry", "2024-05-01"),
            ("exit", "2024-05-29"),
            ("entry", "2024-06-01"),
            ("exit", "2024-06-29"),
            ("entry", "2024-07-01"),
        ],
        "2024-07-05",
        violation="failure_to_register",
        permitted_stay_until="2024-07-30",
        measures=["fine"],
        entry_ban_until=None,
        sent_on="2024-07-20",
    )
    path = tmp_path / "violations.jsonl"
    path.write_text("\n".join(json.dumps(m) for m in (first, second)) + "\n", "utf-8")
    return path


def test_the_fixture_is_valid(two_messages: Path) -> None:
    code, out = invoke_command("validate", [str(two_messages)])
    assert code == 0, out


def test_per_message_text_hides_dates(two_messages: Path) -> None:
    code, out = invoke_command("stays", [str(two_messages)])
    assert code == 0
    assert "2024" not in out
    assert "message 1: 1 stay, 29 days used" in out
    assert "message 2: 3 stays, 63 days used" in out
    assert "summary: 2 groups from 2 records (0 not valid violation messages), 0 overstayed" in out


def test_by_person_joins_the_messages_and_finds_the_breach(two_messages: Path) -> None:
    code, out = invoke_command(
        "stays", [str(two_messages), "--by-person", "--format", "json", "--show-values"]
    )
    assert code == 0
    (person,) = json.loads(out)["groups"]
    assert person["lines"] == [1, 2]
    assert [s["days"] for s in person["stays"]] == [29, 29, 29, 5]
    assert person["breaches"] == [
        {"rule": "cumulative", "stay": 4, "on": "2024-07-04", "day_of_stay": 4}
    ]
    assert person["stays"][-1]["last_permitted_day"] == "2024-07-03"
    assert person["days_used"] == 92


def test_markdown_shows_dates_when_asked(two_messages: Path) -> None:
    code, out = invoke_command("stays", [str(two_messages), "--format", "md", "--show-values"])
    assert code == 0
    assert out.startswith("## message 1: 1 stay, 29 days used in the 180 ending 2024-04-29")


def test_a_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    code, out = invoke_command("stays", [str(tmp_path / "none.jsonl")])
    assert (code, out) == (2, f"kzcn: error: {tmp_path / 'none.jsonl'}: no such file\n")


@pytest.mark.parametrize("fmt", ["csv", "json", "jsonl"])
def test_every_format_validate_reads(tmp_path: Path, fmt: str) -> None:
    path = tmp_path / f"violations.{fmt}"
    generated = ["-n", "200", "--kind", "entry_stay_exit_violation", "--format", fmt]
    code, _ = invoke_command("generate", [*generated, "-q", "-o", str(path)])
    assert code == 0
    code, out = invoke_command("stays", [str(path), "--format", "json"])
    assert code == 0
    report = json.loads(out)
    assert (report["records"], report["skipped"], len(report["groups"])) == (200, 0, 200)


@pytest.mark.slow  # generate and stays as processes
def test_generated_people_have_one_history_each_and_overstay_as_reported(tmp_path: Path) -> None:
    # People recur across violation messages: joined per person, their crossings are in
    # order, and a person overstayed exactly when some message about them says overstay.
    path = tmp_path / "violations.jsonl"
    generated = ["-n", "6000", "--kind", "entry_stay_exit_violation", "--seed", "5", "-q"]
    code, _ = invoke_command("generate", [*generated, "-o", str(path)])
    assert code == 0
    code, out = invoke_command("stays", [str(path), "--by-person", "--format", "json"])
    assert code == 0
    groups = json.loads(out)["groups"]
    rules = {breach["rule"] for group in groups for breach in group["breaches"]}
    assert rules == {"single_stay", "visa_validity"}
    assert sum(1 for group in groups if len(group["lines"]) > 1) > 300
    for group in groups:
        assert group["overstayed"] == ("overstay" in group["violations"]), group["label"]
