"""Result objects: one per record, a running summary, and a lazy stream of results.

Nothing here holds more than one record at a time: a `Validation` yields
results as it reads, and a `Summary` keeps counters only, so validating a
file of any length takes the same memory.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from kzcn.messages import Message, MessageAdapter
from kzcn.validation._pickled import pickled_by_fields
from kzcn.validation.problems import Problem

__all__ = ["CHUNK", "RecordResult", "Role", "Summary", "Validation"]

#: Units read and judged at once by a `Validation` given an `accept_chunk`: enough that a
#: chunk's fixed costs (numpy's, in the model engine) are small beside its lines.
CHUNK = 1024

_build_model = MessageAdapter.validator.validate_json

#: What a unit of input is: a record, a blank line between records, or a CSV header.
Role = Literal["record", "blank", "header"]


@pickled_by_fields  # with --jobs, every result crosses back from a worker
@dataclass(frozen=True, slots=True)
class RecordResult:
    """The outcome for one record: where it came from, and its problems.

    Attributes:
        file: The input's name (`-` for standard input), or None.
        line: The line the record starts on (for CSV, the row's first line).
        problems: Errors and warnings, in the order found.
        message: The validated model (model engine, valid records only); for
            a record the fast path accepted, built on first use.
        raw: The input bytes this result closes, for splitting the input
            (`--valid-out`/`--invalid-out`): a JSONL line or a CSV row as read.
            The records of one `.json` file are one group: all but the last
            carry None and the last carries the whole file.
        role: `record`, `blank` (a blank line) or `header` (a CSV header).
        lines: How many input lines `raw` spans (0 when `raw` is None).
    """

    file: str | None
    line: int | None
    problems: tuple[Problem, ...]
    _message: Message | None = field(default=None, compare=False)
    raw: bytes | None = field(default=b"", repr=False, compare=False)
    role: Role = "record"
    lines: int = 1
    #: JSON text the fast path accepted (`kzcn.validation._accept`): `message` is built
    #: from it by the models when first read, so a run that never reads it never pays.
    accepted: bytes | None = field(default=None, repr=False, compare=False)

    @property
    def message(self) -> Message | None:
        """The validated model (model engine, valid records only)."""
        if self._message is None and self.accepted is not None:
            object.__setattr__(self, "_message", _build_model(self.accepted))
        return self._message

    @property
    def valid(self) -> bool:
        """True when no problem is an error (warnings allowed)."""
        # Most results have no problem: no generator for them (a 1M-line run's parent
        # asks this of every line, beside the workers, on the same cores).
        return not self.problems or not any(p.severity == "error" for p in self.problems)

    @property
    def has_warnings(self) -> bool:
        """True when some problem is a warning."""
        return bool(self.problems) and any(p.severity == "warning" for p in self.problems)

    def failed(self, *, strict: bool = False) -> bool:
        """True when this result fails a run: an error, or a warning under `strict`."""
        return not self.valid or (strict and self.has_warnings)


@dataclass(slots=True)
class Summary:
    """Counters over results; blank lines and CSV headers are not records."""

    files: int = 0
    lines: int = 0
    records: int = 0
    valid: int = 0
    invalid: int = 0
    with_warnings: int = 0
    codes: Counter[str] = field(default_factory=Counter)
    unchecked_lines: int = 0
    errors: int = 0
    warnings: int = 0

    def add(self, result: RecordResult) -> None:
        """Count one result."""
        self.lines += result.lines
        if not result.problems and result.role == "record":  # the common case, in short
            self.records += 1
            self.valid += 1
            return
        for item in result.problems:
            self.codes[item.code] += 1
            if item.severity == "error":
                self.errors += 1
            else:
                self.warnings += 1
        if result.role != "record":
            return
        self.records += 1
        if result.valid:
            self.valid += 1
        else:
            self.invalid += 1
        if result.has_warnings:
            self.with_warnings += 1

    def merge(self, other: Summary) -> None:
        """Add another summary's counts to this one."""
        for name in (
            "files",
            "lines",
            "records",
            "valid",
            "invalid",
            "with_warnings",
            "unchecked_lines",
            "errors",
            "warnings",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.codes.update(other.codes)

    @property
    def problems(self) -> int:
        """Every problem counted, errors and warnings."""
        return self.errors + self.warnings

    def ok(self, *, strict: bool = False) -> bool:
        """True when nothing failed: no error (and no warning under `strict`), all checked."""
        return not self.errors and not (strict and self.warnings) and not self.unchecked_lines

    def as_dict(self) -> dict[str, Any]:
        """The counters as plain JSON data, codes sorted."""
        return {
            "files": self.files,
            "lines": self.lines,
            "records": self.records,
            "records_valid": self.valid,
            "records_invalid": self.invalid,
            "records_with_warnings": self.with_warnings,
            "errors": self.errors,
            "warnings": self.warnings,
            "codes": dict(sorted(self.codes.items())),
            "unchecked_lines": self.unchecked_lines,
        }


class Validation:
    """The results of validating one input, produced lazily as it is iterated.

    Iterate once: each record is read, validated and handed over, then
    forgotten. `summary` counts what has been iterated so far. To stop early
    and still know how much input there was, break out of the loop and call
    `skip()`, which reads the rest without validating it.

    Examples:
        >>> from kzcn.validation import validate_records
        >>> run = validate_records(['{"kind": "nothing"}'])
        >>> [p.code for r in run for p in r.problems]
        ['structure.unknown_kind']
        >>> run.summary.invalid
        1
    """

    def __init__(
        self,
        name: str,
        units: Iterator[Any],
        check: Callable[[Any], RecordResult],
        count: Callable[[Any], int],
        accept_chunk: Callable[[Sequence[Any]], list[RecordResult | None]] | None = None,
    ) -> None:
        self.name = name
        self.summary = Summary(files=1)
        self._units = units
        self._check = check
        self._count = count
        self._accept_chunk = accept_chunk
        #: The chunk whose results are being handed on, and how many have been (see `skip`).
        self._held: list[Any] = []
        self._handed = 0

    def __iter__(self) -> Iterator[RecordResult]:
        for result in self._results():
            self.summary.add(result)
            yield result

    def _results(self) -> Iterator[RecordResult]:
        """Each unit's result, in input order (in worker processes: `ParallelValidation`)."""
        if self._accept_chunk is None:
            return map(self._check, self._units)
        return self._chunked(self._accept_chunk)

    def _chunked(
        self, accept_chunk: Callable[[Sequence[Any]], list[RecordResult | None]]
    ) -> Iterator[RecordResult]:
        """Each unit's result, in input order, the units read `CHUNK` at a time.

        The engine accepts what it can of a chunk at once; each other unit is
        checked alone, in its place. Input refused part way through a chunk (a
        line too long to read, a row whose text cannot be made) is raised
        after the results of the units before it, as line by line.
        """
        units = self._units
        check = self._check
        while True:
            chunk: list[Any] = []
            try:
                for unit in units:
                    chunk.append(unit)
                    if len(chunk) == CHUNK:
                        break
            except Exception:
                yield from map(check, chunk)
                raise
            if not chunk:
                return
            self._held, self._handed = chunk, 0
            for unit, result in zip(chunk, accept_chunk(chunk), strict=True):
                self._handed += 1
                yield check(unit) if result is None else result
            self._held = []

    def skip(self) -> int:
        """Read the rest of the input without validating it; return the lines skipped.

        The units of a chunk judged but not handed on count as skipped too.
        """
        held, self._held = self._held[self._handed :], []
        skipped = sum(self._count(unit) for unit in held)
        skipped += sum(self._count(unit) for unit in self._units)
        self.summary.unchecked_lines += skipped
        self.summary.lines += skipped
        return skipped

    @property
    def valid(self) -> bool:
        """Validate whatever is left; True when no record has an error."""
        for _ in self:
            pass
        return not self.summary.errors

    def problems(self) -> Iterator[Problem]:
        """Every problem of the remaining records, in input order."""
        for result in self:
            yield from result.problems
