"""The split is lossless: every input byte lands in exactly one output, and valid-out validates.

A property over formats, line endings, final newlines and compression (whole,
cut short, followed by junk), then the multi-file cases a user would try.
"""

from __future__ import annotations

import gzip
import io
import json
import zlib
from pathlib import Path

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cli_runner import invoke_command
from conftest import EXAMPLES
from kzcn.errors import Code
from kzcn.validation import validate_file

GOOD = orjson.dumps(json.loads((EXAMPLES / "valid" / "suspension_notice.json").read_text("utf-8")))
PIECES = [GOOD, b'{"kind": "nope"}', b"", b"   ", b"\xff\xfe", b'{"kind": "susp', b"[1, 2]"]
CSV_ROWS = [
    "kind,message_id",
    'suspension_notice,"a, b"',
    '"multi\nline",x',
    "",
    "a,b,c",
    "\udcff,1",
]


def _document(fmt: str, picks: list[int], ending: bytes, final: bool) -> bytes:
    if fmt == "jsonl":
        lines = [PIECES[i % len(PIECES)] for i in picks]
    elif fmt == "csv":
        rows = [CSV_ROWS[0], *(CSV_ROWS[1 + i % (len(CSV_ROWS) - 1)] for i in picks)]
        lines = [row.encode("utf-8", "surrogateescape") for row in rows]
    else:
        lines = [b"[", b",\n".join(GOOD for _ in picks) or b" ", b"]"]
    data = ending.join(lines)
    return data + ending if final else data


def _raws(path: Path) -> tuple[bytes, list[Code]]:
    results = list(validate_file(path))
    codes = [p.code for r in results for p in r.problems]
    return b"".join(r.raw or b"" for r in results), codes


