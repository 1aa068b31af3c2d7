"""The accept path over a chunk of lines at once: the MRZ rules column-wise, with numpy.

The fast accept path (`kzcn.validation._accept`) runs the models' rules line
by line, and the costliest of them on valid data are two questions about
machine-readable zones: does a document's MRZ verify (its layout, every check
digit, and the document's state, number and expiry as it writes them:
`IdentityDocument._mrz_accepts`), and does it give its holder's birth date, sex
and names (`kzcn.mrz.holder_agrees`). About 3 us a document with an MRZ, in
Python, character by character.

Here a chunk of lines is decoded by a second mirror of the models whose
structs ask neither question as they decode: they note the document (or the
holder's data) and answer yes (`DEFERRED`). Everything else runs as on the
line path. Then both questions are answered for every noted MRZ of the chunk
at once: the zones of one layout become one array of bytes, their characters
values by one lookup, each check digit a weighted sum of columns, each field
a slice compared with the document's (`document_verdicts`, `holder_verdicts`).
A line is accepted when its decode succeeded and every MRZ it noted verifies.

Each verdict is the Python function's own: an MRZ numpy does not read as
the common case (a card's long number, a layout the pattern allows but no
model reads) is asked in Python, and so is every MRZ numpy says no to (rare
on valid data), so numpy only ever says yes where Python says yes
(tests/test_chunks.py holds the arrays to the functions over every character
of generated zones, mutated). Rules being a conjunction, a line is accepted
here exactly when the line path accepts it; a line not accepted here goes to
the line path, which judges it as always.

numpy is not in the light install: without it `chunk_accept()` is None and
every line takes the line path. Nor is it imported for a short input
(`WARM_UP`): its import costs more than the chunk path saves there.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any, TypeVar

from kzcn.mrz import holder_agrees, mrz_date
from kzcn.validation._accept import Paths

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    Bools = npt.NDArray[np.bool_]

__all__ = [
    "DEFERRED",
    "MIN_LINES",
    "WARM_UP",
    "ChunkAccept",
    "chunk_accept",
    "document_verdicts",
    "documents_sure",
    "holder_verdicts",
    "holders_sure",
]

#: Fewer lines than this are judged line by line: numpy's fixed cost a chunk is worth
#: paying only over many documents.
MIN_LINES = 64
#: Lines a run judges line by line before it imports numpy, unless something else has:
#: the import (about 80 ms of CPU) pays back only over tens of thousands of lines.
WARM_UP = 16_384

_R = TypeVar("_R")

#: A noted holder: the MRZ lines, and the birth date (YYMMDD), sex and names it must give.
Holder = tuple[Sequence[str], str, str, str]


#: What the MRZ rule reads of a document: its MRZ lines joined, type, number, state, expiry.
DocumentFields = tuple[str, str, str, str, Any]


class _Noted:
    """What the chunk's structs noted as they decoded, in order.

    What the column-wise answers read is taken as noted, while the struct is
    at hand: read again after the chunk's decoding, the structs' memory is
    no longer in the cache (that cost as much as the answers themselves).
    """

    __slots__ = ("document_fields", "documents", "holder_zones", "holders")

    def __init__(self) -> None:
        self.documents: list[Any] = []
        self.document_fields: list[DocumentFields] = []
        self.holders: list[Holder] = []
        self.holder_zones: list[str] = []

    def clear(self) -> None:
        """Forget every note."""
        self.cut(0, 0)

    def cut(self, documents: int, holders: int) -> None:
        """Keep the first notes only (those of the lines before a line refused part way)."""
        del self.documents[documents:], self.document_fields[documents:]
        del self.holders[holders:], self.holder_zones[holders:]


_NOTED = _Noted()
_JOIN = "".join


def _fields(document: Any) -> DocumentFields:
    return (
        _JOIN(document.mrz),
        document.document_type,
        document.number,
        document.issuing_state,
        document.date_of_expiry,
    )


def _note_document(document: Any) -> bool:
    """`IdentityDocument._mrz_accepts` deferred: noted, answered for the chunk."""
    _NOTED.documents.append(document)
    _NOTED.document_fields.append(_fields(document))
    return True


def _note_holder(lines: Sequence[str], birth: str, sex: str, names: str) -> bool:
    """`holder_agrees` deferred: noted, answered for the chunk."""
    _NOTED.holders.append((lines, birth, sex, names))
    _NOTED.holder_zones.append(_JOIN(lines))
    return True


#: The names the chunk's mirror answers later: a method of a struct, or a function a
#: rule calls by its global name (`kzcn.validation._accept.mirror`'s `defer`).
DEFERRED: dict[str, Callable[..., bool]] = {
    "_mrz_accepts": _note_document,
    "holder_agrees": _note_holder,
}


# --- the MRZ in columns -------------------------------------------------------------

_LT = ord("<")


@dataclass(frozen=True, kw_only=True)
class _Layout:
    """Where a layout keeps what the two questions read, as offsets into its joined lines."""

    width: int
    size: int  # every line of a layout is as wide (the pattern): width times lines
    firsts: bytes  # the document codes `_layout_width` reads the layout by
    number: int  # the number field (9), its check digit right after it
    dates: tuple[int, int]  # birth and expiry fields (6), each with its digit after it
    optional: tuple[int, int] | None  # a field with a digit of its own when not empty
    composite: tuple[tuple[int, int], ...]  # the composite's pieces; its digit after the last
    holder: tuple[int, int, int, int]  # birth date, sex, names start and end


def _td3() -> _Layout:
    two = 44
    return _Layout(
        width=44,
        size=88,
        firsts=b"P",
        number=two,
        dates=(two + 13, two + 21),
        optional=(two + 28, two + 42),
        composite=((two, two + 10), (two + 13, two + 20), (two + 21, two + 43)),
        holder=(two + 13, two + 20, 5, 44),
    )


def _td2() -> _Layout:
    two = 36
    return _Layout(
        width=36,
        size=72,
        firsts=b"IAC",
        number=two,
        dates=(two + 13, two + 21),
        optional=None,
        composite=((two, two + 10), (two + 13, two + 20), (two + 21, two + 35)),
        holder=(two + 13, two + 20, 5, 36),
    )


def _td1() -> _Layout:
    two, three = 30, 60
    return _Layout(
        width=30,
        size=90,
        firsts=b"IAC",
        number=5,
        dates=(two, two + 8),
        optional=None,
        composite=((5, 30), (two, two + 7), (two + 8, two + 15), (two + 18, two + 29)),
        holder=(two, two + 7, three, three + 30),
    )


@cache
def _np() -> Any:
    import numpy as np  # noqa: PLC0415 - only where installed and worth it

    return np


@cache
def _tables() -> tuple[Any, dict[int, _Layout]]:
    """Each byte's check-digit value, and the layouts by the length of their joined lines."""
    np = _np()
    codes = np.arange(256)
    digit = (codes >= 48) & (codes <= 57)
    letter = (codes >= 65) & (codes <= 90)
    values = np.where(digit, codes - 48, np.where(letter, codes - 55, 0)).astype(np.int32)
    # The pattern allows lines of 30, 36 or 44 only, two or three: 88 is two of 44, 72
    # two of 36, 90 three of 30; any other length is no layout the models read.
    return values, {layout.size: layout for layout in (_td3(), _td2(), _td1())}


