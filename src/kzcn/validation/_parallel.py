"""Validating the units of one input in worker processes, results in input order.

The parent reads the input into units (cheap) and sends them in chunks to a
pool of worker processes, which validate them (the dear part) with an engine
each builds once. Results come back chunk by chunk and are handed on in input
order, so the report, the summary and the `--valid-out`/`--invalid-out` split
are byte for byte those of one process. At most two chunks per worker are in
flight: memory stays flat for any input length. A result comes back without the
input bytes the parent holds in its chunk (`_sent`), so a line's bytes cross once;
nor, for a CSV or sheet row, the JSON text the worker made of it (`_RowResult`).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Generator, Iterator
from dataclasses import fields
from itertools import islice
from multiprocessing.pool import AsyncResult
from operator import attrgetter
from typing import Any, Literal

from kzcn._workers import abandon, worker_pool
from kzcn.messages import Message
from kzcn.validation.engines import Engine, record_text
from kzcn.validation.problems import Problem
from kzcn.validation.readers import Packed, TableRow, Unit, pack_units, unpack_units
from kzcn.validation.results import RecordResult, Validation

__all__ = ["CHUNK", "ParallelValidation", "parallel_results"]

#: Units per chunk sent to a worker: large enough that passing it costs little
#: beside validating it, small enough that few are held at a time.
CHUNK = 2000

#: A result as a worker sends it back (`_sent`): whole, or what the worker found.
Sent = RecordResult | tuple[tuple[Problem, ...], Message | None, bytes | Literal[True] | None]
Chunk = tuple[Unit, ...]

#: The engine of this worker process, built once by `_setup`.
_engine: list[Engine] = []


class InFlight:
    """The input lines read but not yet handed on as results (see `Validation.skip`)."""

    def __init__(self) -> None:
        self.lines = 0


def parallel_results(
    units: Iterator[Unit], engine: Engine, file: str | None, jobs: int, in_flight: InFlight
) -> Generator[RecordResult, None, None]:
    """Each unit's result, in input order, validated by `jobs` worker processes."""
    pool = worker_pool(jobs, _setup, (type(engine), engine.show_values))
    try:
        pending: deque[tuple[Chunk, AsyncResult[list[Sent]]]] = deque()
        while chunk := tuple(islice(units, CHUNK)):
            in_flight.lines += sum(unit.lines for unit in chunk)
            pending.append((chunk, pool.apply_async(_check_chunk, (pack_units(chunk), file))))
            if len(pending) >= 2 * jobs:
                yield from _handed_on(*pending.popleft(), file, in_flight)
        while pending:
            yield from _handed_on(*pending.popleft(), file, in_flight)
    except BaseException:  # Ctrl-C, a refused input, the consumer gone: stop the workers now
        abandon(pool)
        raise
    pool.close()
    pool.join()


def _handed_on(
    chunk: Chunk, results: AsyncResult[list[Sent]], file: str | None, in_flight: InFlight
) -> Iterator[RecordResult]:
    for unit, sent in zip(chunk, results.get(), strict=True):
        result = _rebuilt(sent, unit, file)
        in_flight.lines -= result.lines
        yield result


def _setup(kind: type[Engine], show_values: bool) -> None:
    _engine.append(kind(show_values=show_values))


def _check_chunk(chunk: Packed, file: str | None) -> list[Sent]:
    check = _engine[0].check
    return [_sent(check(unit, file), unit, file) for unit in unpack_units(chunk)]


def _sent(result: RecordResult, unit: Unit, file: str | None) -> Sent:
    """`result` less what the parent holds in `unit`: its bytes (2 kB a line) cross once.

    When the result's input bytes, line, role and line count are its unit's,
    only `(problems, model, accepted)` goes back, `accepted` True when it is
    the unit's own text: a JSON line's, or the text a CSV row's cells make
    (`record_text`, the only text a row is checked as). Any other result goes whole.
    """
    if (
        result.raw is not unit.raw
        or result.line != unit.line
        or result.role != unit.role
        or result.lines != unit.lines
        or result.file != file
    ):
        return result
    accepted = result.accepted
    own_text = accepted is not None and (accepted is unit.text or _remade(unit))
    # The model as it is: `message` would build one from `accepted`.
    return result.problems, result._message, True if own_text else accepted  # noqa: SLF001


