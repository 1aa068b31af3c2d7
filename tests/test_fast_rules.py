"""The models' rules rewritten for speed (issue 19) agree with their plain forms.

Each rule the fast accept path made cheaper is held here to the form it had
before, kept as the plain reference: the same verdicts, codes and locations
over drawn input, valid and not.
"""

from __future__ import annotations

import re
import string
from datetime import date, timedelta
from operator import mul
from typing import Any

import orjson
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from kzcn import strategies as kst
from kzcn.eras import number_eras, number_out_of_era
from kzcn.identifiers import (
    _RID_WEIGHTS,
    RESIDENT_ID_PATTERN,
    _resident_id_number_problem,
    icao_check_digit,
    iin_birth_date,
    iin_check_digit,
    iin_problems,
)
from kzcn.messages import EntryStayExitViolation, MessageAdapter
from kzcn.mrz import MrzFields, card_number, check_digit_problems, name_field, parse_mrz
from kzcn.stays import Crossing, compute_stays, out_of_order

# --- plain forms ---------------------------------------------------------------------


def _plain_check_char(first17: str) -> str:
    values = [int(char) for char in first17]
    return "10X98765432"[sum(map(mul, values, _RID_WEIGHTS)) % 11]


def _plain_check_digit_problems(fields: MrzFields) -> list[Any]:
    def ok(text: str, check: str) -> bool:
        return check == icao_check_digit(text) or (check == "<" and set(text) <= {"<"})

    found = [
        ((line,), "mrz.check_digit") for line, text, check in fields.checks if not ok(text, check)
    ]
    line, text, check = fields.composite
    if check != icao_check_digit(text):
        found.append(((line,), "mrz.check_digit"))
    return sorted(set(found)) if found else found


def _plain_fields(lines: tuple[str, ...]) -> dict[str, Any]:
    """The fields of each layout by name, as `parse_mrz` gave them with keywords."""
    if len(lines) == 3:  # TD1
        one, two, three = lines
        number, check, optional = card_number(one[5:14], one[14], one[15:30])
        return {
            "layout": "TD1",
            "document_code": one[0:2],
            "issuing_state": one[2:5],
            "number": number,
            "nationality": two[15:18],
            "birth": two[0:6],
            "sex": two[7],
            "expiry": two[8:14],
            "optional": optional,
            "names": three,
            "lines": lines,
            "checks": ((0, number, check), (1, two[0:6], two[6]), (1, two[8:14], two[14])),
            "composite": (1, one[5:30] + two[0:7] + two[8:15] + two[18:29], two[29]),
            "name_line": 2,
            "number_line": 0,
            "birth_line": 1,
        }
    one, two = lines
    if len(one) == 36:  # TD2
        number, check, optional = card_number(two[0:9], two[9], two[28:35])
        return {
            "layout": "TD2",
            "document_code": one[0:2],
            "issuing_state": one[2:5],
            "number": number,
            "nationality": two[10:13],
            "birth": two[13:19],
            "sex": two[20],
            "expiry": two[21:27],
            "optional": optional,
            "names": one[5:36],
            "lines": lines,
            "checks": ((1, number, check), (1, two[13:19], two[19]), (1, two[21:27], two[27])),
            "composite": (1, two[0:10] + two[13:20] + two[21:35], two[35]),
            "name_line": 0,
            "number_line": 1,
            "birth_line": 1,
        }
    return {
        "layout": "TD3",
        "document_code": one[0:2],
        "issuing_state": one[2:5],
        "number": two[0:9],
        "nationality": two[10:13],
        "birth": two[13:19],
        "sex": two[20],
        "expiry": two[21:27],
        "optional": two[28:42],
        "names": one[5:44],
        "lines": lines,
        "checks": (
            (1, two[0:9], two[9]),
            (1, two[13:19], two[19]),
            (1, two[21:27], two[27]),
            (1, two[28:42], two[42]),
        ),
        "composite": (1, two[0:10] + two[13:20] + two[21:43], two[43]),
        "name_line": 0,
        "number_line": 1,
        "birth_line": 1,
    }


def _plain_name_field(surname: str, given_names: str, width: int) -> str:
    def encode(latin: str) -> str:
        return latin.replace("'", "").replace(" ", "<").replace("-", "<")

    return (encode(surname) + "<<" + encode(given_names))[:width].ljust(width, "<")


def _plain_warnings(message: EntryStayExitViolation) -> list[Any]:
    """`EntryStayExitViolation.warnings` computing the stays whenever there is an entry."""
    if not any(c.direction == "entry" for c in message.crossings):
        return []
    report = message.stays(as_of=message.detected_on)
    found: list[Any] = []
    if message.violation == "overstay" and not report.overstayed:
        found.append((("violation",), "stay.overstay_not_shown"))
    last = report.stays[-1] if report.stays else None
    if (
        last is not None
        and last.basis == "visa_free"
        and message.permitted_stay_until is not None
        and message.permitted_stay_until != last.last_permitted_day
    ):
        found.append((("permitted_stay_until",), "stay.permitted_until"))
    return found


