"""Validating the units of one input in worker processes, results in input order.

The parent reads the input into units (cheap) and sends them in chunks to a
pool of worker processes, which validate them (the dear part) with an engine
each builds once. Results come back chunk by chunk and are handed on in input
order, so the report, the summary and the `--valid-out`/`--invalid-out` split
are byte for byte those of one process. At most two chunks per worker are in
flight: memory stays flat for any input length.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Generator, Iterator
from itertools import islice
from multiprocessing.pool import AsyncResult

from kzcn._workers import abandon, worker_pool
from kzcn.validation.engines import Engine
from kzcn.validation.readers import Packed, Unit, pack_units, unpack_units
from kzcn.validation.results import RecordResult, Validation

__all__ = ["CHUNK", "ParallelValidation", "parallel_results"]

#: Units per chunk sent to a worker: large enough that passing it costs little
#: beside validating it, small enough that few are held at a time.
CHUNK = 2000

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
        pending: deque[AsyncResult[list[RecordResult]]] = deque()
        while chunk := tuple(islice(units, CHUNK)):
            in_flight.lines += sum(unit.lines for unit in chunk)
            pending.append(pool.apply_async(_check_chunk, (pack_units(chunk), file)))
            if len(pending) >= 2 * jobs:
                yield from _handed_on(pending.popleft().get(), in_flight)
        while pending:
            yield from _handed_on(pending.popleft().get(), in_flight)
    except BaseException:  # Ctrl-C, a refused input, the consumer gone: stop the workers now
        abandon(pool)
        raise
    pool.close()
    pool.join()


def _handed_on(results: list[RecordResult], in_flight: InFlight) -> Iterator[RecordResult]:
    for result in results:
        in_flight.lines -= result.lines
        yield result


def _setup(kind: type[Engine], show_values: bool) -> None:
    _engine.append(kind(show_values=show_values))


def _check_chunk(chunk: Packed, file: str | None) -> list[RecordResult]:
    check = _engine[0].check
    return [check(unit, file) for unit in unpack_units(chunk)]


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
