"""Writing generated messages: JSONL, one JSON array, CSV or Parquet; with labels of corruption.

A run is made chunk by chunk (see `kzcn.synth.generator`): each chunk is
generated, corrupted, labelled and serialised on its own (gzip-compressed into
a gzip member of its own when asked), in this process or in a pool of worker
processes, and the chunks are written in order. The bytes are the same for any
number of processes, and memory stays flat for any count: only a few chunks
are in flight at a time.

Worker processes write each chunk to a file of its own in a temporary
directory and this process only appends that file to the output (`sendfile`,
a copy inside the kernel): shipping the bytes through a pipe made this process,
which unpickled and wrote every one of them, the bottleneck, and two jobs were
slower than one.
"""

from __future__ import annotations

import csv
import gzip
import io
import os
import shutil
import tempfile
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field, replace
from functools import partial
from multiprocessing.pool import AsyncResult
from pathlib import Path
from typing import IO, Any

import orjson

from kzcn._formats import WRITTEN as FORMATS
from kzcn._formats import Format
from kzcn._workers import abandon, worker_pool
from kzcn.flat import csv_columns, flatten
from kzcn.synth._columns import Texts
from kzcn.synth.corruption import corrupt
from kzcn.synth.generator import (
    CHUNK,
    DEFAULT_MIX,
    Mix,
    chunk_built,
    chunk_lines,
    chunk_rng,
    chunk_spans,
)

__all__ = ["FORMATS", "Format", "Label", "Summary", "labelled_messages", "write_dataset"]

JsonDict = dict[str, Any]
#: zlib's fastest: compressing a chunk then costs about what making it does
#: (level 6 costs twice that for a file a quarter smaller; Python's default, 9,
#: more still). Part of the bytes a seed gives, as is the chunk length.
GZIP_LEVEL = 1
# `[` opens a JSON array and the header opens a CSV file, each on a line of its own.
_LINES_BEFORE_FIRST_RECORD: dict[str, int] = {"jsonl": 0, "json": 1, "csv": 1, "parquet": 0}


@dataclass(frozen=True, slots=True)
class Label:
    """Ground truth of one record: is it valid, and if not, which fault and codes.

    `line` is the record's number from 1 (its line in JSONL). Written to a
    labels file it becomes the line `kzcn validate` reports for the record in
    the file's format: JSON arrays and CSV have one line before the first
    record (`[` or the header), so there it is one more.
    """

    line: int
    valid: bool
    fault: str | None
    codes: tuple[str, ...]
    #: The record's `message_id` as written, so a record is found again after
    #: `kzcn validate --invalid-out` has moved it to another line.
    message_id: str | None = None

    def to_json(self, lines_before: int = 0) -> bytes:
        """The label as one JSON line; `lines_before` the first record (a header, `[`)."""
        return (
            orjson.dumps(
                {
                    "line": self.line + lines_before,
                    "record": self.line,
                    "message_id": self.message_id,
                    "valid": self.valid,
                    "fault": self.fault,
                    "codes": list(self.codes),
                }
            )
            + b"\n"
        )


@dataclass(frozen=True, slots=True)
class Summary:
    """What `write_dataset` wrote."""

    count: int
    invalid: int


def _check(count: int, invalid_rate: float) -> None:
    if count < 0:
        raise ValueError("count must be >= 0")
    if not 0.0 <= invalid_rate <= 1.0:
        raise ValueError("invalid_rate must be between 0 and 1")


def labelled_messages(
    count: int, seed: int = 0, mix: Mix = DEFAULT_MIX, invalid_rate: float = 0.0
) -> Iterator[tuple[JsonDict, Label]]:
    """`count` messages, a share `invalid_rate` of them corrupted, each with its label.

    The messages are those of `generate(count, seed, mix)`, bar the corrupted ones.

    Raises:
        ValueError: if `count` is negative or `invalid_rate` is outside 0-1.
    """
    _check(count, invalid_rate)
    for index, span in chunk_spans(count):
        lines, labels = _labelled_chunk(
            _Plan(seed, mix, "jsonl", invalid_rate, labelled=True), index, span
        )
        yield from zip(map(orjson.loads, lines), labels, strict=True)


