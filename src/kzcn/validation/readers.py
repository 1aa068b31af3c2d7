"""Reading input into units: one per record, each with the exact bytes it came from.

Readers never judge a record; they only say what made a unit unreadable
(a blank line, bytes that are not UTF-8, a line over the size limit, a CSV
row of the wrong width) and hand the rest to an engine. Every input byte
ends up in exactly one unit's `raw` (a CSV header's bytes in its own unit),
which is what lets `--valid-out`/`--invalid-out` lose nothing.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import IO, Any, cast

import orjson

from kzcn._formats import FORMATS, Format, format_for_name
from kzcn._pipes import GZIP_MAGIC, Gunzip, array_separators
from kzcn.errors import Code
from kzcn.flat import CsvLayout, column_types, csv_layout, made_once, normalise_column
from kzcn.validation._pickled import pickled_by_fields
from kzcn.validation._rowtext import RowText
from kzcn.validation.results import Role

__all__ = [
    "BOM",
    "FORMATS",
    "LINE_CAP_FACTOR",
    "MAX_CSV_COLUMNS",
    "MAX_DEPTH",
    "MAX_DOCUMENT_BYTES",
    "MAX_RECORD_BYTES",
    "InputFormat",
    "InputRefusedError",
    "Packed",
    "Table",
    "TableRow",
    "Unit",
    "csv_header",
    "csv_header_unit",
    "csv_units",
    "diagnose_json",
    "format_for_name",
    "json_units",
    "jsonl_units",
    "nesting_too_deep",
    "open_binary",
    "pack_units",
    "parse_delimiter",
    "read_format",
    "record_units",
    "sniff_delimiter",
    "sniff_format",
    "units_for_stream",
    "unpack_units",
]

InputFormat = Format  # the name this package has always used

BOM = b"\xef\xbb\xbf"
PARQUET_MAGIC = b"PAR1"
ZIP_MAGIC = b"PK\x03\x04"  # an .xlsx file is a zip archive
#: The separators a CSV header is tried with, in the order a tie is settled.
DELIMITERS = (",", ";", "\t")
#: A message is a few kilobytes; a record over this many bytes is not one.
MAX_RECORD_BYTES = 1 << 20
#: Nesting deeper than this is refused. A message nests about 6 deep, and
#: pydantic's JSON parser stops at about 200, so every engine uses this limit.
MAX_DEPTH = 200
#: A record over the limit is an `input.too_large` problem, its bytes still
#: kept for the split; a line over this many times the limit is not a record
#: at all (`/dev/zero`, a binary file) and the input is refused (`InputRefusedError`).
LINE_CAP_FACTOR = 16
#: A message has about 150 columns; a CSV header with more than this is refused
#: (each column becomes code in the row builder: 100,000 took 850 MB).
MAX_CSV_COLUMNS = 4096
#: A `.json` document (read whole) larger than this is refused: JSON Lines has no such limit.
MAX_DOCUMENT_BYTES = 256 << 20
_SNIFF_BYTES = 1 << 16

Found = tuple[tuple[Code, tuple[str | int, ...]], ...]


class InputRefusedError(ValueError):
    """An input that cannot be read as records at all: a line beyond every limit.

    Its message names the line and the limit, never the content.
    """


def _refuse_line(number: int, max_record_bytes: int) -> InputRefusedError:
    cap = max_record_bytes * LINE_CAP_FACTOR
    return InputRefusedError(
        f"line {number} is longer than {cap:,} bytes ({LINE_CAP_FACTOR} x the record limit); "
        "not a file of messages"
    )


@pickled_by_fields  # with --jobs, units cross to the workers
@dataclass(slots=True)
class Unit:
    """One record's worth of input, not yet validated.

    Attributes:
        line: Line the unit starts on, 1-based.
        raw: The input bytes the unit closes (see `RecordResult.raw`).
        text: JSON text to validate, or None.
        obj: An already-built object to validate (a CSV row), or None.
        found: `(code, location)` of input problems found while reading.
        role: `record`, `blank` or `header`.
        lines: How many input lines `raw` spans.
        at_eof: The text runs to the end of the input with no line end, so
            a parse that runs out of data means the input was cut short.
    """

    line: int
    raw: bytes | None
    text: bytes | None = None
    obj: dict[str, Any] | None = None
    found: Found = ()
    role: Role = "record"
    lines: int = 1
    at_eof: bool = False
    #: A CSV or xlsx header's known columns by name (`CsvLayout.columns`): problems name them.
    columns: Mapping[str, int] | None = None


#: Line ends a CSV row of no cells consists of (`csv.reader` reads it as `[]`).
_LINE_ENDS = frozenset({b"", b"\n", b"\r\n", b"\r"})
_OBJ = Unit.__dict__["obj"]  # the slot a `TableRow` keeps its built record in
_UNIT_INIT = Unit.__init__


class _Feed:
    """The input of a `csv.reader` that is handed one row's text at a time."""

    __slots__ = ("text",)

    def __init__(self) -> None:
        self.text: str | None = None

    def __iter__(self) -> _Feed:
        return self

    def __next__(self) -> str:
        text, self.text = self.text, None
        if text is None:
            raise StopIteration
        return text


