"""`kzcn validate`: check files of messages and report each problem by stable code."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import IO, Annotated, Any, cast

import typer

from kzcn._formats import FORMATS, format_for_name
from kzcn._pipes import widen_pipe
from kzcn._workers import usable_cpus
from kzcn.cli._common import (
    EXIT_INVALID,
    DelimiterOption,
    SheetOption,
    delimiter_option,
    fail,
    require_choice,
)
from kzcn.cli._outputs import Outputs, refuse_clashes
from kzcn.validation import (
    REPORTERS,
    Engine,
    InputFormat,
    Splitter,
    Validation,
    make_engine,
    report,
    validate_file,
    validate_stream,
)
from kzcn.validation.readers import (
    LINE_CAP_FACTOR,
    MAX_RECORD_BYTES,
    InputRefusedError,
    csv_header,
    read_format,
)

STDIN = "-"
#: Without --jobs, inputs this large use every CPU: starting a worker takes
#: about a second, which smaller inputs do not win back.
PARALLEL_BYTES = 16 << 20
#: A JSON report is held in memory up to this size, then in a temporary file.
_JSON_IN_MEMORY = 8 << 20
_SPLIT_OPTIONS = ("--valid-out", "--invalid-out")


class ReportFormat(str, Enum):
    """How the report is written."""

    TEXT = "text"
    JSON = "json"


class EngineChoice(str, Enum):
    """Which validator judges the records."""

    MODEL = "model"
    SCHEMA = "schema"


#: `--input-format` choices: every format, or told from the name or the first bytes.
AUTO = "auto"


def register(app: typer.Typer) -> None:
    """Add the command to the app."""
    app.command(
        "validate",
        help="Validate messages in .json, .jsonl/.ndjson, .csv, .tsv, .xlsx or .parquet files "
        "(or - for standard input; .gz read transparently) and report each problem by stable "
        "code. Exit 0 when all are valid, 1 when any is invalid, 2 on a usage error.",
    )(validate)


def _default_jobs(files: list[str]) -> int:
    """Every CPU for large files; one process when starting workers costs more than it saves."""
    if STDIN in files:  # of unknown length, often a short pipe
        return 1
    size = sum(Path(name).stat().st_size for name in files if Path(name).is_file())
    return usable_cpus() if size >= PARALLEL_BYTES else 1


def _check_inputs(files: list[str]) -> None:
    """Refuse unusable arguments before reading anything: one line, exit 2."""
    if files.count(STDIN) > 1:
        fail("standard input (-) can be read only once")
    for name in files:
        if name == STDIN:
            continue
        path = Path(name)
        if not path.exists():
            fail(f"{name}: no such file")
        if path.is_dir():
            fail(f"{name}: is a directory, not a file")
        if not os.access(path, os.R_OK):
            fail(f"{name}: not readable")


def _formats(files: list[str], chosen: InputFormat | None) -> dict[str, InputFormat | None]:
    """Each input's format: chosen, else by name, else sniffed (None: stdin, unknown)."""
    found: dict[str, InputFormat | None] = {}
    for name in files:
        if chosen is not None or name == STDIN:
            found[name] = chosen
        elif (by_name := format_for_name(name)) is not None:
            found[name] = by_name
        elif Path(name).is_file():
            found[name] = read_format(Path(name))
        else:  # a pipe: read once, so not sniffed ahead
            found[name] = None
    return found


def _check_split(files: list[str], chosen: InputFormat | None) -> None:
    """The split must give outputs that validate: refuse what cannot be joined losslessly.

    Outputs take one format; a JSON document cannot be joined to another
    (two arrays are not one), and CSV files join only under one header.
    """
    formats = _formats(files, chosen)
    if len(set(formats.values()) - {None}) > 1:
        fail("--valid-out/--invalid-out need inputs of one format (json, jsonl, csv or tsv)")
    if {"xlsx", "parquet"} & set(formats.values()):
        fail("--valid-out/--invalid-out split text files only, not .xlsx or Parquet")
    if len(files) < 2:
        return
    if "json" in formats.values():
        fail("--valid-out/--invalid-out take one .json file at a time: JSON documents do not join")
    if {"csv", "tsv"} & set(formats.values()):
        if STDIN in files:
            fail("--valid-out/--invalid-out cannot join standard input to other CSV files")
        headers = {name: _header_of(name) for name in files}
        if len(set(headers.values())) > 1:
            first, *_ = headers
            other = next(name for name in files if headers[name] != headers[first])
            fail(
                f"--valid-out/--invalid-out: CSV files {first} and {other} have different "
                "header lines; split them one at a time"
            )


def _header_of(name: str) -> bytes:
    try:
        return csv_header(Path(name))
    except InputRefusedError as error:
        fail(f"{name}: {error}")


class _Sink:
    """An output that keeps the records of consecutive inputs apart.

    When an input ends without a final newline, one is written before the next
    input's first record, so two records never run together on one line.
    """

    def __init__(self, out: IO[bytes]) -> None:
        self._out = out
        self._last = b"\n"
        self._between = False

    def write(self, data: bytes) -> int:
        if data:
            if self._between and self._last != b"\n":
                self._out.write(b"\n")
            self._between = False
            self._last = data[-1:]
        return self._out.write(data)

    def next_input(self) -> None:
        self._between = True


@dataclass(frozen=True, slots=True)
class _Reading:
    """How every input is read: the options `--input-format` and after."""

    input_format: InputFormat | None
    max_record_bytes: int
    delimiter: str | None
    sheet: str | None
    jobs: int

    def options(self) -> dict[str, Any]:
        return {
            "input_format": self.input_format,
            "max_record_bytes": self.max_record_bytes,
            "delimiter": self.delimiter,
            "sheet": self.sheet,
            "jobs": self.jobs,
        }