def _checked(layout: _Layout) -> tuple[list[tuple[int, int]], Any]:
    """The fields each check digit covers, and their weights as columns over the zone.

    The composite is last. Its weights run on over its pieces (7, 3, 1 from the
    first character of the first): each piece's share is summed where it stands.
    Integers: numpy's own loop, not a BLAS call (whose threads would spin beside
    the decoding on a busy machine).
    """
    np = _np()
    number = layout.number
    fields = [(number, number + 9), *((start, start + 6) for start in layout.dates)]
    if layout.optional is not None:
        fields.append(layout.optional)
    weights = np.zeros((layout.size, len(fields) + 1), np.int32)
    for column, (start, end) in enumerate(fields):
        weights[start:end, column] = np.resize(np.array([7, 3, 1], np.int32), end - start)
    at = 0
    for start, end in layout.composite:
        turn = np.resize(np.array([7, 3, 1], np.int32), at + end - start)[at:]
        weights[start:end, -1] = turn
        at += end - start
    return fields, weights


@cache
def _checks(size: int) -> tuple[list[tuple[int, int]], Any, Any, Any]:
    """`_checked` of the layout of `size`, on the columns any check covers; each digit's place."""
    np = _np()
    layout = _tables()[1][size]
    fields, weights = _checked(layout)
    columns = np.flatnonzero(weights.any(axis=1))
    digits = np.array([end for _, end in fields] + [layout.composite[-1][1]], np.intp)
    return fields, columns, weights[columns], digits