@dataclass(slots=True)
class Table:
    """What a row of a table (CSV, xlsx) needs to become a record: its header's layout.

    Pickled as its layout (as its recipe: `CsvLayout.__reduce__`) and separator:
    a worker process remakes the layout once (`_table`) and builds the rows it
    is sent itself.
    """

    layout: CsvLayout
    delimiter: str = ","
    _feed: _Feed = field(default_factory=_Feed, init=False, repr=False, compare=False)
    _reader: Iterator[list[str]] | None = field(default=None, init=False, repr=False, compare=False)
    _text: RowText | None = field(default=None, init=False, repr=False, compare=False)

    def __reduce__(self) -> tuple[Any, ...]:
        return _table, (self.layout, self.delimiter)

    @property
    def text(self) -> RowText:
        """What makes a row's JSON text from its cells, kept with the table (it learns shapes)."""
        if self._text is None:
            self._text = RowText(self.layout, self.delimiter)
        return self._text

    def cells(self, text: str) -> list[str]:
        """The cells of the text of one whole CSV row (as a `TableRow` keeps it)."""
        if '"' not in text and len(text) <= csv.field_size_limit():
            return text.rstrip("\r\n").split(self.delimiter)
        if self._reader is None:  # one reader for every row: making one costs a parse
            self._reader = csv.reader(self._feed, strict=True, delimiter=self.delimiter)
        self._feed.text = text
        return next(self._reader)


#: The tables a worker process was sent, by header and separator: one each, which
#: keeps the shapes it learnt (`RowText`) from chunk to chunk.
_TABLES: dict[tuple[tuple[str, ...], str], Table] = {}


def _table(layout: CsvLayout, delimiter: str) -> Table:
    return made_once(_TABLES, (layout.header, delimiter), partial(Table, layout, delimiter))


#: CSV rows whose records' texts are written together (`_Batch`): 256 took 2-3% more
#: time than 1024 or 4096; a batch's texts are about 2 MB.
BATCH = 1024


class _Batch:
    """The bytes of CSV rows read together, and their records' texts, written in one pass.

    Row by row, writing a text and checking it take turns over the processor's
    caches: the texts of a batch's rows are written when the first is asked
    for, `RowText.of_bytes` after `of_bytes` (a CSV row costs about a tenth
    less so, reading included). A row added after that is written when it is
    asked for.
    """

    __slots__ = ("raws", "texts")

    def __init__(self, raws: list[bytes] | None = None) -> None:
        self.raws: list[bytes] = [] if raws is None else raws
        self.texts: list[bytes | None] = []

    def text(self, at: int, maker: RowText) -> bytes | None:
        """The text of the row at `at` (`RowText.of_bytes`), let go of once taken."""
        texts = self.texts
        if at >= len(texts):
            of_bytes = maker.of_bytes
            texts += [of_bytes(raw) if raw else None for raw in self.raws[len(texts) :]]
        text, texts[at] = texts[at], None
        return text


class TableRow(Unit):
    """A well-formed row of a table, built into its record when `obj` is first read.

    Reading a row is cheap and building it is not: with `--jobs`, a row goes
    to a worker as it was read (a CSV row as its bytes, a sheet's row as its
    cells), and is built there.
    """

    __slots__ = ("_at", "_row", "_table", "_texts")

    def __init__(  # noqa: PLR0913, PLR0917 - `Unit`'s, and where its text is written
        self,
        line: int,
        raw: bytes,
        table: Table,
        row: list[str] | str | None,
        lines: int,
        texts: _Batch | None = None,
        at: int = 0,
    ) -> None:
        # `Unit`'s fields in order, by position: a row is made per line, and keywords
        # cost a third of the call (tests/test_readers.py holds the order).
        _UNIT_INIT(self, line, raw, None, None, (), "record", lines, False, table.layout.columns)  # noqa: FBT003
        self._table: Table | None = table
        #: The cells, or the text of a CSV row (split when built).
        self._row: list[str] | str | None = row
        #: The batch that writes a CSV row's text (`raw`), and the row's place in it.
        self._texts = texts
        self._at = at

    @property
    def obj(self) -> dict[str, Any] | None:
        """The row's record, built on first use."""
        if self._table is not None:
            row = self._row if self._row is not None else self.raw.decode("utf-8")  # type: ignore[union-attr]
            cells = self._table.cells(row) if type(row) is str else row
            _OBJ.__set__(self, self._table.layout.build(cells))
            self._table = self._row = None
        built: dict[str, Any] | None = _OBJ.__get__(self, Unit)
        return built

    @obj.setter
    def obj(self, value: dict[str, Any] | None) -> None:
        _OBJ.__set__(self, value)

    def record_text(self) -> bytes | None:
        """The JSON text of the row's record, made from its cells without building it; or None.

        None when the row is built already, or its cells cannot be written so
        (see `kzcn.validation._rowtext`): then `obj` builds it. When not None,
        it is `obj` written by orjson, byte for byte.
        """
        table, row = self._table, self._row
        if table is None:
            return None
        if type(row) is list:
            return table.text.of_cells(row)
        batch, self._texts = self._texts, None
        if batch is not None:
            return batch.text(self._at, table.text)
        return table.text.of_bytes(self.raw) if self.raw else None

    def remakes_text(self) -> bool:
        """Whether this row, held by the parent, makes again the text a worker made of it.

        A CSV row does, from its bytes (`record_text`, else its record built);
        a row sent as cells does not.
        """
        return self.text is None and bool(self.raw)

    def __reduce__(self) -> tuple[Any, ...]:
        if self._table is None:  # built already: sent as built
            return _built_row, (self.line, self.raw, self.lines, self.columns, self.obj)
        # A CSV row is sent as its bytes alone (the result takes them back anyway).
        return TableRow, (self.line, self.raw, self._table, None if self.raw else self._row,
                          self.lines)  # fmt: skip


