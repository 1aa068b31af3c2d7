"""The generator's fast check digits equal the reference implementations exactly."""

from __future__ import annotations

import random
from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from kzcn.identifiers import icao_check_digit, iin_check_digit, resident_id_check_char
from kzcn.synth import Generator
from kzcn.synth._checks import (
    icao_check,
    iin_from,
    iin_head,
    number_sum7,
    number_sum8,
    number_sum9,
    resident_id_check,
    weighted,
)
from kzcn.synth.people import mrz_lines

MRZ_TEXT = st.text(alphabet="0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ<", min_size=1, max_size=44)


@given(MRZ_TEXT)
def test_icao_check_equals_reference(text: str) -> None:
    assert icao_check(text) == icao_check_digit(text)


@given(MRZ_TEXT, st.integers(0, 2))
def test_weighted_sum_at_a_shift_is_the_sum_inside_a_longer_field(text: str, shift: int) -> None:
    assert weighted("<" * shift + text) == weighted(text, shift)


@given(st.integers(0, 99_999_999), st.sampled_from("NGE"))
def test_eight_digit_numbers(value: int, prefix: str) -> None:
    number, total = number_sum8(prefix, value)
    assert len(number) == 9
    assert total == weighted(number)


@given(st.integers(0, 999_999_999))
def test_nine_digit_numbers(value: int) -> None:
    number, total = number_sum9(value)
    assert number == str(value).zfill(9)
    assert total == weighted(number)


@given(st.integers(0, 9_999_999), st.sampled_from(["EA", "EZ", "EH"]))
def test_letter_and_seven_digit_numbers(value: int, prefix: str) -> None:
    number, total = number_sum7(prefix, value)
    assert number == prefix + str(value).zfill(7)
    assert total == weighted(number)


@given(st.dates(date(1900, 1, 1), date(2099, 12, 31)), st.sampled_from("123456"),
       st.integers(0, 9999))
def test_iin_check_digit_and_mrz_sums(day: date, century: str, serial: int) -> None:
    head = day.strftime("%y%m%d") + century
    found = iin_from(iin_head(head), serial)
    expected = iin_check_digit(head + str(serial).zfill(4))
    if expected is None:
        assert found is None
        return
    assert found is not None
    iin, mrz0, mrz1 = found
    assert iin == head + str(serial).zfill(4) + str(expected)
    assert (mrz0, mrz1) == (weighted(iin, 0), weighted(iin, 1))


@given(st.sampled_from(["654002", "110101", "650521"]),
       st.dates(date(1900, 1, 1), date(2099, 12, 31)), st.integers(0, 999))
def test_resident_id_check_character(code: str, day: date, sequence: int) -> None:
    ymd = day.strftime("%Y%m%d")
    expected = resident_id_check_char(code + ymd + str(sequence).zfill(3))
    assert resident_id_check(code, ymd, sequence) == expected


def _rng(seed: int | str) -> random.Random:
    return random.Random(seed)  # noqa: S311 - test data, not secrets


def test_generated_mrz_lines_equal_the_reference_mrz_writer() -> None:
    generator = Generator(_rng(99))
    checked = 0
    for _ in range(3000):
        message = generator.message()
        subject = message.get("subject")
        if subject is None:
            continue
        for document in subject["documents"]:
            if document["mrz"] is not None and subject["personal_number"] is not None:
                assert document["mrz"] == mrz_lines(subject, document)
                checked += 1
    assert checked > 2000
