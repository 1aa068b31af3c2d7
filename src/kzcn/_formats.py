"""The file formats kzcn reads and writes: one list, and what a file name says.

Every command that reads records (`validate`, `exposure`) takes `FORMATS`
and the name rule from here; `kzcn generate` writes `WRITTEN`.
"""

from __future__ import annotations

from pathlib import PurePath
from typing import Literal

__all__ = ["FORMATS", "SUFFIXES", "TABULAR", "WRITTEN", "Format", "format_for_name"]

Format = Literal["jsonl", "json", "csv", "tsv", "xlsx", "parquet"]
#: Every format read, the default first.
FORMATS: tuple[Format, ...] = ("jsonl", "json", "csv", "tsv", "xlsx", "parquet")
#: The formats `kzcn generate` writes.
WRITTEN: tuple[Format, ...] = ("jsonl", "json", "csv", "parquet")
#: Formats of a header row and dotted columns (`kzcn.flat`): a problem names its column.
TABULAR: frozenset[Format] = frozenset({"csv", "tsv", "xlsx"})
#: File name endings and the format each means (`.gz` is looked through).
SUFFIXES: dict[str, Format] = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "json",
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".xlsx": "xlsx",
    ".parquet": "parquet",
}


def format_for_name(name: str) -> Format | None:
    """The format a file name implies (`.jsonl.gz` -> jsonl), or None."""
    path = PurePath(name.lower())
    if path.suffix == ".gz":
        path = path.with_suffix("")
    return SUFFIXES.get(path.suffix)
