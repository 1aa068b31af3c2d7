"""Documents by era: the number format and the issuer a document issued on a day has.

Two tables, read by the validator and the generator alike, so what is made and
what is checked cannot drift apart: `data/document_eras.tsv` (number formats
by date of issue) and `data/authorities.tsv` (issuers as printed, by date of
issue, and the missions abroad that issue passports whatever the date).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import cache, lru_cache
from importlib import resources

__all__ = [
    "ABROAD",
    "AuthorityEra",
    "NumberEra",
    "authority_eras",
    "dated_document_kinds",
    "first_issue_day",
    "first_issue_days",
    "issuer_out_of_era",
    "number_eras",
    "number_out_of_era",
]

_OPEN_END = date.max.toordinal() + 1
#: The table's document type for passports issued by missions abroad.
ABROAD = "passport_abroad"


@dataclass(frozen=True, slots=True)
class NumberEra:
    """A number format in use for documents issued in [start, end) (ordinals)."""

    state: str
    document_type: str
    name: str
    pattern: re.Pattern[str]
    start: int
    end: int
    source: str

    def covers(self, issued: date) -> bool:
        """Whether a document issued on that day has this format."""
        return self.start <= issued.toordinal() < self.end


@dataclass(frozen=True, slots=True)
class AuthorityEra:
    """An issuing authority as printed, valid for documents issued in [start, end)."""

    state: str
    document_type: str
    start: int
    end: int
    printed: str


def _rows(name: str) -> list[list[str]]:
    text = resources.files("kzcn.data").joinpath(name).read_text("utf-8")
    return [line.split("\t") for line in text.splitlines() if line and not line.startswith("#")]


def _ordinal(text: str, default: int) -> int:
    return date.fromisoformat(text).toordinal() if text else default


@cache
def number_eras() -> tuple[NumberEra, ...]:
    """Every dated number format (`data/document_eras.tsv`)."""
    return tuple(
        NumberEra(
            state,
            kind,
            name,
            re.compile(pattern),
            _ordinal(start, 0),
            _ordinal(end, _OPEN_END),
            source,
        )
        for state, kind, name, pattern, start, end, source in _rows("document_eras.tsv")
    )


@cache
def authority_eras() -> tuple[AuthorityEra, ...]:
    """Every issuer as printed, with its era (`data/authorities.tsv`)."""
    return tuple(
        AuthorityEra(state, kind, _ordinal(start, 0), _ordinal(end, _OPEN_END), printed)
        for state, kind, start, end, printed in _rows("authorities.tsv")
    )


@cache
def _number_eras_of(state: str, document_type: str) -> tuple[NumberEra, ...]:
    """The dated number formats of one state's document type (a few of the table's rows)."""
    return tuple(e for e in number_eras() if (e.state, e.document_type) == (state, document_type))


@cache
def dated_document_kinds() -> frozenset[tuple[str, str]]:
    """The (state, document type) pairs with a dated number format; no other is out of era."""
    return frozenset((era.state, era.document_type) for era in number_eras())


@cache
def _issuer_starts() -> dict[tuple[str, str, str], int]:
    """The first day (ordinal) of each (state, document type, issuer as printed)."""
    starts: dict[tuple[str, str, str], int] = {}
    for era in authority_eras():
        key = (era.state, era.document_type, era.printed)
        starts[key] = min(starts.get(key, era.start), era.start)
    return starts


def number_out_of_era(state: str, document_type: str, number: str, issued: date) -> bool:
    """Whether `number` has a format of another era than its date of issue's.

    Only numbers of a dated format are judged: a number no era describes is
    the number-format rule's business, not this one's.
    """
    dated = _number_eras_of(state, document_type)
    if not dated:  # most documents: no format of theirs is dated
        return False
    day, matched = issued.toordinal(), False
    for era in dated:
        if era.pattern.fullmatch(number):
            if era.start <= day < era.end:  # `era.covers(issued)`, the day counted once
                return False
            matched = True
    return matched


@lru_cache(maxsize=4096)
def first_issue_day(state: str, document_type: str, printed: str) -> int | None:
    """The first day (ordinal) `printed` issued that document, or None when not in the table.

    Kept for the issuers last asked about: a file names a few issuers many times.
    """
    kinds = (document_type, ABROAD) if document_type == "passport" else (document_type,)
    table = _issuer_starts()
    starts = [table[key] for kind in kinds if (key := (state, kind, printed)) in table]
    return min(starts) if starts else None


@cache
def first_issue_days() -> dict[tuple[str, str, str], int]:
    """`first_issue_day` of each (state, document type, issuer as printed) it knows.

    Any other key's day is None: one dict lookup for a document, where the
    kept function builds its key and keeps its order of use.
    """
    days: dict[tuple[str, str, str], int] = {}
    for state, kind, printed in _issuer_starts():
        for asked in {kind, "passport" if kind == ABROAD else kind}:
            first = first_issue_day(state, asked, printed)
            if first is not None:
                days[state, asked, printed] = first
    return days


def issuer_out_of_era(state: str, document_type: str, printed: str, issued: date) -> bool:
    """Whether `printed` is a known issuer of that document, named before it issued any.

    Only the start of an era is held against a document: no authority issues
    before it exists, but a renamed one's blanks may be used up after its era
    ends. An issuer the table does not know is not judged (issuers are free text
    as printed); a mission abroad issues passports whatever the date.
    """
    first = first_issue_day(state, document_type, printed)
    return first is not None and issued.toordinal() < first
