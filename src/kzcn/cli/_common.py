"""What every command shares: the app, console handling, errors as one line."""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Sequence
from typing import Annotated, Any, NoReturn, TypeVar

import typer
from rich.console import Console

from kzcn._version import __version__

__all__ = [
    "EXIT_BUG",
    "EXIT_INTERRUPTED",
    "EXIT_INVALID",
    "EXIT_OK",
    "EXIT_USAGE",
    "DelimiterOption",
    "Interrupted",
    "SheetOption",
    "UsageError",
    "app",
    "delimiter_option",
    "err_console",
    "fail",
    "require_choice",
    "run",
]

EXIT_OK, EXIT_INVALID, EXIT_USAGE, EXIT_BUG = 0, 1, 2, 3
#: What a shell reports for a process stopped by Ctrl-C (128 + SIGINT).
EXIT_INTERRUPTED = 128 + signal.SIGINT
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


class Interrupted(BaseException):
    """Ctrl-C (or SIGTERM): raised in the main thread by `run`'s handler.

    Not a KeyboardInterrupt, which click turns into "Aborted!" and exit 1
    before `run` could clean up: this one reaches `run`, which removes the
    partial outputs (every `Outputs` block has already discarded its own on
    the way out) and exits 130.
    """

    def __init__(self, number: int) -> None:
        super().__init__(number)
        self.number = number


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


#: The signal that stopped the run, once one has (see `run`).
_STOPPED: dict[str, int] = {}


def _interrupt(number: int, frame: object) -> NoReturn:
    del frame
    _STOPPED["signal"] = number
    raise Interrupted(number)


def _stopped(number: int) -> NoReturn:
    from kzcn.cli._outputs import remove_partial_outputs  # noqa: PLC0415 - avoids a cycle

    remove_partial_outputs()
    _say("interrupted; partial outputs removed")
    sys.exit(128 + number)


def _say(text: str) -> None:
    err_console().print(f"kzcn: {text}", markup=False, soft_wrap=True)


#: click's base error (typer may vendor click, so it is found rather than imported).
_CLICK_ERROR: type[Exception] = next(
    kind for kind in typer.BadParameter.__mro__ if kind.__name__ == "ClickException"
)


def _main(application: typer.Typer, args: list[str] | None) -> int:
    """Run the app and give its exit status; click's own errors as one line too.

    In standalone mode click prints a usage block and a hint over three lines
    for a bad option; here it is `kzcn: error: <what>` like every other error.
    """
    try:
        code = application(args=args, standalone_mode=False)
    except _CLICK_ERROR as error:
        found: Any = error
        if type(error).__name__ == "NoArgsIsHelpError":  # `kzcn` alone: the help
            found.show()
        else:
            _say(f"error: {found.format_message()} (see --help)")
        return int(found.exit_code)
    except typer.Abort:  # end of input at a prompt
        return EXIT_INVALID
    return code if isinstance(code, int) else EXIT_OK


def _catch_signals() -> dict[int, object]:
    """Route SIGINT and SIGTERM to `_interrupt`; the handlers they had.

    Only the main thread may set handlers: elsewhere (a test runner's
    thread) the signals are left alone.
    """
    if threading.current_thread() is not threading.main_thread():
        return {}
    return {number: signal.signal(number, _interrupt) for number in (signal.SIGINT, signal.SIGTERM)}


def run(application: typer.Typer, args: list[str] | None = None) -> None:
    """Run the app: every way of stopping becomes one line and a documented exit status.

    2 for a usage error or a system error (a full disk), 3 for a bug (the
    exception's type only: its text may quote the input; `--debug` shows the
    traceback), 130 for Ctrl-C.
    """
    from kzcn.cli._outputs import remove_partial_outputs  # noqa: PLC0415 - avoids a cycle

    previous = _catch_signals()
    _STOPPED.clear()
    try:
        sys.exit(_main(application, args))
    except UsageError as error:
        _say(f"error: {error}")
        sys.exit(EXIT_USAGE)
    except Interrupted as stop:
        _stopped(stop.number)
    except BrokenPipeError:
        # The reader went away (`kzcn ... | head`): nothing left to say to it.
        # Exit 1, as click does when it sees this first.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(EXIT_INVALID)
    except OSError as error:  # a full disk, a vanished directory: the machine's, not a bug
        remove_partial_outputs()
        where = f"{error.filename}: " if error.filename else ""
        _say(f"error: {where}{error.strerror or type(error).__name__}")
        sys.exit(EXIT_USAGE)
    except Exception as error:
        if "signal" in _STOPPED:  # a library turned the interrupt into its own error (DuckDB)
            _stopped(_STOPPED["signal"])
        if _DEBUG["on"]:
            raise
        remove_partial_outputs()
        _say(
            f"internal error: {type(error).__name__}; "
            "this is a bug — rerun with --debug for a traceback"
        )
        sys.exit(EXIT_BUG)
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)  # type: ignore[arg-type]


#: `--delimiter`, as every command that reads tables takes it (checked by `delimiter_option`).
DelimiterOption = Annotated[
    str | None,
    typer.Option(
        "--delimiter",
        help="CSV separator: , ; or tab (\\t); sniffed from the header by default.",
        show_default=False,
    ),
]
#: `--sheet`, likewise.
SheetOption = Annotated[
    str | None,
    typer.Option(
        "--sheet", help="The .xlsx sheet to read (the first by default).", show_default=False
    ),
]


def delimiter_option(text: str | None) -> str | None:
    """`--delimiter` as a separator, or exit 2 naming the separators taken."""
    from kzcn.validation.readers import parse_delimiter  # noqa: PLC0415 - keeps startup light

    try:
        return parse_delimiter(text)
    except ValueError as error:
        fail(str(error))
