"""Units of the two binary formats: `.xlsx` (streamed, `_xlsx`) and Parquet (pyarrow).

Both need seeking (a zip archive, a Parquet footer), and a pipe cannot seek.
Their bytes cannot be cut into records, so every unit's `raw` is empty:
`--valid-out` and `--invalid-out` refuse them.

- xlsx: the first sheet (or the one named), its first row the header; each
  cell becomes the text a CSV would hold, then goes through the same layout
  as CSV (`kzcn.flat.csv_layout`), so a row is typed by the schema's column
  types and numbered as the spreadsheet numbers it. The archive is spooled
  (in memory up to 16 MiB, else to an unnamed temporary file) and its sheet
  read as it streams (`kzcn.validation._xlsx`): memory holds a block of
  rows, not the sheet. A row with no value is a blank line when a row after it has one;
  the empty rows after the last value are none (a formatted, empty row is
  no line of the table).
- Parquet: read whole into memory, up to `MAX_DOCUMENT_BYTES`; the nested
  columns `kzcn generate --format parquet` writes; a null is an absent
  field, and a record is numbered by its row from 1.
"""

from __future__ import annotations

import io
import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterator, Sequence
from functools import partial
from typing import IO, Any, NamedTuple

import orjson

from kzcn.flat import Converter, CsvLayout, made_once
from kzcn.validation._rowtext import MARK, picker, typed_bytes, typed_values
from kzcn.validation._xlsx import (
    ARCHIVE_ERRORS,
    MAX_COLUMNS,
    Cells,
    Entities,
    Inline,
    SheetError,
    cell_text,
    open_sheet,
    shape_columns,
)
from kzcn.validation.readers import (
    MAX_DOCUMENT_BYTES,
    InputRefusedError,
    Table,
    TableRow,
    Unit,
    csv_header_unit,
)

__all__ = ["cell_text", "drop_nulls", "parquet_units", "units", "xlsx_units"]


#: The light install (`pip install kzcn`) reads the text formats only.
_MISSING = "reading {what} needs {package}: pip install 'kzcn[cli]'"
#: An archive up to this size is spooled in memory, a larger one to a temporary file.
_SPOOL_BYTES = 16 << 20


def _whole(stream: IO[bytes], what: str) -> io.BytesIO:
    data = stream.read(MAX_DOCUMENT_BYTES + 1)
    if len(data) > MAX_DOCUMENT_BYTES:
        raise InputRefusedError(f"a {what} file over {MAX_DOCUMENT_BYTES:,} bytes")
    return io.BytesIO(data)


def units(fmt: str, stream: IO[bytes], *, sheet: str | None = None) -> Iterator[Unit]:
    """The units of an `xlsx` or `parquet` stream."""
    if fmt == "xlsx":
        return xlsx_units(stream, sheet=sheet)
    return parquet_units(stream)


# --- xlsx --------------------------------------------------------------------

#: A sheet's rows as `_table_units` takes them, for the rows with a value in any cell, in
#: order: each row's number and its first cells (as many as the header has), or its XML
#: (read when the row is built: `SheetTable`), or None when those cells hold no value.
Rows = Iterator[tuple[int, list[str] | bytes | None]]


