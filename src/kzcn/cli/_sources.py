"""`kzcn sources`: the registry of sources the regime's fields, kinds and rules rest on."""

from __future__ import annotations

from typing import Annotated

import typer

from kzcn.cli._common import require_choice
from kzcn.sources import SourceFormat, render_sources

_FORMATS: tuple[SourceFormat, ...] = ("text", "md", "json")


def register(app: typer.Typer) -> None:
    """Add the command to the app."""
    app.command(
        "sources",
        help="List the sources (agreement, statements, press, standards, laws) kzcn rests on.",
    )(sources)


def sources(
    fmt: Annotated[
        str, typer.Option("--format", help=f"Output format: {', '.join(_FORMATS)}.")
    ] = "text",
) -> None:
    """Print the source registry; ids are those of every `x-kzcn-source` in the schema."""
    typer.echo(render_sources(require_choice(fmt, _FORMATS, "format")), nl=False)
