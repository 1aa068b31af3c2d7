"""Every generated resident ID passes python-stdnum's `cn.ric`, its region-by-year check too.

python-stdnum keeps GB/T 2260 with the years each code was in force and checks
that a number's address code existed in its holder's year of birth. Its table
is independent of ours (ours is derived from it once, by hand, in
`data/place_codes_chn.tsv`), so this is the check a user of our synthetic data
would run.
"""

from __future__ import annotations

import pytest

from kzcn.identifiers import address_code_history, resident_id_address_code
from kzcn.synth import generate

ric = pytest.importorskip("stdnum.cn.ric")


def _resident_ids(count: int) -> list[tuple[str, str]]:
    return [
        (person["personal_number"], person["date_of_birth"])
        for message in generate(count, seed=15)
        for person in _people(message)
        if person.get("citizenship") == "CHN" and person.get("personal_number")
    ]


def _people(message: dict) -> list[dict]:  # type: ignore[type-arg]
    people = [message[key] for key in ("subject",) if isinstance(message.get(key), dict)]
    people += [item["subject"] for item in message.get("items") or [] if "subject" in item]
    return people


@pytest.mark.slow  # thousands of IDs through python-stdnum
def test_every_generated_resident_id_passes_stdnum_with_its_region_by_year() -> None:
    numbers = _resident_ids(20_000)
    assert len(numbers) > 2_000
    failed = [(n[:6], born[:4]) for n, born in numbers if not ric.is_valid(n)]
    assert failed == []


@pytest.mark.parametrize(
    ("code", "year", "expected"),
    [
        ("654024", 1968, "652424"),  # Gongliu: Ili prefecture's code before 1984
        ("654024", 1990, "654124"),  # Ili district, 1984-2000
        ("654024", 2005, "654024"),  # today's code from 2001
        ("654004", 2010, "654023"),  # Khorgos was part of Huocheng before 2014
        ("650521", 1975, "652222"),  # Barkol before 2016
        ("654002", 2001, "654002"),
    ],
)
def test_the_address_code_of_first_registration(code: str, year: int, expected: str) -> None:
    assert resident_id_address_code(code, year) == expected


def test_every_code_of_the_table_existed_in_its_years_by_stdnum() -> None:
    for spans in address_code_history().values():
        for code, start, end in spans:
            for year in {max(start, 1930), min(end, 2025)}:
                number = code + f"{year}0101" + "001"
                number += ric.calc_check_digit(number + "0")
                assert ric.is_valid(number), (code, year)