class SheetTable(Table):
    """The table of a sheet whose rows are their XML until built (in a worker, with `--jobs`).

    The parent then only cuts the sheet into rows and looks for one value in
    each (`holds_value`); the workers read the cells. A sheet of shared
    strings is read in the parent: each worker would need the whole table.
    """

    __slots__ = ("_shapes", "_sheet")

    def __init__(self, layout: CsvLayout, sheet: Cells) -> None:
        super().__init__(layout)
        self._sheet = sheet
        self._shapes: SheetText | None = None

    def __reduce__(self) -> tuple[Any, ...]:
        return _sheet_table, (self.layout, self._sheet)

    def cells(self, text: str) -> list[str]:
        """The cells of a row's XML, as text (as `Table.cells` is given a row)."""
        return self.sheet_cells(text.encode())

    def row_text(self, xml: bytes) -> bytes | None:
        """The JSON text of a row's record (None when orjson refuses it).

        A row of openpyxl's inline strings is written from its shape's
        template (`SheetText`), or built from the cells found in it (a shape
        not learnt); any other row is built from its cells as read.

        Raises:
            InputRefusedError: The row is not UTF-8: no workbook (in a worker, too).
        """
        found = self._sheet.inline_texts(xml)
        if found is None:
            return self._built(self.sheet_cells(xml))
        if self._shapes is None:
            self._shapes = SheetText(self.layout)
        inline, entities = found
        text = self._shapes.of(inline, entities)
        if text is not None:
            return text
        # The texts are UTF-8 (`json_texts`): no error to refuse the input with.
        return self._built(self._sheet.placed(inline, len(self.layout.header))[0])

    def _built(self, cells: list[str] | None) -> bytes | None:
        """The JSON text of the record built of a row's `cells` (None: none hold a value)."""
        record = self.layout.build(cells or [""] * len(self.layout.header))
        try:
            return orjson.dumps(record, option=orjson.OPT_NON_STR_KEYS)
        except orjson.JSONEncodeError:  # the record says why, when built
            return None

    def sheet_cells(self, xml: bytes) -> list[str]:
        """The cells of a row's XML.

        Raises:
            InputRefusedError: The row is not UTF-8: no workbook (in a worker, too).
        """
        width = len(self.layout.header)
        try:
            return self._sheet.read(xml, width)[0] or [""] * width
        except UnicodeDecodeError as error:
            raise InputRefusedError("not an .xlsx workbook") from error


#: Shapes (columns filled) of a sheet's rows whose templates are kept: a file of 100,000
#: messages has a few thousand, the most frequent met first; each template is about 2 kB.
SHAPES = 2048
_MARK_BYTES = MARK.encode()
_MARKED = re.compile(b'"%s([0-9]+)%s"' % (_MARK_BYTES, _MARK_BYTES))
#: Shapes met once, remembered so that the second meeting learns one.
_SEEN = 16384


class _Template(NamedTuple):
    """A shape's record as text with a `%s` slot per cell, the texts in the slots' order, the typed.

    `typed`: `(slot, converter)` of each typed cell, whose JSON is its converted value's.
    """

    text: bytes
    cells: Callable[[Sequence[bytes]], tuple[bytes, ...]]
    typed: tuple[tuple[int, Converter], ...]