def _verified(chars: Any, layout: _Layout) -> Any:
    """`verified_part` is not None, each row (a number whose digit is `<`: not sure, False).

    Each check digit is right (`_digit_fine`: a digit equal to its field's
    weighted sum, or `<` after a field of `<`; the number's and the
    composite's must be digits), and the layout is one `_layout_width` reads.
    """
    np = _np()
    fields, columns, weights, at = _checks(layout.size)
    sums = (_tables()[0][chars[:, columns]] @ weights) % 10
    found = chars[:, at]
    digits = np.where((found >= 48) & (found <= 57), found.astype(np.int32) - 48, -1)
    right = digits == sums
    verified = _layout_read(chars, layout)
    verified &= right[:, 0] & right[:, -1]
    for column, (start, end) in enumerate(fields[1:], start=1):
        empty = (found[:, column] == _LT) & (chars[:, start:end] == _LT).all(axis=1)
        verified &= right[:, column] | empty
    return verified


def _same(chars: Any, start: int, codes: Any) -> Any:
    return (chars[:, start : start + codes.shape[1]] == codes).all(axis=1)


def _fixed(texts: Sequence[str], width: int) -> Any:
    """Texts of `width` ASCII characters each as rows of bytes; None if any is not."""
    np = _np()
    joined = "".join(texts)
    if len(joined) != width * len(texts) or not joined.isascii():
        return None
    return np.frombuffer(joined.encode("ascii"), np.uint8).reshape(len(texts), width)


def _yymmdd(days: Sequence[Any]) -> Any:
    """Dates as the MRZ writes them (`mrz_date`, which keeps the days it wrote), rows of 6 bytes."""
    return _fixed(list(map(mrz_date, days)), 6)


def _layouts(zones: list[str]) -> Iterator[tuple[_Layout, Any, Any]]:
    """For each layout numpy reads: its layout, its rows among `zones`, their bytes."""
    np = _np()
    sizes = np.fromiter(map(len, zones), np.int64, len(zones))
    for size, layout in _tables()[1].items():
        rows = np.flatnonzero(sizes == size)
        if len(rows):
            joined = _JOIN(map(zones.__getitem__, rows.tolist())).encode("ascii")  # the pattern
            yield layout, rows, np.frombuffer(joined, np.uint8).reshape(len(rows), size)


def _layout_read(chars: Any, layout: _Layout) -> Any:
    """Whether each zone opens with a document code `_layout_width` reads the layout by."""
    first = chars[:, 0]
    read = first == layout.firsts[0]
    for code in layout.firsts[1:]:
        read |= first == code
    return read


