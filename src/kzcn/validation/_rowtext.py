"""The JSON text of a table's row made straight from its cells, without building the record.

A row of a wide CSV (643 columns for every kind's fields) has about sixty
cells filled. Its record was built as nested dicts by the layout's builder
(`kzcn.flat.csv_layout`), then written as JSON text for the fast accept path:
most of a row's time beyond a JSON line's. Here the text is made at once:

- A row's *shape* is which of its cells are filled (one pass in C, `compress`).
- For a shape, the builder is run once on marker cells and its record written
  by orjson; the markers become slots of a `%` template. The text of the
  record is then the template filled with the row's cells: a string's JSON is
  its text between quotes when it holds no quote, backslash or control
  character (orjson escapes only those), and a typed cell (number, boolean)
  is converted and written by orjson as the builder's record would have it.
- A row that cannot be filled so (a cell to escape, a quote inside a cell, a
  number orjson refuses) gives None: its record is
  built as before. The text is that of `orjson.dumps(layout.build(cells))` byte
  for byte (tests/test_rowtext.py), so nothing downstream can tell the way.

A file has a few thousand shapes per 100,000 rows, most met once. A shape's
template is made at first sight from pieces: a record's text is its top-level
keys' texts in a fixed order, each built from its own cells (a list's, from
each element's), and a piece serves every shape that shares it (`_groups`).
A header naming a top-level key twice cannot be so cut: its shapes are learnt
whole, the second time they are met.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import compress, groupby
from operator import itemgetter
from typing import Any, TypeVar

import orjson

from kzcn.flat import Converter, CsvLayout

__all__ = ["LEARNT", "MARK", "RowText", "picker", "typed_bytes", "typed_values"]

#: Shapes a table keeps templates for (a few thousand in a file of 100,000 rows, each
#: about 2 kB); a row of a shape beyond them is built as before.
LEARNT = 4096
#: Typed cells whose JSON is remembered (booleans: a few; numbers: counts, many).
_KNOWN = 1024
#: Shapes met once, remembered (by hash) so that the second meeting learns one;
#: forgotten when there are more.
_SEEN = 65536
#: Marks a cell in the record a template is made from (a private-use character:
#: orjson writes it as it is). A header naming it makes no templates.
MARK = "\ue000"
_MARKED = re.compile(f'"{MARK}([0-9]+){MARK}"')
#: Bytes a string cell's JSON text would escape (the delimiter aside, see `RowText`).
_ESCAPED = bytes(range(0x20)) + b'\\"'
_CONTROL = re.compile("[\x00-\x1f]")

Getter = Callable[[Sequence[Any]], tuple[Any, ...]]
Cell = TypeVar("Cell", str, bytes)
Typed = tuple[tuple[int, Converter], ...]
#: A group's `"key":value` template, the cells of its slots, and its typed slots.
_Piece = tuple[bytes, list[int], Typed]


def picker(order: list[int]) -> Getter:
    """The cells at `order`, as a tuple even for none or one (an `itemgetter` is faster)."""
    if len(order) > 1:
        return itemgetter(*order)
    if order:
        index = order[0]
        return lambda cells: (cells[index],)
    return lambda _: ()


class _Template:
    """The text of a shape's records with a `%s` slot per cell, and which cells fill them.

    Attributes:
        data: The template as bytes, for rows read as bytes.
        cells: The cells of the slots, in the slots' order.
        typed: `(slot, converter)` of the slots of typed cells: their JSON is
            the converted value's, not the text between quotes.
    """

    __slots__ = ("_plain", "_text", "_typed_cells", "cells", "data", "typed")

    def __init__(self, data: bytes, cells: Getter, typed: Typed) -> None:
        self.data = data
        self.cells = cells
        self.typed = typed
        self._text: str | None = None
        #: The typed slots' cells, and those met that are their own JSON (`true`, `12`).
        self._typed_cells = itemgetter(*(slot for slot, _ in typed)) if typed else None
        self._plain: set[object] = set()

    def converted(
        self,
        values: tuple[Cell, ...],
        known: dict[tuple[Converter, Cell], Cell],
        write: Callable[[Converter, Cell], Cell | None],
    ) -> tuple[Cell, ...] | None:
        """`values` with each typed cell as its JSON (`typed_values`), or None.

        Most rows' typed cells are their own JSON (`synthetic` is `true` on
        nearly every row): met once, such cells are known at one lookup.
        """
        assert self._typed_cells is not None  # noqa: S101 - only called with typed slots
        cells = self._typed_cells(values)
        if cells in self._plain:
            return values
        converted = typed_values(values, self.typed, known, write)
        if converted is values and len(self._plain) < _KNOWN:
            self._plain.add(cells)
        return converted

    @property
    def text(self) -> str:
        """The template as text, for rows given as cells (made when first asked for)."""
        if self._text is None:
            self._text = self.data.decode()
        return self._text


class RowText:
    """The JSON text of rows of one header (`layout`), each given as bytes or as cells.

    Args:
        layout: The header's layout, which builds a row's record.
        delimiter: The separator of the rows given as bytes: one ASCII character.
    """

    def __init__(self, layout: CsvLayout, delimiter: str = ",") -> None:
        self._layout = layout
        self._width = len(layout.header)
        self._indexes = tuple(range(self._width))  # existing ints: `range` would make each
        self._delimiter = delimiter.encode()
        if len(self._delimiter) != 1:
            raise ValueError(f"a separator is one ASCII character, not {delimiter!r}")
        # A tab between cells is no tab to escape; one inside a quoted cell is.
        unsafe = _ESCAPED.replace(self._delimiter, b"")
        self._flagged = bytes.maketrans(unsafe, b'"' * len(unsafe))  # a quote for a quote
        #: The empty cells most rows of a wide table end with (half its width).
        self._empty_end = self._delimiter * (self._width // 2)
        self._escaped_delimiter = self._delimiter in _ESCAPED
        self._learning = not any(MARK in column for column in layout.header)
        self._templates: dict[tuple[int, ...], _Template | None] = {}
        self._seen: set[int] = set()
        #: Each column's group (`_groups`), and each group's pieces by its filled cells.
        self._groups = _groups(layout) if self._learning else None
        self._pieces: dict[tuple[int, ...], _Piece | None] = {}
        #: A list's pieces by their filled cells, made of its elements' pieces (below).
        self._lists: dict[tuple[int, ...], _Piece | None] = {}
        #: A list's elements' pieces by their filled cells (not the same text as a group's).
        self._elements: dict[tuple[int, ...], _Piece | None] = {}
        #: The JSON of typed cells met before, by converter and cell (`true`, `12`).
        self._typed_bytes: dict[tuple[Converter, bytes], bytes] = {}
        self._typed_text: dict[tuple[Converter, str], str] = {}

    def of_bytes(self, raw: bytes) -> bytes | None:
        """The text of a one-line CSV row given as its bytes (line end included), or None.

        Quotes are taken only around whole cells, with no quote inside: any
        other row is for `csv.reader`, and gives None.
        """
        # The empty cells a row ends with are most of a wide one's (the columns of
        # the kinds with long lists come last): they are counted, not cut apart.
        # The line end first: a `\r` a last filled cell ends with is the cell's (the
        # reader cuts a line at a lone `\r`, but a row given otherwise may hold one).
        line = raw.rstrip(b"\r\n")
        delimiter = self._delimiter
        # Byte by byte, `rstrip` is most of the cost; past the empty cells every row
        # ends with, it is a compare and a copy.
        if line.endswith(self._empty_end):
            filled = line[: len(line) - len(self._empty_end)].rstrip(delimiter)
        else:
            filled = line.rstrip(delimiter)
        # `_flagged` turns each byte to escape into a quote (one pass in C): a row with
        # none but quotes comes back as it was, the very object.
        if filled.translate(self._flagged) != filled:
            return None
        if filled.find(b'"') < 0:  # `in` on bytes raises and clears a TypeError first
            cells = filled.split(delimiter)
        else:  # each quote must be a cell's
            unquoted = self._unquoted(filled)
            if unquoted is None:
                return None
            cells = unquoted
        # The separator is one byte: the empty cells cut off are the bytes cut off.
        if len(cells) + len(line) - len(filled) != self._width:
            return None
        # `compress` over `cells` (in C): the indexes of the filled ones, the row's shape.
        shape = tuple(compress(self._indexes, cells))
        template = self._templates.get(shape) or self._learn(shape)
        if template is None:
            return None
        values: tuple[bytes, ...] = template.cells(cells)
        if template.typed:
            converted = template.converted(values, self._typed_bytes, typed_bytes)
            if converted is None:
                return None
            values = converted
        return template.data % values

    def of_cells(self, cells: list[str]) -> bytes | None:
        """The text of a row given as cells (a sheet's row, a row `csv.reader` read), or None."""
        if len(cells) != self._width:
            return None
        shape = tuple(compress(self._indexes, cells))
        template = self._templates.get(shape) or self._learn(shape)
        if template is None:
            return None
        values: tuple[str, ...] = template.cells(cells)
        if _escapes("".join(values)):
            return None
        if template.typed:
            converted = template.converted(values, self._typed_text, _typed_text)
            if converted is None:
                return None
            values = converted
        try:
            return (template.text % values).encode()
        except UnicodeEncodeError:  # a lone surrogate: the record is no JSON either
            return None

    def _unquoted(self, body: bytes) -> list[bytes] | None:
        """The cells of a row whose quotes are only around whole cells, or None.

        Cut at the quotes: each piece between two is a quoted cell, which must
        take up the whole of one: a separator (or the row's start) before its
        opening quote, one (or the row's end) after its closing quote.
        """
        pieces = body.split(b'"')
        if not len(pieces) % 2:
            return None  # a quote not closed
        delimiter = self._delimiter
        cells = pieces[0].split(delimiter)
        last = len(pieces) - 2
        for position in range(1, len(pieces), 2):
            after = pieces[position + 1].split(delimiter)
            if cells[-1] or after[0]:
                return None  # a quote inside a cell
            if len(after) == 1 and position != last:
                return None  # a quote just after a closing one: "" inside a quoted cell
            if self._escaped_delimiter and delimiter in pieces[position]:
                return None
            cells[-1] = pieces[position]
            cells += after[1:]
        return cells

    def _learn(self, shape: tuple[int, ...]) -> _Template | None:
        """The template of `shape`, made of its groups' pieces; kept from its second meeting.

        A shape met once is most of a file's: its template is made and used,
        not kept. Without groups, a shape's template is made the second time.
        """
        if shape in self._templates or not self._learning:
            return None  # refused before
        met = self._met(shape)
        room = len(self._templates) < LEARNT
        if self._groups is not None:
            template = self._composed(shape)
        elif not (met and room):
            return None
        else:
            template = self._template(shape)
        if met and room:  # beyond it, a row's template is made again (from pieces: cheap)
            self._templates[shape] = template
        return template

    def _met(self, shape: tuple[int, ...]) -> bool:
        """Whether `shape` was met before (then it is forgotten), else remembered."""
        key = hash(shape)  # another shape of the same hash is kept a row early: no matter
        if key in self._seen:
            self._seen.discard(key)
            return True
        if len(self._seen) >= _SEEN:
            self._seen.clear()
        self._seen.add(key)
        return False

    def _composed(self, shape: tuple[int, ...]) -> _Template | None:
        """The template of `shape` as the record's: its groups' pieces between braces."""
        groups = self._groups
        assert groups is not None  # noqa: S101 - only called with groups
        rank = groups.rank.__getitem__
        pieces: list[_Piece] = []
        # The cells by group in the record's order, each group's in the shape's (a stable
        # sort): in C, as most of a file's shapes are met once.
        for group, members in groupby(sorted(shape, key=rank), key=rank):
            if group < 0:
                continue
            piece = self._group(tuple(members))
            if piece is None:
                return None
            if piece[0]:
                pieces.append(piece)
        text, order, typed = _joined(pieces, b"{", b"}")
        return _Template(text, picker(order), typed)

    def _group(self, cells: tuple[int, ...]) -> _Piece | None:
        """The `"key":value` text of one group's filled `cells` (b"" if none), with its slots.

        A list's is made of its elements' pieces (`_list`), any other group's whole.
        """
        groups = self._groups
        assert groups is not None  # noqa: S101 - only called with groups
        is_list = groups.element[cells[0]] >= 0
        # A list's pieces (thousands: its elements' every mix) have their own room,
        # so that they never crowd out the other groups' (a hundred or so).
        kept = self._lists if is_list else self._pieces
        if cells in kept:
            return kept[cells]
        piece = self._list(cells) if is_list else None
        if piece is None:
            made = self._slots(cells)
            piece = None if made is None else (made[0][1:-1], made[1], made[2])
        if len(kept) < LEARNT:
            kept[cells] = piece
        return piece

    def _list(self, cells: tuple[int, ...]) -> _Piece | None:
        """The `"key":[...]` text of a list's filled `cells`, each element's piece learnt alone.

        None when its elements are not 0, 1, ... n-1 (the builder writes an
        object then): the group is learnt whole.
        """
        groups = self._groups
        assert groups is not None  # noqa: S101 - only called with groups
        element = groups.element.__getitem__
        elements = groupby(sorted(cells, key=element), key=element)
        key = groups.keys[groups.rank[cells[0]]]
        pieces: list[_Piece] = []
        for expected, (number, members) in enumerate(elements):
            piece = self._element(key, number, tuple(members)) if number == expected else None
            if piece is None:
                return None
            pieces.append(piece)
        return _joined(pieces, key + b":[", b"]")

    def _element(self, key: bytes, element: int, cells: tuple[int, ...]) -> _Piece | None:
        """The text of element `element` of the list at top-level `key`, its `cells` filled."""
        if cells in self._elements:
            return self._elements[cells]
        piece = None
        items = self._marked(cells).get(orjson.loads(key.replace(b"%%", b"%")))
        if type(items) is list and len(items) == 1 and element == 0:
            piece = self._slotted(items[0])
        elif type(items) is dict and len(items) == 1 and str(element) in items:
            piece = self._slotted(items[str(element)])
        if len(self._elements) < LEARNT:
            self._elements[cells] = piece
        return piece

    def _template(self, shape: tuple[int, ...]) -> _Template | None:
        """The template of the rows whose filled cells are `shape`, or None if it cannot be made."""
        made = self._slots(shape)
        return None if made is None else _Template(made[0], picker(made[1]), made[2])

    def _marked(self, shape: tuple[int, ...]) -> dict[str, Any]:
        """The record of a row whose `shape` cells are marked with their indexes, others empty."""
        marked = [""] * self._width
        for index in shape:
            marked[index] = f"{MARK}{index}{MARK}"
        return self._layout.build(marked)

    def _slots(self, shape: tuple[int, ...]) -> _Piece | None:
        """The record of `shape`'s marked cells as a template, the cells of its slots, the typed."""
        return self._slotted(self._marked(shape))

    def _slotted(self, value: Any) -> _Piece | None:
        """A marked record's `value` as a template, the cells of its slots, its typed slots."""
        try:
            written = orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS)
        except orjson.JSONEncodeError:
            return None
        pieces = _MARKED.split(written.decode().replace("%", "%%"))
        order = list(map(int, pieces[1::2]))
        if len(set(order)) != len(order) or MARK in "".join(pieces[0::2]):
            return None  # a cell written twice, or a mark left: not this builder's record
        typed = self._layout.typed
        pieces[1::2] = ["%s" if index in typed else '"%s"' for index in order]
        converters = tuple(
            (position, typed[index]) for position, index in enumerate(order) if index in typed
        )
        return "".join(pieces).encode(), order, converters