class SheetText:
    """The JSON text of a sheet's rows of inline strings, from a template per shape.

    A row's shape is its cells' column letters, in order: 100,000 rows of
    messages have about 3,500, a thousand of them met again (98% of the
    rows). A shape's template is made once, from the record the layout
    builds of marked cells (as `kzcn.validation._rowtext` makes a CSV row's):
    a row's text is then its texts, as their bytes (`Cells.inline_texts`),
    put in the slots. It is byte for byte the text of the record built of
    its cells. `RowText` itself takes a row as all its cells (643, as text)
    or as a CSV line: a sheet's row made into either cost as much as
    building its record; here no cell is decoded, placed or looked at again.
    """

    def __init__(self, layout: CsvLayout) -> None:
        self._layout = layout
        self._width = len(layout.header)
        self._learning = not any(MARK in column for column in layout.header)
        self._templates: dict[bytes, _Template | None] = {}
        self._known: dict[tuple[Converter, bytes], bytes] = {}
        #: Shapes met once, not learnt (forgotten when there are more).
        self._seen: set[bytes] = set()

    def of(self, row: Inline, entities: Entities) -> bytes | None:
        """The text of `row`, or None: its shape has no template (yet).

        The texts are XML's (`Cells.inline_texts`): their `entities` are
        replaced in the row's text at once (its template holds no `&`, and a
        typed cell none either).
        """
        template = self._templates.get(row.shape, _UNSEEN)
        if template is _UNSEEN:
            template = self._learn(row.shape)
        if template is None:
            return None
        values = template.cells(row.texts)
        if template.typed:
            # Most rows' typed cells are their own JSON (`true`): the values stay as they are.
            converted = typed_values(values, template.typed, self._known, _typed_cell)
            if converted is None:
                return None
            values = converted
        return entities.replaced(template.text % values)

    def _learn(self, shape: bytes) -> _Template | None:
        """The template of `shape` met a second time, kept (None when it cannot be made).

        A template costs about two rows built: a shape met once (a quarter of
        them) is built, and remembered; one met again is learnt, while there
        is room (a row of a shape beyond it is built).
        """
        if not self._learning or len(self._templates) >= SHAPES:
            return None
        if shape not in self._seen:
            if len(self._seen) >= _SEEN:
                self._seen.clear()
            self._seen.add(shape)
            return None
        self._seen.discard(shape)
        columns = shape_columns(shape)
        template = None
        if len(set(columns)) == len(columns) and max(columns) < self._width:
            template = self._template(columns)
        self._templates[shape] = template
        return template

    def _template(self, columns: list[int]) -> _Template | None:
        """The template of the rows whose cells are in `columns`, in order (each once)."""
        marked = [""] * self._width
        for position, column in enumerate(columns):
            marked[column] = f"{MARK}{position}{MARK}"
        try:
            written = orjson.dumps(self._layout.build(marked), option=orjson.OPT_NON_STR_KEYS)
        except orjson.JSONEncodeError:
            return None
        pieces = _MARKED.split(written)
        order = list(map(int, pieces[1::2]))
        fixed = b"".join(pieces[0::2])
        if len(set(order)) != len(order) or _MARK_BYTES in fixed or b"&" in fixed:
            # A cell written twice, or a mark left: not a record of cells. Or an `&` in
            # a key, which the row's entities are not to be looked for beside.
            return None
        typed = self._layout.typed
        pieces[0::2] = [piece.replace(b"%", b"%%") for piece in pieces[0::2]]
        pieces[1::2] = [b"%s" if columns[cell] in typed else b'"%s"' for cell in order]
        slots = [(slot, columns[cell]) for slot, cell in enumerate(order)]
        converters = tuple((slot, typed[column]) for slot, column in slots if column in typed)
        return _Template(b"".join(pieces), picker(order), converters)


def _typed_cell(convert: Converter, cell: bytes) -> bytes | None:
    """The JSON of a typed cell's XML text (`_rowtext.typed_bytes`); None with an entity.

    An entity is rare in a number or boolean: such a row is built.
    """
    return None if b"&" in cell else typed_bytes(convert, cell)


_UNSEEN: Any = object()


#: The sheet tables a worker process was sent, by header and sheet (`_cells` makes one
#: per sheet): one each, which keeps the shapes it learnt from chunk to chunk.
_SHEET_TABLES: dict[tuple[tuple[str, ...], Cells], SheetTable] = {}


def _sheet_table(layout: CsvLayout, sheet: Cells) -> SheetTable:
    return made_once(_SHEET_TABLES, (layout.header, sheet), partial(SheetTable, layout, sheet))


#: Rows of a sheet whose records' texts are written together, when the first is asked
#: for: reading rows, then checking records, each many at a time, keeps each one's data
#: in the processor's caches (checking each record right after reading its row cost a
#: tenth to a fifth more).
BATCH = 256


class _Batch:
    """Rows of a sheet whose texts are not written yet, to be written together."""

    __slots__ = ("rows",)

    def __init__(self) -> None:
        self.rows: list[SheetRow] = []

    def write(self) -> None:
        """Write each row's text, up to a row that refuses the input (it does when checked)."""
        rows, self.rows = self.rows, []
        written = 0
        try:
            for row in rows:
                row.write()
                written += 1
        except InputRefusedError:  # raised again when that row is checked, after those before
            for rest in rows[written:]:
                rest.leave()


