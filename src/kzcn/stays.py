"""Stays under the visa-exemption agreement, computed from entries and exits.

The rules (visa-exemption agreement, in force 10 November 2023, as the Chinese
foreign ministry states them): a single visa-free stay lasts at most 30 days
from the day of entry, and visa-free stays add up to at most 90 days in every
180. Days are counted as the EU's Entry/Exit System counts them (Reg. (EU)
2017/2226 Art. 11; Schengen Borders Code Art. 6): the day of entry and the day
of exit are both days of stay, and the 90/180 rule looks back over the 180-day
window that ends on each day of stay. A day on which a person leaves and
comes back counts once.

A stay on a visa is bound by the visa's validity only; its days do not count
towards the visa-free 90 (the agreement's limits are for visa-free stays).

`compute_stays` is the calculator. It works on intervals (one per stay), so a
history of decades costs no more than its number of crossings; the test suite
checks it against a naive day-by-day count.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = [
    "SINGLE_STAY_DAYS",
    "WINDOW_DAYS",
    "WINDOW_LIMIT",
    "Breach",
    "Crossing",
    "Stay",
    "StayReport",
    "compute_stays",
    "out_of_order",
]

#: A single visa-free stay: at most 30 days, the day of entry included.
SINGLE_STAY_DAYS = 30
#: The look-back window of the cumulative rule, ending on the day counted.
WINDOW_DAYS = 180
#: Visa-free days allowed in any window.
WINDOW_LIMIT = 90

Direction = Literal["entry", "exit"]
StayBasis = Literal["visa_free", "visa"]
#: Which rule a breach breaks.
Rule = Literal["single_stay", "cumulative", "visa_validity", "crossing_order"]


@dataclass(frozen=True, slots=True)
class Crossing:
    """One entry or exit, with the basis of the stay an entry opens."""

    direction: Direction
    on: date
    basis: StayBasis = "visa_free"
    #: Last day a visa allows a stay; only for an entry on a visa.
    visa_valid_until: date | None = None


@dataclass(frozen=True, slots=True)
class Stay:
    """One stay: from an entry to the exit that closes it, or open."""

    entered_on: date
    #: The day of exit, or None when the stay is still open at `StayReport.as_of`.
    exited_on: date | None
    basis: StayBasis
    #: Days of stay, both ends counted (an open stay counts up to `as_of`).
    days: int
    #: The last day this stay was permitted to last (the day before entry when even
    #: the day of entry broke the 90/180 rule).
    last_permitted_day: date
    #: The most visa-free days counted in any 180-day window ending on a day of this stay
    #: (a stay on a visa adds none of its own).
    most_days_used: int


@dataclass(frozen=True, slots=True)
class Breach:
    """A rule broken: which, from which day, in which stay (index into `stays`)."""

    rule: Rule
    on: date
    stay: int


@dataclass(frozen=True, slots=True)
class StayReport:
    """Every stay of a history, what it used and what it broke."""

    stays: tuple[Stay, ...]
    breaches: tuple[Breach, ...]
    #: The day the report is made: open stays count up to here.
    as_of: date
    #: Visa-free days used in the 180-day window that ends on `as_of`.
    days_used: int

    @property
    def overstayed(self) -> bool:
        """Whether any stay went beyond its permitted days."""
        return any(b.rule != "crossing_order" for b in self.breaches)


class _Days:
    """Visa-free days already counted, as sorted disjoint intervals, with prefix sums."""

    def __init__(self) -> None:
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.before: list[int] = [0]  # days in the intervals before index i

    def add(self, start: int, end: int) -> None:
        """Add days start..end (ordinals), which begin on or after the last interval's end."""
        if self.ends and start <= self.ends[-1]:
            start = self.ends[-1] + 1  # a day of exit and re-entry counts once
            if start > end:
                return
        self.starts.append(start)
        self.ends.append(end)
        self.before.append(self.before[-1] + end - start + 1)

    def count(self, first: int, last: int) -> int:
        """Days counted in first..last."""
        # Intervals wholly before `first` drop out; the one straddling it is cut.
        upto = bisect_right(self.starts, last)
        total = self.before[upto]
        lo = bisect_right(self.ends, first - 1)
        total -= self.before[lo]
        if lo < upto and self.starts[lo] < first:
            total -= first - self.starts[lo]
        if upto > 0 and self.ends[upto - 1] > last:
            total -= self.ends[upto - 1] - last
        return total


def _visa_free_limit(entry: int, counted: _Days) -> tuple[int, Rule]:
    """The last permitted day of a visa-free stay entered on `entry` (ordinal).

    Walks the at most 30 days of the stay: each day is permitted while the
    window ending on it holds at most 90 days. Returns the last permitted day
    and the rule that ends the stay there.
    """

    def over(offset: int) -> bool:
        # Days before this stay still in the window ending on its day `offset`, and its own
        # days so far. Non-decreasing in `offset`: a step drops at most one earlier day
        # from the window and adds one of its own. So the first day over is found by halving.
        day = entry + offset
        return counted.count(day - WINDOW_DAYS + 1, entry - 1) + offset + 1 > WINDOW_LIMIT

    last = SINGLE_STAY_DAYS - 1
    if not over(last):  # most stays: no day of the 30 is over, one look says so
        return entry + last, "single_stay"
    return entry + bisect_left(range(last), x=True, key=over) - 1, "cumulative"


