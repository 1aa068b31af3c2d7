"""`kzcn schema`: write or check the JSON Schema files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kzcn.cli._common import EXIT_INVALID
from kzcn.schema import check_schema_files, write_schema_files


def register(app: typer.Typer) -> None:
    """Add the command to the app."""
    app.command("schema", help="Write the JSON Schema files, or check they match the models.")(
        schema
    )


def schema(
    out: Annotated[Path, typer.Option("--out", help="Directory of the schema files.")] = Path(
        "schema"
    ),
    check: Annotated[
        bool, typer.Option("--check", help="Fail if the files differ from the models.")
    ] = False,
) -> None:
    """Write or check `message.schema.json` and `person.schema.json`."""
    if not check:
        for path in write_schema_files(out):
            typer.echo(f"wrote {path}")
        return
    result = check_schema_files(out)
    for path in result.stale:
        typer.echo(f"stale: {path} differs from the models (run `kzcn schema --out {out}`)")
    for path in result.missing:
        typer.echo(f"missing: {path}")
    if not result.ok:
        raise typer.Exit(EXIT_INVALID)
    typer.echo(f"up to date: {', '.join(str(p) for p in result.up_to_date)}")
