"""An `.xlsx` sheet read as it streams: each row's cells as the text a CSV would hold.

A workbook is a zip archive of XML parts. The sheet's part is inflated a
block at a time and cut into rows at `</row>`, as bytes: a row is decoded
only where its cells are read (with `--jobs`, in a worker). A row's cells
are read with one compiled pattern (`_patterns`), not an XML parser: a parser
calls back into Python for every element, three or four a cell, where the
pattern hands back one tuple a cell (and a row whose cells share one shape is
read by a pattern of that shape, `Cells.read`; openpyxl's rows of inline
strings from their bytes, the texts decoded together). Memory holds a block,
the shared strings and the style table, never the sheet (a 100,000-row sheet
of 643 columns was 64 million cells, 2.5 GiB, read whole).

The cell values are the ones openpyxl reads (the tests compare them), as
text: a shared or inline string as it is, a number as `cell_text` writes
it, a boolean as `true`/`false`, a number in a date style as its ISO date,
a formula's cached value. Two readings are Excel's rather than openpyxl's:
an `_xHHHH_` escape is the character it stands for, and the Chinese and
Japanese built-in date formats (27-36, 50-58) are dates.
"""

from __future__ import annotations

import codecs
import datetime as dt
import enum
import itertools
import posixpath
import re
import zipfile
import zlib
from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache
from typing import IO, Any, AnyStr, Final, NamedTuple
from xml.etree import ElementTree as ET

__all__ = [
    "Cells", "Entities", "Inline", "Sheet", "SheetError", "cell_text", "column_index",
    "json_texts", "open_sheet", "shape_columns",
]  # fmt: skip

#: One read of the inflated sheet: large enough that cutting rows costs little per row.
BLOCK_BYTES: Final = 1 << 20
#: A part read whole (workbook, relationships, styles) over this is no workbook of messages.
MAX_PART_BYTES: Final = 64 << 20
#: Excel's last column is XFD, its 16,384th.
MAX_COLUMNS: Final = 16384
#: A row's XML (or a shared string's) over this many bytes is refused: no row of messages
#: is that long.
MAX_ROW_BYTES: Final = 16 << 20
#: Excel's last row is 1,048,576: seven digits.
_MAX_ROW_DIGITS = 7
_INLINE_TYPE = b't="inlineStr"'
#: What ends a cell of an inline string of one run (`Cells.inline`).
_INLINE_END = b"</t></is></c>"
#: Joins a row's texts to be decoded at once: a control character no XML text holds.
_SEPARATOR = b"\x1f"
_SLASH = ord("/")
_TEXT_SEPARATOR = _SEPARATOR.decode()
#: The bytes a JSON string escapes (orjson's): a quote, a backslash, a control character.
_JSON_ESCAPED = bytes(range(0x20)) + b'"\\'

_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_STRICT_REL = "http://purl.oclc.org/ooxml/officeDocument/relationships"

#: Built-in number formats that are dates or times (ECMA-376 18.8.30, and the
#: East Asian ones Excel writes in those locales).
_BUILTIN_DATES = frozenset({*range(14, 23), *range(27, 37), 45, 46, 47, *range(50, 59)})
_BUILTIN_TIMEDELTAS = frozenset({46})
#: Parts of a format code that say nothing of a date: quoted text, colours, locales.
_FORMAT_NOISE = re.compile(r'".*?"|\[(?!hh?\]|mm?\]|ss?\])[^\]]*\]')
_DATE_LETTER = re.compile(r"(?<![_\\])[dmhysDMHYS]")
_TIMEDELTA = re.compile(
    r"\[hh?\](:mm(:ss(\.0*)?)?)?|\[mm?\](:ss(\.0*)?)?|\[ss?\](\.0*)?", re.IGNORECASE
)
_WINDOWS_EPOCH = dt.datetime(1899, 12, 30)  # noqa: DTZ001 - a spreadsheet's dates are naive
_MAC_EPOCH = dt.datetime(1904, 1, 1)  # noqa: DTZ001

