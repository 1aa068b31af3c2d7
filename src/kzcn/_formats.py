"""The file formats kzcn reads and writes: one list, and what a file name says.

`kzcn validate` reads them, `kzcn generate` writes them, `kzcn exposure`
reads the two JSON ones; each takes the list and the name rule from here.
"""

from __future__ import annotations

from pathlib import PurePath
from typing import Literal

__all__ = ["FORMATS", "SUFFIXES", "Format", "format_for_name"]

Format = Literal["jsonl", "json", "csv"]
#: Every format, the default first.
FORMATS: tuple[Format, ...] = ("jsonl", "json", "csv")
#: File name endings and the format each means (`.gz` is looked through).
SUFFIXES: dict[str, Format] = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "json",
    ".csv": "csv",
}


def format_for_name(name: str) -> Format | None:
    """The format a file name implies (`.jsonl.gz` -> jsonl), or None."""
    path = PurePath(name.lower())
    if path.suffix == ".gz":
        path = path.with_suffix("")
    return SUFFIXES.get(path.suffix)
