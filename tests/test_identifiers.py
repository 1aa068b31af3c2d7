"""Check digits and number formats, against published samples."""

from __future__ import annotations

import ast
import inspect
from datetime import date
from itertools import cycle
from types import ModuleType

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kzcn import rules
from kzcn.eras import ABROAD, authority_eras, issuer_out_of_era, number_eras, number_out_of_era
from kzcn.identifiers import (
    document_number_pattern,
    icao_check_digit,
    iin_check_digit,
    iin_problems,
    resident_id_check_char,
    resident_id_problems,
)
from kzcn.mrz import (
    MrzInput,
    check_digit_problems,
    mrz_date,
    parse_mrz,
    td1_lines,
    td3_lines,
)


@pytest.mark.parametrize(
    ("iin", "expected"),
    [
        ("791028302728", 8),  # weights 1..11 give the digit directly
        ("061211600012", 2),  # the first sum is 10: the second weight sequence decides
    ],
)
def test_iin_check_digit_of_published_samples(iin: str, expected: int) -> None:
    assert iin_check_digit(iin[:11]) == expected


def test_iin_with_both_sums_ten_has_no_check_digit() -> None:
    # Found by search: both weighted sums are 10 mod 11; such a serial is never issued.
    unusable = next(
        first11
        for serial in range(10_000)
        if iin_check_digit(first11 := f"7910283{serial:04d}") is None
    )
    for last in "0123456789":
        assert iin_problems(unusable + last, date(1979, 10, 28), "M") == ["iin.checksum"]


@pytest.mark.parametrize(
    ("iin", "born", "sex", "codes"),
    [
        ("791028302728", date(1979, 10, 28), "M", []),
        ("791028302720", date(1979, 10, 28), "M", ["iin.checksum"]),
        ("791028302728", date(1979, 10, 29), "M", ["iin.birth_date_mismatch"]),
        ("791028302728", date(1979, 10, 28), "F", ["iin.sex_mismatch"]),
        ("79102830272", date(1979, 10, 28), "M", ["iin.format"]),
        ("791028702728", date(1979, 10, 28), "M", ["iin.format"]),  # century digit 7
        ("7910283027AB", date(1979, 10, 28), "M", ["iin.format"]),
    ],
)
def test_iin_problems(iin: str, born: date, sex: str, codes: list[str]) -> None:
    assert iin_problems(iin, born, sex) == codes


def test_resident_id_published_sample() -> None:
    assert resident_id_check_char("34052419800101001") == "X"
    assert resident_id_problems("34052419800101001X", date(1980, 1, 1), "M") == []


@pytest.mark.parametrize(
    ("number", "born", "sex", "codes"),
    [
        ("34052419800101001X", date(1980, 1, 2), "M", ["resident_id.birth_date_mismatch"]),
        ("34052419800101001X", date(1980, 1, 1), "F", ["resident_id.sex_mismatch"]),
        ("340524198001010010", date(1980, 1, 1), "M", ["resident_id.checksum"]),
        ("34052419801301001X", None, None, ["resident_id.format"]),  # month 13
        ("04052419800101001X", None, None, ["resident_id.format"]),  # area code starts with 0
        ("34052419800101001x", None, None, ["resident_id.format"]),  # lower-case x
    ],
)
def test_resident_id_problems(
    number: str, born: date | None, sex: str | None, codes: list[str]
) -> None:
    assert resident_id_problems(number, born, sex) == codes


@pytest.mark.parametrize(
    ("field", "digit"),
    [("L898902C3", "6"), ("740812", "2"), ("120415", "9"), ("ZE184226B<<<<<", "1")],
)
def test_icao_check_digits_of_the_specimen(field: str, digit: str) -> None:
    assert icao_check_digit(field) == digit


def test_icao_composite_of_the_specimen() -> None:
    line = "L898902C36UTO7408122F1204159ZE184226B<<<<<10"
    composite = line[0:10] + line[13:20] + line[21:43]
    assert icao_check_digit(composite) == line[43]