def _joined(pieces: list[_Piece], start: bytes, end: bytes) -> _Piece:
    """`pieces` one after another, between `start` and `end`, separated by commas."""
    order: list[int] = []
    typed: list[tuple[int, Converter]] = []
    for _, cells, converters in pieces:
        if converters:  # few pieces have typed slots
            typed += [(len(order) + position, convert) for position, convert in converters]
        order += cells
    return start + b",".join([piece[0] for piece in pieces]) + end, order, tuple(typed)


@dataclass(frozen=True, slots=True)
class _Groups:
    """Where each column's cells go in the record's text (`_groups`).

    Attributes:
        rank: Each column's group: the place of its top-level key (-1: none).
        element: Each column's list element, when its group is a list (-1: not).
        keys: Each group's key as JSON text (a `%` doubled, as in a template).
    """

    rank: list[int]
    element: list[int]
    keys: dict[int, bytes]


def _groups(layout: CsvLayout) -> _Groups | None:
    """Each column's group and list element, or None if a record cannot be made of pieces.

    A record's text is then its groups' texts in that order, each made by the
    builder from that group's cells alone: so a shape's template is made of
    pieces learnt once for all the shapes that share them (the subject of one
    row, the documents of another). That holds when each top-level key is set
    by one column or one object of columns: a key named by two (`kind` twice,
    or `x` beside `x.0`) could land at either's place, and the header has none.
    A group whose every column goes on with an index (`items.0...`, `items.1...`)
    is a list: of elements learnt one by one, when they are 0, 1, ... n-1.
    """
    parts = [column.split(".", 2) for column in layout.header]
    dotted = {part[0] for part in parts if len(part) > 1}
    roots = [part[0] for part in parts if len(part) == 1]
    if len(set(roots)) != len(roots) or dotted.intersection(roots):
        return None
    try:
        record = layout.build([f"{MARK}{MARK}"] * len(layout.header))
    except Exception:  # noqa: BLE001 - any failure: no groups, rows are learnt whole
        return None
    rank = {key: position for position, key in enumerate(record)}
    try:
        keys = {position: orjson.dumps(key).replace(b"%", b"%%") for key, position in rank.items()}
    except orjson.JSONEncodeError:  # a header not UTF-8, read with its bytes as surrogates
        return None
    lists = {part[0] for part in parts if len(part) > 1 and _index(part[1]) is not None}
    lists -= {part[0] for part in parts if len(part) == 1 or _index(part[1]) is None}
    return _Groups(
        [rank.get(part[0], -1) for part in parts],
        [_index(part[1]) if part[0] in lists else -1 for part in parts],  # type: ignore[misc]
        keys,
    )