def _built_row(
    line: int, raw: bytes, lines: int, columns: Mapping[str, int] | None, obj: dict[str, Any]
) -> Unit:
    return Unit(line, raw, obj=obj, lines=lines, columns=columns)


#: Units as a worker is sent them (`pack_units`): plain values pickle several times faster.
Packed = tuple[
    Table | None, dict[int, Unit | tuple[int, bytes]], list[int], list[bytes], list[int], list[Any]
]


def _plain(unit: Unit) -> bool:
    """A line of JSON Lines as `jsonl_units` makes most: all it holds is its number and bytes."""
    return (
        type(unit) is Unit
        and unit.text is unit.raw
        and not unit.found
        and unit.role == "record"
        and unit.lines == 1
        and unit.obj is None
        and not unit.at_eof
        and unit.columns is None
    )


def pack_units(units: Sequence[Unit]) -> Packed:
    """`units` for another process: the rows of one table, not yet built, as columns.

    A CSV row is its line, bytes and line count; a sheet's row its cells too;
    a plain line of JSON Lines its number and bytes (a tuple pickles in a
    fraction of a unit's time). Any other unit goes as it is, at its position
    (`unpack_units`).
    """
    table: Table | None = None
    others: dict[int, Unit | tuple[int, bytes]] = {}
    lines: list[int] = []
    raws: list[bytes] = []
    counts: list[int] = []
    cells: list[Any] = []
    for position, unit in enumerate(units):
        if type(unit) is not TableRow or unit._table is None:  # noqa: SLF001 - its own module
            others[position] = (unit.line, unit.raw) if _plain(unit) else unit  # type: ignore[assignment]
            continue
        if table is None:
            table = unit._table  # noqa: SLF001
        elif unit._table is not table:  # noqa: SLF001
            others[position] = unit
            continue
        lines.append(unit.line)
        raws.append(unit.raw or b"")
        counts.append(unit.lines)
        if not unit.raw:
            cells.append(_joined(unit._row))  # type: ignore[arg-type]  # noqa: SLF001
    return table, others, lines, raws, counts, cells


#: Joins a sheet row's cells for a worker: one string pickles many times faster than
#: hundreds of mostly empty ones.
_UNIT_SEPARATOR = "\x1f"


def _joined(cells: list[str]) -> str | list[str]:
    """`cells` as one string, or as they are when a cell holds the separator."""
    text = _UNIT_SEPARATOR.join(cells)
    return text if text.count(_UNIT_SEPARATOR) == len(cells) - 1 else cells


def _split(cells: str | list[str]) -> list[str]:
    return cells.split(_UNIT_SEPARATOR) if type(cells) is str else cells  # type: ignore[return-value]


def unpack_units(packed: Packed) -> Iterator[Unit]:
    """The units `pack_units` packed, in their order, each made as it is asked for.

    One at a time, so that a row's record goes once it is checked: a chunk of
    records kept to its end would be walked by every garbage collection.
    """
    table, others, lines, raws, counts, cells = packed
    rows = enumerate(zip(lines, raws, counts, strict=True))
    sheet = iter(cells)
    batch = _Batch()
    for position in range(len(lines) + len(others)):
        sent = others.get(position)
        if isinstance(sent, tuple):
            line, raw = sent
            yield Unit(line, raw, raw)
        elif sent is None:
            index, (line, raw, count) = next(rows)
            at = index % BATCH
            if not at:  # the bytes of the rows to come are all here: their batch
                batch = _Batch(raws[index : index + BATCH])
            if raw:
                yield TableRow(line, raw, table, None, count, batch, at)  # type: ignore[arg-type]
            else:
                yield TableRow(line, raw, table, _split(next(sheet)), count)  # type: ignore[arg-type]
        else:
            yield sent