# --- drawn input -----------------------------------------------------------------------


def _mrz_line(width: int) -> st.SearchStrategy[str]:
    # Mostly filler and digits, as real lines: check digits then sometimes come out right.
    alphabet = st.sampled_from("<<<<0123456789" + string.ascii_uppercase[:6])
    return st.text(alphabet, min_size=width, max_size=width)


@st.composite
def mrz_lines(draw: st.DrawFn) -> tuple[str, ...]:
    """Lines of one of the three layouts, their document code as the layout wants."""
    width, count, code = draw(st.sampled_from([(44, 2, "P"), (36, 2, "I"), (30, 3, "I")]))
    lines = [draw(_mrz_line(width)) for _ in range(count)]
    lines[0] = code + lines[0][1:]
    return tuple(lines)


def _resident_id_like() -> st.SearchStrategy[str]:
    digits = st.text(st.sampled_from(string.digits), min_size=17, max_size=17)
    return st.tuples(digits, st.sampled_from(string.digits + "X")).map("".join)


# --- tests ---------------------------------------------------------------------------


@settings(max_examples=500, deadline=None)
@given(st.one_of(st.from_regex(RESIDENT_ID_PATTERN, fullmatch=True), _resident_id_like()))
def test_the_resident_id_checksum_in_one_call_is_the_weighted_sum(number: str) -> None:
    if not re.fullmatch(RESIDENT_ID_PATTERN, number):
        expected = "resident_id.format"
    elif _plain_check_char(number[:17]) != number[17]:
        expected = "resident_id.checksum"
    else:
        expected = None
    assert _resident_id_number_problem.__wrapped__(number) == expected


@settings(max_examples=300, deadline=None)
@given(mrz_lines())
def test_parsed_fields_are_the_fields_by_name(lines: tuple[str, ...]) -> None:
    fields = parse_mrz(lines)
    assert fields is not None
    assert fields._asdict() == _plain_fields(lines)


@settings(max_examples=500, deadline=None)
@given(mrz_lines(), st.data())
def test_check_digit_problems_are_the_plain_ones(
    lines: tuple[str, ...], data: st.DataObject
) -> None:
    fields = parse_mrz(lines)
    assert fields is not None
    # Put right some check digits (or none), so that both verdicts are drawn.
    right = data.draw(
        st.lists(st.booleans(), min_size=len(fields.checks), max_size=len(fields.checks))
    )
    checks = tuple(
        (line, text, icao_check_digit(text) if fix else check)
        for (line, text, check), fix in zip(fields.checks, right, strict=True)
    )
    fields = fields._replace(checks=checks)
    assert check_digit_problems(fields) == _plain_check_digit_problems(fields)


@pytest.mark.parametrize(
    ("text", "check", "wrong"),
    [
        ("<<<<<<<<<<<<<<", "<", False),  # an empty optional field may carry `<`
        ("<<<<<<<<<<<<<<", "0", False),
        ("<<<<<<<<<<<<<<", "1", True),
        ("ABC<<<<<<<<<<<", "<", True),  # not empty: `<` is no digit
    ],
)
def test_an_empty_optional_field_may_carry_a_filler(text: str, check: str, wrong: bool) -> None:
    fields = parse_mrz(["P<KAZ" + "<" * 39, "<" * 44])
    assert fields is not None
    composite = (1, "", "0")
    fields = fields._replace(checks=((1, text, check),), composite=composite)
    assert check_digit_problems(fields) == ([((1,), "mrz.check_digit")] if wrong else [])
    assert check_digit_problems(fields) == _plain_check_digit_problems(fields)


@settings(max_examples=200, deadline=None)
@given(
    st.text(st.sampled_from("ABZ -'"), max_size=40),
    st.text(st.sampled_from("ABZ -'"), max_size=40),
    st.sampled_from([30, 31, 39]),
)
def test_the_remembered_name_field_is_the_plain_one(surname: str, given: str, width: int) -> None:
    assert name_field(surname, given, width) == _plain_name_field(surname, given, width)
    assert name_field(surname, given, width) == _plain_name_field(surname, given, width)


_DAY = date(2024, 1, 1)


@st.composite
def moves(draw: st.DrawFn) -> list[Crossing]:
    """Entries and exits on a few days, in any order, often on the same day."""
    count = draw(st.integers(0, 8))
    return [
        Crossing(
            draw(st.sampled_from(["entry", "exit"])),
            _DAY + timedelta(days=draw(st.integers(0, 6))),
        )
        for _ in range(count)
    ]


