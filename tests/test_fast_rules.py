"""The models' rules rewritten for speed (issue 19) agree with their plain forms.

Each rule the fast accept path made cheaper is held here to the form it had
before, kept as the plain reference: the same verdicts, codes and locations
over drawn input, valid and not.
"""

from __future__ import annotations

import json
import random
import re
import string
from dataclasses import replace
from datetime import date, timedelta
from operator import mul
from pathlib import Path
from types import SimpleNamespace
from typing import Any, get_args

import msgspec
import orjson
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from conftest import EXAMPLES
from kzcn import strategies as kst
from kzcn.eras import (
    authority_eras,
    first_issue_day,
    first_issue_days,
    number_eras,
    number_out_of_era,
)
from kzcn.identifiers import (
    _RID_WEIGHTS,
    RESIDENT_ID_PATTERN,
    icao_check_digit,
    iin_birth_date,
    iin_check_digit,
    iin_fine,
    iin_problems,
    resident_id_check_char,
    resident_id_fine,
    resident_id_matches,
    resident_id_number_problem,
    resident_id_problems,
)
from kzcn.messages import (
    MESSAGE_KINDS,
    STATUS_REPLY_MONTHS,
    CitizenshipStatusReply,
    EndedBy,
    EntryStayExitViolation,
    EvidenceItem,
    FormerCitizenship,
    FormerCitizenshipStatus,
    Message,
    MessageAdapter,
    add_months,
)
from kzcn.mrz import (
    MrzFields,
    MrzInput,
    card_number,
    check_digit_problems,
    encode_name,
    holder_agrees,
    holder_names,
    mrz_date,
    name_field,
    parse_mrz,
    td1_lines,
    td3_lines,
    verified_part,
)
from kzcn.rules import model_named
from kzcn.stays import Crossing, compute_stays, out_of_order
from kzcn.synth.corruption import FAULTS, corrupt
from kzcn.synth.generator import Generator
from kzcn.validation._accept import FAST_RULE, mirror
from test_identifiers import ICAO_SPECIMENS

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
    assert resident_id_number_problem.__wrapped__(number) == expected


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
    # The holder's names the person's rule compares: the field before it is cut or padded.
    for _ in range(2):  # built, then remembered
        assert holder_names(surname, given) == encode_name(surname) + "<<" + encode_name(given)


_PRINTED = sorted({era.printed for era in authority_eras()})


@given(
    st.sampled_from(sorted({era.state for era in authority_eras()} | {"RUS"})),
    st.sampled_from(sorted({era.document_type for era in authority_eras()} | {"passport"})),
    st.one_of(st.sampled_from(_PRINTED), st.text(max_size=5)),
)
def test_the_first_issue_days_table_is_the_function(state: str, kind: str, printed: str) -> None:
    # The document's rule looks the day up in the table; any key it lacks has no day.
    expected = first_issue_day(state, kind, printed)
    assert first_issue_days().get((state, kind, printed)) == expected
    assert (expected is None) == ((state, kind, printed) not in first_issue_days())


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


# --- the accept path's yes/no rules (`_accepts`, `verified_part`, ...) -----------------


_MRZ_CHARS = string.ascii_uppercase + string.digits + "<"


def _parsed_part(lines: tuple[str, ...]) -> Any:
    """What `verified_part` must give: the parse's document fields, None on any fault."""
    fields = parse_mrz(lines)
    if fields is None or check_digit_problems(fields):
        return None
    return (fields.layout, fields.issuing_state, fields.number, fields.nationality, fields.expiry)


def _td2_lines(data: MrzInput) -> tuple[str, str]:
    """Two TD2 lines, every digit right (the writer has TD1 and TD3 only)."""
    one = (data.document_code + "<")[:2] + data.issuing_state
    one += name_field(data.surname, data.given_names, 31)
    number = _card_digits(data.number, data.optional, 7)
    birth, expiry = mrz_date(data.birth), mrz_date(data.expiry)
    two = number[:10] + data.nationality + birth + icao_check_digit(birth) + data.sex
    two += expiry + icao_check_digit(expiry) + number[10:]
    return one, two + icao_check_digit(two[0:10] + two[13:20] + two[21:35])


def _card_digits(number: str, optional: str, width: int) -> str:
    if len(number) <= 9:
        field = number.ljust(9, "<")
        return field + icao_check_digit(field) + optional[:width].ljust(width, "<")
    rest = number[9:] + icao_check_digit(number)
    return number[:9] + "<" + (rest + optional)[:width].ljust(width, "<")


