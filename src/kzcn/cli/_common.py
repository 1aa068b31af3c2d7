"""What every command shares: the app, console handling, errors as one line."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import Annotated, NoReturn, TypeVar

import typer
from rich.console import Console

from kzcn._version import __version__

__all__ = [
    "EXIT_INVALID",
    "EXIT_OK",
    "EXIT_USAGE",
    "UsageError",
    "app",
    "err_console",
    "fail",
    "require_choice",
    "run",
]

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2
Choice = TypeVar("Choice", bound=str)

app = typer.Typer(
    name="kzcn",
    help="Model, validate, generate and measure the data of the 2023 Kazakhstan-China "
    "agreement on exchanging information about citizens. Everything generated is synthetic.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


class UsageError(Exception):
    """A bad argument or an unusable file: one line on stderr, exit 2."""


def err_console() -> Console:
    """A stderr console that honours NO_COLOR."""
    return Console(stderr=True, no_color=bool(os.environ.get("NO_COLOR")), highlight=False)


def fail(message: str) -> NoReturn:
    """Stop with a usage error."""
    raise UsageError(message)


def require_choice(value: str, allowed: Sequence[Choice], what: str) -> Choice:
    """`value` as one of `allowed` (typed as they are), or stop with a usage error."""
    for choice in allowed:
        if choice == value:
            return choice
    fail(f"unknown {what} {value!r}; choose from {', '.join(allowed)}")


_DEBUG = {"on": False}


def _version(value: bool) -> None:
    if value:
        typer.echo(f"kzcn {__version__}")
        raise typer.Exit


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False,
) -> None:
    del version
    _DEBUG["on"] = debug


def run(application: typer.Typer, args: list[str] | None = None) -> None:
    """Run the app: usage errors and crashes become one line (a traceback only with --debug)."""
    try:
        application(args=args, standalone_mode=True)
    except UsageError as error:
        err_console().print(f"kzcn: error: {error}", markup=False, soft_wrap=True)
        sys.exit(EXIT_USAGE)
    except Exception as error:
        if _DEBUG["on"]:
            raise
        err_console().print(
            f"kzcn: error: {type(error).__name__}: {error}", markup=False, soft_wrap=True
        )
        sys.exit(EXIT_USAGE)