_ENTITY = re.compile(r"&(?:(amp|lt|gt|quot|apos)|#([0-9]+)|#x([0-9a-fA-F]+));")
_NAMED = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}
#: The five named entities and their characters, `&amp;` last (`&amp;lt;` is the text
#: `&lt;`): as text, and as bytes.
_NAMED_TEXT = tuple((f"&{name};", _NAMED[name]) for name in ("lt", "gt", "quot", "apos", "amp"))
_NAMED_BYTES = tuple((entity.encode(), char.encode()) for entity, char in _NAMED_TEXT)
_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")
_ATTRIBUTE = re.compile(r"""([\w:]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_LETTERS = re.compile(r"[A-Za-z]+")


class SheetError(ValueError):
    """The bytes are no workbook this reader can read, or hold no such sheet; says why."""


# --- cell values ---------------------------------------------------------------


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


def _entity(match: re.Match[str]) -> str:
    named, decimal, hexadecimal = match.groups()
    if named:
        return _NAMED[named]
    return chr(int(decimal) if decimal else int(hexadecimal, 16))


def _named(text: AnyStr, entities: tuple[tuple[AnyStr, AnyStr], ...]) -> AnyStr:
    """`text` with each of the named `entities` replaced by its character, in turn."""
    for entity, char in entities:
        if entity in text:
            text = text.replace(entity, char)
    return text


def xml_text(raw: str) -> str:
    """The text an XML parser gives for `raw`, then Excel's `_xHHHH_` escapes undone.

    The parser replaces entities and makes every line end a line feed.
    """
    if "\r" in raw:  # as a parser normalises them: `&#13;` stays a carriage return
        raw = raw.replace("\r\n", "\n").replace("\r", "\n")
    if "&#" in raw:
        raw = _ENTITY.sub(_entity, raw)
    elif "&" in raw:  # the five names alone: one replace each, in C
        raw = _named(raw, _NAMED_TEXT)
    if "_x" in raw:
        raw = _ESCAPE.sub(lambda match: chr(int(match.group(1), 16)), raw)
    return raw


def column_index(letters: str) -> int:
    """A column's index from 0 by its letters (`A` 0, `AA` 26), as a cell reference gives them."""
    index = 0
    for letter in letters.upper():
        index = index * 26 + ord(letter) - 64
    return index - 1


def _column_letters() -> dict[str, int]:
    """Every column's index by its letters (A to ZZZ): one lookup a cell."""
    letters = [chr(code) for code in range(65, 91)]
    two = [a + b for a in letters for b in letters]
    three = [a + b for a in letters for b in two]
    return {name: column_index(name) for name in (*letters, *two, *three)}


_COLUMNS = _column_letters()
_COLUMN_BYTES = {letters.encode(): index for letters, index in _COLUMNS.items()}


def shape_columns(shape: bytes) -> list[int]:
    """The columns (from 0) of a row's cells by its shape (`Inline.shape`), in order."""
    return list(map(_COLUMN_BYTES.__getitem__, shape.split(b",")))


def _number(raw: str) -> str:
    """A number cell's text: what `cell_text` writes of the int or float openpyxl reads."""
    if raw.isdigit() and (raw[0] != "0" or len(raw) == 1):
        return raw  # the common case, already as written
    try:
        if "." in raw or "e" in raw or "E" in raw:
            return cell_text(float(raw))
        return str(int(raw))
    except ValueError:
        return raw


def _boolean(raw: str) -> str:
    try:
        return "true" if int(raw) else "false"
    except ValueError:
        return raw


def _date(raw: str, epoch: dt.datetime, *, timedelta: bool) -> str:
    """A number in a date style as openpyxl's `from_excel` reads it, as text."""
    try:
        value = float(raw)
        if timedelta:
            span = dt.timedelta(days=value)
            if span.microseconds:  # to the millisecond, as openpyxl rounds it
                span = dt.timedelta(
                    seconds=span.total_seconds() // 1, microseconds=round(span.microseconds, -3)
                )
            return str(span)
        day, fraction = divmod(value, 1)
        diff = dt.timedelta(milliseconds=round(fraction * 86_400_000))
        if 0 <= value < 1 and diff.days == 0:
            minutes, seconds = divmod(diff.seconds, 60)
            hours, minutes = divmod(minutes, 60)
            return dt.time(hours, minutes, seconds, diff.microseconds).isoformat()
        if 0 < value < 60 and epoch == _WINDOWS_EPOCH:  # Excel's 29 February 1900
            day += 1
        return cell_text(epoch + dt.timedelta(days=day) + diff)
    except (ValueError, OverflowError):
        return raw


def _iso_date(raw: str) -> str:
    try:
        return cell_text(dt.datetime.fromisoformat(raw.rstrip("Z")))
    except ValueError:
        return raw


# --- the cells of a row ----------------------------------------------------------

# What a cell's type attribute makes of its value.
_INLINE, _SHARED, _NUMBER, _BOOLEAN, _TEXT, _DATE, _TIMEDELTA_VALUE, _ISO = range(8)
_TYPES = {"inlineStr": _INLINE, "s": _SHARED, "n": _NUMBER, "b": _BOOLEAN, "str": _TEXT,
          "e": _TEXT, "d": _ISO}  # fmt: skip
_CONVERT = {_NUMBER: _number, _BOOLEAN: _boolean, _ISO: _iso_date}


class _Patterns(NamedTuple):
    cell: re.Pattern[str]
    runs: re.Pattern[str]
    value: re.Pattern[str]
    first: re.Pattern[bytes]
    inline_head: re.Pattern[bytes]
    inline_cells: re.Pattern[bytes]
    value_cells: re.Pattern[str]


#: The characters of a `value_cells` match besides its groups and the row number in its
#: reference (no prefix: `Cells` uses it only without one).
_VALUE_FIXED = len('<c r=""><v></v></c>')


@lru_cache(maxsize=4)
def _patterns(prefix: str) -> _Patterns:
    """The patterns of a sheet's XML written with `prefix` (`x:` or none).

    The patterns of a cell, of the text runs in a string, of a value, and of
    the first cell whose value is not empty (`Cells.holds_value`). The
    patterns a row's bytes are read with first (`first`, `inline_cells`) are
    of bytes: a row whose cells they read is never decoded whole, only its
    cells' texts.

    A cell's reference comes first in every writer seen; when it does not,
    the attributes hold it and `Cells` reads them one by one. The two
    shapes nearly every cell takes (a value, an inline string of one run)
    are groups of their own; anything else (a formula, rich text) is the
    last group, read by `Cells._other`.
    """
    p = re.escape(prefix)
    cell = re.compile(
        rf'<{p}c(?: r="([A-Z]{{1,3}})\d+")?([^>]*)>'
        rf"(?:(?<=/>)|<{p}v>([^<]*)</{p}v></{p}c>|<{p}is><{p}t>([^<]*)</{p}t></{p}is></{p}c>"
        rf"|(.*?)</{p}c>)",
        re.DOTALL,
    )
    # A string's text is its runs' `<t>`; a phonetic reading (`<rPh>`) is not shown.
    runs = re.compile(rf"<{p}rPh\b.*?</{p}rPh>|<{p}t(?:\s[^>]*)?>([^<]*)</{p}t>", re.DOTALL)
    value = re.compile(rf"<{p}v(?:\s[^>]*)?>([^<]*)</{p}v>")
    b = p.encode()
    first = re.compile(
        rb'<%bc(?: r="([A-Z]{1,3})\d+")?([^>]*)>(?:<%bv>([^<]+)</|<%bis><%bt>([^<]+)</)'
        % (b, b, b, b)
    )
    # The rows of one shape (nearly all that openpyxl writes, nearly all that Excel does).
    inline_head = re.compile(rb'<c r="([A-Z]{1,3})\d+" t="inlineStr"><is><t>')
    inline_cells = re.compile(b"%b%b" % (re.escape(_INLINE_END), inline_head.pattern))
    value_cells = re.compile(r'<c r="([A-Z]{1,3})\d+"([^>]*)><v>([^<]*)</v></c>')
    return _Patterns(cell, runs, value, first, inline_head, inline_cells, value_cells)


def _runs_text(runs: re.Pattern[str], xml: str) -> str:
    return xml_text("".join(match.group(1) or "" for match in runs.finditer(xml)))


class Inline(NamedTuple):
    """A row of openpyxl's inline strings (`Cells.inline`), its cells as their bytes are.

    `shape`: the cells' column letters, joined by commas; `texts`: their XML
    texts; `joined`: the texts joined by `_SEPARATOR` (read together).
    """

    shape: bytes
    texts: list[bytes]
    joined: bytes


class Cells:
    """Reads a row's XML into its cells' texts: the parsing of one sheet."""

    def __init__(
        self, strings: list[str], styles: tuple[frozenset[str], frozenset[str]],
        epoch: dt.datetime, prefix: str,
    ) -> None:  # fmt: skip
        self.strings = strings
        self.dates, self.timedeltas = styles
        self.epoch = epoch
        self.prefix = prefix
        patterns = _patterns(prefix)
        self.cell, self.runs, self.value, self._first = patterns[:4]
        self._inline_head, self._inline_cells, self._value_cells = patterns[4:]
        #: Each cell's attributes (less its reference) as they were seen: their type.
        self._kinds: dict[str, int] = {}

    def _kind(self, attributes: str) -> int:
        kind = self._kinds.get(attributes)
        if kind is not None:
            return kind
        found = {
            m.group(1): m.group(2) or m.group(3) or "" for m in _ATTRIBUTE.finditer(attributes)
        }
        kind = _TYPES.get(found.get("t", "n"), _TEXT)
        if kind == _NUMBER and found.get("s", "0") in self.dates:
            kind = _TIMEDELTA_VALUE if found["s"] in self.timedeltas else _DATE
        if "r" not in found:  # one with its reference inside varies by cell: not kept
            self._kinds[attributes] = kind
        return kind

    def _value(self, kind: int, raw: str) -> str:
        """A cell's `<v>` text (entities replaced) as the cell's text."""
        if kind == _SHARED:
            index = int(raw) if raw.isdigit() else -1
            return self.strings[index] if 0 <= index < len(self.strings) else ""
        if kind in {_DATE, _TIMEDELTA_VALUE}:
            return _date(raw, self.epoch, timedelta=kind == _TIMEDELTA_VALUE)
        convert = _CONVERT.get(kind)
        return raw if convert is None else convert(raw)

    def _other(self, kind: int, content: str) -> str:
        """The text of a cell of any other shape: a formula's cached value, rich text."""
        if kind == _INLINE:
            start = content.find("<is")
            return _runs_text(self.runs, content[start:]) if start != -1 else ""
        match = self.value.search(content)
        return self._value(kind, xml_text(match.group(1))) if match and match.group(1) else ""

    def __reduce__(self) -> tuple[Any, ...]:
        return _cells, (tuple(self.strings), self.dates, self.timedeltas, self.epoch, self.prefix)

    def holds_value(self, xml: bytes, width: int) -> tuple[bool, bool]:
        """`read`'s answer without the cells, most often from the first cell with a value.

        Whether one of the first `width` cells holds a value, and whether one
        past them does. That first cell's text is not empty when its value is
        not, but for a shared string (which may be empty): it is looked up.
        The row is not decoded: its bytes go to a worker as they are.
        """
        match = self._first.search(xml)
        if match is not None:
            letters, attributes, raw, inline = match.groups()
            if letters and _COLUMN_BYTES[letters] < width:
                kind = self._kind(attributes.decode())
                if (kind == _INLINE and inline) or (
                    raw
                    and (kind != _INLINE)
                    and (kind != _SHARED or self._value(kind, raw.decode()))
                ):
                    return True, False
        cells, beyond = self.read(xml, width)
        return cells is not None, beyond

    def inline(self, xml: bytes) -> Inline | None:
        """A row of inline strings of one run alone (openpyxl's), or None: any other row.

        The row is cut between its cells (`re.split` at a cell's end tags and
        the next one's head: the first cell's head and text, then each next
        cell's column letters and text, the last's end tags after it): the
        pieces between the cuts are the texts, one object a cell (the
        letters of most columns are one byte, a shared object). It has that
        shape when the first piece begins with a cell's head, the last ends
        with the end tags, and no text holds a `<` (no other element hides
        in one).
        """
        if self.prefix or _INLINE_TYPE not in xml:
            return None
        parts = self._inline_cells.split(xml)
        last = parts[-1]
        if not last.endswith(_INLINE_END):
            return None
        parts[-1] = last[: len(last) - len(_INLINE_END)]
        head = self._inline_head.match(parts[0])
        if head is None:
            return None
        parts[0] = parts[0][head.end() :]
        texts = parts[0::2]
        joined = _SEPARATOR.join(texts)
        if joined.find(b"<") >= 0:  # `in` on bytes raises and clears a TypeError first
            return None
        return Inline(b",".join([head.group(1), *parts[1::2]]), texts, joined)

    def inline_texts(self, xml: bytes) -> tuple[Inline, Entities] | None:
        """A row of openpyxl's inline strings (`inline`) whose texts are JSON's, or None.

        And which entities the texts hold. Each text is as a JSON string
        holds it between its quotes once its named entities are replaced
        (`json_texts`); None for any other row, or a text that is not so (an
        empty one, a quote, a line end, a reference or an escape): its cells
        are read (`read`).
        """
        found = self.inline(xml)
        if found is None:
            return None
        entities = json_texts(found.texts, found.joined)
        return None if entities is None else (found, entities)

    @staticmethod
    def placed(found: Inline, width: int) -> tuple[list[str] | None, bool]:
        """`read`'s answer for a row of inline strings (`inline`): its texts decoded together.

        Raises:
            UnicodeDecodeError: A text is not UTF-8.
        """
        return _placed(shape_columns(found.shape), _texts(found.texts, found.joined), width)

    def read(self, xml: bytes, width: int) -> tuple[list[str] | None, bool]:
        """The first `width` cells of a row, and whether a cell past them holds a value.

        `xml` is the row's XML between its tags, as the sheet's bytes; the
        cells are None when none of them holds a value. A row of inline
        strings is read from its bytes, any other decoded first.
        """
        inline = _INLINE_TYPE in xml
        if inline and not self.prefix:
            shaped = self._inline_row(xml, width)
            if shaped is not None:
                return shaped
        text = xml.decode()
        if not inline and not self.prefix:
            shaped = self._value_row(text, width)
            if shaped is not None:
                return shaped
        return self.read_any(text, width)

    def read_any(self, xml: str, width: int) -> tuple[list[str] | None, bool]:
        """`read` of a row of cells of any shape, cell by cell."""
        cells = [""] * width
        filled = beyond = False
        column = -1
        kinds, columns, strings = self._kinds, _COLUMNS, self.strings
        # Most texts have no entity, escape or carriage return: they are as written. A row
        # with an entity (the `&lt;` of a machine-readable zone) is looked at cell by cell.
        entities = "&" in xml
        rare = "_x" in xml or "\r" in xml
        for letters, attributes, raw, inline, other in self.cell.findall(xml):
            column = columns[letters] if letters else self._column(attributes, column)
            kind = kinds.get(attributes)
            if kind is None:
                kind = self._kind(attributes)
            if kind == _INLINE:  # openpyxl writes every text so
                text = xml_text(inline) if rare or (entities and "&" in inline) else inline
                if other:
                    text = self._other(kind, other)
            elif raw:
                if kind == _SHARED and raw.isdigit() and int(raw) < len(strings):
                    text = strings[int(raw)]
                else:
                    text = self._value(kind, xml_text(raw) if entities or rare else raw)
            elif other:
                text = self._other(kind, other)
            else:
                continue
            if not text:
                continue
            if column < width:
                cells[column] = text
                filled = True
            else:
                beyond = True
        return cells if filled else None, beyond

    def _inline_row(self, xml: bytes, width: int) -> tuple[list[str] | None, bool] | None:
        """`read` of a row of inline strings of one run alone (openpyxl's), else None."""
        found = self.inline(xml)
        return None if found is None else self.placed(found, width)

    def _value_row(self, xml: str, width: int) -> tuple[list[str] | None, bool] | None:
        """`read` of a row of cells that each hold a value alone (Excel's), else None."""
        triples = self._value_cells.findall(xml)
        if not _tiled(triples, len(xml), _VALUE_FIXED):
            return None
        letters, attributes, raws = zip(*triples, strict=True)
        if all(self._kinds.get(kind) == _SHARED for kind in set(attributes)) and all(
            map(str.isdigit, raws)
        ):
            # A row of shared strings alone (a sheet of text, as Excel saves it): looked up in C.
            try:
                texts = list(map(self.strings.__getitem__, map(int, raws)))
                return _placed(map(_COLUMNS.__getitem__, letters), texts, width)
            except IndexError:
                pass
        cells = [""] * width
        filled = beyond = False
        kinds, columns, strings = self._kinds, _COLUMNS, self.strings
        count = len(strings)
        special = "&" in xml or "_x" in xml or "\r" in xml
        for letters, attributes, raw in triples:
            kind = kinds.get(attributes)
            if kind is None:
                kind = self._kind(attributes)
            if not raw or kind == _INLINE:  # an inline string's `<v>` is not read
                continue
            if kind == _SHARED and raw.isdigit() and int(raw) < count:
                text = strings[int(raw)]
            else:
                text = self._value(kind, xml_text(raw) if special else raw)
            if not text:
                continue
            column = columns[letters]
            if column < width:
                cells[column] = text
                filled = True
            else:
                beyond = True
        return cells if filled else None, beyond

    @staticmethod
    def _column(attributes: str, previous: int) -> int:
        """The column of a cell whose reference is not its first attribute, or the next one."""
        for match in _ATTRIBUTE.finditer(attributes):
            if match.group(1) == "r":
                letters = _LETTERS.match(match.group(2) or match.group(3) or "")
                if letters:
                    return column_index(letters.group())
        return previous + 1


def _texts(raws: Sequence[bytes], joined: bytes) -> list[str]:
    """The texts of cells whose XML text is `raws` (`joined` by `_SEPARATOR`), decoded together.

    Joined by a separator no XML text holds, the named entities replaced in
    the bytes (the `&lt;` of a machine-readable zone is in most rows), then
    decoded and cut apart: a few calls in C a row, not several a cell. A
    character reference or an escape, which may stand for the separator, is
    read cell by cell.

    Looking for a byte is a `memchr`, for two a scan several times slower
    (over a row's texts, a microsecond each): the rare ones are looked for
    only past a byte they hold, and the one entity of most rows is counted.
    """
    if b"\r" in joined or (b"x" in joined and b"_x" in joined):
        return [xml_text(raw.decode()) for raw in raws]
    entities = joined.count(b"&")
    if entities:
        if joined.count(b"&lt;") == entities:  # a machine-readable zone's `<` alone
            joined = joined.replace(b"&lt;", b"<")
        elif b"&#" in joined:
            return [xml_text(raw.decode()) for raw in raws]
        else:
            joined = _named(joined, _NAMED_BYTES)
    texts = joined.decode().split(_TEXT_SEPARATOR)
    # A separator in a text (no XML character, but bytes are bytes): cell by cell.
    return texts if len(texts) == len(raws) else [xml_text(raw.decode()) for raw in raws]


def json_texts(raws: Sequence[bytes], joined: bytes) -> Entities | None:
    """Which entities the XML texts `raws` (`joined` by `_SEPARATOR`) hold, or None.

    None: they are no JSON strings' texts.

    They are when, their named entities replaced (`Entities.replaced`), they hold
    no character a JSON string escapes (a quote, a backslash, a control
    character, as orjson writes them) and are UTF-8: then those bytes are
    what a JSON string holds between its quotes. (Of the entities, `&quot;`
    alone stands for such a character: the bytes are looked at as they are.)
    An empty text (no cell, in a record), a reference or an escape is not
    (`_texts` reads those). The
    texts are neither decoded nor cut apart again: each costs an object.
    """
    if not all(raws):
        return None
    if b"x" in joined and b"_x" in joined:
        return None
    entities = joined.count(b"&")
    if not entities:
        kind = Entities.NONE
    elif joined.count(b"&lt;") == entities:  # a machine-readable zone's `<` alone
        kind = Entities.LT
    # A named entity stands for a byte to escape in `&quot;` alone.
    elif b"&#" in joined or b"&quot;" in joined:
        return None
    else:
        kind = Entities.NAMED
    # One pass in C for the bytes to escape (the separator is in no XML text).
    if len(joined.translate(None, _JSON_ESCAPED)) != len(joined) - len(raws) + 1:
        return None
    try:
        joined.decode()
    except UnicodeDecodeError:  # refused where the row's cells are read
        return None
    return kind


class Entities(enum.Enum):
    """The named entities texts hold (`json_texts`): none, `&lt;` alone, or any."""

    NONE = enum.auto()
    LT = enum.auto()
    NAMED = enum.auto()

    def replaced(self, text: bytes) -> bytes:
        """`text` (that holds no `&` besides its texts' entities) with them replaced."""
        if self is Entities.NONE:
            return text
        if self is Entities.LT:
            return text.replace(b"&lt;", b"<")
        return _named(text, _NAMED_BYTES)


def _placed(
    columns: Iterable[int], texts: Sequence[str], width: int
) -> tuple[list[str] | None, bool]:
    """`Cells.read`'s answer for cells in `columns` (from 0) holding `texts`."""
    cells = [""] * width
    filled = beyond = False
    for column, text in zip(columns, texts, strict=True):
        if text:  # an empty cell leaves one before it in its column as it was
            if column < width:
                cells[column] = text
                filled = True
            else:
                beyond = True
    return cells if filled else None, beyond


def _tiled(found: list[Any], length: int, fixed: int) -> bool:
    """Whether `findall`'s matches cover a row's `length` characters: each cell has their shape.

    A match is `fixed` characters besides its groups and the row number in
    its reference: what is left over must be that number, as long in each.
    """
    count = len(found)
    if not count:
        return False
    rest = length - count * fixed - len("".join(itertools.chain.from_iterable(found)))
    return rest > 0 and rest % count == 0 and rest // count <= _MAX_ROW_DIGITS


@lru_cache(maxsize=8)
def _cells(
    strings: tuple[str, ...], dates: frozenset[str], timedeltas: frozenset[str],
    epoch: dt.datetime, prefix: str,
) -> Cells:  # fmt: skip
    """A sheet's reading as a worker process is sent it: made once in each."""
    return Cells(list(strings), (dates, timedeltas), epoch, prefix)


# --- the workbook ----------------------------------------------------------------


def _part(archive: zipfile.ZipFile, name: str) -> bytes | None:
    """A part of the archive read whole (small ones only), or None when it has none."""
    try:
        with archive.open(name) as member:
            data = member.read(MAX_PART_BYTES + 1)
    except KeyError:
        return None
    if len(data) > MAX_PART_BYTES:
        raise SheetError(f"the workbook's {name} is over {MAX_PART_BYTES:,} bytes")
    return data


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _relationships(archive: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str]]:
    """A part's relationships: by id, the kind (last word of the type) and the target's path."""
    folder, name = posixpath.split(part)
    data = _part(archive, posixpath.join(folder, "_rels", f"{name}.rels"))
    if data is None:
        return {}
    found: dict[str, tuple[str, str]] = {}
    for element in ET.fromstring(data):  # noqa: S314 - expat expands no external entity
        target = element.get("Target", "")
        path = target[1:] if target.startswith("/") else posixpath.join(folder, target)
        kind = element.get("Type", "").rsplit("/", 1)[-1]
        found[element.get("Id", "")] = (kind, posixpath.normpath(path))
    return found


