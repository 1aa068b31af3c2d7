"""Hostile inputs to `kzcn exposure`: never a silent empty report; every reader agrees."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import orjson
import pytest

from cli_runner import invoke_command
from exposure_fixtures import build_messages
from kzcn.exposure import _read
from kzcn.exposure._duck import read_native
from kzcn.exposure._read import _fast_plan_of, read_source
from test_exposure_fast import _plan

LINES = [orjson.dumps(m) for m in build_messages(60, seed=5)]
DATA = b"\n".join(LINES) + b"\n"


def _input(path: Path) -> dict[str, object]:
    code, out = invoke_command("exposure", [str(path), "--format", "json"])
    assert code == 0
    summary: dict[str, object] = json.loads(out)["input"]
    return summary


@pytest.mark.parametrize(
    ("name", "blob"),
    [
        ("m.jsonl.gz", gzip.compress(DATA)),
        ("m.json", b"\xef\xbb\xbf" + b"[" + b",".join(LINES) + b"]"),
        ("m.jsonl", b"\xef\xbb\xbf" + DATA),
        ("m.gz-without-a-name", gzip.compress(DATA)),
    ],
)
def test_compressed_and_bom_prefixed_inputs_are_read_whole(
    tmp_path: Path, name: str, blob: bytes
) -> None:
    path = tmp_path / name
    path.write_bytes(blob)
    summary = _input(path)
    assert summary["messages"] == len(LINES)
    assert summary["skipped"] == {}


def test_a_damaged_gzip_keeps_what_precedes_the_damage(tmp_path: Path) -> None:
    path = tmp_path / "m.jsonl.gz"
    path.write_bytes(gzip.compress(DATA) + b"junk")
    summary = _input(path)
    assert summary["messages"] == len(LINES)
    assert summary["skipped"] == {"input.compression": 1}


def test_json_lines_starting_with_an_array_line_are_lines(tmp_path: Path) -> None:
    path = tmp_path / "m.jsonl"
    path.write_bytes(b"[" * 3000 + b"]" * 3000 + b"\n" + DATA)
    summary = _input(path)
    assert summary["messages"] == len(LINES)
    assert summary["skipped"] == {"input.not_json": 1}


def test_a_deeply_nested_line_is_skipped_not_crashed_on(tmp_path: Path) -> None:
    deep = LINES[0][:-1] + b',"x":' + b"[" * 3000 + b"]" * 3000 + b"}"
    path = tmp_path / "m.jsonl"
    path.write_bytes(deep + b"\n" + DATA)
    assert _input(path)["messages"] in {len(LINES), len(LINES) + 1}


@pytest.mark.parametrize("name", ["x[1].jsonl", "x*.jsonl", "x?.jsonl", "{x}.jsonl"])
def test_glob_characters_in_a_name_are_not_a_pattern(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(DATA)
    # What a glob would find: as many lines, other people.
    other = b"".join(orjson.dumps(m) + b"\n" for m in build_messages(len(LINES), seed=6))
    (tmp_path / "x1.jsonl").write_bytes(other)
    plan = _plan()
    assert read_native(path, plan, _fast_plan_of(plan)) is not None
    native = read_source(path, _plan(), native=True)
    python = read_source(path, _plan(), workers=1, native=False)
    assert native.lines == python.lines == len(LINES)
    assert native.messages.equals(python.messages)


def test_an_endless_line_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_read, "MAX_LINE_BYTES", 1000)
    path = tmp_path / "m.jsonl"
    path.write_bytes(DATA + b"0" * 5000)
    code, out = invoke_command("exposure", [str(path)])
    assert code == 2
    assert out == "kzcn: error: a line longer than 1,000 bytes; not a file of messages\n"
