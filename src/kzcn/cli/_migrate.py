"""`kzcn migrate`: schema 1.0 messages to 2.0, with a line for every assumption."""

from __future__ import annotations

import sys
from contextlib import ExitStack
from pathlib import Path
from typing import IO, Annotated

import orjson
import typer

from kzcn.cli._common import EXIT_INVALID, err_console, fail
from kzcn.cli._outputs import Outputs, refuse_clashes
from kzcn.migrate import migrate_stream


def register(app: typer.Typer) -> None:
    """Add the command to the app."""
    app.command(
        "migrate",
        help="Turn schema 1.0 messages (JSON, JSONL or CSV) into 2.0 JSONL; report what was "
        "assumed, one line each, on stderr.",
    )(migrate)


def _open_input(stack: ExitStack, path: str) -> IO[bytes]:
    if path == "-":
        return sys.stdin.buffer
    try:
        return stack.enter_context(Path(path).open("rb"))
    except OSError as error:
        fail(f"cannot read {path}: {error.strerror}")


def migrate(
    source: Annotated[str, typer.Argument(help="Input file (1.0 messages), or - for stdin.")],
    out: Annotated[str, typer.Option("--out", "-o", help="Output JSONL, or - for stdout.")] = "-",
) -> None:
    """Write each message as schema 2.0; say on stderr what had to be assumed, per line."""
    console = err_console()
    target = None if out == "-" else Path(out)
    # As every command: an output that is the input is refused, and the output
    # appears only when the whole input was read (kzcn.cli._outputs).
    refuse_clashes([source], [("--out", target)] if target else [], stdout=target is None)
    unreadable = 0
    with ExitStack() as stack:
        reader = _open_input(stack, source)
        outputs = stack.enter_context(Outputs())
        writer = sys.stdout.buffer if target is None else outputs.open(target)
        for record in migrate_stream(reader, name=source):
            if record.message is None:
                unreadable += 1
                console.print(
                    f"{source}:{record.line}: not migrated: {record.unreadable}",
                    markup=False,
                    soft_wrap=True,
                )
                continue
            writer.write(orjson.dumps(record.message) + b"\n")
            for assumed in record.assumptions:
                console.print(
                    f"{source}:{record.line}: {assumed.path}: assumed: {assumed.note}",
                    markup=False,
                    soft_wrap=True,
                )
    if unreadable:
        raise typer.Exit(EXIT_INVALID)