def _styles(data: bytes | None) -> tuple[frozenset[str], frozenset[str]]:
    """The cell styles (by index, as a cell's `s` names them) of a date, and of a duration."""
    if data is None:
        return frozenset(), frozenset()
    root = ET.fromstring(data)  # noqa: S314
    custom = {
        element.get("numFmtId", ""): element.get("formatCode", "")
        for element in root.iter()
        if _local(element.tag) == "numFmt"
    }
    dates: set[str] = set()
    timedeltas: set[str] = set()
    formats = next((e for e in root if _local(e.tag) == "cellXfs"), None)
    for index, style in enumerate(formats if formats is not None else ()):
        number = style.get("numFmtId", "0")
        code = custom.get(number)
        if code is None:
            is_date = number.isdigit() and int(number) in _BUILTIN_DATES
            is_timedelta = number.isdigit() and int(number) in _BUILTIN_TIMEDELTAS
        else:
            first = code.split(";")[0]
            is_date = _DATE_LETTER.search(_FORMAT_NOISE.sub("", first)) is not None
            is_timedelta = _TIMEDELTA.search(first) is not None
        if is_date:
            dates.add(str(index))
        if is_timedelta:
            timedeltas.add(str(index))
    return frozenset(dates), frozenset(timedeltas)


def _inflated(member: IO[bytes]) -> Iterator[bytes]:
    """A part's bytes, a block at a time."""
    while block := member.read(BLOCK_BYTES):
        yield block


