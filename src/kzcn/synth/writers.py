"""Writing generated messages: JSONL, one JSON array, or CSV; with labels of corruption.

Everything streams: messages are produced, written and dropped one at a
time (JSONL and CSV in small batches), so memory stays flat for any count.
"""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO, Any, Literal

import orjson

from kzcn.flat import flatten
from kzcn.synth.columns import csv_columns
from kzcn.synth.corruption import corrupt
from kzcn.synth.generator import DEFAULT_MIX, Generator, Mix, generate

__all__ = ["FORMATS", "Format", "Label", "Summary", "labelled_messages", "write_dataset"]

Format = Literal["jsonl", "json", "csv"]
FORMATS: tuple[Format, ...] = ("jsonl", "json", "csv")
JsonDict = dict[str, Any]
_BATCH = 512  # records between label writes and progress reports
_LINES = 1024  # JSONL lines per write


@dataclass(frozen=True, slots=True)
class Label:
    """Ground truth of one record: is it valid, and if not, which fault and codes.

    `line` is the record's number from 1: its line in JSONL, its position in
    the JSON array, its data row in CSV (the header not counted).
    """

    line: int
    valid: bool
    fault: str | None
    codes: tuple[str, ...]

    def to_json(self) -> bytes:
        """The label as one JSON line."""
        return orjson.dumps(
            {"line": self.line, "valid": self.valid, "fault": self.fault,
             "codes": list(self.codes)}
        ) + b"\n"


@dataclass(frozen=True, slots=True)
class Summary:
    """What `write_dataset` wrote."""

    count: int
    invalid: int


def _corruption_rng(seed: int) -> random.Random:
    # A stream of its own, so the valid records are the same with or without corruption.
    return random.Random(f"kzcn-corrupt:{seed}")  # noqa: S311 - reproducible, not secret


def labelled_messages(
    count: int, seed: int = 0, mix: Mix = DEFAULT_MIX, invalid_rate: float = 0.0
) -> Iterator[tuple[JsonDict, Label]]:
    """`count` messages, a share `invalid_rate` of them corrupted, each with its label.

    Raises:
        ValueError: if `count` is negative or `invalid_rate` is outside 0-1.
    """
    if count < 0:
        raise ValueError("count must be >= 0")
    if not 0.0 <= invalid_rate <= 1.0:
        raise ValueError("invalid_rate must be between 0 and 1")
    generator = Generator(random.Random(seed), mix)  # noqa: S311 - reproducible, not secret
    faults = _corruption_rng(seed)
    for line in range(1, count + 1):
        message = generator.message()
        if invalid_rate and faults.random() < invalid_rate:
            corrupted = corrupt(message, faults)
            yield corrupted.message, Label(line, valid=False, fault=corrupted.fault,
                                           codes=corrupted.codes)
        else:
            yield message, Label(line, valid=True, fault=None, codes=())


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
) -> Summary:
    """Write `count` generated messages to `out` in `fmt`; labels to `labels` if given.

    `progress` is called with the number of records written so far, every few
    hundred records and at the end.
    """
    writer = {"jsonl": _write_jsonl, "json": _write_json, "csv": _write_csv}[fmt]
    if not invalid_rate and labels is None and progress is None:
        # The plain path: no labels to track, nothing per record but the message.
        writer(generate(count, seed, mix), out)
        return Summary(count, 0)
    items = labelled_messages(count, seed, mix, invalid_rate)
    invalid = 0

    def tracked() -> Iterator[JsonDict]:
        nonlocal invalid
        pending: list[bytes] = []
        for message, label in items:
            invalid += not label.valid
            if labels is not None:
                pending.append(label.to_json())
            yield message
            if label.line % _BATCH == 0:
                if labels is not None:
                    labels.write(b"".join(pending))
                    pending.clear()
                if progress is not None:
                    progress(label.line)
        if labels is not None:
            labels.write(b"".join(pending))

    writer(tracked(), out)
    if progress is not None:
        progress(count)
    return Summary(count, invalid)


def _write_jsonl(messages: Iterator[JsonDict], out: IO[bytes]) -> None:
    # orjson appends the newline itself; lines are joined and written in batches
    # of `_LINES` (about 2 MB), so there are few writes and memory stays flat.
    dumps = orjson.dumps
    newline = orjson.OPT_APPEND_NEWLINE
    batch: list[bytes] = []
    append = batch.append
    for message in messages:
        append(dumps(message, option=newline))
        if len(batch) == _LINES:
            out.write(b"".join(batch))
            batch.clear()
    out.write(b"".join(batch))


def _write_json(messages: Iterator[JsonDict], out: IO[bytes]) -> None:
    out.write(b"[")
    separator = b"\n"
    for message in messages:
        out.write(separator + orjson.dumps(message))
        separator = b",\n"
    out.write(b"\n]\n" if separator == b",\n" else b"]\n")


def _write_csv(messages: Iterator[JsonDict], out: IO[bytes]) -> None:
    columns = csv_columns()
    known = set(columns)
    text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
    try:
        rows = csv.writer(text, lineterminator="\n")
        rows.writerow(columns)
        for message in messages:
            cells = flatten(message)
            extra = cells.keys() - known
            if extra:
                raise ValueError(f"no CSV column for {min(extra)}")
            rows.writerow([cells.get(column, "") for column in columns])
    finally:
        text.detach()  # leave `out` open for the caller
