"""Writers: JSONL, JSON array and CSV, the CSV round trip, and chunks made by worker processes."""

from __future__ import annotations

import csv
import gzip
import io
import tempfile
from pathlib import Path

import orjson
import pytest

from kzcn.messages import MessageAdapter
from kzcn.synth import (
    LIST_LIMITS,
    csv_columns,
    generate,
    generator,
    labelled_messages,
    write_dataset,
    writers,
)
from kzcn.synth.generator import CHUNK, chunk_messages
from kzcn.validation import validate_message
from kzcn.validation.columns import csv_layout


def _write(fmt: str, count: int = 200, seed: int = 1) -> bytes:
    out = io.BytesIO()
    write_dataset(out, count, seed=seed, fmt=fmt)  # type: ignore[arg-type]
    return out.getvalue()


def test_jsonl_is_one_message_per_line() -> None:
    lines = _write("jsonl").splitlines()
    assert len(lines) == 200
    assert all(validate_message(line).valid for line in lines)


@pytest.mark.parametrize("count", [0, 1, 3])
def test_json_is_one_array_of_the_same_messages(count: int) -> None:
    array = orjson.loads(_write("json", count))
    assert array == [orjson.loads(x) for x in _write("jsonl", count).splitlines()]


def test_csv_header_is_fixed_and_covers_every_kind() -> None:
    header = next(csv.reader(io.StringIO(_write("csv", 5).decode())))
    assert header == csv_columns()
    assert header[:3] == ["schema_version", "message_id", "kind"]
    for column in (
        "subject.documents.3.mrz.2",
        "crossings.2.document_number",
        "rows.8.visas_issued",
        "suspended_areas.3",
        "measures.3",
        "former_citizenship.evidence.1.issuer",
        "citizens_of",
        "carrier",
        "items.0.subject.documents.3.mrz.2",
        "persons.0.document.number",
    ):
        assert column in header


def _rows(text: str) -> list[dict[str, object]]:
    """CSV rows rebuilt into messages the way `kzcn validate` reads them."""
    header, *cells = list(csv.reader(io.StringIO(text)))
    layout = csv_layout(header)
    assert layout.unknown == ()
    return [layout.build(row) for row in cells]


@pytest.mark.slow  # reads thousands of rows back through the models
def test_csv_rows_round_trip_to_the_same_messages() -> None:
    rebuilt = _rows(_write("csv", 1500, seed=8).decode())
    originals = _write("jsonl", 1500, seed=8).splitlines()
    assert len(rebuilt) == 1500
    for row, original in zip(rebuilt, originals, strict=True):
        # CSV leaves nulls and empty lists out; as models, the two are the same message.
        assert MessageAdapter.validate_json(orjson.dumps(row)) == MessageAdapter.validate_json(
            original
        )


@pytest.mark.slow  # thousands of rows
def test_csv_columns_follow_the_limits() -> None:
    few = csv_columns({**LIST_LIMITS, "subject.documents": 1})
    assert "subject.documents.0.number" in few
    assert "subject.documents.1.number" not in few


def test_csv_labels_count_data_rows() -> None:
    out, labels = io.BytesIO(), io.BytesIO()
    write_dataset(out, 50, seed=2, fmt="csv", invalid_rate=0.5, labels=labels)
    rows = _rows(out.getvalue().decode())
    truth = [orjson.loads(x) for x in labels.getvalue().splitlines()]
    for row, label in zip(rows, truth, strict=True):
        result = validate_message(orjson.dumps(row))
        assert sorted(p.code for p in result.problems if p.severity == "error") == label["codes"]


def test_progress_is_reported_to_the_end() -> None:
    seen: list[int] = []
    write_dataset(io.BytesIO(), 1100, seed=1, progress=seen.append)
    assert seen[-1] == 1100
    assert seen == sorted(seen)


@pytest.mark.parametrize(("count", "rate"), [(-1, 0.0), (1, 1.5), (1, -0.1)])
def test_bad_arguments_are_refused(count: int, rate: float) -> None:
    with pytest.raises(ValueError, match=r"count|invalid_rate"):
        write_dataset(io.BytesIO(), count, invalid_rate=rate, labels=io.BytesIO())


# --- chunks and worker processes ------------------------------------------------

SMALL_CHUNK = 10


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> int:
    """Chunks of 10 messages, so that boundaries are cheap to cross (workers get spans)."""
    monkeypatch.setattr(generator, "CHUNK", SMALL_CHUNK)
    monkeypatch.setattr(writers, "CHUNK", SMALL_CHUNK)
    return SMALL_CHUNK


def _run(fmt: str, count: int, jobs: int, rate: float | None, seed: int = 4) -> tuple[bytes, bytes]:
    out, labels = io.BytesIO(), io.BytesIO()
    write_dataset(
        out,
        count,
        seed=seed,
        fmt=fmt,  # type: ignore[arg-type]
        jobs=jobs,
        invalid_rate=rate or 0.0,
        labels=labels if rate is not None else None,
    )
    return out.getvalue(), labels.getvalue()


@pytest.mark.slow  # worker processes
@pytest.mark.parametrize("rate", [None, 0.0, 0.4])
@pytest.mark.parametrize("fmt", ["jsonl", "json", "csv"])
def test_worker_processes_write_the_same_bytes(
    small_chunks: int, fmt: str, rate: float | None
) -> None:
    count = 7 * small_chunks + 3
    alone, labels_alone = _run(fmt, count, 1, rate)
    shared, labels_shared = _run(fmt, count, 2, rate)
    assert shared == alone
    assert labels_shared == labels_alone
    if rate is not None:
        records = [orjson.loads(x)["record"] for x in labels_alone.splitlines()]
        assert records == list(range(1, count + 1))