def _decoded(member: IO[bytes]) -> Iterator[str]:
    """A part's text, a block at a time."""
    decode = codecs.getincrementaldecoder("utf-8")().decode
    for block in _inflated(member):
        yield decode(block)
    yield decode(b"", final=True)


def _shared_strings(archive: zipfile.ZipFile, name: str | None) -> list[str]:
    """Every shared string, in order, read as it streams (the part may be large)."""
    if name is None or name not in archive.NameToInfo:
        return []
    strings: list[str] = []
    with archive.open(name) as member:
        blocks = _decoded(member)
        text = next(blocks, "")
        found = re.search(r"<(\w+:)?sst\b", text)
        prefix = found.group(1) or "" if found else ""
        p = re.escape(prefix)
        runs = _patterns(prefix).runs
        # A string of one plain run, or of any other shape (rich, phonetic, spaces kept).
        item = re.compile(rf"<{p}si>(?:<{p}t>([^<]*)</{p}t>|(.*?))</{p}si>|<{p}si/>", re.DOTALL)
        ends = (f"</{prefix}si>", f"<{prefix}si/>")
        for block in blocks:
            text += block
            cut = max(text.rfind(end) + len(end) if end in text else 0 for end in ends)
            whole = text[:cut]
            # Most blocks hold no entity, escape or line end: their plain runs are as written.
            plain_text = xml_text if "&" in whole or "_x" in whole or "\r" in whole else str
            strings += [
                plain_text(plain) if not other else _runs_text(runs, other)
                for plain, other in item.findall(whole)
            ]
            text = text[cut:]
            if len(text) > MAX_ROW_BYTES:  # characters here: as many bytes at least
                raise SheetError(f"a shared string over {MAX_ROW_BYTES:,} characters of XML")
    return strings