@given(
    fmt=st.sampled_from(["jsonl", "csv", "json"]),
    picks=st.lists(st.integers(0, 50), max_size=12),
    ending=st.sampled_from([b"\n", b"\r\n"]),
    final=st.booleans(),
    packing=st.sampled_from(["plain", "gzip", "two-members", "cut", "junk"]),
    cut=st.floats(0.1, 0.95),
)
def test_every_readable_byte_is_in_exactly_one_record(  # noqa: PLR0913 - the property's axes
    *,
    tmp_path_factory: object,
    fmt: str,
    picks: list[int],
    ending: bytes,
    final: bool,
    packing: str,
    cut: float,
) -> None:
    data = _document(fmt, picks, ending, final)
    blob = {
        "plain": data,
        "gzip": gzip.compress(data),
        "two-members": gzip.compress(data[: len(data) // 2])
        + gzip.compress(data[len(data) // 2 :]),
        "cut": gzip.compress(data)[: max(11, int(len(gzip.compress(data)) * cut))],
        "junk": gzip.compress(data) + b"not gzip",
    }[packing]
    folder = Path(str(tmp_path_factory.mktemp("split")))  # type: ignore[attr-defined]
    path = folder / f"input.{fmt}"
    path.write_bytes(blob)
    raws, codes = _raws(path)
    if packing == "cut":
        readable = zlib.decompressobj(wbits=31).decompress(blob)
        assert raws == readable  # every byte before the damage, and no more
        assert codes[-1] == "input.compression"
    else:
        assert raws == data
        assert ("input.compression" in codes) == (packing == "junk")


def _lines(path: Path) -> list[bytes]:
    return path.read_bytes().splitlines()


def test_files_without_a_final_newline_do_not_run_together(tmp_path: Path) -> None:
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    first.write_bytes(GOOD + b"\n" + GOOD)  # no final newline
    second.write_bytes(GOOD + b"\n" + b'{"kind": "nope"}\n')
    valid, invalid = tmp_path / "v.jsonl", tmp_path / "i.jsonl"
    code, _ = invoke_command(
        "validate",
        [str(first), str(second), "--valid-out", str(valid), "--invalid-out", str(invalid)],
    )
    assert code == 1
    assert _lines(valid) == [GOOD] * 3
    assert _lines(invalid) == [b'{"kind": "nope"}']
    assert invoke_command("validate", [str(valid)])[0] == 0


def _csv(path: Path, count: int, seed: int) -> Path:
    code, _ = invoke_command(
        "generate",
        ["--count", str(count), "--seed", str(seed), "--format", "csv", "--out", str(path)],
    )
    assert code == 0
    return path


@pytest.mark.slow  # commands as processes
def test_csv_files_with_one_header_join_under_it(tmp_path: Path) -> None:
    first, second = _csv(tmp_path / "a.csv", 4, 1), _csv(tmp_path / "b.csv", 3, 2)
    first.write_bytes(first.read_bytes().rstrip(b"\n"))
    valid = tmp_path / "v.csv"
    code, _ = invoke_command("validate", [str(first), str(second), "--valid-out", str(valid)])
    assert code == 0
    rows = _lines(valid)
    assert rows == [*_lines(first), *_lines(second)[1:]]  # one header, every row
    assert invoke_command("validate", [str(valid)])[0] == 0


def test_inputs_that_cannot_join_are_refused(tmp_path: Path) -> None:
    first, second = _csv(tmp_path / "a.csv", 2, 1), tmp_path / "b.csv"
    header = first.read_text("utf-8").splitlines()[0]
    second.write_text(",".join(reversed(header.split(","))) + "\n", "utf-8")
    json_file = tmp_path / "m.json"
    json_file.write_bytes(b"[" + GOOD + b"]")
    jsonl = tmp_path / "m.jsonl"
    jsonl.write_bytes(GOOD + b"\n")
    out = ["--valid-out", str(tmp_path / "out")]
    cases = {
        (str(first), str(second)): "have different header lines",
        (str(json_file), str(json_file.with_name("n.json"))): "JSON documents do not join",
        (str(jsonl), str(first)): "need inputs of one format",
    }
    json_file.with_name("n.json").write_bytes(json_file.read_bytes())
    for files, message in cases.items():
        code, text = invoke_command("validate", [*files, *out])
        assert code == 2
        assert message in text
        assert text.count("\n") == 1
    assert not (tmp_path / "out").exists()


def test_a_damaged_gzip_keeps_every_complete_line(tmp_path: Path) -> None:
    lines = [GOOD if i % 3 else b'{"kind": "nope"}' for i in range(95)]
    data = b"\n".join(lines) + b"\n"
    whole = gzip.compress(data)
    for name, blob in {"cut": whole[: len(whole) - 40], "junk": whole + b"\x00junk"}.items():
        path = tmp_path / f"{name}.jsonl.gz"
        path.write_bytes(blob)
        valid, invalid = tmp_path / f"{name}-v.jsonl", tmp_path / f"{name}-i.jsonl"
        code, report = invoke_command(
            "validate", [str(path), "--valid-out", str(valid), "--invalid-out", str(invalid)]
        )
        assert code == 1
        readable = zlib.decompressobj(wbits=31).decompress(blob)
        kept = sorted(_lines(valid) + _lines(invalid))
        assert kept == sorted(readable.splitlines())
        assert report.splitlines()[-2].endswith(
            "input.compression: Damaged compressed input: The gzip stream is corrupt or cut "
            "short; nothing after this point can be read."
        )


def test_gzip_member_bombs_are_read_in_steps() -> None:
    """Decompression hands out bounded pieces, whatever the ratio."""
    from kzcn._pipes import Gunzip  # noqa: PLC0415 - the unit under test

    reader = Gunzip(io.BytesIO(gzip.compress(b"\n" * (8 << 20))))
    assert len(reader.read(1 << 16)) <= 1 << 16
    assert not reader.damaged


def _split(tmp: Path, files: list[Path], suffix: str) -> tuple[int, Path, Path]:
    valid, invalid = tmp / f"valid{suffix}", tmp / f"invalid{suffix}"
    for stale in (valid, invalid):
        stale.unlink(missing_ok=True)
    code, _ = invoke_command(
        "validate", [*map(str, files), "--valid-out", str(valid), "--invalid-out", str(invalid)]
    )
    return code, valid, invalid


def _records(data: bytes) -> list[bytes]:
    """Lines, each with its end, a last line without one given one (as a join adds it)."""
    lines = data.splitlines(keepends=True)
    return [line if line.endswith(b"\n") else line + b"\n" for line in lines]


@pytest.mark.slow  # commands as processes
@settings(max_examples=25)
@given(
    files=st.lists(st.lists(st.integers(0, 50), max_size=6), min_size=1, max_size=3),
    ending=st.sampled_from([b"\n", b"\r\n"]),
    final=st.booleans(),
    packed=st.booleans(),
)
def test_the_cli_split_loses_nothing_and_valid_out_validates(
    tmp_path_factory: pytest.TempPathFactory,
    files: list[list[int]],
    ending: bytes,
    final: bool,
    packed: bool,
) -> None:
    tmp = tmp_path_factory.mktemp("cli-split")
    inputs, expected = [], []
    for number, picks in enumerate(files):
        data = _document("jsonl", picks, ending, final)
        expected += _records(data)
        path = tmp / f"in{number}.jsonl{'.gz' if packed else ''}"
        path.write_bytes(gzip.compress(data) if packed else data)
        inputs.append(path)
    code, valid, invalid = _split(tmp, inputs, ".jsonl")
    assert code in {0, 1}
    written = _records(valid.read_bytes()) + _records(invalid.read_bytes())
    assert sorted(written) == sorted(expected)
    if any(line.strip() for line in _records(valid.read_bytes())):  # blank lines alone: empty
        assert invoke_command("validate", [str(valid)])[0] == 0
