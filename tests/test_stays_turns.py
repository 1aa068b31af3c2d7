"""The stay calculator's most-days-used search, against the day-by-day count it replaces."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from kzcn.stays import WINDOW_DAYS, _Days, _most_used


def _day_by_day(entry: int, last: int, counted: _Days) -> int:
    return max(
        (counted.count(day - WINDOW_DAYS + 1, day) for day in range(entry, last + 1)), default=0
    )


_SPANS = st.lists(st.tuples(st.integers(0, 400), st.integers(0, 120)), max_size=8)


@settings(max_examples=400, deadline=None)
@given(_SPANS, st.integers(-50, 900), st.integers(-10, 700))
def test_most_used_is_the_day_by_day_most(
    spans: list[tuple[int, int]], entry: int, length: int
) -> None:
    counted = _Days()
    day = 0
    for gap, days in spans:  # intervals in order, as the calculator adds them
        start = day + gap
        counted.add(start, start + days)
        day = start + days
    assert _most_used(entry, entry + length, counted) == _day_by_day(entry, entry + length, counted)