def count_lines(data: bytes) -> int:
    """Lines in `data`, counting an unterminated last line."""
    if not data:
        return 0
    return data.count(b"\n") + (not data.endswith(b"\n"))


# --- opening and sniffing ----------------------------------------------------


class _Prefixed(io.RawIOBase):
    """A raw stream that replays bytes already read, then continues with the source."""

    def __init__(self, prefix: bytes, source: IO[bytes]) -> None:
        self._prefix = memoryview(prefix)
        self._source = source

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._prefix:
            size = min(len(buffer), len(self._prefix))
            buffer[:size] = self._prefix[:size]
            self._prefix = self._prefix[size:]
            return size
        data = self._source.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def peek_stream(source: IO[bytes], size: int = _SNIFF_BYTES) -> tuple[bytes, _Peeked]:
    """The first `size` bytes of `source`, and a stream that still starts at the beginning."""
    prefix = source.read(size)
    return prefix, _Peeked(_Prefixed(prefix, source), buffer_size=_SNIFF_BYTES)


class _Peeked(io.BufferedReader):
    """A buffered stream, knowing the decompressor it reads from (if any: see `damaged`)."""

    gunzip: Gunzip | None = None


def open_binary(source: IO[bytes]) -> tuple[bytes, IO[bytes]]:
    """Decompress gzip transparently (by magic number, not name); return a prefix and stream.

    A damaged gzip stream (cut short, corrupt, or followed by bytes that are
    not another gzip member) gives every byte decompressed before the damage,
    then ends; `damaged(stream)` then says so, for the reader to report it.
    """
    prefix, stream = peek_stream(source)
    if prefix.startswith(GZIP_MAGIC):
        gunzip = Gunzip(stream)
        prefix, stream = peek_stream(cast("IO[bytes]", gunzip))
        stream.gunzip = gunzip
    return prefix, stream


def damaged(stream: IO[bytes]) -> bool:
    """Whether `stream` (from `open_binary`) ended at damage rather than at its end."""
    return isinstance(stream, _Peeked) and stream.gunzip is not None and stream.gunzip.damaged


def sniff_format(prefix: bytes) -> InputFormat:  # noqa: PLR0911 - one return per format
    """Guess the format from the first bytes of the (decompressed) input."""
    if prefix.startswith(PARQUET_MAGIC):
        return "parquet"
    if prefix.startswith(ZIP_MAGIC):
        return "xlsx"
    head = prefix.removeprefix(BOM).lstrip()
    if head.startswith(b"["):
        return "json"
    first_line = head.split(b"\n", 1)[0]
    if head.startswith(b"{"):
        try:
            orjson.loads(first_line)
        except orjson.JSONDecodeError:
            return "json"  # an object spread over several lines
        return "jsonl"
    if b"\t" in first_line:
        return "tsv"
    if any(separator in first_line for separator in (b",", b";")):
        return "csv"
    return "jsonl"


def read_format(path: Path) -> InputFormat:
    """The format of a file whose name does not tell: sniffed from its first bytes."""
    with path.open("rb") as source:
        prefix, _ = open_binary(source)
    return sniff_format(prefix)


def csv_header(
    path: Path, max_record_bytes: int = MAX_RECORD_BYTES, delimiter: str | None = None
) -> bytes:
    """The exact bytes of a CSV file's header row (gzip read through), or b"" if none."""
    with path.open("rb") as source:
        _, stream = open_binary(source)
        units = csv_units(stream, max_record_bytes=max_record_bytes, delimiter=delimiter)
        first = next(units, None)
    return first.raw or b"" if first is not None and first.role == "header" else b""


def units_for_stream(  # noqa: PLR0913 - keyword-only options, passed through
    source: IO[bytes],
    *,
    name: str,
    input_format: InputFormat | None = None,
    max_record_bytes: int = MAX_RECORD_BYTES,
    delimiter: str | None = None,
    sheet: str | None = None,
) -> Iterator[Unit]:
    """Units of any input: format from `input_format`, else the name, else sniffed.

    `delimiter` overrides the CSV separator sniffed from the header; `sheet`
    names the `.xlsx` sheet to read (the first by default).
    """
    prefix, stream = open_binary(source)
    chosen = input_format or format_for_name(name) or sniff_format(prefix)
    if chosen == "json":
        return _json_stream_units(stream, max_record_bytes)
    if chosen in {"csv", "tsv"}:
        chosen_delimiter = delimiter or ("\t" if chosen == "tsv" else None)
        return csv_units(stream, max_record_bytes=max_record_bytes, delimiter=chosen_delimiter)
    if chosen in {"xlsx", "parquet"}:
        from kzcn.validation import _binary  # noqa: PLC0415 - pulls pyarrow

        return _binary.units(chosen, stream, sheet=sheet)
    return jsonl_units(stream, max_record_bytes=max_record_bytes)


# --- JSON text diagnosis -----------------------------------------------------


