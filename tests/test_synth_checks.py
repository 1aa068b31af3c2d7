"""The generator's fast check digits equal the reference implementations exactly."""

from __future__ import annotations

import random
from datetime import date

import numpy as np
import orjson
from hypothesis import given
from hypothesis import strategies as st

from kzcn.identifiers import icao_check_digit, iin_check_digit, resident_id_check_char
from kzcn.synth import Generator
from kzcn.synth._checks import (
    DIGITS,
    iin_numbers,
    number_sum7,
    number_sum8,
    number_sum9,
    resident_id_tails,
    rid_code_sum,
    weighted,
)
from kzcn.synth._days import FIRST, add_years, days
from kzcn.synth._stream import Draws
from kzcn.synth.people import mrz_lines

MRZ_TEXT = st.text(alphabet="0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ<", min_size=1, max_size=44)
DAYS = st.dates(date(1900, 1, 1), date(2099, 12, 31))


def _ints(values: list[int]) -> np.ndarray:
    return np.array(values, dtype=np.int64)


def _text(column: np.ndarray) -> list[str]:
    """A column of ASCII bytes as strings."""
    return [value.decode() for value in column]


@given(MRZ_TEXT)
def test_weighted_sum_gives_the_reference_check_digit(text: str) -> None:
    assert str(weighted(text) % 10) == icao_check_digit(text)


@given(MRZ_TEXT, st.integers(0, 2))
def test_weighted_sum_at_a_shift_is_the_sum_inside_a_longer_field(text: str, shift: int) -> None:
    assert weighted("<" * shift + text) == weighted(text, shift)


@given(st.lists(st.integers(0, 99_999_999), min_size=1, max_size=20), st.sampled_from("NGE"))
def test_eight_digit_numbers(values: list[int], prefix: str) -> None:
    numbers, totals = number_sum8(prefix, _ints(values))
    for value, number, total in zip(values, _text(numbers), totals, strict=True):
        assert number == prefix + str(value).zfill(8)
        assert total == weighted(number)


@given(st.lists(st.integers(0, 999_999_999), min_size=1, max_size=20))
def test_nine_digit_numbers(values: list[int]) -> None:
    numbers, totals = number_sum9(_ints(values))
    for value, number, total in zip(values, _text(numbers), totals, strict=True):
        assert number == str(value).zfill(9)
        assert total == weighted(number)


@given(st.lists(st.tuples(st.integers(0, 25), st.integers(0, 9_999_999)), min_size=1, max_size=20))
def test_letter_and_seven_digit_numbers(values: list[tuple[int, int]]) -> None:
    numbers, totals = number_sum7("E", _ints([v[0] for v in values]), _ints([v[1] for v in values]))
    for (letter, value), number, total in zip(values, _text(numbers), totals, strict=True):
        assert number == "E" + chr(65 + letter) + str(value).zfill(7)
        assert total == weighted(number)


@given(
    st.lists(
        st.tuples(DAYS, st.sampled_from([3, 4, 5, 6]), st.integers(0, 9999)),
        min_size=1,
        max_size=30,
    )
)
def test_iin_numbers_have_the_reference_check_digit_and_mrz_sums(
    cases: list[tuple[date, int, int]],
) -> None:
    d = days()
    b = _ints([day.toordinal() - FIRST for day, _, _ in cases])
    century = _ints([c for _, c, _ in cases])
    iins, mrz0, mrz1 = iin_numbers(
        d.yymmdd[b] + DIGITS[century],
        d.iin_w1[b] + 7 * century,
        d.iin_w2[b] + 9 * century,
        (d.iin_mrz0[b] + 7 * century, d.iin_mrz1[b] + 3 * century),
        _ints([s for *_, s in cases]),
    )
    for (day, c, drawn), iin, sum0, sum1 in zip(cases, _text(iins), mrz0, mrz1, strict=True):
        head = day.strftime("%y%m%d") + str(c)
        # An unusable serial (both weightings give 10) moves on to the next one.
        serial = drawn
        while iin_check_digit(head + str(serial).zfill(4)) is None:
            serial = (serial + 1) % 10_000
        expected = head + str(serial).zfill(4)
        assert iin == expected + str(iin_check_digit(expected))
        assert (sum0, sum1) == (weighted(iin, 0), weighted(iin, 1))