class SheetRow(TableRow):
    """A row of a `SheetTable`: goes to a worker as its XML (`TableRow` sends cells).

    Its XML is read in the process that checks it: its record's text is
    written with its batch's, when one of them is first asked for. Its record
    is built (from the XML, again) only when asked for.
    """

    __slots__ = ("_batch", "_text", "_xml")

    def __init__(self, line: int, table: SheetTable, xml: bytes, batch: _Batch) -> None:
        super().__init__(line, b"", table, None, 1)
        #: The row's XML, until its record is built.
        self._xml: bytes | None = xml
        self._text: bytes | None = None
        self._batch: _Batch | None = batch
        batch.rows.append(self)

    def leave(self) -> None:
        """Be written on its own, if at all."""
        self._batch = None

    def write(self) -> None:
        """Write the record's text as `as_json` does (None when orjson refuses it)."""
        self._batch = None
        xml, table = self._xml, self._table
        if xml is None or not isinstance(table, SheetTable):
            return
        self._text = table.row_text(xml)

    def record_text(self) -> bytes | None:
        """The JSON text of the row's record, written with its batch's; or None: build it."""
        if self._batch is not None:
            self._batch.write()
        text, self._text = self._text, None
        return text

    @property
    def obj(self) -> dict[str, Any] | None:
        """The row's record, built on first use."""
        self._batch = None
        xml, table = self._xml, self._table
        if xml is not None and isinstance(table, SheetTable):
            self._xml = None
            self._row = table.sheet_cells(xml)
        return super().obj

    @obj.setter
    def obj(self, value: dict[str, Any] | None) -> None:
        _TABLE_ROW_OBJ.__set__(self, value)

    def remakes_text(self) -> bool:
        """Whether the row makes again the text a worker made of it: from its XML, while held."""
        return self._xml is not None and self._table is not None

    def __reduce__(self) -> tuple[Any, ...]:
        if self._xml is None or self._table is None:
            return super().__reduce__()
        # Written where it is sent; and the batch (which holds this row) no longer held by
        # it: a row sent and handed on goes at once, not at the next collection of cycles.
        self._batch = None
        return _arrived, (self.line, self._table, self._xml)


_TABLE_ROW_OBJ = TableRow.__dict__["obj"]
#: The batch the rows a worker process is sent join as they arrive (`_arrived`).
_arriving = [_Batch()]


def _arrived(line: int, table: SheetTable, xml: bytes) -> SheetRow:
    """A row sent to a worker: it joins the rows that arrived before it, `BATCH` at a time.

    A chunk's rows are unpickled together, before the first is checked.
    """
    if len(_arriving[0].rows) >= BATCH:
        _arriving[0] = _Batch()
    return SheetRow(line, table, xml, _arriving[0])


def xlsx_units(stream: IO[bytes], *, sheet: str | None = None) -> Iterator[Unit]:
    """A header unit, then one unit per row; line numbers are the sheet's row numbers."""
    with tempfile.SpooledTemporaryFile(_SPOOL_BYTES) as spooled:
        shutil.copyfileobj(stream, spooled, 1 << 20)
        try:
            with zipfile.ZipFile(spooled) as archive:
                yield from _sheet_rows_units(archive, sheet)
        except SheetError as error:
            raise InputRefusedError(str(error)) from error
        except ARCHIVE_ERRORS as error:
            raise InputRefusedError("not an .xlsx workbook") from error


def _sheet_rows_units(archive: zipfile.ZipFile, sheet: str | None) -> Iterator[Unit]:
    chosen = open_sheet(archive, sheet)
    rows = chosen.rows()
    sheet_cells = chosen.cells
    read = sheet_cells.read
    header: list[str] = []
    first = next(rows, None)
    if first is None:
        yield _empty()
        return
    if first[0] == 1:  # else the header, row 1, is empty, and `first` a row of data
        header = read(first[1], MAX_COLUMNS)[0] or []
    width = len(_trimmed(header))
    data = rows if first[0] == 1 else _chained(first, rows)

    def valued() -> Rows:
        for number, xml in data:
            cells, beyond = read(xml, width)
            if cells is not None or beyond:
                yield number, cells

    def unread() -> Rows:
        for number, xml in data:
            filled, beyond = sheet_cells.holds_value(xml, width)
            if filled or beyond:
                yield number, xml if filled else None

    if sheet_cells.strings:
        yield from _table_units(header, valued())
    else:
        yield from _table_units(header, unread(), sheet_cells)