@pytest.mark.parametrize(
    ("state", "kind", "number", "ok"),
    [
        ("KAZ", "passport", "N12345678", True),
        ("KAZ", "passport", "N1234567", False),
        ("KAZ", "identity_card", "012345678", True),
        ("KAZ", "identity_card", "N12345678", False),
        ("CHN", "passport", "G12345678", True),
        ("CHN", "passport", "E12345678", True),
        ("CHN", "passport", "EA1234567", True),
        ("CHN", "passport", "EI1234567", False),
        ("CHN", "passport", "EO1234567", False),
        ("CHN", "passport", "K12345678", False),
        ("CHN", "identity_card", "34052419800101001X", True),
        ("CHN", "identity_card", "3405241980010100", False),
        ("KGZ", "passport", "AC1234567", True),
        ("KGZ", "passport", "AC12", False),
        ("KGZ", "passport", "ac1234567", False),
    ],
)
def test_document_number_formats(state: str, kind: str, number: str, ok: bool) -> None:
    assert bool(document_number_pattern(state, kind).fullmatch(number)) is ok


def _sample(expiry: date | None) -> MrzInput:
    return MrzInput(
        "P<",
        "KAZ",
        "N12345678",
        "KAZ",
        date(1985, 3, 14),
        "M",
        expiry,
        "850314300123",
        "KASYMOV",
        "NURLAN SERIK",
    )


def test_td3_written_lines_parse_back_with_every_field() -> None:
    lines = td3_lines(_sample(date(2032, 5, 19)))
    fields = parse_mrz(lines)
    assert fields is not None
    assert (fields.layout, fields.issuing_state, fields.number) == ("TD3", "KAZ", "N12345678")
    assert (fields.birth, fields.sex, fields.expiry) == ("850314", "M", "320519")
    assert fields.names.rstrip("<") == "KASYMOV<<NURLAN<SERIK"
    assert [len(line) for line in lines] == [44, 44]


def test_td1_written_lines_parse_back() -> None:
    card = MrzInput(
        "ID", "KAZ", "012345678", "KAZ", date(1990, 7, 2), "F", None, "", "KASYMOVA", "AIGUL"
    )
    fields = parse_mrz(td1_lines(card))
    assert fields is not None
    assert (fields.layout, fields.number, fields.expiry) == ("TD1", "012345678", "<<<<<<")


@pytest.mark.parametrize(
    "lines",
    [
        ["P<KAZ", "N1"],  # too short
        ["X" * 44, "X" * 44],  # a passport MRZ starts with P
        ["I" + "<" * 29] * 2,  # TD1 has three lines
        ["p<kaz" + "<" * 39, "<" * 44],  # lower case is not an MRZ character
    ],
)
def test_malformed_mrz_does_not_parse(lines: list[str]) -> None:
    assert parse_mrz(lines) is None


# ICAO's own specimens. TD3: Doc 9303-4, Appendix A (and 9303-11 App. D.1); TD2: 9303-6,
# Appendix A; TD1: 9303-5, Appendix A; the long TD1 and TD2 numbers: 9303-11, Appendix D.2
# ("D23145890734"). Each parses, every check digit and the composite agree, and the number
# reads back whole.
ICAO_SPECIMENS = [
    (
        [
            "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
            "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
        ],
        "TD3",
        "L898902C3",
    ),
    (
        ["I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<", "D231458907UTO7408122F1204159<<<<<<<6"],
        "TD2",
        "D23145890",
    ),
    (
        ["I<UTOSTEVENSON<<PETER<JOHN<<<<<<<<<<", "D23145890<UTO3407127M95071227349<<<8"],
        "TD2",
        "D23145890734",
    ),
    (
        [
            "I<UTOD231458907<<<<<<<<<<<<<<<",
            "7408122F1204159UTO<<<<<<<<<<<6",
            "ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
        ],
        "TD1",
        "D23145890",
    ),
    (
        [
            "I<UTOD23145890<7349<<<<<<<<<<<",
            "3407127M9507122UTO<<<<<<<<<<<2",
            "STEVENSON<<PETER<JOHN<<<<<<<<<",
        ],
        "TD1",
        "D23145890734",
    ),
]