@settings(max_examples=1000, deadline=None)
@given(moves())
def test_out_of_order_is_the_calculators_crossing_order_breach(crossings: list[Crossing]) -> None:
    expected = any(b.rule == "crossing_order" for b in compute_stays(crossings).breaches)
    assert out_of_order((c.direction, c.on) for c in crossings) is expected


@pytest.mark.parametrize(
    ("directions", "broken"),
    [
        ("", False),
        ("x", False),  # an exit before any entry ends a stay the history does not hold
        ("xx", True),
        ("ee", True),
        ("ex", False),
        ("exe", False),
        ("exx", True),
        ("xex", False),
    ],
)
def test_out_of_order_by_hand(directions: str, broken: bool) -> None:
    days = [
        (("entry" if d == "e" else "exit"), _DAY + timedelta(days=i))
        for i, d in enumerate(directions)
    ]
    assert out_of_order(days) is broken  # type: ignore[arg-type]


def _valid(text: bytes) -> bool:
    try:
        MessageAdapter.validate_json(text)
    except ValueError:
        return False
    return True


@settings(max_examples=150, deadline=None)
@given(kst.messages(kind="entry_stay_exit_violation"), st.data())
def test_violation_warnings_are_the_plain_ones(
    message: dict[str, Any], data: st.DataObject
) -> None:
    # Both ways round: an overstay or not, a permitted day or not.
    message["violation"] = data.draw(st.sampled_from(["overstay", "other", "illegal_exit"]))
    if data.draw(st.booleans()):
        message["permitted_stay_until"] = None
    text = orjson.dumps(message)
    assume(_valid(text))
    model = MessageAdapter.validate_json(text)
    assert isinstance(model, EntryStayExitViolation)
    assert model.warnings() == _plain_warnings(model)


def _plain_iin_problems(iin: str, born: date, sex: str) -> list[str]:
    if not re.fullmatch(r"[0-9]{12}", iin) or iin[6] not in "123456":
        return ["iin.format"]
    found = []
    if iin_check_digit(iin[:11]) != int(iin[11]):
        found.append("iin.checksum")
    if iin_birth_date(iin) != born:
        found.append("iin.birth_date_mismatch")
    if (int(iin[6]) % 2 == 1) != (sex == "M"):
        found.append("iin.sex_mismatch")
    return found


@st.composite
def iins_and_births(draw: st.DrawFn) -> tuple[str, date]:
    """An IIN and a date of birth: often the one it encodes, or a century or a day off."""
    born = draw(st.dates(date(1800, 1, 1), date(2099, 12, 31)))
    century = {18: "12", 19: "34", 20: "56"}[born.year // 100]
    digit = draw(st.sampled_from(century + "0789"))
    text = (
        born.strftime("%Y%m%d")[2:] + digit + draw(st.text(string.digits, min_size=5, max_size=5))
    )
    text = draw(st.one_of(st.just(text), st.text(string.digits, min_size=12, max_size=12)))
    shift = draw(st.sampled_from([0, 0, 0, 1, -1, 36524, 36525]))
    return text, born + timedelta(days=shift)


@settings(max_examples=1000, deadline=None)
@given(iins_and_births(), st.sampled_from("FM"))
def test_iin_problems_are_the_plain_ones(case: tuple[str, date], sex: str) -> None:
    iin, born = case
    assert iin_problems(iin, born, sex) == _plain_iin_problems(iin, born, sex)


def _plain_number_out_of_era(state: str, kind: str, number: str, issued: date) -> bool:
    dated = [e for e in number_eras() if (e.state, e.document_type) == (state, kind)]
    eras = [e for e in dated if e.pattern.fullmatch(number)]
    return bool(eras) and not any(e.covers(issued) for e in eras)


def _era_days() -> st.SearchStrategy[date]:
    """Days on, just before and just after each era's start and end."""
    bounds = [
        date.fromordinal(day)
        for era in number_eras()
        for day in (era.start, era.end)
        if 0 < day <= date.max.toordinal()
    ]
    near = st.tuples(st.sampled_from(bounds), st.integers(-2, 2)).map(
        lambda pair: pair[0] + timedelta(days=pair[1])
    )
    return st.one_of(near, st.dates(date(1990, 1, 1), date(2030, 1, 1)))


@settings(max_examples=500, deadline=None)
@given(
    st.sampled_from(
        sorted({(e.state, e.document_type) for e in number_eras()} | {("KAZ", "passport")})
    ),
    st.one_of(
        st.sampled_from(["G12345678", "E12345678", "EA1234567", "EI1234567", "N12345678", "X"]),
        st.from_regex(r"[EG][A-Z0-9][0-9]{7}", fullmatch=True),
    ),
    _era_days(),
)
def test_number_out_of_era_is_the_plain_one(
    key: tuple[str, str], number: str, issued: date
) -> None:
    state, kind = key
    assert number_out_of_era(state, kind, number, issued) is _plain_number_out_of_era(
        state, kind, number, issued
    )
