"""The command line: a thin edge over the library (the only place typer and rich are used)."""

from __future__ import annotations

from kzcn.cli import _demo, _exposure, _generate, _schema, _validate
from kzcn.cli._common import app, run

__all__ = ["app", "main"]

for _module in (_schema, _validate, _generate, _exposure, _demo):
    _module.register(app)


def main() -> None:
    """Console-script entry point."""
    run(app)