def _padded_numbers(numbers: Sequence[str]) -> tuple[Any, Any]:
    """Document numbers as the MRZ's number field (9, padded with `<`), and which are sure.

    Sure: 9 characters or fewer, no NUL (numpy's padding), not ending in `<`
    (which `rstrip` would take off).
    """
    np = _np()
    count = len(numbers)
    codes = np.array(numbers, dtype="<U9").view(np.uint32).reshape(count, 9).copy()
    lengths = np.fromiter(map(len, numbers), np.int64, count)
    inside = np.arange(9) < lengths[:, None]
    sure = (lengths <= 9) & ~(inside & (codes == 0)).any(axis=1)
    sure &= codes[np.arange(count), np.clip(lengths - 1, 0, 8)] != _LT
    codes[~inside] = _LT
    return codes, sure


def _documents_sure(chosen: list[DocumentFields], chars: Any, layout: _Layout) -> Any:
    """Which of the layout's documents `_mrz_accepts` surely accepts."""
    np = _np()
    _, types, numbers, states, expiries = zip(*chosen, strict=True)
    passport = layout.width == 44  # a passport's MRZ is TD3, a card's is not
    kinds = np.fromiter(map("passport".__eq__, types), bool, len(chosen))
    sure = _verified(chars, layout) & (kinds if passport else ~kinds)
    # A passport cuts a long number at 9; a card's number is the field whole (a long
    # number, whose digit is `<`, is not verified here: Python asks).
    codes, fine = _padded_numbers([number[:9] for number in numbers] if passport else numbers)
    sure &= fine & _same(chars, layout.number, codes)
    written = _fixed(states, 3)
    expiry = _yymmdd(expiries)
    if written is None or expiry is None:
        return np.zeros(len(chosen), bool)
    sure &= _same(chars, 2, written) & _same(chars, layout.dates[1], expiry)
    if passport:  # the nationality is the issuing state
        sure &= _same(chars, layout.number + 10, written)
    return sure


def documents_sure(documents: list[Any], fields: list[DocumentFields] | None = None) -> Bools:
    """Which documents (each with an MRZ) numpy finds `_mrz_accepts` accepts; False: ask Python.

    `fields`: what the rule reads of each document (`_fields`), if taken already.
    """
    np = _np()
    sure: Bools = np.zeros(len(documents), bool)
    if fields is None:
        fields = list(map(_fields, documents))
    for layout, rows, chars in _layouts([field[0] for field in fields]):
        sure[rows] = _documents_sure(list(map(fields.__getitem__, rows.tolist())), chars, layout)
    return sure


def document_verdicts(documents: list[Any], fields: list[DocumentFields] | None = None) -> Bools:
    """`IdentityDocument._mrz_accepts` of each document (each has an MRZ), column-wise."""
    from kzcn.person import IdentityDocument  # noqa: PLC0415 - the model's own rule

    np = _np()
    verdicts = documents_sure(documents, fields)
    accepts = IdentityDocument._mrz_accepts  # noqa: SLF001 - the rule numpy stands in for
    for row in np.flatnonzero(~verdicts).tolist():
        verdicts[row] = accepts(documents[row])
    return verdicts


def _holders_sure(chosen: list[Holder], chars: Any, layout: _Layout) -> Any:
    """Which of the layout's holders `holder_agrees` surely finds given by their MRZ."""
    np = _np()
    birth, sex, start, end = layout.holder
    _, born, sexes, names = zip(*chosen, strict=True)
    births = _fixed(born, 6)
    written = _fixed(sexes, 1)
    if births is None or written is None:
        return np.zeros(len(chosen), bool)
    sure = _layout_read(chars, layout)
    sure &= _same(chars, birth, births) & _same(chars, sex, written)
    # The names cut or padded with `<` to the field: numpy cuts, and pads with NUL.
    width = end - start
    codes = np.array(names, dtype=f"<U{width}").view(np.uint32).reshape(len(chosen), width)
    lengths = np.minimum(np.fromiter(map(len, names), np.int64, len(names)), width)
    inside = np.arange(width) < lengths[:, None]
    sure &= ~(inside & (codes == 0)).any(axis=1)
    return sure & _same(chars, start, np.where(inside, codes, _LT))


