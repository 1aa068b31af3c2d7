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
few distinct ones (`Json`, each distinct value read once). The kinds of a
chunk are stacked into one view (`stack`), and people taken from a pool are
its rows (`take`), so the writer converts each field once per chunk.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from kzcn.synth._columns import Flags, Ints, Texts

__all__ = [
    "Built", "Coded", "Items", "Json", "Number", "Pick", "Record", "Stack", "Text", "View",
    "offsets", "stack", "stack_records", "take",
]  # fmt: skip


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

    The table is one the builder indexes (days, names, places, authorities),
    which lives as long as the process (a module's or a cached one): the
    writer converts it once per process, by identity, and takes rows from it.
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
    """Whole numbers per row; null where not `valid`."""

    values: Ints
    valid: Flags | None = None


@dataclass(frozen=True, slots=True)
class Record:
    """`size` objects with these fields (the others absent); null where not `valid`."""

    size: int
    fields: dict[str, View]
    valid: Flags | None = None


@dataclass(frozen=True, slots=True)
class Items:
    """Lists: row `i` holds items `offsets[i]` to `offsets[i + 1]` of `item`, or null (`valid`)."""

    offsets: Ints
    item: View
    valid: Flags | None = None


@dataclass(frozen=True, slots=True)
class Pick:
    """Rows `index` of the records of `parts` one after another (`index` counts across them).

    A row whose index is negative is null.
    """

    parts: tuple[Record, ...]
    index: Ints


@dataclass(frozen=True, slots=True)
class Stack:
    """Views of different forms one after another (`stack`), each of `sizes` rows."""

    parts: tuple[View, ...]
    sizes: tuple[int, ...]


View = Text | Coded | Json | Number | Record | Items | Pick | Stack
_NULL = Json(b"null")
#: The validity of a null's rows (broadcast to its size).
_NONE = np.zeros(1, dtype=bool)


def stack(views: Sequence[View], sizes: Sequence[int]) -> View:
    """`views` (of `sizes` rows) one after another, as one view where their forms agree.

    The messages of a chunk are drawn a kind at a time; stacked, the writer
    converts each field once for the chunk, not once per kind. A field some
    views lack (a null) is null in their rows; views of different forms stay
    apart (`Stack`).
    """
    if len(views) == 1:
        return views[0]
    forms = {type(v) for v in views if not _is_null(v)}
    if not forms:
        return _NULL
    if forms == {Record, Pick}:  # a record is a pick of all its rows
        forms = {Pick}
    stacked = _STACKERS[forms.pop()](views, sizes) if len(forms) == 1 else None
    return Stack(tuple(views), tuple(sizes)) if stacked is None else stacked


def _is_null(view: View) -> bool:
    return isinstance(view, Json) and isinstance(view.values, bytes) and view.values == b"null"


def stack_records(views: Sequence[View], sizes: Sequence[int]) -> Record:
    """Records (or nulls) one after another as one record; see `stack`."""
    records = [v if isinstance(v, Record) else Record(size, {}, _NONE)
               for v, size in zip(views, sizes, strict=True)]  # fmt: skip
    names = list(dict.fromkeys(name for r in records for name in r.fields))
    return Record(
        sum(sizes),
        {name: stack([r.fields.get(name, _NULL) for r in records], sizes) for name in names},
        _valid([r.valid for r in records], sizes),
    )


def _stack_picks(views: Sequence[View], sizes: Sequence[int]) -> Pick:
    """Picks, records (all their rows) and nulls as one pick, of its records stacked."""
    parts: list[Record] = []
    indices = []
    for view, size in zip(views, sizes, strict=True):
        base = sum(part.size for part in parts)
        if isinstance(view, Pick):
            parts.extend(view.parts)
            indices.append(np.where(view.index < 0, -1, view.index + base))
        elif isinstance(view, Record):
            parts.append(view)
            indices.append(np.arange(base, base + size))
        else:
            indices.append(np.full(size, -1, dtype=np.int64))
    return Pick((stack_records(parts, [part.size for part in parts]),), np.concatenate(indices))


def _stack_items(views: Sequence[View], sizes: Sequence[int]) -> Items:
    """Lists (or nulls, which hold no items) one after another."""
    starts, items, counts, valid = [], [], [], []
    total = 0
    for view, size in zip(views, sizes, strict=True):
        if isinstance(view, Items):
            starts.append(view.offsets[:-1] + total)
            count = int(view.offsets[-1])
            items.append(view.item)
            counts.append(count)
            valid.append(view.valid)
            total += count
        else:
            starts.append(np.full(size, total, dtype=np.int64))
            valid.append(_NONE)
    offsets = np.concatenate([*starts, np.array([total], dtype=np.int64)])
    return Items(offsets, stack(items, counts), _valid(valid, sizes))


def _stack_json(views: Sequence[View], sizes: Sequence[int]) -> Json:
    return Json(_values([v.values for v in views if isinstance(v, Json)], sizes))


# Null rows among texts, codes or numbers are rows of them that are not valid.


def _stack_numbers(views: Sequence[View], sizes: Sequence[int]) -> Number:
    return Number(
        np.concatenate([v.values if isinstance(v, Number) else np.zeros(size, dtype=np.int64)
                        for v, size in zip(views, sizes, strict=True)]),
        _valid([v.valid if isinstance(v, Number) else _NONE for v in views], sizes),
    )  # fmt: skip


def _stack_texts(views: Sequence[View], sizes: Sequence[int]) -> Text | None:
    texts = [v if isinstance(v, Text) else None for v in views]
    if len({t.quoted for t in texts if t is not None}) > 1:
        return None
    return Text(
        _values([b"" if t is None else t.values for t in texts], sizes),
        _valid([_NONE if t is None else t.valid for t in texts], sizes),
        quoted=next(t.quoted for t in texts if t is not None),
    )


def _stack_coded(views: Sequence[View], sizes: Sequence[int]) -> Coded | None:
    coded = [v for v in views if isinstance(v, Coded)]
    if len({(id(c.table), c.json) for c in coded}) > 1:
        return None
    return Coded(
        coded[0].table,
        np.concatenate([v.index if isinstance(v, Coded) else np.zeros(size, dtype=np.int64)
                        for v, size in zip(views, sizes, strict=True)]),
        _valid([v.valid if isinstance(v, Coded) else _NONE for v in views], sizes),
        json=coded[0].json,
    )  # fmt: skip


_STACKERS: dict[type, Callable[[Sequence[View], Sequence[int]], View | None]] = {
    Record: stack_records,
    Pick: _stack_picks,
    Items: _stack_items,
    Json: _stack_json,
    Number: _stack_numbers,
    Text: _stack_texts,
    Coded: _stack_coded,
}


def _values(values: Sequence[Texts | bytes], sizes: Sequence[int]) -> Texts | bytes:
    """Columns (or constants, of their sizes) one after another; a constant if all are one."""
    if all(isinstance(v, bytes) for v in values):
        if len(set(values)) == 1:
            return values[0]
        return np.repeat(np.array(values, dtype=object), sizes)
    return np.concatenate(
        [np.full(size, v, dtype=object) if isinstance(v, bytes) else np.asarray(v, dtype=object)
         for v, size in zip(values, sizes, strict=True)]
    )  # fmt: skip


def _valid(valid: Sequence[Flags | None], sizes: Sequence[int]) -> Flags | None:
    if all(v is None for v in valid):
        return None
    if all(v is None or v is _NONE for v in valid):  # each view all valid or all null
        return np.repeat(np.array([v is None for v in valid]), sizes)
    return np.concatenate([_flags(v, size) for v, size in zip(valid, sizes, strict=True)])


def _flags(valid: Flags | None, size: int) -> Flags:
    """`valid` as `size` flags (None: all valid; one flag: the same for all)."""
    if valid is None:
        return np.ones(size, dtype=bool)
    if np.ndim(valid) == 0 or len(valid) != size:
        return np.full(size, bool(np.asarray(valid).ravel()[0]))
    return valid


def take(view: View, rows: Ints) -> View:
    """Rows `rows` of a view of `Record`s, `Items`, `Pick`s and leaves (not `Stack`s)."""
    if isinstance(view, Record):
        fields = {name: take(field, rows) for name, field in view.fields.items()}
        return Record(len(rows), fields, _rows(view.valid, rows))
    if isinstance(view, Items):
        starts = view.offsets[rows]
        sizes = view.offsets[rows + 1] - starts
        cut = offsets(sizes)
        items = np.repeat(starts - cut[:-1], sizes) + np.arange(cut[-1])
        return Items(cut, take(view.item, items), _rows(view.valid, rows))
    if isinstance(view, Pick):
        return Pick(view.parts, view.index[rows])
    return _take_leaf(view, rows)


def _take_leaf(view: View, rows: Ints) -> View:
    if isinstance(view, Coded):
        return Coded(view.table, view.index[rows], _rows(view.valid, rows), json=view.json)
    if isinstance(view, Number):
        return Number(view.values[rows], _rows(view.valid, rows))
    if isinstance(view, Json):
        return Json(_rows(view.values, rows))
    if isinstance(view, Text):
        return Text(_rows(view.values, rows), _rows(view.valid, rows), quoted=view.quoted)
    raise TypeError("a stack of views has no rows to take")


def _rows(column: Any, rows: Ints) -> Any:
    """Rows of a column; a constant (or None) for every row stays one."""
    if column is None or isinstance(column, bytes) or np.ndim(column) == 0 or len(column) == 1:
        return column
    return column[rows]


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