def _most_used(entry: int, last: int, counted: _Days) -> int:
    """The most visa-free days in a window ending on any day entry..last (days counted).

    From one day to the next the window gains the new day and loses the one 180
    days back. After its first day, a stay's days are all counted (visa-free) or
    none are (on a visa), so the count only rises, or only falls, over the stay:
    its most is on the first or the last day.
    """
    return max(
        counted.count(entry - WINDOW_DAYS + 1, entry), counted.count(last - WINDOW_DAYS + 1, last)
    )


def _order(crossings: Iterable[Crossing]) -> list[tuple[int, Crossing]]:
    # Sorted by day; on one day an exit comes before an entry (leave, then come back),
    # and otherwise the given order is kept.
    indexed = list(enumerate(crossings))
    indexed.sort(key=lambda pair: (pair[1].on, pair[1].direction == "entry", pair[0]))
    return indexed


def out_of_order(moves: Iterable[tuple[Direction, date]]) -> bool:
    """Whether `compute_stays` finds a `crossing_order` breach in these (direction, day) moves.

    Only the order, not the stays: a valid message's crossings are checked for
    it, and its stays (their limits and days) are not needed for that. Ordered
    as `compute_stays` orders them: by day, an exit before an entry on a day.
    """
    in_stay = seen_exit = False
    for direction, _ in sorted(moves, key=lambda move: (move[1], move[0] == "entry")):
        if direction == "entry":
            if in_stay:  # a second entry without an exit
                return True
            in_stay = True
        elif in_stay:
            in_stay = False
            seen_exit = True
        elif seen_exit:  # a second exit without an entry (a first one ends an unknown stay)
            return True
        else:
            seen_exit = True
    return False


def compute_stays(crossings: Iterable[Crossing], as_of: date | None = None) -> StayReport:
    """Stays, days used and breaches of one person's crossings.

    `as_of` is the day the history is read (a violation's detection): an open
    stay counts up to it, and it defaults to the last crossing. Two entries
    without an exit between them, or two exits without an entry, are a
    `crossing_order` breach; the second entry is then ignored (the person is
    taken to be still in the stay the first opened). An exit before any entry
    is the end of a stay whose entry the history does not hold: it is skipped.
    """
    ordered = [crossing for _, crossing in _order(crossings)]
    if as_of is not None:  # what happened after the day of reading is not yet known
        ordered = [crossing for crossing in ordered if crossing.on <= as_of]
    end = as_of or (ordered[-1].on if ordered else date.today())  # noqa: DTZ011 - a date
    counted = _Days()
    stays: list[Stay] = []
    breaches: list[Breach] = []
    open_entry: Crossing | None = None
    seen_exit = False
    for crossing in ordered:
        if crossing.direction == "entry":
            if open_entry is not None:
                breaches.append(Breach("crossing_order", crossing.on, len(stays)))
                continue
            open_entry = crossing
        elif open_entry is not None:
            _close(open_entry, crossing.on, counted, stays, breaches, is_open=False)
            open_entry = None
        elif seen_exit or stays:
            breaches.append(Breach("crossing_order", crossing.on, max(len(stays) - 1, 0)))
        seen_exit = seen_exit or crossing.direction == "exit"
    if open_entry is not None:
        _close(open_entry, end, counted, stays, breaches, is_open=True)
    window = end.toordinal()
    return StayReport(
        stays=tuple(stays),
        breaches=tuple(sorted(breaches, key=lambda b: (b.on, b.stay))),
        as_of=end,
        days_used=counted.count(window - WINDOW_DAYS + 1, window),
    )


def _close(  # noqa: PLR0913 - the stay's parts and the lists it adds to
    entry: Crossing,
    last: date,
    counted: _Days,
    stays: list[Stay],
    breaches: list[Breach],
    *,
    is_open: bool,
) -> None:
    """Add the stay entry..last: its limit, its breach if any, and its visa-free days."""
    start, stop = entry.on.toordinal(), last.toordinal()
    rule: Rule
    if entry.basis == "visa_free":
        limit, rule = _visa_free_limit(start, counted)
        counted.add(start, stop)
    else:
        limit, rule = (entry.visa_valid_until or last).toordinal(), "visa_validity"
    most = _most_used(start, stop, counted)
    if stop > limit:
        breaches.append(Breach(rule, date.fromordinal(limit + 1), len(stays)))
    stays.append(
        Stay(
            entered_on=entry.on,
            exited_on=None if is_open else last,
            basis=entry.basis,
            days=stop - start + 1,
            last_permitted_day=date.fromordinal(limit),
            most_days_used=most,
        )
    )
