"""`kzcn stays`: the stays, days used and breaches the crossings of violation messages show."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kzcn.cli._common import fail, require_choice
from kzcn.stay_report import StayFormat, render_stays, stays_in_file

_FORMATS: tuple[StayFormat, ...] = ("text", "md", "json")


def register(app: typer.Typer) -> None:
    """Add the command to the app."""
    app.command(
        "stays",
        help="Compute the stays of each violation message's crossings (30 days a stay, 90 in "
        "any 180, the days of entry and exit both counted): days used and every breach. Reads "
        "what kzcn validate reads; dates are shown only with --show-values.",
    )(stays)


def stays(
    file: Annotated[str, typer.Argument(help="A .json, .jsonl or .csv file of messages.")],
    fmt: Annotated[
        str, typer.Option("--format", help=f"Output format: {', '.join(_FORMATS)}.")
    ] = "text",
    by_person: Annotated[
        bool, typer.Option("--by-person", help="One history per person across messages.")
    ] = False,
    show_values: Annotated[
        bool, typer.Option("--show-values", help="Show the dates (personal data).")
    ] = False,
) -> None:
    """Print the stays per message (or per person)."""
    chosen = require_choice(fmt, _FORMATS, "format")
    path = Path(file)
    if not path.is_file():
        fail(f"{file}: no such file")
    result = stays_in_file(path, by_person=by_person)
    typer.echo(render_stays(result, chosen, show_values=show_values), nl=False)
