"""The library API: validate a message, a file, a stream or records; never print.

Example:
    >>> from pathlib import Path
    >>> from kzcn.validation import validate_file
    >>> run = validate_file(Path("examples/valid/suspension_notice.json"))
    >>> [result.valid for result in run]
    [True]
    >>> run.summary.records, run.summary.invalid
    (1, 0)
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import closing
from pathlib import Path
from typing import IO, Any, Literal

from kzcn.validation.engines import Engine, ModelEngine
from kzcn.validation.readers import (
    MAX_RECORD_BYTES,
    InputFormat,
    Unit,
    record_units,
    units_for_stream,
)
from kzcn.validation.results import RecordResult, Validation

__all__ = [
    "EngineName",
    "make_engine",
    "validate_file",
    "validate_message",
    "validate_records",
    "validate_stream",
]

EngineName = Literal["model", "schema"]


def make_engine(engine: EngineName | Engine = "model", *, show_values: bool = False) -> Engine:
    """An engine by name (`model` or `schema`); an engine instance passes through."""
    if isinstance(engine, Engine):
        return engine
    if engine == "model":
        return ModelEngine(show_values=show_values)
    if engine == "schema":
        # Imported here: it loads jsonschema, which a model-engine run never needs.
        from kzcn.validation.schema_engine import SchemaEngine  # noqa: PLC0415

        return SchemaEngine(show_values=show_values)
    raise ValueError(f"unknown engine {engine!r}; choose model or schema")


def _unit_lines(unit: Unit) -> int:
    return unit.lines


def _validation(
    name: str, units: Iterator[Unit], engine: Engine, jobs: int = 1, *, chunked: bool = False
) -> Validation:
    """The validation of `units`; `chunked`: read and judged `CHUNK` units at a time.

    Not for a stream that may be a slow pipe (standard input): its first
    results would wait for a chunk's lines.
    """
    if jobs > 1:
        # Imported here: a one-process run never starts (or imports) a pool.
        from kzcn.validation._parallel import ParallelValidation  # noqa: PLC0415

        return ParallelValidation(name, units, engine, jobs, _unit_lines)

    def check(unit: Unit) -> RecordResult:
        return engine.check(unit, name)

    def accept_chunk(chunk: Sequence[Unit]) -> list[RecordResult | None]:
        return engine.accept_chunk(chunk, name)

    return Validation(name, units, check, _unit_lines, accept_chunk if chunked else None)


def validate_message(
    text: str | bytes | Mapping[str, Any] | object,
    *,
    show_values: bool = False,
    file: str | None = None,
    line: int | None = None,
    engine: EngineName | Engine = "model",
) -> RecordResult:
    """Validate one message: its errors, or the warnings of a valid one.

    `text` is JSON text (str or bytes) or a parsed object (a mapping).
    Anything else (None, a list, a number) is not a message and is reported
    as `input.not_object`, never taken as valid. Without `line`, the message
    counts as line 1 of its text.
    """
    number = line or 1
    if isinstance(text, str | bytes | bytearray | memoryview):
        data = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else bytes(text)
        unit = Unit(number, data, data, at_eof=True)
    else:
        # One record of the in-memory reader: a mapping, or `input.not_object`.
        unit = next(record_units([text]))
        unit.line = number
    return make_engine(engine, show_values=show_values).check(unit, file)


def _check_jobs(jobs: int) -> None:
    if jobs < 1:
        raise ValueError("jobs must be >= 1")


def _stream_units(
    source: IO[bytes], name: str, input_format: InputFormat | None, reading: dict[str, Any]
) -> Iterator[Unit]:
    with closing(source):
        yield from units_for_stream(source, name=name, input_format=input_format, **reading)


def validate_stream(  # noqa: PLR0913 - keyword-only options of a public function
    source: IO[bytes],
    *,
    name: str = "-",
    input_format: InputFormat | None = None,
    engine: EngineName | Engine = "model",
    show_values: bool = False,
    max_record_bytes: int = MAX_RECORD_BYTES,
    delimiter: str | None = None,
    sheet: str | None = None,
    jobs: int = 1,
) -> Validation:
    """Validate a binary stream (standard input, a socket, an open file), lazily.

    Args:
        source: Bytes to read; gzip is recognised by its magic number. Closed
            when the validation has been iterated to the end.
        name: What to call the input in results (`file`).
        input_format: One of `kzcn.validation.FORMATS`; None to tell from
            `name`, else from the first bytes.
        engine: `model` (default), `schema`, or an engine instance.
        show_values: Keep offending values in problems.
        max_record_bytes: A record longer than this is reported
            (`input.too_large`), not parsed.
        delimiter: The CSV separator; None to sniff it from the header.
        sheet: The `.xlsx` sheet to read; None for the first.
        jobs: Worker processes validating the records (read here, in chunks);
            results, summary and split are the same for any `jobs`. They are
            spawned: a script must guard its top level with
            `if __name__ == "__main__":`.

    Returns:
        A `Validation`: iterate it for one `RecordResult` per record.

    Raises:
        ValueError: `jobs` is below 1.
    """
    _check_jobs(jobs)
    reading = {"max_record_bytes": max_record_bytes, "delimiter": delimiter, "sheet": sheet}
    units = _stream_units(source, name, input_format, reading)
    # Not chunked: a stream may be a pipe whose lines come slowly.
    return _validation(name, units, make_engine(engine, show_values=show_values), jobs)


def validate_file(  # noqa: PLR0913 - keyword-only options of a public function
    path: str | Path,
    *,
    input_format: InputFormat | None = None,
    engine: EngineName | Engine = "model",
    show_values: bool = False,
    max_record_bytes: int = MAX_RECORD_BYTES,
    delimiter: str | None = None,
    sheet: str | None = None,
    jobs: int = 1,
) -> Validation:
    """Validate a file of any format in `FORMATS` (optionally gzip-compressed), lazily.

    The file is opened at once, so a missing file or a directory raises
    `OSError` here rather than during iteration; it is read as the returned
    `Validation` is iterated, one record at a time (a `.json` file whole).

    Args:
        path: The file.
        input_format: Overrides the format the file name implies.
        engine: `model` (default), `schema`, or an engine instance.
        show_values: Keep offending values in problems.
        max_record_bytes: A record longer than this is reported, not parsed.
        delimiter: The CSV separator; None to sniff it from the header.
        sheet: The `.xlsx` sheet to read; None for the first.
        jobs: Worker processes validating the records (see `validate_stream`).

    Returns:
        A `Validation`: iterate it for one `RecordResult` per record.

    Raises:
        OSError: The file cannot be opened (missing, a directory, no access).
        ValueError: `jobs` is below 1.
    """
    _check_jobs(jobs)  # before the file is opened: nothing to close on a refusal
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(f"{path}: is a directory")
    source = path.open("rb")
    reading = {"max_record_bytes": max_record_bytes, "delimiter": delimiter, "sheet": sheet}
    units = _stream_units(source, str(path), input_format, reading)
    checker = make_engine(engine, show_values=show_values)
    return _validation(str(path), units, checker, jobs, chunked=True)


def validate_records(
    records: Iterable[object],
    *,
    name: str = "<records>",
    engine: EngineName | Engine = "model",
    show_values: bool = False,
) -> Validation:
    """Validate records already in memory, lazily; `line` is the position from 1.

    Args:
        records: JSON texts (`str` or `bytes`) or parsed objects (mappings).
            Anything else is reported as `input.not_object`.
        name: What to call the input in results (`file`).
        engine: `model` (default), `schema`, or an engine instance.
        show_values: Keep offending values in problems.

    Returns:
        A `Validation`: iterate it for one `RecordResult` per record.
    """
    # Not chunked: the records may come one at a time from a generator (lazily).
    checker = make_engine(engine, show_values=show_values)
    return _validation(name, record_units(records), checker)
