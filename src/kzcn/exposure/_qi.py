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
PLACE_LEVELS = ("locality", "region", "country")

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


_BASE_COLUMNS = {
    "sex": "sex",
    "citizenship": "citizenship",
    "ethnic_nationality": "ethnic_nationality",
    "place_of_birth.admin_code": "place_admin_code",
}
#: The place level each place path means (`place` is the whole of country/region/locality).
PLACE_LEVEL_OF = {
    "place_of_birth": "place",
    "place_of_birth.locality": "locality",
    "place_of_birth.locality.latin": "locality",
    "place_of_birth.region": "region",
    "place_of_birth.region.latin": "region",
    "place_of_birth.country": "country",
}


def date_expr(level: str) -> pl.Expr:
    """Birth date at `level`: full, month (YYYY-MM), year, 5-year band (`1975-1979`)."""
    column = pl.col("date_of_birth")
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
    country, region, locality = (
        pl.col("place_country"),
        pl.col("place_region"),
        pl.col("place_locality"),
    )
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
    clean = path.strip().removeprefix("subject.")
    fields = person_fields()
    if clean not in fields:
        known = ", ".join(
            sorted(p for p in fields if p.count(".") < 2 and "[]" not in p and "." not in p)
        )
        raise QuasiIdentifierError(
            f"{path!r} is not a field of the person record (e.g. {known}, "
            "place_of_birth.locality; `kzcn fields` lists them all)"
        )
    entry = fields[clean]
    if "[]" in clean or entry.type == "list":
        raise QuasiIdentifierError(
            f"{path!r} holds a list (a person may have several); choose a single-valued field"
        )
    if clean == "date_of_birth":
        return ResolvedPath(clean, _KEY_NOTES["date"], "date", None)
    if clean in PLACE_LEVEL_OF:
        return ResolvedPath(clean, _KEY_NOTES["place"], "place", None)
    if clean in _BASE_COLUMNS:
        return ResolvedPath(clean, "the value as exchanged", None, None)
    key = "the Latin form" if entry.type == "object" else "the value as exchanged"
    return ResolvedPath(clean, key, None, tuple(clean.split(".")))
