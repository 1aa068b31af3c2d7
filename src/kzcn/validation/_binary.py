"""Units of the two binary formats: `.xlsx` (python-calamine) and Parquet (pyarrow).

Both are read whole into memory (a zip archive and a Parquet footer need
seeking, and a pipe cannot seek), up to `MAX_DOCUMENT_BYTES`. Their bytes
cannot be cut into records, so every unit's `raw` is empty: `--valid-out`
and `--invalid-out` refuse them.

- xlsx: the first sheet (or the one named), its first row the header; each
  cell becomes the text a CSV would hold, then goes through the same layout
  as CSV (`kzcn.flat.csv_layout`), so a row is typed by the schema's column
  types and numbered as the spreadsheet numbers it. Read with calamine (Rust):
  openpyxl (the tests write their workbooks with it) read them about
  twenty times slower than the rules that follow.
- Parquet: the nested columns `kzcn generate --format parquet` writes; a
  null is an absent field, and a record is numbered by its row from 1.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator, Sequence
from typing import IO, Any

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


def _whole(stream: IO[bytes], what: str) -> io.BytesIO:
    data = stream.read(MAX_DOCUMENT_BYTES + 1)
    if len(data) > MAX_DOCUMENT_BYTES:
        raise InputRefusedError(f"an {what} file over {MAX_DOCUMENT_BYTES:,} bytes")
    return io.BytesIO(data)


def units(fmt: str, stream: IO[bytes], *, sheet: str | None = None) -> Iterator[Unit]:
    """The units of an `xlsx` or `parquet` stream."""
    if fmt == "xlsx":
        return xlsx_units(stream, sheet=sheet)
    return parquet_units(stream)


# --- xlsx --------------------------------------------------------------------


def cell_text(value: object) -> str:
    """A spreadsheet cell as the text a CSV cell would hold.

    A whole number stored as a float (`1980.0`) is written without the
    point, a boolean in JSON's spelling, a date or time in ISO form.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


def xlsx_units(stream: IO[bytes], *, sheet: str | None = None) -> Iterator[Unit]:
    """A header unit, then one unit per row; line numbers are the sheet's row numbers."""
    try:
        from python_calamine import CalamineError, CalamineWorkbook  # noqa: PLC0415 - optional
    except ImportError:
        raise InputRefusedError(_MISSING.format(what=".xlsx", package="python-calamine")) from None

    try:
        book = CalamineWorkbook.from_filelike(_whole(stream, "xlsx"))
    except (CalamineError, OSError, ValueError) as error:
        raise InputRefusedError("not an .xlsx workbook") from error
    try:
        if sheet is not None and sheet not in book.sheet_names:
            raise InputRefusedError(f"the workbook has no sheet {sheet!r}")
        if not book.sheet_names:
            raise InputRefusedError("not an .xlsx workbook")
        try:
            chosen = book.get_sheet_by_name(sheet if sheet is not None else book.sheet_names[0])
            rows = chosen.iter_rows()
            # calamine's rows start at the sheet's first row but at its first used
            # column; padded, they are the rows openpyxl reads (from A1), so the
            # numbers a problem gives are the sheet's own.
            pad = [""] * chosen.start[1] if chosen.start else []
        except (CalamineError, ValueError) as error:
            raise InputRefusedError("not an .xlsx workbook") from error
        yield from _sheet_units(pad + row for row in rows) if pad else _sheet_units(rows)
    finally:
        book.close()


def _sheet_units(rows: Iterator[Sequence[Any]]) -> Iterator[Unit]:
    header = next(rows, None)
    if header is None:
        yield Unit(1, b"", found=(("input.empty", ()),), lines=0)
        return
    # Trailing empty header cells are the sheet's padding, not columns.
    names = [cell_text(cell) for cell in header]
    while names and not names[-1]:
        names.pop()
    layout, unit = csv_header_unit(names, (b"", 1, False), None)
    yield unit
    table, width = Table(layout), len(names)
    records = 0
    for number, row in enumerate(rows, start=2):
        cells = _texts(row[:width] if len(row) > width else row)
        if len(cells) < width:
            cells += [""] * (width - len(cells))
        if not any(cells):
            yield Unit(number, b"", found=(("input.blank_line", ()),), role="blank", lines=1)
            continue
        records += 1
        yield TableRow(number, b"", table, cells, 1)
    if not records:
        yield Unit(1, b"", found=(("input.empty", ()),), lines=0)


def _texts(row: Sequence[Any]) -> list[str]:
    """The cells of a sheet's row as text (`cell_text`): `row` itself when a list of text."""
    try:
        # Most cells are text (or empty, which calamine gives as ""): a row of
        # text alone joins, in C, and is kept as it is.
        "".join(row)
    except TypeError:
        return [cell if type(cell) is str else cell_text(cell) for cell in row]
    return row if type(row) is list else list(row)


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