@st.composite
def mrz_inputs(draw: st.DrawFn) -> MrzInput:
    """What an MRZ is written from: short and long numbers, optional data or none."""
    name = st.text(st.sampled_from("ABZ -'"), min_size=1, max_size=20)
    return MrzInput(
        document_code=draw(st.sampled_from(["P", "PO", "I", "ID", "AC", "C"])),
        issuing_state=draw(st.sampled_from(["KAZ", "CHN", "UTO"])),
        number=draw(st.text(st.sampled_from(string.digits + "EGN"), min_size=5, max_size=14)),
        nationality=draw(st.sampled_from(["KAZ", "CHN"])),
        birth=draw(st.dates(date(1920, 1, 1), date(2030, 12, 31))),
        sex=draw(st.sampled_from("FM<")),
        expiry=draw(st.none() | st.dates(date(2000, 1, 1), date(2060, 12, 31))),
        optional=draw(st.sampled_from(["", "", "123456789012", "A<1"])),
        surname=draw(name),
        given_names=draw(name),
    )


@st.composite
def written_mrz(draw: st.DrawFn) -> tuple[tuple[str, ...], MrzInput]:
    """A right MRZ of each layout, then (mostly) one or two characters changed."""
    data = draw(mrz_inputs())
    layout = draw(st.sampled_from(["TD1", "TD2", "TD3"]))
    if layout == "TD3":
        data = replace(data, document_code="P" + data.document_code[1:], optional=data.optional)
        lines = list(td3_lines(replace(data, number=data.number[:9])))
    elif layout == "TD2":
        lines = list(_td2_lines(replace(data, document_code="I" + data.document_code[1:])))
    else:
        lines = td1_lines(replace(data, document_code="I" + data.document_code[1:]))
    for _ in range(draw(st.integers(0, 2))):
        row = draw(st.integers(0, len(lines) - 1))
        at = draw(st.integers(0, len(lines[row]) - 1))
        lines[row] = lines[row][:at] + draw(st.sampled_from(_MRZ_CHARS)) + lines[row][at + 1 :]
    return tuple(lines), data


@settings(max_examples=1500, deadline=None)
@given(st.one_of(written_mrz().map(lambda pair: pair[0]), mrz_lines()))
def test_verified_part_is_the_parse_and_its_check_digits(lines: tuple[str, ...]) -> None:
    assert verified_part(lines) == _parsed_part(lines)


@pytest.mark.parametrize(
    "lines", [tuple(lines) for lines, _, _ in ICAO_SPECIMENS], ids=[n for _, _, n in ICAO_SPECIMENS]
)
def test_verified_part_of_the_specimens(lines: tuple[str, ...]) -> None:
    # ICAO's specimens (long numbers too), then each with one digit off.
    assert verified_part(lines) is not None
    assert verified_part(lines) == _parsed_part(lines)
    for row, line in enumerate(lines):
        for at, char in enumerate(line):
            if char.isdigit():
                changed = list(lines)
                changed[row] = line[:at] + str((int(char) + 1) % 10) + line[at + 1 :]
                assert verified_part(tuple(changed)) == _parsed_part(tuple(changed))


def _plain_agrees(lines: tuple[str, ...], born: date, sex: str, surname: str, given: str) -> bool:
    fields = parse_mrz(lines)
    return fields is None or (
        fields.birth == mrz_date(born)
        and fields.sex == sex
        and fields.names == name_field(surname, given, len(fields.names))
    )


@settings(max_examples=500, deadline=None)
@given(written_mrz(), st.data())
def test_holder_agrees_is_the_parse_compared(
    case: tuple[tuple[str, ...], MrzInput], data: st.DataObject
) -> None:
    lines, written = case
    # The holder the MRZ was written for, or one differing in a field.
    born = written.birth + timedelta(days=data.draw(st.sampled_from([0, 0, 1, -366])))
    sex = data.draw(st.sampled_from([written.sex, "F", "M"]))
    surname = data.draw(st.sampled_from([written.surname, written.surname + "A", "Z"]))
    names = encode_name(surname) + "<<" + encode_name(written.given_names)
    assert holder_agrees(lines, mrz_date(born), sex, names) is _plain_agrees(
        lines, born, sex, surname, written.given_names
    )