def _chained(
    first: tuple[int, bytes], rest: Iterator[tuple[int, bytes]]
) -> Iterator[tuple[int, bytes]]:
    yield first
    yield from rest


def _trimmed(names: list[str]) -> list[str]:
    """A header's names less the empty cells at its end: the sheet's padding, not columns."""
    while names and not names[-1]:
        names.pop()
    return names


def _table_units(header: list[str], rows: Rows, sheet: Cells | None = None) -> Iterator[Unit]:
    """The units of a table: its header (row 1), then its rows, each gap a blank line.

    A row given as its XML is read by `sheet`, when built.
    """
    layout, unit = csv_header_unit(header, (b"", 1, False), None)
    yield unit
    table, records, previous = Table(layout), 0, 1
    lazy = SheetTable(layout, sheet) if sheet is not None else None
    # The units are handed on `BATCH` at a time: a batch's rows are made when the first
    # is checked.
    batch, ahead = _Batch(), list[Unit]()
    for number, cells in rows:
        for blank in range(previous + 1, number):
            ahead.append(_blank(blank))
            if len(ahead) >= BATCH:
                yield from ahead
                ahead.clear()
        previous = number
        if cells is None:
            ahead.append(_blank(number))
        elif isinstance(cells, bytes):
            ahead.append(SheetRow(number, lazy, cells, batch))  # type: ignore[arg-type]
        else:
            ahead.append(TableRow(number, b"", table, cells, 1))
        records += cells is not None
        if len(ahead) >= BATCH:
            yield from ahead
            batch, ahead = _Batch(), []
    yield from ahead
    if not records:
        yield _empty()


def _empty() -> Unit:
    return Unit(1, b"", found=(("input.empty", ()),), lines=0)


def _blank(number: int) -> Unit:
    return Unit(number, b"", found=(("input.blank_line", ()),), role="blank", lines=1)


def _sheet_units(rows: Iterator[Sequence[Any]]) -> Iterator[Unit]:
    """The units of a sheet's rows given as cell values (row 1 first, None for empty)."""
    numbered = iter(enumerate(rows, start=1))
    first = next(numbered, None)
    if first is None:
        yield _empty()
        return
    header = _trimmed([cell_text(cell) for cell in first[1]])
    width = len(header)

    def valued() -> Rows:
        for number, row in numbered:
            texts = [cell_text(cell) for cell in row]
            if any(texts):
                cells = texts[:width]
                yield number, cells + [""] * (width - len(cells)) if any(cells) else None

    yield from _table_units(header, valued())


# --- Parquet -----------------------------------------------------------------


def drop_nulls(value: Any) -> Any:
    """`value` with every null member of an object left out (Parquet has no absent field)."""
    if isinstance(value, dict):
        return {key: drop_nulls(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [drop_nulls(item) for item in value]
    return value


def parquet_units(stream: IO[bytes]) -> Iterator[Unit]:
    """One unit per row of a Parquet file of messages, in row order."""
    try:
        import pyarrow.parquet as pq  # noqa: PLC0415 - an optional dependency
        from pyarrow import ArrowException  # noqa: PLC0415
    except ImportError:
        raise InputRefusedError(_MISSING.format(what="Parquet", package="pyarrow")) from None

    try:
        table = pq.ParquetFile(_whole(stream, "Parquet"))
    except (ArrowException, OSError) as error:
        raise InputRefusedError("not a Parquet file") from error
    number = 0
    for batch in table.iter_batches(batch_size=4096):
        for record in batch.to_pylist():
            number += 1
            yield Unit(number, b"", obj=drop_nulls(record))
    if not number:
        yield Unit(1, b"", found=(("input.empty", ()),), lines=0)