def _index(part: str) -> int | None:
    """A list index as a column names one (`0`, `12`; not `01`), or None."""
    return int(part) if part.isdigit() and part.isascii() and str(int(part)) == part else None


def _escapes(text: str) -> bool:
    """Whether orjson would escape a character of `text` (a quote, a backslash, a control)."""
    if '"' in text or "\\" in text:
        return True
    return not text.isprintable() and _CONTROL.search(text) is not None


def typed_values(
    values: tuple[Cell, ...],
    typed: Typed,
    known: dict[tuple[Converter, Cell], Cell],
    write: Callable[[Converter, Cell], Cell | None],
) -> tuple[Cell, ...] | None:
    """`values` with each typed cell as the JSON the builder's record holds, or None.

    `known` keeps the JSON of cells met before (`true` on nearly every row, which
    is its own JSON: then `values` are as they were).
    """
    converted: list[Cell] | None = None
    for position, convert in typed:
        value = values[position]
        written = known.get((convert, value))
        if written is None:
            written = write(convert, value)
            if written is None:
                return None
            if len(known) < _KNOWN:
                known[convert, value] = written
        if written != value:
            if converted is None:
                converted = list(values)
            converted[position] = written
    return values if converted is None else tuple(converted)


def typed_bytes(convert: Converter, cell: bytes) -> bytes | None:
    """The JSON of a typed cell read as bytes, as orjson writes its converted value; or None."""
    try:
        written = orjson.dumps(convert(cell.decode()))
    except (orjson.JSONEncodeError, UnicodeDecodeError):  # an integer past 64 bits
        return None
    # A copy of its size: orjson's bytes keep the room it wrote in (4 kB for `12`).
    return bytes(memoryview(written))


def _typed_text(convert: Converter, cell: str) -> str | None:
    """`typed_bytes` of a cell given as text."""
    try:
        return orjson.dumps(convert(cell)).decode()
    except orjson.JSONEncodeError:  # past 64 bits, or a lone surrogate
        return None
