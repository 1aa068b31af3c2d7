"""Typed views of generated messages: the columns a builder computed, by field name.

A builder draws its columns once; its JSON renderer joins them, with the keys,
into text (`kzcn.synth._columns.join_rows`), and its view names the same
columns field by field, so the Parquet writer (`kzcn._parquet.arrow_array`)
builds Arrow arrays from them without writing and re-reading JSON. The view
holds only numpy columns (pyarrow stays an optional dependency), and names
only the fields a kind has: every other column of the Parquet schema is null
there, as a field a kind does not have is absent from its JSON.

A leaf keeps what the builder holds: text per row (`Text`), an index into a
table of texts or JSON values the builder looks values up in (`Coded`, so a
table is converted once, not a row at a time), or a column of JSON values of
few distinct ones (`Json`, each distinct value read once).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from kzcn.synth._columns import Flags, Ints, Texts

__all__ = ["Built", "Coded", "Items", "Json", "Number", "Pick", "Record", "Text", "View"]


@dataclass(frozen=True, slots=True)
class Text:
    """UTF-8 text per row (or one for every row); null where not `valid`.

    `quoted`: each value is in JSON quotes, as the builder renders it (text
    with nothing to escape: digits, codes, dates), and the quotes are cut.
    """

    values: Texts | bytes
    valid: Flags | None = None
    quoted: bool = False


@dataclass(frozen=True, slots=True)
class Coded:
    """Entries `index` of `table`: texts, or JSON values when `json`; null where not `valid`.

    The table is one the builder indexes (days, names, places, authorities):
    the writer converts it once per process and takes rows from it.
    """

    table: Texts
    index: Ints
    valid: Flags | None = None
    json: bool = False


@dataclass(frozen=True, slots=True)
class Json:
    """JSON values per row (or one for every row), of few distinct values: each is read once."""

    values: Texts | bytes


@dataclass(frozen=True, slots=True)
class Number:
    """Whole numbers per row."""

    values: Ints


@dataclass(frozen=True, slots=True)
class Record:
    """`size` objects with these fields (the others absent); null where not `valid`."""

    size: int
    fields: dict[str, View]
    valid: Flags | None = None


@dataclass(frozen=True, slots=True)
class Items:
    """Lists: row `i` holds items `offsets[i]` to `offsets[i + 1]` of `item`."""

    offsets: Ints
    item: View


@dataclass(frozen=True, slots=True)
class Pick:
    """Rows `index` of the records of `parts` one after another (`index` counts across them)."""

    parts: tuple[Record, ...]
    index: Ints


View = Text | Coded | Json | Number | Record | Items | Pick


def offsets(sizes: Ints) -> Ints:
    """The offsets of lists of these sizes (`Items`)."""
    return np.concatenate([np.zeros(1, dtype=np.int64), np.cumsum(sizes, dtype=np.int64)])


@dataclass(frozen=True, slots=True)
class Built:
    """A column of messages of one kind, drawn: rendered as JSON, or viewed by field.

    Neither draws anything, so either (or both) give the same messages.
    """

    json: Callable[[], Texts]
    view: Callable[[], Record]