class Sheet:
    """One sheet of an open workbook: its rows as they stream, and how to read a row's cells."""

    def __init__(self, archive: zipfile.ZipFile, part: str, cells: Cells, prefix: str) -> None:
        self._archive = archive
        self._part = part
        self.cells = cells
        self._prefix = prefix

    def rows(self) -> Iterator[tuple[int, bytes]]:
        """Each row's number (as the sheet shows it) and its XML (undecoded), in order.

        A row out of order (numbered at or below one before it) is left out,
        as openpyxl leaves it.
        """
        previous = 0
        for attributes, xml in self._row_elements():
            number = _row_number(attributes, previous)
            if number <= previous:
                continue
            previous = number
            yield number, xml

    def _row_elements(self) -> Iterator[tuple[bytes, bytes]]:
        """Each `<row>` element's attributes and inner XML, cut from the inflated blocks.

        The bytes are cut, not decoded: UTF-8 never holds the bytes of a tag
        inside a character, and the cells' texts are decoded where read.
        """
        prefix = self._prefix.encode()
        opening, closing = b"<%brow" % prefix, b"</%brow>" % prefix
        end_of_data = b"</%bsheetData>" % prefix
        with self._archive.open(self._part) as member:
            text = b""
            for block in _inflated(member):
                text += block
                position = 0
                while True:
                    start = text.find(opening, position)
                    after = start + len(opening)
                    if start == -1 or after >= len(text):
                        break
                    if text[after] not in b" \t\r\n/>":  # another element (`<rowBreaks>`)
                        position = after
                        continue
                    close = text.find(b">", after)
                    if close == -1:
                        break
                    if text[close - 1] == _SLASH:  # a row of no cells
                        yield text[after : close - 1], b""
                        position = close + 1
                        continue
                    end = text.find(closing, close)
                    if end == -1:
                        break
                    yield text[after:close], text[close + 1 : end]
                    position = end + len(closing)
                if text.find(end_of_data, position) != -1:
                    return
                # Kept: the row begun and not ended, or what may begin one.
                text = text[start:] if start != -1 else text[max(position, len(text) - 16) :]
                if len(text) > MAX_ROW_BYTES:
                    raise SheetError(f"a row over {MAX_ROW_BYTES:,} bytes of XML")