def _rebuilt(sent: Sent, unit: Unit, file: str | None) -> RecordResult:
    """The result `_sent` sent for `unit`, whole again."""
    if isinstance(sent, RecordResult):
        return sent
    problems, message, accepted = sent
    if accepted is True and unit.text is None:  # a table row's: made again if asked for
        result = _RowResult(file, unit.line, problems, message, unit.raw, unit.role, unit.lines)
        object.__setattr__(result, "_row", unit)
        return result
    text = unit.text if accepted is True else accepted
    return RecordResult(file, unit.line, problems, message, unit.raw, unit.role, unit.lines, text)


def _remade(unit: Unit) -> bool:
    """Whether the parent makes `unit`'s record text again as the worker did.

    A CSV row's, from its bytes; a sheet's row's, from its XML (`SheetRow`);
    not a row sent as its cells.
    """
    return isinstance(unit, TableRow) and unit.remakes_text()


#: The slot `RecordResult.accepted` keeps its text in, and every field (`_RowResult`).
_ACCEPTED = RecordResult.__dict__["accepted"]
_FIELDS = attrgetter(*(item.name for item in fields(RecordResult)))
_COMPARED = attrgetter(*(item.name for item in fields(RecordResult) if item.compare))


class _RowResult(RecordResult):
    """The result of a CSV or sheet row the fast path accepted, its text left in the worker.

    The text (2 kB a row) is its row's record text (`record_text`), which the
    parent's row makes again, byte for byte, when `accepted` (or `message`)
    is first read: `kzcn validate` never reads it, so it never crosses. In
    all else a `RecordResult`: equal to one of the same fields, and pickled
    as one. Its row is set after `__init__` (`_rebuilt`), which is
    `RecordResult`'s, so that `dataclasses.replace` makes one too.
    """

    __slots__ = ("_row",)
    _row: Unit | None

    @property
    def accepted(self) -> bytes | None:
        """The row's record text, made on first use."""
        text: bytes | None = _ACCEPTED.__get__(self, RecordResult)
        row: Unit | None = getattr(self, "_row", None)
        if text is None and row is not None:
            text = record_text(row)
            _ACCEPTED.__set__(self, text)
            object.__setattr__(self, "_row", None)
        return text

    @accepted.setter
    def accepted(self, value: bytes | None) -> None:  # the dataclass's `__init__` sets it
        _ACCEPTED.__set__(self, value)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, RecordResult):
            return bool(_COMPARED(self) == _COMPARED(other))
        return NotImplemented

    __hash__ = RecordResult.__hash__

    def __reduce_ex__(self, protocol: Any) -> Any:
        return RecordResult, _FIELDS(self)


class ParallelValidation(Validation):
    """A `Validation` whose units are validated by `jobs` worker processes.

    The workers start when the results are first asked for, and stop when
    they have all been handed on, or at `skip()`.
    """

    def __init__(
        self,
        name: str,
        units: Iterator[Unit],
        engine: Engine,
        jobs: int,
        count: Callable[[Unit], int],
    ) -> None:
        super().__init__(name, units, lambda unit: engine.check(unit, name), count)
        self._in_flight = InFlight()
        self._parallel = parallel_results(units, engine, name, jobs, self._in_flight)

    def _results(self) -> Iterator[RecordResult]:
        return self._parallel

    def skip(self) -> int:
        """Stop the workers; the lines they held count as skipped, with the rest of the input."""
        self._parallel.close()
        held, self._in_flight.lines = self._in_flight.lines, 0
        self.summary.unchecked_lines += held
        self.summary.lines += held
        return held + super().skip()