def _runs(
    files: list[str],
    engine: Engine,
    options: _Reading,
    sinks: list[_Sink],
    reading: list[str],
) -> Iterator[Validation]:
    """Each input's validation; `reading` ends with the name of the one being read."""
    for index, name in enumerate(files):
        reading.append(name)
        if index:
            for sink in sinks:
                sink.next_input()
        if name == STDIN:
            widen_pipe(sys.stdin.buffer)
            yield validate_stream(sys.stdin.buffer, name=STDIN, engine=engine, **options.options())
            continue
        try:
            yield validate_file(Path(name), engine=engine, **options.options())
        except OSError as error:
            fail(f"{name}: {error.strerror or error}")


@contextmanager
def _report_target(output_format: ReportFormat) -> Iterator[Callable[[str], object]]:
    """Where the reporter writes: stdout directly for text; held back for JSON.

    A JSON report goes out only once complete, so a run that stops half-way
    (Ctrl-C, a refused input) never leaves a truncated JSON document on stdout.
    """
    if output_format is ReportFormat.TEXT:
        yield sys.stdout.write
        return
    with tempfile.SpooledTemporaryFile(_JSON_IN_MEMORY, mode="w+", encoding="utf-8") as held:
        yield held.write
        held.seek(0)
        shutil.copyfileobj(held, sys.stdout)


def validate(  # noqa: PLR0913, PLR0917 - a typer command's options are its parameters
    files: Annotated[
        list[str],
        typer.Argument(help="Files to validate; - reads standard input.", show_default=False),
    ],
    output_format: Annotated[
        ReportFormat,
        typer.Option("--format", help="Report as text lines or one JSON document."),
    ] = ReportFormat.TEXT,
    engine: Annotated[
        EngineChoice,
        typer.Option(
            "--engine",
            help="model: every rule of the models, with deadline "
            "warnings; schema: the committed JSON Schema only.",
        ),
    ] = EngineChoice.MODEL,
    input_format: Annotated[
        str,
        typer.Option(
            "--input-format",
            help=f"Input format: {AUTO} (from the file name or the first bytes), "
            f"{', '.join(FORMATS)}.",
        ),
    ] = AUTO,
    show_values: Annotated[
        bool,
        typer.Option(
            "--show-values",
            help="Show the offending values. Off by default: they are personal data.",
        ),
    ] = False,
    valid_out: Annotated[
        Path | None,
        typer.Option(
            "--valid-out", help="Write the input lines of valid records here.", dir_okay=False
        ),
    ] = None,
    invalid_out: Annotated[
        Path | None,
        typer.Option(
            "--invalid-out", help="Write the input lines of invalid records here.", dir_okay=False
        ),
    ] = None,
    max_errors: Annotated[
        int | None,
        typer.Option(
            "--max-errors", min=1, help="Stop after this many problems (the rest is only counted)."
        ),
    ] = None,
    strict: Annotated[
        bool, typer.Option("--strict", help="Warnings (deadlines, blank lines) fail the run.")
    ] = False,
    max_line_bytes: Annotated[
        int,
        typer.Option(
            "--max-line-bytes",
            min=1,
            help="A record (line, CSV row, array element) longer than this is reported as "
            f"too large; a line over {LINE_CAP_FACTOR} times this refuses the input.",
        ),
    ] = MAX_RECORD_BYTES,
    delimiter: DelimiterOption = None,
    sheet: SheetOption = None,
    jobs: Annotated[
        int | None,
        typer.Option(
            "--jobs",
            "-j",
            min=1,
            help="Worker processes validating records; the report and outputs are the "
            "same for any number. Default: every CPU for inputs of "
            f"{PARALLEL_BYTES >> 20} MiB or more, else 1 (and 1 for standard input).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Validate messages; exit 1 when any is invalid (or warned about, with --strict)."""
    chosen = require_choice(input_format, (AUTO, *FORMATS), "input format")
    chosen_format = None if chosen == AUTO else cast("InputFormat", chosen)
    separator = delimiter_option(delimiter)
    _check_inputs(files)
    given = zip(_SPLIT_OPTIONS, (valid_out, invalid_out), strict=True)
    targets = [(option, path) for option, path in given if path is not None]
    refuse_clashes(files, targets)
    if targets:
        _check_split(files, chosen_format)
    checker = make_engine(
        "schema" if engine is EngineChoice.SCHEMA else "model", show_values=show_values
    )
    with Outputs() as outputs, _report_target(output_format) as write:
        sinks = {option: _Sink(outputs.open(path)) for option, path in targets}
        splitter = None
        if sinks:
            valid, invalid = (cast("IO[bytes] | None", sinks.get(o)) for o in _SPLIT_OPTIONS)
            splitter = Splitter(valid, invalid, strict=strict)
        reporter = REPORTERS[output_format.value](write, show_values=show_values)
        reading: list[str] = []
        workers = jobs if jobs is not None else _default_jobs(files)
        how = _Reading(chosen_format, max_line_bytes, separator, sheet, workers)
        try:
            outcome = report(
                _runs(files, checker, how, [*sinks.values()], reading),
                reporter,
                splitter=splitter,
                max_errors=max_errors,
                strict=strict,
            )
        except InputRefusedError as error:
            fail(f"{reading[-1]}: {error}")
    sys.stdout.flush()
    if not outcome.ok:
        raise typer.Exit(EXIT_INVALID)
