"""Every day from 1900 to 2100 in every form the generator prints or sums, as columns.

The generator keeps dates as day ordinals (`date.toordinal()`); a column of
them indexes these tables (after subtracting `FIRST`), so a date's ISO text,
its MRZ field and check digit, and its partial sums for the IIN and resident
ID check digits are one numpy look-up for a whole column. Built once per
process, from numpy's calendar arithmetic: no date object per day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

import numpy as np

from kzcn.synth._checks import DIGITS, MRZ2, RID_DATE_PAIRS, pairs
from kzcn.synth._columns import Ints, Texts, fixed

__all__ = ["FIRST", "LAST", "Days", "add_years", "days", "month_starts"]

#: The first and last day the tables cover, as ordinals.
FIRST = date(1900, 1, 1).toordinal()
LAST = date(2100, 12, 31).toordinal()
_EPOCH = date(1970, 1, 1).toordinal()
_W12, _W34, _W56, _W78 = pairs(1, 2), pairs(3, 4), pairs(5, 6), pairs(7, 8)


@dataclass(frozen=True, slots=True)
class Days:
    """Columns indexed by `ordinal - FIRST` (texts as ASCII bytes).

    Attributes:
        iso: "YYYY-MM-DD".
        quoted: the ISO text in JSON quotes (for nullable dates).
        year: the calendar year.
        yymmdd: the IIN's and MRZ's 6-digit form.
        ymd: the resident ID's 8-digit form.
        mrz_field: YYMMDD and its check digit, as the MRZ prints it.
        mrz_birth, mrz_expiry: the field's composite sums where TD3 and TD1
            put it: a birth day at an offset ≡ 1 and an expiry ≡ 2 (mod 3).
        iin_w1, iin_w2: YYMMDD's sums under the IIN's two check weightings.
        iin_mrz0, iin_mrz1: YYMMDD's MRZ sums at shifts 0 and 1 (an IIN's head).
        rid: YYYYMMDD's resident-ID weighted sum.
    """

    iso: Texts
    quoted: Texts
    year: Ints
    yymmdd: Texts
    ymd: Texts
    mrz_field: Texts
    mrz_birth: Ints
    mrz_expiry: Ints
    iin_w1: Ints
    iin_w2: Ints
    iin_mrz0: Ints
    iin_mrz1: Ints
    rid: Ints


def _calendar(ordinals: Ints) -> tuple[Ints, Ints, Ints]:
    """Year, month and day of each ordinal."""
    days64 = (ordinals - _EPOCH).astype("datetime64[D]")
    months = days64.astype("datetime64[M]")
    year = months.astype("datetime64[Y]").astype(np.int64) + 1970
    month = months.astype(np.int64) % 12 + 1
    day = (days64 - months).astype(np.int64) + 1
    return year, month, day


def _iso_chars(year: Ints, month: Ints, day: Ints) -> Any:
    """The ISO texts as a matrix of single bytes (other forms are columns picked from it)."""
    chars = np.empty((len(year), 10), dtype=np.uint8)
    for column, (value, scale) in enumerate(
        [
            (year, 1000),
            (year, 100),
            (year, 10),
            (year, 1),
            (None, 0),
            (month, 10),
            (month, 1),
            (None, 0),
            (day, 10),
            (day, 1),
        ]
    ):
        chars[:, column] = ord("-") if value is None else ord("0") + value // scale % 10
    return chars.view("S1")


@cache
def days() -> Days:
    """The tables, built once per process."""
    ordinals = np.arange(FIRST, LAST + 1, dtype=np.int64)
    year, month, day = _calendar(ordinals)
    yy, mm, dd = year % 100, month, day
    chars = _iso_chars(year, month, day)
    iso = fixed(chars)
    yymmdd = fixed(chars[:, [2, 3, 5, 6, 8, 9]])
    m0, m1, m2 = MRZ2
    check = (m0[yy] + m2[mm] + m1[dd]) % 10
    # The check digit 6 places on has the weight of the field's first character.
    c, y, m, d = RID_DATE_PAIRS
    return Days(
        iso=iso,
        quoted=b'"' + iso + b'"',
        year=year,
        yymmdd=yymmdd,
        ymd=fixed(chars[:, [0, 1, 2, 3, 5, 6, 8, 9]]),
        mrz_field=yymmdd + DIGITS[check],
        mrz_birth=m1[yy] + m0[mm] + m2[dd] + check * 3,
        mrz_expiry=m2[yy] + m1[mm] + m0[dd] + check * 1,
        iin_w1=_W12[yy] + _W34[mm] + _W56[dd],
        iin_w2=_W34[yy] + _W56[mm] + _W78[dd],
        iin_mrz0=m0[yy] + m2[mm] + m1[dd],
        iin_mrz1=m1[yy] + m0[mm] + m2[dd],
        rid=c[year // 100] + y[yy] + m[mm] + d[dd],
    )


def add_years(ordinals: Ints, years: int | Ints) -> Ints:
    """The same calendar days `years` later (29 February becomes 28 February)."""
    year, month, day = _calendar(ordinals)
    target = year + years
    leap = (target % 4 == 0) & ((target % 100 != 0) | (target % 400 == 0))
    day = np.where((month == 2) & (day == 29) & ~leap, 28, day)
    return month_starts(target, month) + day - 1


def month_starts(year: Ints, month: Ints) -> Ints:
    """Ordinals of the first days of those months (month 13 is January of the next year)."""
    months = ((year - 1970) * 12 + month - 1).astype("datetime64[M]")
    starts: Ints = months.astype("datetime64[D]").astype(np.int64) + _EPOCH
    return starts