def _labelled_chunk(plan: _Plan, index: int, span: range) -> tuple[list[bytes], list[Label]]:
    """A chunk's messages as JSON, some corrupted, and their labels."""
    lines = list(_lines(plan, index, span))
    labels = [Label(position + 1, valid=True, fault=None, codes=()) for position in span]
    if not plan.invalid_rate:
        return lines, _with_ids(labels, lines)
    # Faults come from a stream of their own, so the valid records are the same
    # with or without corruption.
    faults = chunk_rng(plan.seed, index, "kzcn-corrupt")
    for i, position in enumerate(span):
        if faults.random() < plan.invalid_rate:
            corrupted = corrupt(orjson.loads(lines[i]), faults)
            lines[i] = orjson.dumps(corrupted.message)
            labels[i] = Label(
                position + 1, valid=False, fault=corrupted.fault, codes=corrupted.codes
            )
    return lines, _with_ids(labels, lines)


def _with_ids(labels: list[Label], lines: list[bytes]) -> list[Label]:
    return [
        replace(label, message_id=_message_id(line))
        for label, line in zip(labels, lines, strict=True)
    ]


_ID_KEY = b'"message_id":"'


def _message_id(line: bytes) -> str | None:
    """The `message_id` of one serialised record (orjson writes no spaces), if it has one."""
    start = line.find(_ID_KEY)
    if start < 0:
        return None
    start += len(_ID_KEY)
    end = line.find(b'"', start)
    return line[start:end].decode("utf-8", "replace") if end > start else None


