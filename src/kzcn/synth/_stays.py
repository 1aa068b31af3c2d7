"""Stays drawn as entry, length and basis, and judged by the stay calculator (`kzcn.stays`).

A violation is about a stay: the generator draws the stay (a share of them
long), and the calculator, not the generator, says whether it broke the rules
and what its last permitted day was. Only a stay the calculator finds in
breach is reported as an `overstay`, with the calculator's figures.

A single stay's verdict depends on its basis, its length and its visa's
validity only, not on the day it began; so `judged()` asks the calculator
once for every stay the generator can draw, and a column of stays is judged
by looking its rows up. The people who recur (`_recurring`) have histories of
several stays: those are judged person by person, whole (`judge_histories`).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date
from functools import cache

import numpy as np

from kzcn.stays import SINGLE_STAY_DAYS, Crossing, compute_stays
from kzcn.synth._columns import Flags, Ints
from kzcn.synth._stream import Draws

__all__ = [
    "GAP_DAYS",
    "LONG_SHARE",
    "VALIDITY_DAYS",
    "VISA_SHARE",
    "StayColumns",
    "draw_stays",
    "judge_histories",
    "judged",
]

#: Share of stays on a visa; the rest are visa-free (the agreement's purpose).
VISA_SHARE = 0.15
#: Days a visa allows a stay, counting the day of entry (index 0: visa-free, the
#: agreement's 30 days). Kazakhstan's and China's short-stay visas are for 30, 60 or 90 days.
VALIDITY_DAYS = np.array([SINGLE_STAY_DAYS, 30, 60, 90], dtype=np.int64)
#: Share of a history's stays drawn long: around their limit, most beyond it. The share
#: is kzcn's assumption: no report gives how many visa-free stays run over.
LONG_SHARE = 0.12
#: A long stay is its limit and from this many days less to this many more.
_LONG_BELOW, _LONG_ABOVE = 5, 45
#: Days from one stay's exit to the next entry in a history. At least 91: then the days of
#: earlier stays in any 180-day window of a stay's first 30 days are at most 60, so the
#: 90/180 rule never ends a stay before its own 30 days do, and a message that quotes one
#: stay shows the calculator's whole-history verdict on it (kzcn's choice, see the note).
GAP_DAYS = (91, 400)
_LONGEST = int(VALIDITY_DAYS.max()) + _LONG_ABOVE
_REFERENCE = date(2024, 1, 1).toordinal()


@dataclass(frozen=True, slots=True)
class StayColumns:
    """A column of stays: when, on what basis, and the calculator's verdict."""

    entered: Ints
    left: Ints  # the day of exit
    validity: Ints  # index into VALIDITY_DAYS (0: visa-free)
    limit: Ints  # the calculator's last permitted day
    breached: Flags

    @property
    def on_visa(self) -> Flags:
        """Rows whose stay is on a visa."""
        return self.validity > 0

    @property
    def visa_until(self) -> Ints:
        """The last day each row's visa allows (meaningless for visa-free rows)."""
        valid_until: Ints = self.entered + VALIDITY_DAYS[self.validity] - 1
        return valid_until

    @classmethod
    def zeros(cls, n: int) -> StayColumns:
        """`n` rows of zeros, to fill with `put`."""
        return cls(*(np.zeros(n, dtype=np.bool_ if f.name == "breached" else np.int64)
                     for f in fields(cls)))  # fmt: skip

    def put(self, rows: Ints, other: StayColumns) -> None:
        """Write `other`'s rows into these `rows` (the columns are arrays, so mutable)."""
        for f in fields(self):
            getattr(self, f.name)[rows] = getattr(other, f.name)

    def take(self, rows: Ints) -> StayColumns:
        """These rows, in this order."""
        return StayColumns(*(getattr(self, f.name)[rows] for f in fields(self)))

    def where(self, mask: Flags, other: StayColumns) -> StayColumns:
        """This column where `mask`, `other` elsewhere."""
        return StayColumns(
            *(np.where(mask, getattr(self, f.name), getattr(other, f.name)) for f in fields(self))
        )


def _crossings(entered: int, left: int, validity: int) -> list[Crossing]:
    on, off = date.fromordinal(entered), date.fromordinal(left)
    if validity == 0:
        return [Crossing("entry", on), Crossing("exit", off)]
    until = date.fromordinal(entered + int(VALIDITY_DAYS[validity]) - 1)
    return [Crossing("entry", on, "visa", until), Crossing("exit", off)]


@cache
def judged() -> tuple[Ints, Flags]:
    """The calculator's verdict on every single stay the generator draws.

    Two tables indexed [validity, length in days]: the last permitted day
    (counted from the day of entry) and whether the stay broke a rule.
    """
    shape = (len(VALIDITY_DAYS), _LONGEST + 1)
    limit, breached = np.zeros(shape, dtype=np.int64), np.zeros(shape, dtype=np.bool_)
    for validity in range(len(VALIDITY_DAYS)):
        for length in range(2, _LONGEST + 1):
            report = compute_stays(_crossings(_REFERENCE, _REFERENCE + length - 1, validity))
            limit[validity, length] = report.stays[0].last_permitted_day.toordinal() - _REFERENCE
            breached[validity, length] = report.overstayed
    return limit, breached


def draw_stays(draws: Draws, entered: Ints, long: Flags) -> StayColumns:
    """Stays from `entered`, long where `long`, judged by the calculator."""
    n = len(entered)
    validity = np.where(draws.uniform(n) < VISA_SHARE, 1 + draws.below(3, n), 0)
    most = VALIDITY_DAYS[validity]
    # At least two days: the calculator reads an entry and an exit on one day as
    # leaving and coming back, so a stay within one day would read as out of order.
    length = np.where(
        long, most + draws.between(-_LONG_BELOW, _LONG_ABOVE, n), draws.between(2, most, n)
    )
    limit, breached = judged()
    left = entered + length - 1
    return StayColumns(
        entered, left, validity, entered + limit[validity, length], breached[validity, length]
    )


def judge_histories(person: Ints, stays: StayColumns) -> StayColumns:
    """The same stays judged as each person's whole history (rows grouped by person, in order).

    Raises:
        ValueError: if a history is out of order (the generator drew it wrong).
    """
    limit, breached = stays.limit.copy(), np.zeros(len(person), dtype=np.bool_)
    starts = np.flatnonzero(np.r_[True, person[1:] != person[:-1]])
    for first, stop in zip(starts, [*starts[1:], len(person)], strict=True):
        crossings = [
            crossing
            for row in range(first, stop)
            for crossing in _crossings(
                int(stays.entered[row]), int(stays.left[row]), int(stays.validity[row])
            )
        ]
        report = compute_stays(crossings)
        if any(breach.rule == "crossing_order" for breach in report.breaches):
            raise ValueError(f"a drawn history is out of order: person {person[first]}")
        for offset, stay in enumerate(report.stays):
            limit[first + offset] = stay.last_permitted_day.toordinal()
        for breach in report.breaches:
            breached[first + breach.stay] = True
    return StayColumns(stays.entered, stays.left, stays.validity, limit, breached)
