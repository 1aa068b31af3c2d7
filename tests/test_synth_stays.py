"""Stays the generator draws, and the calculator's verdict on them (`kzcn.synth._stays`)."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kzcn.stays import Crossing, compute_stays
from kzcn.synth._recurring import POOL_SIZE, _timelines
from kzcn.synth._stays import (
    GAP_DAYS,
    StayColumns,
    draw_stays,
    judge_histories,
    judged,
)
from kzcn.synth._stream import Draws
from kzcn.synth.people import POPULATION_CODE

_TRAVELLERS = [POPULATION_CODE[key] for key in ("chn_han", "kaz_kazakh", "kaz_russian")]


@pytest.mark.parametrize(
    ("validity", "length", "last_day", "breached"),
    [
        (0, 29, 29, False),  # visa-free: 30 days counting the day of entry
        (0, 30, 29, False),
        (0, 31, 29, True),
        (1, 30, 29, False),  # a visa for 30 days
        (1, 31, 29, True),
        (3, 90, 89, False),  # a visa for 90 days
        (3, 91, 89, True),
    ],
)
def test_the_table_is_the_calculators_verdict(
    validity: int, length: int, last_day: int, breached: bool
) -> None:
    limit, broke = judged()
    assert (int(limit[validity, length]), bool(broke[validity, length])) == (last_day, breached)


@given(st.integers(0, 2**64 - 1), st.integers(738_000, 740_000))
@settings(max_examples=50, deadline=None)
def test_a_drawn_stay_is_judged_as_the_calculator_judges_it(seed: int, entered: int) -> None:
    stays = draw_stays(Draws(seed), np.full(40, entered), np.arange(40) % 2 == 0)
    for row in range(40):
        on = date.fromordinal(entered)
        visa = int(stays.validity[row]) > 0
        entry = (
            Crossing("entry", on, "visa", date.fromordinal(int(stays.visa_until[row])))
            if visa
            else Crossing("entry", on)
        )
        report = compute_stays([entry, Crossing("exit", date.fromordinal(int(stays.left[row])))])
        assert stays.left[row] > stays.entered[row]  # two days at least
        assert report.stays[0].last_permitted_day.toordinal() == stays.limit[row]
        assert report.overstayed == stays.breached[row]


@pytest.mark.parametrize("seed", [0, 2023])
@pytest.mark.parametrize("population", _TRAVELLERS)
def test_a_history_judged_whole_gives_each_stay_its_own_verdict(seed: int, population: int) -> None:
    # The gap between stays keeps earlier stays from shortening a later one (GAP_DAYS):
    # so one message quoting one stay shows what the whole history shows.
    lines = _timelines(seed, population)
    stays = lines.stays
    limit, breached = judged()
    length = stays.left - stays.entered + 1
    assert np.array_equal(stays.limit - stays.entered, limit[stays.validity, length])
    assert np.array_equal(stays.breached, breached[stays.validity, length])
    # Several stays a person, in order, with the gap between them.
    assert set(np.unique(lines.person)) <= set(range(POOL_SIZE))
    same = lines.person[1:] == lines.person[:-1]
    gaps = stays.entered[1:][same] - stays.left[:-1][same]
    assert gaps.min() >= GAP_DAYS[0]
    assert np.bincount(lines.person).max() >= 4
    # A share of the stays are overstays, decided by the calculator.
    assert 0.03 < stays.breached.mean() < 0.2
    assert len(lines.breached) + len(lines.clean) == len(stays.entered)


def test_a_history_out_of_order_is_refused() -> None:
    day = date(2024, 3, 1).toordinal()
    zero = np.zeros(2, dtype=np.int64)
    # The second stay begins before the first ends.
    stays = StayColumns(
        np.array([day, day + 5]), np.array([day + 10, day + 20]), zero, zero, zero.astype(bool)
    )
    with pytest.raises(ValueError, match="out of order"):
        judge_histories(np.array([0, 0]), stays)