def write_dataset(  # noqa: PLR0913 - the CLI's options, passed through
    out: IO[bytes],
    count: int,
    *,
    seed: int = 0,
    mix: Mix = DEFAULT_MIX,
    fmt: Format = "jsonl",
    invalid_rate: float = 0.0,
    labels: IO[bytes] | None = None,
    progress: Callable[[int], None] | None = None,
    jobs: int = 1,
    compress: bool = False,
) -> Summary:
    """Write `count` generated messages to `out` in `fmt`; labels to `labels` if given.

    `jobs` > 1 makes the chunks in that many worker processes; the bytes written
    are the same for any `jobs`. The workers are spawned, so a script that asks
    for them must guard its top level with `if __name__ == "__main__":`; they
    hand their chunks over in files under `tempfile.gettempdir()` (`TMPDIR`),
    a few chunks (about 9 MB each) at a time.
    `compress` writes gzip: one gzip member per chunk (and one for a header
    or a closing bracket), which every gzip reader reads as one stream, made
    in the workers too. Not for Parquet, compressed inside.
    `progress` is called with the number of records written so far, after each
    chunk.

    Raises:
        ValueError: if `count` is negative, `invalid_rate` is outside 0-1,
            `jobs` is below 1, or Parquet is asked to hold corrupted records
            or to be gzip-compressed.
    """
    _check(count, invalid_rate)
    if jobs < 1:
        raise ValueError("jobs must be >= 1")
    if fmt == "parquet" and invalid_rate:
        raise ValueError(
            "Parquet columns are typed: corrupted records (invalid_rate) cannot be written there"
        )
    if fmt == "parquet" and compress:
        raise ValueError("Parquet is compressed inside (zstd): gzip would only add a layer")
    plan = _Plan(seed, mix, fmt, invalid_rate, labelled=labels is not None, compress=compress)
    workers = min(jobs, -(-count // CHUNK))
    invalid = 0
    # The chunk files outlive the writer, which may hold some until it closes;
    # `closing`: a failure while writing (Ctrl-C in `sendfile`, a full disk) stops
    # the workers now, not when the traceback is freed.
    with (
        _spill_directory(workers) as spill,
        _chunk_writer(plan, out, count) as write,
        closing(_made(replace(plan, spill=spill), count, workers)) as chunks,
    ):
        for chunk in chunks:
            write(chunk)
            if labels is not None:
                labels.write(chunk.labels)
            invalid += chunk.invalid
            if progress is not None:
                progress(chunk.end)
    return Summary(count, invalid)


@contextmanager
def _chunk_writer(plan: _Plan, out: IO[bytes], count: int) -> Iterator[Callable[[_Chunk], None]]:
    """Where each chunk goes: after the text before it, or into a Parquet row group.

    Nothing closes the output when the run fails half-way: the caller discards it.
    """
    if plan.fmt == "parquet":
        yield from _row_groups(out)
        return
    layout = _LAYOUTS[plan.fmt]
    out.write(_framed(plan, layout.head()))
    yield partial(_append, out)
    out.write(_framed(plan, layout.tail if count else layout.empty_tail))


def _row_groups(out: IO[bytes]) -> Iterator[Callable[[_Chunk], None]]:
    """Parquet: chunks gathered into row groups of `CHUNKS_PER_ROW_GROUP` (any `jobs` alike)."""
    from kzcn._parquet import (  # noqa: PLC0415 - pyarrow is optional
        CHUNKS_PER_ROW_GROUP,
        parquet_writer,
        table_from_ipc,
        write_row_group,
    )

    writer = parquet_writer(out)
    held: list[_Chunk] = []

    def flush() -> None:
        if held:
            write_row_group(writer, [table_from_ipc(chunk.payload()) for chunk in held])
            for chunk in held:
                _release(chunk)
            held.clear()

    def gather(chunk: _Chunk) -> None:
        held.append(chunk)
        if len(held) == CHUNKS_PER_ROW_GROUP:
            flush()

    yield gather
    flush()
    writer.close()


def _framed(plan: _Plan, data: bytes) -> bytes:
    """`data` as written: a gzip member of its own when compressing (none for no data)."""
    if not plan.compress or not data:
        return data
    return gzip.compress(data, compresslevel=GZIP_LEVEL, mtime=0)


def _append(out: IO[bytes], chunk: _Chunk) -> None:
    """Write a chunk to `out`: its bytes, or the file a worker left them in (then removed)."""
    if chunk.path is None:
        out.write(chunk.data)
        return
    with Path(chunk.path).open("rb") as source:
        _copy_file(source, out)
    _release(chunk)


def _release(chunk: _Chunk) -> None:
    """Remove the file a worker left a chunk in, once written (a few are on disk at a time)."""
    if chunk.path is not None:
        Path(chunk.path).unlink()


def _copy_file(source: IO[bytes], out: IO[bytes]) -> None:
    """Append all of `source` to `out`, inside the kernel when `out` is a plain file or pipe."""
    # Only a plain binary file (or stdout's buffer) is written through its descriptor:
    # a wrapper such as `GzipFile` has a `fileno` too, of the file under it.
    if isinstance(out, io.BufferedWriter | io.FileIO) and hasattr(os, "sendfile"):
        out.flush()
        size, sent = os.fstat(source.fileno()).st_size, 0
        try:
            while sent < size:
                done = os.sendfile(out.fileno(), source.fileno(), sent, size - sent)
                if not done:
                    break
                sent += done
        except OSError:
            if sent:  # part of it is out: copying the rest by hand would be no safer
                raise
        else:
            return
    shutil.copyfileobj(source, out, _COPY_BLOCK)


_COPY_BLOCK = 1 << 20


@dataclass(frozen=True, slots=True)
class _Plan:
    """What every chunk of a run needs (pickled to the worker processes)."""

    seed: int
    mix: Mix
    fmt: Format
    invalid_rate: float
    labelled: bool
    compress: bool = False
    # The chunk length, fixed here: worker processes see the module's default.
    chunk: int = field(default_factory=lambda: CHUNK)
    #: The directory where worker processes leave their chunks (None: in memory).
    spill: str | None = None


def _lines(plan: _Plan, index: int, span: range) -> Texts:
    return chunk_lines(plan.seed, index, len(span), plan.mix, plan.chunk)


@dataclass(frozen=True, slots=True)
class _Chunk:
    """One chunk, serialised: its records (or the file holding them), its label lines, counts."""

    data: bytes
    labels: bytes
    invalid: int
    end: int  # records in the run up to the end of this chunk
    path: str | None = None  # where a worker process left `data` instead

    def payload(self) -> bytes | str:
        """The chunk's bytes, or the name of the file holding them."""
        return self.data if self.path is None else self.path


@contextmanager
def _spill_directory(workers: int) -> Iterator[str | None]:
    """Where worker processes leave their chunks (none without workers); removed at the end."""
    if workers < 2:
        yield None
        return
    with tempfile.TemporaryDirectory(prefix="kzcn-chunks-", ignore_cleanup_errors=True) as spill:
        yield spill


def _made(plan: _Plan, count: int, workers: int) -> Generator[_Chunk]:
    """The chunks of the run, in order, made here or by `workers` worker processes."""
    spans = chunk_spans(count)
    if workers < 2:
        yield from (_make(plan, index, span) for index, span in spans)
        return
    # (Making every n-th chunk here as well was measured slower: this process,
    # which also writes every chunk, became the bottleneck.)
    yield from _made_by_workers(plan, spans, workers)


def _made_by_workers(
    plan: _Plan, spans: Iterator[tuple[int, range]], workers: int
) -> Iterator[_Chunk]:
    pool = worker_pool(workers)
    try:
        # At most two chunks per worker are queued or waiting to be written
        # (unlike `imap`, whose results pile up when `out` is slower than the
        # workers): enough to keep every worker busy, few enough for flat memory
        # and a few chunks of temporary disk.
        pending: deque[AsyncResult[_Chunk]] = deque()
        for index, span in spans:
            pending.append(pool.apply_async(partial(_make, plan, index, span)))
            if len(pending) >= 2 * workers:
                yield pending.popleft().get()
        while pending:
            yield pending.popleft().get()
    except BaseException:  # Ctrl-C, a full disk, the consumer gone: stop the workers now
        abandon(pool)
        raise
    pool.close()
    pool.join()


def _make(plan: _Plan, index: int, span: range) -> _Chunk:
    """Chunk `index` of the run: generated, corrupted, labelled, serialised; spilled if asked."""
    if plan.fmt == "parquet" and not plan.labelled:
        # Straight from the generator's columns to Arrow, with no JSON between.
        chunk = _Chunk(_arrow(plan, index, span), b"", 0, span.stop)
    elif not plan.invalid_rate and not plan.labelled:
        # The plain path: nothing per record but the message.
        chunk = _Chunk(_encoded(plan, index, _lines(plan, index, span)), b"", 0, span.stop)
    else:
        lines, labels = _labelled_chunk(plan, index, span)
        before = _LINES_BEFORE_FIRST_RECORD[plan.fmt]
        chunk = _Chunk(
            _encoded(plan, index, lines),
            b"".join(label.to_json(before) for label in labels) if plan.labelled else b"",
            sum(not label.valid for label in labels),
            span.stop,
        )
    if plan.spill is None:
        return chunk
    path = Path(plan.spill) / f"chunk-{index}"
    path.write_bytes(chunk.data)
    return replace(chunk, data=b"", path=str(path))


def _arrow(plan: _Plan, index: int, span: range) -> bytes:
    """A chunk's messages as an Arrow IPC stream, built from the generator's typed columns."""
    from kzcn._parquet import chunk_table, ipc_of  # noqa: PLC0415 - pyarrow is optional

    # Converted to Arrow here, in the worker; the one Parquet writer takes it as it is.
    return ipc_of(chunk_table(chunk_built(plan.seed, index, plan.mix, plan.chunk), len(span)))


def _encoded(plan: _Plan, index: int, lines: Texts | list[bytes]) -> bytes:
    """A chunk's records as written: the text between chunks first, gzip if asked."""
    layout = _LAYOUTS[plan.fmt]
    if plan.fmt == "parquet":  # (with labels: the records' identifiers are read from the JSON)
        from kzcn._parquet import ipc_of, table_of  # noqa: PLC0415 - pyarrow is optional

        return ipc_of(table_of(_jsonl(lines)))
    return _framed(plan, (layout.first if index == 0 else layout.between) + layout.encode(lines))


def _jsonl(lines: Iterable[bytes]) -> bytes:
    return b"\n".join([*lines, b""])  # a newline after every line, none without any


def _json_items(lines: Iterable[bytes]) -> bytes:
    return b",\n".join(lines)


def _csv_rows(lines: Iterable[bytes]) -> bytes:
    columns = csv_columns()
    known = set(columns)
    text = io.StringIO()
    rows = csv.writer(text, lineterminator="\n")
    for message in map(orjson.loads, lines):
        cells = flatten(message)
        extra = cells.keys() - known
        if extra:
            raise ValueError(f"no CSV column for {min(extra)}")
        rows.writerow([cells.get(column, "") for column in columns])
    return text.getvalue().encode()


def _csv_header() -> bytes:
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerow(csv_columns())
    return text.getvalue().encode()


@dataclass(frozen=True, slots=True)
class _Layout:
    """How a format serialises a chunk, and what goes around and between chunks."""

    encode: Callable[[Iterable[bytes]], bytes]
    head: Callable[[], bytes] = bytes
    first: bytes = b""  # before the first chunk
    between: bytes = b""  # between two chunks
    tail: bytes = b""  # after the last chunk
    empty_tail: bytes = b""  # after the head when there is no chunk


_LAYOUTS: dict[str, _Layout] = {
    "jsonl": _Layout(_jsonl),
    "json": _Layout(
        _json_items,
        head=lambda: b"[",
        first=b"\n",
        between=b",\n",
        tail=b"\n]\n",
        empty_tail=b"]\n",
    ),
    "csv": _Layout(_csv_rows, head=_csv_header),
    # Chunks travel as Arrow (`_encoded`); the writer makes each a row group (`_chunk_writer`).
    "parquet": _Layout(_jsonl),
}
