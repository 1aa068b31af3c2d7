"""`kzcn validate`: check files of messages and report problems by code."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kzcn.cli._common import EXIT_INVALID, fail
from kzcn.validation import validate_file


def register(app: typer.Typer) -> None:
    """Add the command to the app."""
    app.command("validate", help="Validate message files; report each problem by stable code.")(
        validate
    )


def validate(
    files: Annotated[list[Path], typer.Argument(help="`.json` files: one message or an array.")],
    show_values: Annotated[
        bool, typer.Option("--show-values", help="Show personal values in problems.")
    ] = False,
) -> None:
    """Validate messages; exit 1 when any is invalid."""
    invalid = False
    for path in files:
        if not path.is_file():
            fail(f"{path}: no such file")
        report = validate_file(path, show_values=show_values)
        for problem in report.problems:
            value = f" (value: {problem.value!r})" if show_values and problem.value is not None else ""
            typer.echo(
                f"{problem.file}:{problem.line}: {problem.path}: {problem.code}: "
                f"{problem.message}{value}"
            )
        invalid = invalid or not report.valid
    if invalid:
        raise typer.Exit(EXIT_INVALID)
