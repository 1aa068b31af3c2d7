"""`kzcn exposure` end to end: formats, stdin, per-record file, usage errors."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import orjson
import pytest

from cli_runner import invoke_command
from exposure_fixtures import write_jsonl


def invoke(args: Sequence[str], stdin: bytes | None = None) -> tuple[int, str]:
    return invoke_command("exposure", args, stdin)


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_jsonl(tmp_path_factory.mktemp("exposure") / "m.jsonl", 1500, seed=21)


def test_text_report(dataset: Path) -> None:
    code, out = invoke([str(dataset)])
    assert code == 0
    for title in (
        "What was read",
        "Messages by kind and direction",
        "Which details identify",
        "What coarsening does",
        "Does the group give away Ethnic nationality?",
    ):
        assert title in out


def test_formats_hold_the_same_numbers(dataset: Path, tmp_path: Path) -> None:
    code, out = invoke([str(dataset), "--format", "json"])
    assert code == 0
    data = orjson.loads(out)
    code, markdown = invoke([str(dataset), "--format", "md"])
    assert code == 0
    html_path = tmp_path / "r.html"
    code, _ = invoke([str(dataset), "--format", "html", "--out", str(html_path)])
    assert code == 0
    html = html_path.read_text("utf-8")
    share = f"{data['risk']['sample_uniqueness'] * 100:.2f}%"
    assert share in markdown
    assert share in html
    assert data["input"]["lines"] == 1500


def test_stdin_and_options(dataset: Path) -> None:
    code, out = invoke(
        [
            "-",
            "--format",
            "json",
            "--qi",
            "sex,citizenship",
            "--threshold",
            "0.5",
            "--max-subset",
            "2",
        ],
        stdin=dataset.read_bytes(),
    )
    assert code == 0
    data = orjson.loads(out)
    assert data["input"]["source"] == "-"
    assert data["settings"]["qi"] == ["sex", "citizenship"]
    assert data["settings"]["sensitive"] == "ethnic_nationality"
    assert max(len(row["fields"]) for row in data["subsets"]) == 2


def test_per_record_file(dataset: Path, tmp_path: Path) -> None:
    target = tmp_path / "per.jsonl"
    code, _ = invoke([str(dataset), "--format", "json", "--per-record", str(target)])
    assert code == 0
    rows = [orjson.loads(line) for line in target.read_bytes().splitlines()]
    assert [row["line"] for row in rows] == list(range(1, 1501))
    assert set(rows[0]) == {
        "line",
        "status",
        "reason",
        "class_size",
        "risk",
        "unique_subset_count",
        "minimal_unique_subsets",
    }


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--qi", "date_of_birth,shoe_size"], "shoe_size"),
        (["--sensitive", "documents"], "list"),
        (["--format", "pdf"], "unknown format"),
        (["--threshold", "2"], "threshold"),
    ],
)
def test_usage_errors(dataset: Path, args: list[str], message: str) -> None:
    code, out = invoke([str(dataset), *args])
    assert code == 2
    assert message in out


def test_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    code, out = invoke([str(tmp_path / "absent.jsonl")])
    assert code == 2
    assert "no such file" in out


@pytest.mark.slow  # commands as processes
def test_real_process_exit_code_and_one_line(dataset: Path) -> None:
    """Through the console entry point: exit 2, one line, no traceback."""
    done = subprocess.run(
        [sys.executable, "-m", "kzcn", "exposure", str(dataset), "--qi", "nope"],
        capture_output=True,
        check=False,
        env={"NO_COLOR": "1", "PATH": ""},
        timeout=60,
    )
    assert done.returncode == 2
    assert b"Traceback" not in done.stderr
    assert done.stderr.startswith(b"kzcn: error: 'nope' is not a field")
