"""The command line: a thin edge over the library (the only place typer and rich are used).

Each command's module imports the library it runs (the demo imports nearly
all of it: about half a second). `main` registers only the command it was
asked for, so `kzcn exposure` does not pay for the validator and the
generator; `kzcn --version` gets none of them; `kzcn --help`, an unknown word, and
`kzcn.cli.app` get them all.
"""

from __future__ import annotations

import atexit
import gc
import sys
from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import typer

__all__ = ["app", "main"]

#: Command name to the module that registers it, in the order `--help` lists them.
_MODULES = {
    "schema": "_schema",
    "validate": "_validate",
    "generate": "_generate",
    "exposure": "_exposure",
    "fields": "_exposure",
    "sources": "_sources",
    "migrate": "_migrate",
    "stays": "_stays",
    "demo": "_demo",
}
_registered: set[str] = set()


def _with_commands(*modules: str) -> typer.Typer:
    """The app, with the commands of `modules` registered (each once)."""
    from kzcn.cli._common import app  # noqa: PLC0415 - kept out of this module's namespace

    for module in modules:
        if module not in _registered:
            import_module(f"kzcn.cli.{module}").register(app)
            _registered.add(module)
    return app


def _every_command() -> typer.Typer:
    return _with_commands(*dict.fromkeys(_MODULES.values()))


def __getattr__(name: str) -> typer.Typer:  # PEP 562: `app` comes with every command
    if name == "app":
        return _every_command()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


#: What `pip install "kzcn[cli]"` adds to the light install (see pyproject.toml).
_CLI_EXTRA = frozenset(
    {
        "typer",
        "rich",
        "faker",
        "polars",
        "numpy",
        "msgspec",
        "duckdb",
        "openpyxl",
        "pyarrow",
    }
)
#: Options the root answers by itself, before any command is looked at.
_ROOT_ONLY = frozenset({"--version"})


def main() -> None:
    """Console-script entry point."""
    words = sys.argv[1:2]
    module = _MODULES.get(words[0]) if words else None
    # The commands' imports (polars, the models) make some 70,000 objects that the
    # collector would walk again and again while they load, and at exit, for no garbage:
    # it is off meanwhile, and what they made is frozen out of its reach (`_frozen`).
    gc.disable()
    try:
        from kzcn.cli._common import run  # noqa: PLC0415 - typer: absent from the light install

        if words and words[0] in _ROOT_ONLY:  # the version needs no command: none is imported
            app = _with_commands()
        else:
            app = _every_command() if module is None else _with_commands(module)
    except ModuleNotFoundError as error:
        if (error.name or "").partition(".")[0] not in _CLI_EXTRA:
            raise
        # `pip install kzcn` is the models and the validator; the commands need the extra.
        sys.stderr.write(
            f"kzcn: error: the command line needs {error.name}: pip install 'kzcn[cli]'\n"
        )
        raise SystemExit(2) from None
    finally:
        _frozen()
    run(app)


def _frozen() -> None:
    """Objects made so far out of the collector's reach, now and at exit; collection back on.

    The interpreter's last collections at exit walk every object the imports
    made: `kzcn exposure` on a 100-line file took 0.71 s of CPU without (median of
    6), 0.55 s with. Registered first, the freeze at exit runs after every
    other exit handler.
    """
    gc.freeze()
    gc.enable()
    atexit.register(gc.freeze)
