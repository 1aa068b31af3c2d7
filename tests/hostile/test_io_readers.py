"""Hostile input shapes: every one a per-line problem with a catalogue code, or one clean line.

CSV headers that crashed the layout compiler, column names that are personal
data, endless lines, pipes: none may escape as an internal error.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from cli_runner import invoke_command
from conftest import EXAMPLES
from kzcn.validation import validate_file, validate_stream
from kzcn.validation.columns import MAX_COLUMN_PARTS
from kzcn.validation.readers import LINE_CAP_FACTOR, InputRefusedError

GOOD = orjson.dumps(json.loads((EXAMPLES / "valid" / "suspension_notice.json").read_text("utf-8")))


def _codes(data: bytes, name: str) -> list[tuple[int | None, str, str]]:
    results = validate_stream(io.BytesIO(data), name=name)
    return [(p.line, p.path, p.code) for r in results for p in r.problems]


DEEP = ".".join(["a"] * 5000)
CSV_HEADERS: list[tuple[str, bytes, list[tuple[int | None, str, str]]]] = [
    (
        "index beside a name",
        b"kind,subject.sex,subject.0\nsuspension_notice,M,x\n",
        [(1, "<unknown column 3>", "input.csv_column")],
    ),
    (
        "name beside an index",
        b"kind,subject.0,subject.sex\nsuspension_notice,x,M\n",
        [(1, "<unknown column 2>", "input.csv_column")],
    ),
    (
        "a path 5,000 keys deep",
        f"kind,{DEEP}\nsuspension_notice,x\n".encode(),
        [(1, "<unknown column 2>", "input.csv_column")],
    ),
    (
        "a padded index",
        b"kind,subject.documents.00.number\nsuspension_notice,x\n",
        [(1, "<unknown column 2>", "input.csv_column")],
    ),
    (
        "a cp1251 header",
        b"kind,\xc8\xec\xff\nsuspension_notice,x\n",
        [(1, "$", "input.not_utf8"), (1, "<unknown column 2>", "input.csv_column")],
    ),
]


@pytest.mark.parametrize(
    ("case", "data", "header_codes"), CSV_HEADERS, ids=[c[0] for c in CSV_HEADERS]
)
def test_odd_csv_headers_are_reported_not_crashed_on(
    case: str, data: bytes, header_codes: list[tuple[int | None, str, str]]
) -> None:
    del case
    found = _codes(data, "x.csv")
    assert [f for f in found if f[0] == 1] == header_codes
    assert all(line == 2 for line, _, _ in found[len(header_codes) :])  # the row is judged


def test_a_deep_column_is_not_read_into_the_record() -> None:
    from kzcn.validation.columns import csv_layout  # noqa: PLC0415 - the unit under test

    deep = ".".join(["a"] * (MAX_COLUMN_PARTS + 1))
    layout = csv_layout(["kind", deep])
    assert layout.build(["k", "v"]) == {"kind": "k"}
    assert layout.unknown == ("<unknown column 2>",)


def test_unknown_column_names_are_not_echoed(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes(b"kind,NURLAN_ZHANG_1990,subject.sex\nsuspension_notice,x,M\n")
    code, out = invoke_command("validate", [str(path)])
    assert code == 1
    # The header's own report (the row's unknown key is the engines' to redact).
    header = [line for line in out.splitlines() if line.startswith(f"{path}:1:")]
    assert len(header) == 1
    assert header[0].startswith(f"{path}:1:2: <unknown column 2>: input.csv_column: ")
    assert "NURLAN" not in out


def test_a_line_over_the_limit_is_a_problem_and_far_over_it_a_refusal() -> None:
    limit = len(GOOD) + 10
    over = b'{"kind": "' + b"x" * limit + b'"}\n'
    results = list(
        validate_stream(io.BytesIO(GOOD + b"\n" + over + GOOD + b"\n"), max_record_bytes=limit)
    )
    assert [[p.code for p in r.problems] for r in results] == [[], ["input.too_large"], []]
    assert b"".join(r.raw or b"" for r in results) == GOOD + b"\n" + over + GOOD + b"\n"
    endless = GOOD + b"\n" + b"0" * (limit * LINE_CAP_FACTOR + 2)
    cap = f"{limit * LINE_CAP_FACTOR:,}"
    for fmt in ("jsonl", "csv"):
        with pytest.raises(InputRefusedError, match=f"line 2 is longer than {cap} bytes"):
            list(validate_stream(io.BytesIO(endless), input_format=fmt, max_record_bytes=limit))


@pytest.mark.slow  # a process per format
@pytest.mark.parametrize("fmt", ["auto", "csv", "json"])
def test_dev_zero_is_refused_quickly_with_one_line(fmt: str) -> None:
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "kzcn", "validate", "/dev/zero", "--input-format", fmt],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr.startswith("kzcn: error: /dev/zero: ")
    assert done.stderr.count("\n") == 1
    assert time.monotonic() - started < 20


@pytest.fixture
def fifo(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "pipe.jsonl"
    os.mkfifo(path)

    def feed() -> None:
        with path.open("wb") as writer:
            writer.write((GOOD + b"\n") * 3)

    thread = threading.Thread(target=feed, daemon=True)
    thread.start()
    yield path
    thread.join(timeout=5)


def test_a_fifo_is_read_as_a_stream_by_validate(fifo: Path) -> None:
    assert [r.valid for r in validate_file(fifo)] == [True, True, True]


def test_a_fifo_is_read_as_a_stream_by_exposure(fifo: Path) -> None:
    code, out = invoke_command("exposure", [str(fifo), "--format", "json"])
    assert code == 0
    assert json.loads(out)["input"]["lines"] == 3
    assert json.loads(out)["input"]["source"] == str(fifo)


@pytest.mark.parametrize("name", ["x[1].jsonl", "x*.jsonl", "x?.jsonl", "[!x].jsonl"])
def test_names_with_glob_characters_are_that_file(tmp_path: Path, name: str) -> None:
    (tmp_path / name).write_bytes(GOOD + b"\n")
    (tmp_path / "x1.jsonl").write_bytes(b'{"kind": "nope"}\n')  # what a glob would find
    code, out = invoke_command("validate", [str(tmp_path / name)])
    assert code == 0, out


def test_a_header_of_a_hundred_thousand_columns_is_refused() -> None:
    header = ",".join(f"c{i}" for i in range(100_000)).encode()
    with pytest.raises(InputRefusedError, match="the CSV header has 100,000 columns"):
        list(validate_stream(io.BytesIO(header + b"\n"), input_format="csv"))
