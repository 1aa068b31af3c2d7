"""Quasi-identifier paths: checking them against the field dictionary, and their grouping keys.

A path is dotted, into the subject's person record (`date_of_birth`,
`place_of_birth.locality`); a leading `subject.` is accepted. Keys:

- a name (a `{cyrillic, latin}` object) groups by its Latin form;
- a birthplace groups hierarchically, so that a locality is never confused
  with a same-named one elsewhere: `place_of_birth.locality` is
  `COUNTRY/REGION/LOCALITY` in Latin (null when the locality is missing),
  `place_of_birth.region` is `COUNTRY/REGION`;
- anything else groups by its JSON value; null is a value of its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import polars as pl

from kzcn.dictionary import person_fields
from kzcn.exposure import _layout as layout

__all__ = [
    "DATE_LEVELS",
    "PLACE_LEVELS",
    "PLACE_LEVEL_OF",
    "QuasiIdentifierError",
    "ResolvedPath",
    "date_expr",
    "place_expr",
    "resolve",
]

DATE_LEVELS = ("full", "month", "year", "5-year band")


def _dotted(column: layout.Column) -> str:
    return ".".join(column.path)


def _named(column: layout.Column) -> str:
    """A column's path, without the name form it reads a name by (`place_of_birth.region`)."""
    return _dotted(column).removesuffix(f".{layout.NAME_FORM}")


#: The birthplace's levels, finest first, each named as its field (`_layout.PLACES`).
PLACE_LEVELS = tuple(_named(c).rpartition(".")[2] for c in layout.PLACES)
_PLACE_COLUMNS = dict(zip(PLACE_LEVELS, (c.name for c in layout.PLACES), strict=True))
#: The object that holds the levels (`place_of_birth`).
_PLACE = _dotted(layout.PLACES[-1]).rpartition(".")[0]
_DATE = _dotted(layout.DATE_OF_BIRTH)

Generalises = Literal["date", "place"] | None


class QuasiIdentifierError(ValueError):
    """A QI or sensitive path that is not a single-valued field of the person record."""


@dataclass(frozen=True, slots=True)
class ResolvedPath:
    """A checked path: its column expression and how it is keyed."""

    path: str
    key: str
    generalises: Generalises
    extra: tuple[str, ...] | None

    def expr(self) -> pl.Expr:
        """The grouping key as a polars expression over the person rows."""
        if self.generalises == "date":
            return date_expr("full")
        if self.generalises == "place":
            return place_expr(PLACE_LEVEL_OF[self.path])
        return pl.col(_BASE_COLUMNS.get(self.path, self.path))


#: The row's other person columns (`_layout.PERSON`), by path: keyed by their value.
_BASE_COLUMNS = {
    _dotted(c): c.name for c in layout.PERSON if c not in {layout.DATE_OF_BIRTH, *layout.PLACES}
}
#: The place level each place path means (`place` is the whole of country/region/locality).
PLACE_LEVEL_OF = {
    _PLACE: "place",
    **{path: level for c, level in zip(layout.PLACES, PLACE_LEVELS, strict=True)
       for path in (_named(c), _dotted(c))},
}  # fmt: skip


def date_expr(level: str) -> pl.Expr:
    """Birth date at `level`: full, month (YYYY-MM), year, 5-year band (`1975-1979`)."""
    column = pl.col(layout.DATE_OF_BIRTH.name)
    if level == "full":
        return column
    if level == "month":
        return column.str.slice(0, 7)
    year = column.str.slice(0, 4)
    if level == "year":
        return year
    start = year.cast(pl.Int32, strict=False) // 5 * 5
    return pl.concat_str(start.cast(pl.String), (start + 4).cast(pl.String), separator="-")


def place_expr(level: str) -> pl.Expr:
    """Birthplace at `level`, as a hierarchical key; null when that level is missing."""
    country, region, locality = (pl.col(_PLACE_COLUMNS[name]) for name in reversed(PLACE_LEVELS))
    if level == "country":
        return country
    if level == "region":
        return pl.concat_str(country.fill_null("?"), region, separator="/")
    if level == "locality":
        return pl.concat_str(country.fill_null("?"), region.fill_null("?"), locality, separator="/")
    # The whole place: every part, missing ones as `?`.
    return pl.concat_str(
        country.fill_null("?"), region.fill_null("?"), locality.fill_null("?"), separator="/"
    )


_KEY_NOTES = {
    "date": "ISO date text; the ladder coarsens it to month, year and 5-year band",
    "place": "COUNTRY/REGION/LOCALITY in Latin form (null when the level is missing); "
    "the ladder coarsens it to region and country",
}


def resolve(path: str) -> ResolvedPath:
    """Check `path` against the person record and say how it is keyed.

    Raises:
        QuasiIdentifierError: the path is unknown, or holds a list.
    """
    clean = path.strip().removeprefix(f"{layout.SUBJECT}.")
    fields = person_fields()
    if clean not in fields:
        known = ", ".join(
            sorted(p for p in fields if p.count(".") < 2 and "[]" not in p and "." not in p)
        )
        raise QuasiIdentifierError(
            f"{path!r} is not a field of the person record (e.g. {known}, "
            f"{_named(layout.PLACES[0])}; `kzcn fields` lists them all)"
        )
    entry = fields[clean]
    if "[]" in clean or entry.type == "list":
        raise QuasiIdentifierError(
            f"{path!r} holds a list (a person may have several); choose a single-valued field"
        )
    if clean == _DATE:
        return ResolvedPath(clean, _KEY_NOTES["date"], "date", None)
    if clean in PLACE_LEVEL_OF:
        return ResolvedPath(clean, _KEY_NOTES["place"], "place", None)
    if clean in _BASE_COLUMNS:
        return ResolvedPath(clean, "the value as exchanged", None, None)
    key = "the Latin form" if entry.type == "object" else "the value as exchanged"
    return ResolvedPath(clean, key, None, tuple(clean.split(".")))