@pytest.mark.parametrize(("lines", "layout", "number"), ICAO_SPECIMENS)
def test_icao_specimens_parse_with_every_check_digit_right(
    lines: list[str], layout: str, number: str
) -> None:
    fields = parse_mrz(lines)
    assert fields is not None
    assert (fields.layout, fields.number.rstrip("<")) == (layout, number)
    assert check_digit_problems(fields) == []


@pytest.mark.parametrize(("lines", "layout", "number"), ICAO_SPECIMENS)
def test_a_changed_character_anywhere_in_the_composite_is_caught(
    lines: list[str], layout: str, number: str
) -> None:
    fields = parse_mrz(lines)
    assert fields is not None
    line, text, _ = fields.composite
    # Change the last character the composite covers: in TD1 that is optional data 2,
    # which a 45-character weight table used to drop.
    last = len(lines[line]) - 2
    changed = list(lines)
    row = changed[line]
    changed[line] = row[:last] + ("1" if row[last] != "1" else "2") + row[last + 1 :]
    refields = parse_mrz(changed)
    assert refields is not None
    assert check_digit_problems(refields) != [], (layout, number, text)


def test_td1_composite_covers_optional_data_2() -> None:
    # A card with data in optional data 2 (as Belgian identity cards carry, EU PRADO):
    # the composite is over 50 characters and must count all of them.
    one = "IDBEL000000000" + icao_check_digit("000000000") + "<" * 15
    two_body = (
        "800101"
        + icao_check_digit("800101")
        + "F300101"
        + icao_check_digit("300101")
        + "BEL12345678901"
    )
    composite = one[5:30] + two_body[0:7] + two_body[8:15] + two_body[18:29]
    assert len(composite) == 50
    digit = icao_check_digit(composite)
    fields = parse_mrz([one, two_body + digit, "SPECIMEN<<SPECIMEN<<<<<<<<<<<<"])
    assert fields is not None
    assert fields.composite[1] == composite
    changed = two_body[:28] + ("2" if two_body[28] != "2" else "3")
    refields = parse_mrz([one, changed + digit, "SPECIMEN<<SPECIMEN<<<<<<<<<<<<"])
    assert refields is not None
    assert check_digit_problems(refields) == [((1,), "mrz.check_digit")]


@pytest.mark.parametrize("number", ["D23145890734", "AB1234567890123", "012345678"])
def test_td1_long_numbers_write_and_read_back(number: str) -> None:
    card = MrzInput(
        "I<",
        "UTO",
        number,
        "UTO",
        date(1934, 7, 12),
        "M",
        date(1995, 7, 12),
        "",
        "STEVENSON",
        "PETER JOHN",
    )
    lines = td1_lines(card)
    fields = parse_mrz(lines)
    assert fields is not None
    assert fields.number.rstrip("<") == number
    assert check_digit_problems(fields) == []
    if number == "D23145890734":
        assert lines[0] == "I<UTOD23145890<7349<<<<<<<<<<<"
        assert lines[1] == "3407127M9507122UTO<<<<<<<<<<<2"


@given(st.text(alphabet="0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ<", min_size=1, max_size=90))
def test_check_digit_weights_repeat_over_any_length(text: str) -> None:
    values = [0 if c == "<" else int(c, 36) for c in text]
    expected = sum(v * (7, 3, 1)[i % 3] for i, v in enumerate(values)) % 10
    assert icao_check_digit(text) == str(expected)


@pytest.mark.parametrize(
    ("number", "issued", "out_of_era"),
    [
        ("G12345678", date(2011, 3, 1), False),
        ("G12345678", date(2012, 5, 14), False),
        ("G12345678", date(2012, 5, 15), True),  # e-passports from 15 May 2012
        ("G12345678", date(2020, 1, 1), True),
        ("E12345678", date(2012, 5, 15), False),
        ("E12345678", date(2017, 4, 4), False),
        ("E12345678", date(2017, 4, 5), True),  # E + letter from 5 April 2017
        ("E12345678", date(2011, 1, 1), True),
        ("EA1234567", date(2014, 6, 1), True),
        ("EA1234567", date(2017, 4, 5), False),
        ("K12345678", date(2014, 6, 1), False),  # no era describes it: the format rule's
    ],
)
def test_chinese_passport_numbers_by_date_of_issue(
    number: str, issued: date, out_of_era: bool
) -> None:
    assert number_out_of_era("CHN", "passport", number, issued) is out_of_era