@settings(max_examples=1000, deadline=None)
@given(iins_and_births(), st.sampled_from("FM"), st.booleans())
def test_iin_fine_is_no_iin_problem(case: tuple[str, date], sex: str, fix: bool) -> None:
    iin, born = case
    if fix and (digit := iin_check_digit(iin[:11])) is not None:  # a right check digit
        iin = iin[:11] + str(digit)
    assert iin_fine(iin, born, sex) is (not iin_problems(iin, born, sex))


@settings(max_examples=1000, deadline=None)
@given(
    st.one_of(st.from_regex(RESIDENT_ID_PATTERN, fullmatch=True), _resident_id_like()),
    st.dates(date(1800, 1, 1), date(2099, 12, 31)),
    st.sampled_from("FM"),
    st.booleans(),
)
def test_resident_id_fine_is_no_resident_id_problem(
    number: str, born: date, sex: str, own_birth: bool
) -> None:
    if own_birth:  # the number's own date, as a valid record has it
        number = number[:6] + born.strftime("%Y%m%d") + number[14:]
    assert resident_id_fine(number, born, sex) is (not resident_id_problems(number, born, sex))


# The structs the accept path decodes, without their rules: each model's fast rule is then
# held to the model's own validators over the same struct.
_UNCHECKED = msgspec.json.Decoder(mirror(Message, rules=False))


def _structs(node: Any) -> Any:
    """Every struct of a decoded message, depth first, innermost first."""
    if isinstance(node, tuple):
        for item in node:
            yield from _structs(item)
    elif isinstance(node, msgspec.Struct):
        for field in node.__struct_fields__:
            yield from _structs(getattr(node, field))
        yield node


def _plain_accepts(struct: Any) -> bool:
    model = model_named(type(struct).__name__)
    assert model is not None
    try:
        for validator in model.__pydantic_decorators__.model_validators.values():
            validator.func(struct)
    except ValueError:  # a rule's error (pydantic's errors are ValueErrors)
        return False
    return True


def _fast_rules_agree(text: bytes) -> int:
    """Each fast rule of a decoded message says what its model's validators say; how many ran."""
    try:
        message = _UNCHECKED.decode(text)
    except msgspec.ValidationError:  # refused by the decoder: no rule runs
        return 0
    compared = 0
    for struct in _structs(message):
        if FAST_RULE not in dir(struct):
            continue
        if type(struct).__name__ == "PersonRecord" and not all(
            _plain_accepts(document) for document in struct.documents
        ):
            continue  # a person's rule runs only over accepted documents
        assert getattr(struct, FAST_RULE)() is _plain_accepts(struct), (type(struct), text[:300])
        compared += 1
    return compared