@given(
    st.sampled_from(["654002", "110101", "650521"]),
    st.lists(st.tuples(DAYS, st.integers(0, 999)), min_size=1, max_size=20),
)
def test_resident_id_check_character(code: str, cases: list[tuple[date, int]]) -> None:
    d = days()
    b = _ints([day.toordinal() - FIRST for day, _ in cases])
    tails = resident_id_tails(
        np.full(len(cases), rid_code_sum(code)), d.rid[b], _ints([s for _, s in cases])
    )
    for (day, sequence), ymd, tail in zip(cases, _text(d.ymd[b]), _text(tails), strict=True):
        assert ymd == day.strftime("%Y%m%d")
        body = code + ymd + str(sequence).zfill(3)
        assert tail == body[-3:] + resident_id_check_char(body)


@given(st.lists(DAYS, min_size=1, max_size=20))
def test_day_tables_give_the_mrz_field_and_its_composite_sums(dates: list[date]) -> None:
    d = days()
    b = _ints([day.toordinal() - FIRST for day in dates])
    for day, iso, field, birth, expiry in zip(
        dates, _text(d.iso[b]), _text(d.mrz_field[b]), d.mrz_birth[b], d.mrz_expiry[b], strict=True
    ):
        assert iso == day.isoformat()
        yymmdd = day.strftime("%y%m%d")
        assert field == yymmdd + icao_check_digit(yymmdd)
        assert (birth, expiry) == (weighted(field, 1), weighted(field, 2))


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


@given(st.lists(DAYS, min_size=1, max_size=20), st.sampled_from([1, 5, 10, 20]))
def test_add_years_keeps_the_calendar_day(dates: list[date], years: int) -> None:
    later = add_years(_ints([day.toordinal() for day in dates]), years)
    assert [date.fromordinal(int(o)) for o in later] == [_add_years(d, years) for d in dates]


def test_add_years_turns_29_february_into_28_february() -> None:
    leap = _ints([date(2024, 2, 29).toordinal()])
    assert date.fromordinal(int(add_years(leap, 1)[0])) == date(2025, 2, 28)
    assert date.fromordinal(int(add_years(leap, 4)[0])) == date(2028, 2, 29)


@given(st.integers(0, 2**128 - 1))
def test_draws_are_in_range_and_fixed_by_the_seed(seed: int) -> None:
    floats = Draws(seed).uniform(500)
    assert ((floats >= 0) & (floats < 1)).all()
    spans = np.arange(1, 501)
    below = Draws(seed).below(spans, 500)
    assert ((below >= 0) & (below < spans)).all()
    assert (Draws(seed).uniform(500) == floats).all()


def test_the_stream_is_pinned() -> None:
    # numpy promises PCG64's raw stream; this pins it (and our use of it) across releases.
    assert Draws(7).words(2).tolist() == [11530976094092348043, 16550673365885938325]


def _rng(seed: int | str) -> random.Random:
    return random.Random(seed)  # noqa: S311 - test data, not secrets


def test_generated_mrz_lines_equal_the_reference_mrz_writer() -> None:
    generator = Generator(_rng(99))
    checked = 0
    for line in generator.lines(3000):
        message = orjson.loads(line)
        subject = message.get("subject")
        if subject is None:
            continue
        for document in subject["documents"]:
            if document["mrz"] is not None and subject["personal_number"] is not None:
                assert document["mrz"] == mrz_lines(subject, document)
                checked += 1
    assert checked > 2000