def _row_number(attributes: bytes, previous: int) -> int:
    if attributes.startswith(b' r="'):
        end = attributes.find(b'"', 4)
        number = attributes[4:end]
        if number.isdigit():
            return int(number)
    for match in _ATTRIBUTE.finditer(attributes.decode()):
        if match.group(1) == "r":
            try:
                return int(float(match.group(2) or match.group(3) or ""))
            except ValueError:
                break
    return previous + 1


def _workbook_part(archive: zipfile.ZipFile) -> str:
    for kind, path in _relationships(archive, "").values():
        if kind == "officeDocument":
            return path
    return "xl/workbook.xml"


def open_sheet(archive: zipfile.ZipFile, sheet: str | None = None) -> Sheet:
    """The sheet named `sheet` (the first when None) of a workbook, ready to stream.

    Raises:
        SheetError: No workbook, or no sheet by that name; the message says which.
    """
    book = _workbook_part(archive)
    data = _part(archive, book)
    if data is None:
        raise SheetError("not an .xlsx workbook")
    root = ET.fromstring(data)  # noqa: S314
    sheets = [(e.get("name", ""), _relation_id(e)) for e in root.iter() if _local(e.tag) == "sheet"]
    if not sheets:
        raise SheetError("not an .xlsx workbook")
    if sheet is not None and sheet not in {name for name, _ in sheets}:
        raise SheetError(f"the workbook has no sheet {sheet!r}")
    relations = _relationships(archive, book)
    # The first worksheet, as openpyxl's `worksheets[0]`: a chart sheet is no table.
    part = next(
        (
            relations[key][1]
            for name, key in sheets
            if (sheet is None or name == sheet) and relations.get(key, ("",))[0] == "worksheet"
        ),
        None,
    )
    if part is None:
        raise SheetError("the workbook has no worksheet" if sheet is None else
                         f"the sheet {sheet!r} is a chart, not a worksheet")  # fmt: skip
    by_kind = dict(relations.values())
    strings = _shared_strings(archive, by_kind.get("sharedStrings"))
    styles = _styles(_part(archive, by_kind["styles"]) if "styles" in by_kind else None)
    properties = next((e for e in root if _local(e.tag) == "workbookPr"), None)
    mac = properties is not None and properties.get("date1904", "") in {"1", "true"}
    prefix = _sheet_prefix(archive, part)
    cells = Cells(strings, styles, _MAC_EPOCH if mac else _WINDOWS_EPOCH, prefix)
    return Sheet(archive, part, cells, prefix)


def _relation_id(element: ET.Element) -> str:
    for name in (f"{{{_REL}}}id", f"{{{_STRICT_REL}}}id"):
        if name in element.attrib:
            return element.attrib[name]
    return ""


def _sheet_prefix(archive: zipfile.ZipFile, part: str) -> str:
    """The namespace prefix the sheet's elements are written with (`x:`), or ``."""
    try:
        with archive.open(part) as member:
            head = member.read(1 << 16).decode("utf-8", "replace")
    except KeyError:
        raise SheetError("not an .xlsx workbook") from None
    found = re.search(r"<(\w+:)?worksheet\b", head)
    return found.group(1) or "" if found else ""


#: What reading a damaged archive can raise.
ARCHIVE_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, OSError, ET.ParseError,
                  UnicodeDecodeError, NotImplementedError)  # fmt: skip