_DAY_TEXT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _leaves(node: Any, path: tuple[Any, ...] = ()) -> Any:
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _leaves(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _leaves(value, (*path, index))
    elif isinstance(node, str | int) and path and path[-1] != "kind":
        yield path, node


def _changed(value: Any, pick: random.Random) -> Any:
    """A value like `value`, a little off: a day moved, a character changed, a number moved."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + pick.choice([-1, 1])
    if _DAY_TEXT.fullmatch(value):
        day = date.fromisoformat(value) + timedelta(days=pick.choice([-1, 1, -366, 3650]))
        return day.isoformat()
    if not value:
        return "A"
    at = pick.randrange(len(value))
    return value[:at] + pick.choice(_MRZ_CHARS + "FM") + value[at + 1 :]


def _mutated(message: dict[str, Any], pick: random.Random) -> dict[str, Any]:
    message = orjson.loads(orjson.dumps(message))
    leaves = list(_leaves(message))
    for _ in range(pick.choice([1, 1, 2])):
        path, value = pick.choice(leaves)
        node = message
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = _changed(value, pick)
    return message


@pytest.mark.parametrize("kind", MESSAGE_KINDS)
def test_fast_rules_agree_on_generated_and_mutated_messages(kind: str) -> None:
    generator = Generator(random.Random(11))  # noqa: S311 - test data
    pick = random.Random(kind)  # noqa: S311 - test data
    compared = 0
    for _ in range(40):
        message = generator.message(kind)
        compared += _fast_rules_agree(orjson.dumps(message))
        for _ in range(12):
            compared += _fast_rules_agree(orjson.dumps(_mutated(message, pick)))
    assert compared > 40


def _with_mrz_changed(message: dict[str, Any]) -> Any:
    """The message with one character of an MRZ changed, for each character of each MRZ."""
    text = orjson.dumps(message)
    for document in [d for s in _subjects(message) for d in s["documents"] if d.get("mrz")]:
        lines = document["mrz"]
        for row, line in enumerate(lines):
            for at, char in enumerate(line):
                other = _MRZ_CHARS[(_MRZ_CHARS.index(char) + 1) % len(_MRZ_CHARS)]
                changed = [*lines[:row], line[:at] + other + line[at + 1 :], *lines[row + 1 :]]
                yield text.replace(orjson.dumps(lines), orjson.dumps(changed), 1)


def _subjects(message: dict[str, Any]) -> list[dict[str, Any]]:
    items = message.get("items", [])
    return [m["subject"] for m in [message, *items] if "subject" in m]


@pytest.mark.parametrize("kind", ["citizenship_acquisition", "prior_change_list"])
def test_fast_rules_agree_with_any_mrz_character_changed(kind: str) -> None:
    # Characters outside every check digit (a state, a nationality, the names, the sex)
    # leave the digits right: only the document's and the holder's rules can refuse them.
    generator = Generator(random.Random(17))  # noqa: S311 - test data
    compared = 0
    for _ in range(6):
        for text in _with_mrz_changed(generator.message(kind)):
            compared += _fast_rules_agree(text)
    assert compared > 1000


@settings(max_examples=200, deadline=None)
@given(kst.messages(), st.randoms(use_true_random=False))
def test_fast_rules_agree_on_drawn_mutations(message: dict[str, Any], pick: random.Random) -> None:
    _fast_rules_agree(orjson.dumps(message))
    _fast_rules_agree(orjson.dumps(_mutated(message, pick)))


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_fast_rules_agree_on_every_corruption_fault(fault: str) -> None:
    generator = Generator(random.Random(13))  # noqa: S311 - test data
    for seed in range(60):
        try:
            broken = corrupt(generator.message(), random.Random(seed), [fault])  # noqa: S311
        except ValueError:  # the fault does not fit this message
            continue
        _fast_rules_agree(orjson.dumps(broken.message))


@pytest.mark.parametrize(
    "path",
    sorted(p for p in EXAMPLES.glob("*/*.json") if not p.name.endswith(".expected.json")),
    ids=lambda p: f"{p.parent.name}/{p.stem}",
)
def test_fast_rules_agree_on_every_example(path: Path) -> None:
    _fast_rules_agree(orjson.dumps(json.loads(path.read_text("utf-8"))))


@settings(max_examples=1000, deadline=None)
@given(st.dates(date(1999, 1, 1), date(2100, 12, 31)), st.integers(-5, 70))
def test_a_status_reply_is_late_as_the_plain_sum_says(received: date, days: int) -> None:
    # Replies within 59 days skip the sum of months (two months hold at least 59 days).
    reply = SimpleNamespace(list_received_on=received, sent_on=received + timedelta(days=days))
    late = reply.sent_on > add_months(received, STATUS_REPLY_MONTHS)
    expected = [(("sent_on",), "deadline.status_reply")] if late else []
    assert CitizenshipStatusReply.warnings(reply) == expected  # type: ignore[arg-type]


@settings(max_examples=500, deadline=None)
@given(
    st.from_regex(RESIDENT_ID_PATTERN, fullmatch=True),
    st.dates(date(1800, 1, 1), date(2099, 12, 31)),
    st.sampled_from("FM"),
    st.booleans(),
)
def test_resident_id_matches_is_no_mismatch(
    number: str, born: date, sex: str, own_birth: bool
) -> None:
    if own_birth:
        number = number[:6] + born.strftime("%Y%m%d") + number[14:]
    mismatches = [c for c in resident_id_problems(number, born, sex) if c.endswith("_mismatch")]
    assert resident_id_matches(number, born, sex) is (not mismatches)


_SENT = date(2025, 6, 1)


@pytest.mark.parametrize("status", get_args(FormerCitizenshipStatus))
@pytest.mark.parametrize("ended_by", [None, *get_args(EndedBy)])
@pytest.mark.parametrize("ended_on", [None, _SENT, _SENT + timedelta(days=1)])
@pytest.mark.parametrize(
    "evidence",
    [
        (),
        (("renunciation_application", _SENT),),
        (("passport_cancelled", _SENT), ("termination_certificate_kaz", _SENT)),
        (("renunciation_certificate_chn", _SENT + timedelta(days=1)),),
        (("hukou_cancellation", _SENT + timedelta(days=1)),),
    ],
)
def test_a_former_citizenship_is_fine_as_its_plain_rules_say(
    status: FormerCitizenshipStatus,
    ended_by: EndedBy | None,
    ended_on: date | None,
    evidence: tuple[Any, ...],
) -> None:
    former = FormerCitizenship.model_construct(
        state="KAZ",
        status=status,
        ended_by=ended_by,
        ended_on=ended_on,
        evidence=tuple(
            EvidenceItem.model_construct(type=kind, date=day, number=None, issuer=None)
            for kind, day in evidence
        ),
    )
    plain = former.problems() + former.dates_after(_SENT)
    assert former.fine_until(_SENT) is (not plain)


@pytest.mark.parametrize(
    "lines",
    [
        (),
        ("P<" + "<" * 42,),
        ("I<" + "<" * 28,) * 4,
        ("I<" + "<" * 28,) * 2,
        ("P<" + "<" * 42,) * 3,
    ],
    ids=["none", "one line", "four lines", "TD1 short a line", "TD3 a line more"],
)
def test_lines_of_no_layout_are_read_as_parse_mrz_reads_them(lines: tuple[str, ...]) -> None:
    assert parse_mrz(lines) is None
    assert verified_part(lines) is None
    assert holder_agrees(lines, "000000", "F", "")  # no fields: nothing disagrees


def _violation_edits() -> list[tuple[str, Any]]:
    """Edits of a violation that its kind's rules judge, each alone (`_kind_accepts`)."""
    return [
        ("measures", ["fine", "fine"]),
        ("measures", ["entry_ban"]),
        ("entry_ban_until", "2031-01-01"),
        ("violation", "overstay"),
        ("permitted_stay_until", None),
        ("detected_on", "2099-01-01"),
        ("occurred_on", "2099-01-01"),
        ("crossings", "no number"),
        ("crossings", "late"),
        ("crossings", "two entries"),
        ("crossings", []),
    ]


def _edited(message: dict[str, Any], field: str, value: Any) -> dict[str, Any]:
    message = orjson.loads(orjson.dumps(message))
    crossings = message.get("crossings") or []
    if field == "crossings" and isinstance(value, str) and crossings:
        first = crossings[0]
        if value == "no number":
            first["document_number"] = "X" + first["document_number"]
        elif value == "late":
            first["crossed_on"] = "2099-01-01"
        else:
            crossings.append({**first})
        return message
    message[field] = value
    return message


@pytest.mark.parametrize(("field", "value"), _violation_edits(), ids=repr)
def test_a_violations_fast_rule_agrees_on_each_of_its_rules(field: str, value: Any) -> None:
    generator = Generator(random.Random(19))  # noqa: S311 - test data
    compared = 0
    for _ in range(30):
        message = generator.message("entry_stay_exit_violation")
        compared += _fast_rules_agree(orjson.dumps(_edited(message, field, value)))
    assert compared > 30


@pytest.mark.parametrize("which", ["personal_number", "card", "both"])
def test_a_chinese_card_of_the_personal_number_is_matched_once_and_rightly(which: str) -> None:
    # The person's rule matches a Chinese citizen's card only when its number is not the
    # personal number (matched already). A number of the other sex, its own check right:
    # refused wherever it stands, and taken where it stands for both.
    generator = Generator(random.Random(23))  # noqa: S311 - test data
    compared = 0
    for _ in range(200):
        message = generator.message("citizenship_acquisition")
        subject = message["subject"]
        cards = [d for d in subject["documents"] if d["document_type"] == "identity_card"]
        number = subject["personal_number"]
        if subject["citizenship"] != "CHN" or not cards or cards[0]["number"] != number:
            continue
        serial = f"{(int(number[14:17]) + 1) % 1000:03d}"
        other = number[:14] + serial
        other += resident_id_check_char(other)
        if which in {"personal_number", "both"}:
            subject["personal_number"] = other
        if which in {"card", "both"}:
            cards[0]["number"] = other
        if which == "both":
            subject["sex"] = "F" if subject["sex"] == "M" else "M"
        compared += _fast_rules_agree(orjson.dumps(message))
    assert compared > 20