@pytest.mark.slow  # worker processes
def test_worker_processes_with_the_real_chunk_size() -> None:
    assert _run("jsonl", CHUNK + 1, 2, 0.2) == _run("jsonl", CHUNK + 1, 1, 0.2)


@pytest.mark.slow  # whole runs at every chunk size
@pytest.mark.parametrize("offset", [-SMALL_CHUNK, -SMALL_CHUNK + 1, -1, 0, 1])
@pytest.mark.parametrize("fmt", ["jsonl", "json", "csv"])
def test_chunk_boundaries(small_chunks: int, fmt: str, offset: int) -> None:
    count = small_chunks + offset  # 0, 1, chunk - 1, chunk, chunk + 1
    data, labels = _run(fmt, count, 2, 0.5)
    assert (data, labels) == _run(fmt, count, 1, 0.5)
    messages = list(generate(count, seed=4))
    assert len(messages) == count
    if fmt == "jsonl":
        assert len(data.splitlines()) == count
    elif fmt == "json":
        assert len(orjson.loads(data)) == count
    else:
        assert len(list(csv.DictReader(io.StringIO(data.decode())))) == count
    labelled = [orjson.loads(x) for x in labels.splitlines()]
    assert [x["record"] for x in labelled] == list(range(1, count + 1))
    before = {"jsonl": 0, "json": 1, "csv": 1}[fmt]  # `[` or the header come first
    assert [x["line"] for x in labelled] == [n + before for n in range(1, count + 1)]


def test_a_shorter_run_is_a_prefix_of_a_longer_one(small_chunks: int) -> None:
    longer = list(generate(3 * small_chunks + 5, seed=6))
    for count in (0, 1, small_chunks - 1, small_chunks, small_chunks + 1, 2 * small_chunks + 7):
        assert list(generate(count, seed=6)) == longer[:count]


def test_each_chunk_has_its_own_stream(small_chunks: int) -> None:
    messages = list(generate(2 * small_chunks, seed=6))
    assert messages[:small_chunks] == list(chunk_messages(6, 0, small_chunks))
    assert messages[small_chunks:] == list(chunk_messages(6, 1, small_chunks))
    ids = {m["message_id"] for m in messages} | {m["message_id"] for m in generate(20, seed=7)}
    assert len(ids) == 2 * small_chunks + 20


def test_the_library_and_the_writer_give_the_same_messages(small_chunks: int) -> None:
    count = 3 * small_chunks + 2
    data, labels = _run("jsonl", count, 1, 0.3)
    pairs = list(labelled_messages(count, seed=4, invalid_rate=0.3))
    assert data == b"".join(orjson.dumps(m, option=orjson.OPT_APPEND_NEWLINE) for m, _ in pairs)
    assert labels == b"".join(label.to_json() for _, label in pairs)
    plain = list(generate(count, seed=4))
    assert [m for (m, label) in pairs if label.valid] == [
        m for m, (_, label) in zip(plain, pairs, strict=True) if label.valid
    ]


@pytest.mark.slow  # a run of many chunks
def test_progress_is_reported_per_chunk(small_chunks: int) -> None:
    seen: list[int] = []
    write_dataset(io.BytesIO(), 3 * small_chunks + 4, seed=1, progress=seen.append, jobs=2)
    assert seen == [10, 20, 30, 34]


def test_jobs_below_one_are_refused() -> None:
    with pytest.raises(ValueError, match="jobs"):
        write_dataset(io.BytesIO(), 1, jobs=0)


@pytest.mark.slow  # worker processes
@pytest.mark.parametrize("fmt", ["jsonl", "json", "csv"])
def test_workers_hand_chunks_over_in_files_that_are_then_removed(
    small_chunks: int, fmt: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Into a real file the kernel copies the chunks (`sendfile`); the bytes stay the same."""
    spills = tmp_path / "tmp"
    spills.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(spills))
    count = 5 * small_chunks + 7
    for jobs in (1, 2):
        with (tmp_path / f"{jobs}.out").open("wb") as out:
            write_dataset(out, count, seed=3, fmt=fmt, jobs=jobs)  # type: ignore[arg-type]
    assert (tmp_path / "2.out").read_bytes() == (tmp_path / "1.out").read_bytes()
    assert (tmp_path / "1.out").read_bytes() == _run(fmt, count, 1, None, seed=3)[0]
    assert list(spills.iterdir()) == []


@pytest.mark.parametrize("fmt", ["jsonl", "json", "csv"])
@pytest.mark.parametrize("count", [0, 1, 25])
def test_gzip_is_the_same_text_one_member_per_chunk(
    small_chunks: int, fmt: str, count: int
) -> None:
    plain = _run(fmt, count, 1, None)[0]
    out = io.BytesIO()
    write_dataset(out, count, seed=4, fmt=fmt, compress=True)  # type: ignore[arg-type]
    assert gzip.decompress(out.getvalue()) == plain
    members = out.getvalue().count(b"\x1f\x8b\x08\x00\x00\x00\x00\x00")  # mtime 0: no date
    around = {"jsonl": 0, "json": 2, "csv": 1}[fmt]  # `[` and `]`, or the header
    assert members == -(-count // small_chunks) + around


@pytest.mark.slow  # worker processes
def test_gzip_bytes_are_the_same_for_any_jobs(small_chunks: int) -> None:
    written = []
    for jobs in (1, 2):
        out = io.BytesIO()
        write_dataset(out, 4 * small_chunks + 1, seed=9, fmt="csv", jobs=jobs, compress=True)
        written.append(out.getvalue())
    assert written[0] == written[1]


def test_gzip_parquet_is_refused() -> None:
    with pytest.raises(ValueError, match="Parquet"):
        write_dataset(io.BytesIO(), 1, fmt="parquet", compress=True)
