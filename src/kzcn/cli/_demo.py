"""Placeholder: the command is added by its own issue."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the command to the app (none yet)."""
    del app
