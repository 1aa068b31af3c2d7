"""`kzcn validate`: check files of messages and report each problem by stable code."""

from __future__ import annotations

import gzip
import os
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from enum import Enum
from pathlib import Path
from typing import IO, Annotated, cast

import typer

from kzcn._pipes import widen_pipe
from kzcn.cli._common import EXIT_INVALID, fail
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
from kzcn.validation.readers import format_for_name

STDIN = "-"


class ReportFormat(str, Enum):
    """How the report is written."""

    TEXT = "text"
    JSON = "json"


class EngineChoice(str, Enum):
    """Which validator judges the records."""

    MODEL = "model"
    SCHEMA = "schema"


class InputChoice(str, Enum):
    """How the input is read."""

    AUTO = "auto"
    JSON = "json"
    JSONL = "jsonl"
    CSV = "csv"


def register(app: typer.Typer) -> None:
    """Add the command to the app."""
    app.command(
        "validate",
        help="Validate messages in .json, .jsonl/.ndjson or .csv files (or - for standard "
        "input; .gz read transparently) and report each problem by stable code. Exit 0 when "
        "all are valid, 1 when any is invalid, 2 on a usage error.",
    )(validate)


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


def _check_outputs(files: list[str], outputs: list[Path], input_format: str | None) -> None:
    """Split outputs must be distinct, must not overwrite an input, and need one format."""
    resolved = [out.resolve() for out in outputs]
    if len(set(resolved)) != len(resolved):
        fail("--valid-out and --invalid-out must be different files")
    inputs = {Path(name).resolve() for name in files if name != STDIN}
    if inputs & set(resolved):
        fail("an output file is also an input; choose another name")
    formats = {input_format or format_for_name(name) for name in files if name != STDIN}
    if len(formats - {None}) > 1:
        fail("--valid-out/--invalid-out need inputs of one format (json, jsonl or csv)")


def _open_output(stack: ExitStack, path: Path | None) -> IO[bytes] | None:
    if path is None:
        return None
    if path.suffix == ".gz":
        return cast("IO[bytes]", stack.enter_context(gzip.open(path, "wb")))
    return stack.enter_context(path.open("wb"))


def _runs(
    files: list[str], engine: Engine, input_format: InputFormat | None
) -> Iterator[Validation]:
    for name in files:
        if name == STDIN:
            widen_pipe(sys.stdin.buffer)
            yield validate_stream(
                sys.stdin.buffer, name=STDIN, input_format=input_format, engine=engine
            )
            continue
        try:
            yield validate_file(Path(name), input_format=input_format, engine=engine)
        except OSError as error:
            fail(f"{name}: {error.strerror or error}")


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
        InputChoice,
        typer.Option(
            "--input-format",
            help="Input format; auto tells it from the file name or the first bytes.",
        ),
    ] = InputChoice.AUTO,
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
) -> None:
    """Validate messages; exit 1 when any is invalid (or warned about, with --strict)."""
    chosen_format = (
        None if input_format is InputChoice.AUTO else cast("InputFormat", input_format.value)
    )
    _check_inputs(files)
    outputs = [out for out in (valid_out, invalid_out) if out is not None]
    if outputs:
        _check_outputs(files, outputs, chosen_format)
    checker = make_engine(
        "schema" if engine is EngineChoice.SCHEMA else "model", show_values=show_values
    )
    reporter = REPORTERS[output_format.value](sys.stdout.write, show_values=show_values)
    with ExitStack() as stack:
        splitter = None
        if outputs:
            splitter = Splitter(
                _open_output(stack, valid_out), _open_output(stack, invalid_out), strict=strict
            )
        outcome = report(
            _runs(files, checker, chosen_format),
            reporter,
            splitter=splitter,
            max_errors=max_errors,
            strict=strict,
        )
    sys.stdout.flush()
    if not outcome.ok:
        raise typer.Exit(EXIT_INVALID)