@pytest.mark.parametrize(
    ("state", "kind", "printed", "issued", "out_of_era"),
    [
        ("CHN", "passport", "National Immigration Administration, PRC", date(2018, 4, 9), True),
        ("CHN", "passport", "National Immigration Administration, PRC", date(2018, 4, 10), False),
        # Old blanks may outlive the old name: only an era's start is held against a document.
        (
            "CHN",
            "passport",
            "Exit & Entry Administration, Ministry of Public Security",
            date(2019, 1, 1),
            False,
        ),
        ("CHN", "passport", "Consulate General of the PRC in Almaty", date(2009, 1, 1), False),
        ("KAZ", "passport", "МВД РК", date(2010, 1, 1), True),
        ("KAZ", "identity_card", "МВД РК", date(2012, 1, 1), False),
        ("KAZ", "passport", "Some office", date(2010, 1, 1), False),  # not known: not judged
    ],
)
def test_issuers_by_era(
    state: str, kind: str, printed: str, issued: date, out_of_era: bool
) -> None:
    assert issuer_out_of_era(state, kind, printed, issued) is out_of_era


@pytest.mark.parametrize("module", rules._RULE_MODULES, ids=lambda m: m.__name__)
def test_rule_sources_are_the_segments_the_parser_gives(module: ModuleType) -> None:
    source = inspect.getsource(module)
    expected = {
        node.name: ast.get_source_segment(source, node)
        for node in ast.parse(source).body
        if isinstance(node, ast.ClassDef | ast.FunctionDef)
    }
    assert rules._definitions(module) == expected


# The fast forms of the MRZ arithmetic and the era look-ups, against their plain statements.
_MRZ_CHARACTERS = st.text(alphabet="0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ<a-é", max_size=60)


@given(_MRZ_CHARACTERS)
def test_icao_check_digit_is_the_weighted_sum(field: str) -> None:
    def value(ch: str) -> int:
        return int(ch) if ch.isdigit() else ord(ch) - 55 if "A" <= ch <= "Z" else 0

    total = sum(value(ch) * weight for ch, weight in zip(field, cycle((7, 3, 1)), strict=False))
    assert icao_check_digit(field) == str(total % 10)


@given(st.dates())
def test_mrz_date_is_yymmdd(day: date) -> None:
    assert mrz_date(day) == f"{day.year % 100:02d}{day.month:02d}{day.day:02d}"


def _eras_scan(state: str, kind: str, number: str, issued: date) -> bool:
    eras = [
        e
        for e in number_eras()
        if (e.state, e.document_type) == (state, kind) and e.pattern.fullmatch(number)
    ]
    return bool(eras) and not any(e.covers(issued) for e in eras)


def _issuer_scan(state: str, kind: str, printed: str, issued: date) -> bool:
    kinds = {kind, ABROAD} if kind == "passport" else {kind}
    starts = [
        e.start
        for e in authority_eras()
        if e.state == state and e.document_type in kinds and e.printed == printed
    ]
    return bool(starts) and issued.toordinal() < min(starts)


_ISSUED = [
    date(1990, 1, 1),
    date(2005, 6, 30),
    date(2012, 1, 1),
    date(2017, 3, 1),
    date(2025, 1, 1),
]


@pytest.mark.parametrize("issued", _ISSUED)
def test_era_look_ups_agree_with_a_scan_of_the_tables(issued: date) -> None:
    for era in number_eras():
        for number in ("N12345678", "123456789", "G12345678", "E12345678", "EA1234567", "X1"):
            args = (era.state, era.document_type, number, issued)
            assert number_out_of_era(*args) == _eras_scan(*args)
    for authority in authority_eras():
        for kind in ("passport", "identity_card", authority.document_type):
            args = (authority.state, kind, authority.printed, issued)
            assert issuer_out_of_era(*args) == _issuer_scan(*args)