def holders_sure(holders: list[Holder], zones: list[str] | None = None) -> Bools:
    """Which noted holders numpy finds `holder_agrees` agrees with; False: ask Python."""
    np = _np()
    sure: Bools = np.zeros(len(holders), bool)
    if zones is None:
        zones = [_JOIN(holder[0]) for holder in holders]
    for layout, rows, chars in _layouts(zones):
        sure[rows] = _holders_sure(list(map(holders.__getitem__, rows.tolist())), chars, layout)
    return sure


def holder_verdicts(holders: list[Holder], zones: list[str] | None = None) -> Bools:
    """`holder_agrees` of each noted holder, column-wise."""
    np = _np()
    verdicts = holders_sure(holders, zones)
    for row in np.flatnonzero(~verdicts).tolist():
        verdicts[row] = holder_agrees(*holders[row])
    return verdicts


# --- a chunk of lines ----------------------------------------------------------------


def _failed_lines(verdicts: Bools, ends: list[int]) -> list[bool]:
    """Which lines (each ending at its index in `ends`) have a verdict that is no."""
    np = _np()
    failed = np.concatenate(([0], np.cumsum(~verdicts)))
    bounds = np.array(ends, np.int64)
    starts = np.concatenate(([0], bounds[:-1]))
    found: list[bool] = (failed[bounds] > failed[starts]).tolist()
    return found


class ChunkAccept:
    """Decode lines with the deferring mirror; the result of each line accepted, else None.

    `complete` first, as the line path does (`_accept.Paths`).
    """

    def __init__(self, decode: Callable[[bytes], Any], complete: Callable[[bytes], Any]) -> None:
        self._paths = Paths(decode, complete)

    def _one(self, text: bytes) -> Any:
        try:
            return self._paths(text)
        except Exception:  # noqa: BLE001 - not accepted: the line path judges
            return None

    def __call__(
        self, texts: Sequence[bytes], finish: Callable[[int, bytes, Any], _R | None]
    ) -> list[_R | None]:
        """`finish(index, text, struct)` of each text every rule accepts, else None.

        `finish` runs as each line is decoded (its struct is then at hand, and
        not kept: a chunk's structs all alive at once cost more in the cache
        than the chunk saves); it returns None to refuse the line. A line whose
        MRZ then does not verify is None too: the line path judges it.
        """
        noted = _NOTED
        noted.clear()
        documents, holders = noted.documents, noted.holders
        results: list[_R | None] = []
        kept: list[int] = []
        document_ends: list[int] = []
        holder_ends: list[int] = []
        one = self._one
        for index, text in enumerate(texts):
            noted_documents, noted_holders = len(documents), len(holders)
            struct = one(text)
            result = None if struct is None else finish(index, text, struct)
            results.append(result)
            if result is None:  # refused, maybe part way: its notes are no one's
                noted.cut(noted_documents, noted_holders)
                continue
            kept.append(index)
            document_ends.append(len(documents))
            holder_ends.append(len(holders))
        if kept:
            failed = _failed_lines(
                document_verdicts(documents, noted.document_fields), document_ends
            )
            holders_failed = _failed_lines(
                holder_verdicts(holders, noted.holder_zones), holder_ends
            )
            for index, no, also in zip(kept, failed, holders_failed, strict=True):
                if no or also:
                    results[index] = None
        noted.clear()
        return results


@cache
def chunk_accept() -> ChunkAccept | None:
    """The chunk path of this process; None without numpy or msgspec, or if not mirrored."""
    from kzcn.validation._accept import deferring_path  # noqa: PLC0415

    try:
        _np()
    except ImportError:
        return None
    decode, complete = deferring_path(complete=False), deferring_path(complete=True)
    if decode is None or complete is None:
        return None
    return ChunkAccept(decode, complete)