def nesting_too_deep(value: object, limit: int = MAX_DEPTH) -> bool:
    """True when `value` nests deeper than `limit` objects and arrays."""
    # Iterative on purpose: a recursive walk would itself hit the recursion limit.
    stack: list[tuple[object, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return True
        children: Iterable[object] = ()
        if isinstance(node, dict):
            children = node.values()
        elif isinstance(node, list):
            children = node
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def _parse_error_code(error: orjson.JSONDecodeError, *, at_eof: bool) -> Code:
    reason = error.msg.lower()
    if "depth" in reason or "recursion" in reason:
        return "input.too_deep"
    if "byte order mark" in reason:
        return "input.bom"
    if at_eof and "end of data" in reason:
        return "input.truncated"
    return "input.not_json"


def diagnose_json(text: bytes, *, at_eof: bool = False) -> Code | None:
    """The input code of JSON text that is not a usable message object, or None.

    Called only after a fast validation failed, so it may be thorough: it
    tells bytes that are not UTF-8, text that is not JSON, JSON cut short at
    the end of the input, nesting beyond `MAX_DEPTH`, and JSON that is not an
    object apart.
    """
    try:
        text.decode("utf-8")
    except UnicodeDecodeError:
        return "input.not_utf8"
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError as error:
        return _parse_error_code(error, at_eof=at_eof)
    if not isinstance(value, dict):
        return "input.not_object"
    if nesting_too_deep(value):
        return "input.too_deep"
    return None


# --- JSON Lines --------------------------------------------------------------


def _bounded_lines(stream: IO[bytes], max_record_bytes: int) -> Iterator[bytes]:
    """The stream's lines, none read past `LINE_CAP_FACTOR` times the record limit.

    Lines are read in steps of the limit, so an endless line (`/dev/zero`)
    is refused after a bounded read instead of filling memory; a line over
    the limit but under the cap comes out whole (its bytes go to the split).
    """
    step = max_record_bytes + 1
    # `iter(callable, sentinel)` keeps the per-line cost that of `for line in stream`.
    for number, piece in enumerate(iter(partial(stream.readline, step), b""), start=1):
        if len(piece) < step or piece.endswith(b"\n"):
            yield piece
        else:
            yield _rest_of_line(stream, piece, number, max_record_bytes)


def _rest_of_line(stream: IO[bytes], piece: bytes, number: int, max_record_bytes: int) -> bytes:
    parts, size = [piece], len(piece)
    while not parts[-1].endswith(b"\n") and (more := stream.readline(max_record_bytes + 1)):
        parts.append(more)
        size += len(more)
        if size > max_record_bytes * LINE_CAP_FACTOR:
            raise _refuse_line(number, max_record_bytes)
    return b"".join(parts)


def _compression_unit(line: int) -> Unit:
    return Unit(line, b"", found=(("input.compression", ()),), lines=0)


def jsonl_units(stream: IO[bytes], *, max_record_bytes: int = MAX_RECORD_BYTES) -> Iterator[Unit]:
    """One unit per line of JSON Lines; an empty input gives one `input.empty` unit."""
    number = 0
    records = 0
    for raw in _bounded_lines(stream, max_record_bytes):
        number += 1
        if len(raw) > max_record_bytes:
            yield Unit(number, raw, found=(("input.too_large", ()),))
        elif raw.isspace():
            yield Unit(number, raw, found=(("input.blank_line", ()),), role="blank")
            continue
        else:
            yield Unit(number, raw, raw, at_eof=not raw.endswith(b"\n"))
        records += 1
    if damaged(stream):  # every complete line before the damage was read: report it after them
        yield _compression_unit(number + 1)
    elif not records:
        yield Unit(max(number, 1), b"", found=(("input.empty", ()),), lines=0)


# --- a JSON document: one object, or an array of them -------------------------


def json_units(data: bytes, *, max_record_bytes: int = MAX_RECORD_BYTES) -> Iterator[Unit]:
    """Units of a JSON document: one per element of a top-level array, else one.

    Elements are validated one by one (each reported at the line it starts
    on), but the file is one unit for splitting: its bytes go whole to the
    valid or the invalid side, since a JSON document cannot be cut by lines.
    """
    lines = count_lines(data)
    found: Found = ()
    body = data
    if body.startswith(BOM):
        found, body = (("input.bom", ()),), body[len(BOM) :]
    stripped = body.lstrip()
    if not stripped:
        yield Unit(1, data, found=(*found, ("input.empty", ())), lines=lines)
        return
    separators = None
    if stripped.startswith(b"["):
        separators = array_separators(body, len(body) - len(stripped))
    if separators is None:
        if len(body) > max_record_bytes:
            yield Unit(1, data, found=(*found, ("input.too_large", ())), lines=lines)
            return
        yield Unit(1, data, body, found=found, lines=lines, at_eof=True)
        return
    yield from _array_elements(body, separators, data, found, max_record_bytes)


def _array_elements(
    body: bytes, separators: list[int], data: bytes, found: Found, max_record_bytes: int
) -> Iterator[Unit]:
    spans = list(itertools.pairwise(separators))
    if len(spans) == 1 and not body[spans[0][0] + 1 : spans[0][1]].strip():
        yield Unit(1, data, found=(*found, ("input.empty", ())), lines=count_lines(data))
        return
    line, position = 1, 0
    for index, (left, right) in enumerate(spans):
        element = body[left + 1 : right]
        start = left + 1 + (len(element) - len(element.lstrip()))
        line += body.count(b"\n", position, start)
        position = start
        last = index == len(spans) - 1
        unit = Unit(
            line,
            data if last else None,
            element.strip(),
            found=found if index == 0 else (),
            lines=count_lines(data) if last else 0,
        )
        if len(element) > max_record_bytes:
            unit.text, unit.found = None, (*unit.found, ("input.too_large", ()))
        yield unit


def _json_stream_units(stream: IO[bytes], max_record_bytes: int) -> Iterator[Unit]:
    data = stream.read(MAX_DOCUMENT_BYTES + 1)
    if len(data) > MAX_DOCUMENT_BYTES:
        size = f"{MAX_DOCUMENT_BYTES:,}"
        raise InputRefusedError(f"a JSON document over {size} bytes; use JSON Lines")
    yield from json_units(data, max_record_bytes=max_record_bytes)
    if damaged(stream):
        yield _compression_unit(count_lines(data) + 1)


# --- CSV ---------------------------------------------------------------------


#: Where a line that ends at a lone carriage return ends (as a text reader splits lines).
_LONE_CR = re.compile(rb"(?<=\r)(?!\n)")


def _split_lone_cr(line: bytes) -> Iterable[bytes]:
    r"""`line` (a line of bytes, so `\n` ends it if anything does) cut after each lone `\r`."""
    first = line.find(b"\r")
    if first == -1 or (first == len(line) - 2 and line.endswith(b"\n")):
        return (line,)  # none, or only the one of a CRLF line end: the common cases
    return [piece for piece in _LONE_CR.split(line) if piece]


class _RawLines:
    r"""The input's lines as bytes, and as text for `csv.reader`, remembering a row's bytes.

    A line ends at `\n`, `\r\n` or a lone `\r`, as a text reader with no newline
    translation ends it. Lines for `csv.reader` (`texts`) are decoded one by one
    (a line end is ASCII, so no character spans two lines), with
    `surrogateescape` for bytes that are not UTF-8, and kept until `take()`.
    """

    def __init__(self, stream: IO[bytes], max_record_bytes: int) -> None:
        self._stream = stream
        self._limit = max_record_bytes
        self.pending: list[bytes] = []
        self._bad = False
        self.damaged = False
        self.number = 0  # lines taken so far

    def pieces(self) -> Iterator[bytes]:
        """The lines as bytes (bounded as `_bounded_lines`); `damaged` is set at their end."""
        for line in _bounded_lines(self._stream, self._limit):
            if line.find(b"\r") >= 0:  # `in` on bytes raises and clears a TypeError first
                yield from _split_lone_cr(line)
            else:
                yield line
        self.damaged = damaged(self._stream)

    def texts(self, pieces: Iterable[bytes]) -> Iterator[str]:
        """`pieces` decoded, each remembered until `take()`."""
        pending = self.pending
        for piece in pieces:
            pending.append(piece)
            try:
                text = piece.decode("utf-8")
            except UnicodeDecodeError:
                self._bad = True
                text = piece.decode("utf-8", "surrogateescape")
            yield text

    def take(self) -> tuple[bytes, int, bool]:
        """The bytes of the row just read, its line count, and whether they were not UTF-8."""
        count = len(self.pending)
        raw = self.pending[0] if count == 1 else b"".join(self.pending)
        self.pending.clear()
        self.number += count
        bad, self._bad = self._bad, False
        return raw, count, bad

    def take_line(self, line: bytes) -> tuple[bytes, int, bool]:
        """`take()` of a row of one line not read by `csv.reader` (so not decoded yet)."""
        self.number += 1
        return line, 1, _not_utf8(line)


def _not_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


#: How a hint names a separator (a location token, see `kzcn.validation.problems`).
SEPARATOR_NAMES = {",": "comma", ";": "semicolon", "\t": "tab"}


_SEPARATOR_SPELLINGS = {
    ",": ",",
    "comma": ",",
    ";": ";",
    "semicolon": ";",
    "\t": "\t",
    "\\t": "\t",
    "tab": "\t",
}


def parse_delimiter(text: str | None) -> str | None:
    """A `--delimiter` value as its separator: `,` `;` or a tab (`tab`); None stays None.

    Raises:
        ValueError: Any other text.
    """
    if text is None:
        return None
    try:
        return _SEPARATOR_SPELLINGS[text.lower()]
    except KeyError:
        raise ValueError("--delimiter takes , ; or tab") from None


def _known_columns(line: str, delimiter: str) -> int:
    try:
        cells = next(csv.reader([line.removeprefix("\ufeff").rstrip("\r\n")], delimiter=delimiter))
    except (csv.Error, StopIteration):  # not this separator (a cell past csv's field limit)
        return 0
    types = column_types()
    return sum(normalise_column(cell) in types for cell in cells)


def sniff_delimiter(line: str, chosen: str | None = None) -> tuple[str, str | None]:
    """The separator of a CSV header line, and the one it seems to use if `chosen` is not it.

    Each of `DELIMITERS` is tried; the one that splits the header into the
    most columns of the regime wins (Excel writes `;` where `,` is the
    decimal mark: Russian, Kazakh). A `chosen` separator is kept, but when
    another reads more known columns that one is returned too, for a hint.
    """
    known = {candidate: _known_columns(line, candidate) for candidate in DELIMITERS}
    best = max(DELIMITERS, key=lambda candidate: known[candidate])
    if chosen is None:
        return (best if known[best] else ","), None
    return chosen, (best if known[best] > known.get(chosen, _known_columns(line, chosen)) else None)


def csv_header_unit(
    row: list[str], read: tuple[bytes, int, bool], hint: str | None
) -> tuple[CsvLayout, Unit]:
    """The layout of a header row and its unit; `read` is its bytes, lines and not-UTF-8 flag."""
    raw, count, bad = read
    if len(row) > MAX_CSV_COLUMNS:
        raise InputRefusedError(
            f"the CSV header has {len(row):,} columns; over {MAX_CSV_COLUMNS:,} is not a file "
            "of messages"
        )
    found: list[tuple[Code, tuple[str | int, ...]]] = []
    if row and row[0].startswith("\ufeff"):
        row = [row[0].removeprefix("\ufeff"), *row[1:]]
        found.append(("input.bom", ()))
    if bad:
        found.append(("input.not_utf8", ()))
    if hint is not None:
        found.append(("input.csv_delimiter", (f"<separator {SEPARATOR_NAMES[hint]}>",)))
    layout = csv_layout(row)
    found += [("input.csv_column", (column,)) for column in layout.unknown]
    header = Unit(1, raw, found=tuple(found), role="header", lines=count, columns=layout.columns)
    return layout, header


def _quoted_cells(delimiter: str) -> re.Pattern[bytes]:
    """A quoted cell as `csv.reader` reads it: from a cell's start to its end, quotes doubled.

    Over bytes: the quote and separators are ASCII, and no byte of a
    character of several bytes is ASCII, so it matches where it would in text.
    """
    separator = re.escape(delimiter)
    return re.compile(f'"(?<![^{separator}]")[^"]*(?:""[^"]*)*"(?![^{separator}\\r\\n])'.encode())


def _width(line: bytes, delimiter: bytes, quoted: re.Pattern[bytes], limit: int) -> int | None:
    """The cells of a one-line row as `csv.reader` reads them, or None: a row it must read.

    That is a row with quotes other than around whole cells (it may run on over
    the next lines, or be refused), or one longer than `limit`, csv's limit on a cell.
    """
    if len(line) > limit:  # bytes: never fewer than the characters
        return None
    if line.find(b'"') < 0:  # `in` on bytes raises and clears a TypeError first
        # Hashing a row of kilobytes to look it up among line ends is not free.
        return 0 if len(line) <= 2 and line in _LINE_ENDS else line.count(delimiter) + 1
    unquoted = quoted.sub(b"", line)
    return None if unquoted.find(b'"') >= 0 else unquoted.count(delimiter) + 1


def _csv_row_unit(
    table: Table,
    row: tuple[list[str] | None, int],
    read: tuple[bytes, int, bool],
    line: int,
    max_record_bytes: int,
) -> Unit:
    """The unit of a CSV row: `row` its cells (None: a line, split when built) and their number."""
    raw, count, bad = read
    cells, width = row
    if not width:
        return Unit(line, raw, found=(("input.blank_line", ()),), role="blank", lines=count)
    found: Found = ()
    if bad:
        found = (("input.not_utf8", ()),)
    elif len(raw) > max_record_bytes:
        found = (("input.too_large", ()),)
    elif width != len(table.layout.header):
        found = (("input.csv_row", ()),)
    else:
        return TableRow(line, raw, table, cells, count)
    return Unit(line, raw, found=found, lines=count, columns=table.layout.columns)


def _csv_error_unit(error: csv.Error, raw: bytes, start: tuple[int, int]) -> Unit:
    code: Code = "input.too_large" if "field larger" in str(error) else "input.csv_row"
    return Unit(start[0], raw, found=((code, ()),), lines=start[1])


def csv_units(
    stream: IO[bytes], *, max_record_bytes: int = MAX_RECORD_BYTES, delimiter: str | None = None
) -> Iterator[Unit]:
    """A header unit, then one unit per row, built into nested objects by dotted columns.

    The separator is `delimiter`, else sniffed from the header (`sniff_delimiter`).
    A row is parsed by `csv.reader` only when it has quotes other than around
    whole cells (which may carry it over several lines): any other is a line
    counted at the separator and kept as bytes, split when built (`TableRow`).
    The units are handed on a `_Batch` of such rows at a time, and the rows
    read before a line beyond every limit before its error.
    """
    lines = _RawLines(stream, max_record_bytes)
    pieces = lines.pieces()
    ahead: list[Unit] = []
    try:
        first_piece = next(pieces, None)
        first_line = b"" if first_piece is None else first_piece
        chosen, hint = sniff_delimiter(first_line.decode("utf-8", "surrogateescape"), delimiter)
        read = _CsvRows(lines, chosen, hint, max_record_bytes)
        separator, quoted, limit = chosen.encode(), _quoted_cells(chosen), csv.field_size_limit()
        batches = _Batches()
        for piece in pieces if first_piece is None else itertools.chain((first_piece,), pieces):
            width = _width(piece, separator, quoted, limit) if read.table is not None else None
            # Most rows: a line, neither decoded nor read by `csv.reader`; the well-formed
            # ones in short, in line (`_csv_row_unit` says the same of them). Their units
            # wait here for their batch to fill (a generator more costs a tenth of reading).
            well_formed = width and width == read.columns and len(piece) <= max_record_bytes
            if well_formed and not _not_utf8(piece):
                lines.number += 1
                read.records += 1
                ahead.append(batches.row(lines.number, piece, read.table))  # type: ignore[arg-type]
                if batches.full:
                    batches.full = False
                    yield from ahead
                    ahead = []
                continue
            ahead.append(read.other(piece, width, pieces))
        ahead += _csv_tail(lines, read.records)
    except Exception:  # a line beyond every limit: the rows before it first
        yield from ahead
        raise
    yield from ahead


class _Batches:
    """The `_Batch` the CSV rows read join, `BATCH` at a time; `full` when one is."""

    def __init__(self) -> None:
        self.batch = _Batch()
        self.full = False

    def row(self, line: int, raw: bytes, table: Table) -> TableRow:
        """The `TableRow` of one line, `raw`, in the batch."""
        batch = self.batch
        raws = batch.raws
        row = TableRow(line, raw, table, None, 1, batch, len(raws))
        raws.append(raw)
        if len(raws) >= BATCH:
            self.batch, self.full = _Batch(), True
        return row


class _CsvRows:
    """What a CSV's rows are read with: its header's table, once read, and the rows met.

    `csv_units` reads most rows itself; `other` reads the rest.
    """

    def __init__(self, lines: _RawLines, chosen: str, hint: str | None, limit: int) -> None:
        self.lines = lines
        self.chosen = chosen
        self.hint = hint
        self.limit = limit  # the record limit
        self.table: Table | None = None
        self.columns = 0
        self.records = 0

    def other(self, piece: bytes, width: int | None, pieces: Iterator[bytes]) -> Unit:
        """The unit of the row starting with line `piece`: the header, or not a well-formed row.

        `width` is its cells as a line (None: one for `csv.reader`, which takes
        the lines a quoted cell runs over from `pieces`).
        """
        lines, first = self.lines, self.lines.number + 1
        if self.table is not None and width is not None:
            read = lines.take_line(piece)
            unit = _csv_row_unit(self.table, (None, width), read, first, self.limit)
            self.records += unit.role == "record"
            return unit
        source = lines.texts(itertools.chain((piece,), pieces))
        reader = csv.reader(source, strict=True, delimiter=self.chosen)
        try:
            row = next(reader, [])
        except csv.Error as error:
            raw, count, _ = lines.take()
            self.records += 1
            return _csv_error_unit(error, raw, (first, count))
        read = lines.take()
        if self.table is None:
            layout, header = csv_header_unit(row, read, self.hint)
            self.table = Table(layout, self.chosen)
            self.columns = len(layout.header)
            return header
        unit = _csv_row_unit(self.table, (row, len(row)), read, first, self.limit)
        self.records += unit.role == "record"
        return unit


def _csv_tail(lines: _RawLines, records: int) -> Iterator[Unit]:
    if lines.damaged:
        raw, count, _ = lines.take()  # a partial row before the damage: keep its bytes
        yield Unit(lines.number - count + 1, raw, found=(("input.compression", ()),), lines=count)
    elif not records:
        yield Unit(max(lines.number, 1), b"", found=(("input.empty", ()),), lines=0)


# --- records already in memory -------------------------------------------------


def record_units(records: Iterable[object]) -> Iterator[Unit]:
    """Units of in-memory records: JSON text (str or bytes) or mappings; line = position."""
    for number, item in enumerate(records, start=1):
        if isinstance(item, str):
            text = item.encode("utf-8", "surrogatepass")
            yield Unit(number, text, text)
        elif isinstance(item, bytes | bytearray | memoryview):
            text = bytes(item)
            yield Unit(number, text, text)
        elif isinstance(item, Mapping):
            yield Unit(number, b"", obj=dict(item))
        else:
            yield Unit(number, b"", found=(("input.not_object", ()),))
