"""ICAO 9303 machine-readable zones: layout, check digits and agreement with the record.

Three layouts are read: TD3 (passport books, 2 lines of 44), TD2 (cards,
2 lines of 36) and TD1 (cards, 3 lines of 30). Problems are returned as
`(location, code)` pairs where the location is relative to the document's
`mrz` list (a line index).

A card's document number longer than 9 characters follows ICAO 9303-5
(4.2.2, note j) and 9303-6: the first 9 characters fill the number field, its
check-digit position holds `<`, and the rest of the number, then its check
digit, open the optional data. The reference vectors are ICAO's own specimens
(9303-4, -5, -6 and 9303-11 App. D.2), in tests/test_identifiers.py.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import NamedTuple

from kzcn.errors import RuleBreach
from kzcn.identifiers import icao_check_digit, mrz_values, yymmdd

__all__ = [
    "MrzFields",
    "card_number",
    "encode_name",
    "holder_agrees",
    "holder_names",
    "parse_mrz",
    "td1_lines",
    "td3_lines",
    "verified_part",
]

_LINE_RE = re.compile(r"[A-Z0-9<]+")


class MrzFields(NamedTuple):
    """The fields of an MRZ, each with the line it sits on (for error locations).

    A named tuple, not a frozen dataclass: built for every document with an
    MRZ, and a frozen dataclass's `__init__` (one `object.__setattr__` per
    field) cost half of the parse.
    """

    layout: str
    document_code: str
    issuing_state: str
    number: str
    nationality: str
    birth: str
    sex: str
    expiry: str
    optional: str
    names: str
    lines: tuple[str, ...]
    checks: tuple[tuple[int, str, str], ...]  # (line, field text, check character)
    composite: tuple[int, str, str]
    name_line: int
    number_line: int
    birth_line: int


#: A named tuple made from a tuple of its fields without a call of its Python `__new__`.
_new_fields = tuple.__new__


def _td3(lines: tuple[str, ...]) -> MrzFields:
    one, two = lines
    number, birth, expiry, optional = two[0:9], two[13:19], two[21:27], two[28:42]
    # Positional, in the order of `MrzFields`, and straight into the tuple: keywords and
    # the named tuple's own `__new__` (a Python call) cost about a microsecond a parse.
    return _new_fields(
        MrzFields,
        (
            "TD3",  # layout
            one[0:2],  # document_code
            one[2:5],  # issuing_state
            number,
            two[10:13],  # nationality
            birth,
            two[20],  # sex
            expiry,
            optional,
            one[5:44],  # names
            lines,
            (
                (1, number, two[9]),
                (1, birth, two[19]),
                (1, expiry, two[27]),
                (1, optional, two[42]),
            ),
            (1, two[0:10] + two[13:20] + two[21:43], two[43]),  # composite
            0,  # name_line
            1,  # number_line
            1,  # birth_line
        ),
    )


def card_number(field: str, check: str, optional: str) -> tuple[str, str, str]:
    """A card's number, its check digit and the optional data left after it.

    A full 9-character field followed by `<` and optional data that opens with
    characters is a long number (ICAO 9303-5, 4.2.2 note j): the optional data
    up to its first `<` is the rest of the number and, last, its check digit.
    """
    tail = optional.split("<", 1)[0]
    if check == "<" and "<" not in field and len(tail) >= 2:
        return field + tail[:-1], tail[-1], optional[len(tail) :]
    return field, check, optional


def _td1(lines: tuple[str, ...]) -> MrzFields:
    one, two, three = lines
    number, check, optional = card_number(one[5:14], one[14], one[15:30])
    birth, expiry = two[0:6], two[8:14]
    return _new_fields(
        MrzFields,
        (  # positional, as in `_td3`
            "TD1",  # layout
            one[0:2],  # document_code
            one[2:5],  # issuing_state
            number,
            two[15:18],  # nationality
            birth,
            two[7],  # sex
            expiry,
            optional,
            three,  # names
            lines,
            ((0, number, check), (1, birth, two[6]), (1, expiry, two[14])),
            (1, one[5:30] + two[0:7] + two[8:15] + two[18:29], two[29]),  # composite
            2,  # name_line
            0,  # number_line
            1,  # birth_line
        ),
    )


def _td2(lines: tuple[str, ...]) -> MrzFields:
    one, two = lines
    number, check, optional = card_number(two[0:9], two[9], two[28:35])
    birth, expiry = two[13:19], two[21:27]
    return _new_fields(
        MrzFields,
        (  # positional, as in `_td3`
            "TD2",  # layout
            one[0:2],  # document_code
            one[2:5],  # issuing_state
            number,
            two[10:13],  # nationality
            birth,
            two[20],  # sex
            expiry,
            optional,
            one[5:36],  # names
            lines,
            ((1, number, check), (1, birth, two[19]), (1, expiry, two[27])),
            (1, two[0:10] + two[13:20] + two[21:35], two[35]),  # composite
            0,  # name_line
            1,  # number_line
            1,  # birth_line
        ),
    )


#: Each layout by its line lengths: how it is read, and the document codes it opens with.
_LAYOUTS: dict[tuple[int, ...], tuple[Callable[[tuple[str, ...]], MrzFields], str]] = {
    (44, 44): (_td3, "P"),
    (36, 36): (_td2, "IAC"),
    (30, 30, 30): (_td1, "IAC"),
}


def parse_mrz(lines: Sequence[str]) -> MrzFields | None:
    """Split MRZ lines into fields, or None when the layout is not TD3, TD2 or TD1."""
    layout = _LAYOUTS.get(tuple(map(len, lines)))
    # One match over the joined lines: each line's length is its layout's.
    if layout is None or not _LINE_RE.fullmatch("".join(lines)):
        return None
    read, codes = layout
    return read(tuple(lines)) if lines[0][0] in codes else None


#: Check digits of six-character fields (the dates), which repeat from document to document.
_DATE_DIGITS: dict[str, str] = {}
#: How many `_DATE_DIGITS` keeps: a century of days, about 4 MB at most.
DATE_DIGITS_KEPT = 1 << 15


def _date_digit(text: str) -> str:
    """`icao_check_digit` of a date field, kept (while there is room)."""
    digit = icao_check_digit(text)
    if len(_DATE_DIGITS) < DATE_DIGITS_KEPT:
        _DATE_DIGITS[text] = digit
    return digit


def check_digit_problems(fields: MrzFields) -> list[RuleBreach]:
    """Every wrong check digit, located at its line."""
    found: list[RuleBreach] = []
    for line, text, check in fields.checks:
        if len(text) == 6:  # a date: its digit is most likely known
            digit = _DATE_DIGITS.get(text) or _date_digit(text)
        else:
            digit = icao_check_digit(text)
        # An empty optional field may carry `<` instead of a digit (ICAO 9303-4, 4.2.2.2).
        if check != digit and (check != "<" or text.strip("<")):
            found.append(((line,), "mrz.check_digit"))
    line, text, check = fields.composite
    if check != icao_check_digit(text):
        found.append(((line,), "mrz.check_digit"))
    return sorted(set(found)) if found else found


# --- the accept path's questions (issue 19) ----------------------------------------
#
# A line the fast accept path takes needs only a yes: these answer "is every check digit
# right?" and "what does the MRZ say of the document and the holder?" without building
# `MrzFields`. tests/test_fast_rules.py holds them to `parse_mrz` and `check_digit_problems`.


#: The check digit's weights from a field's first character, and as they fall on a field
#: that starts 1 or 2 characters into a composite: a composite is summed by its fields.
_ROTATIONS = ((7, 3, 1), (3, 1, 7), (1, 7, 3))


def _weighted(values: bytes, rotation: int = 0) -> int:
    """The weighted sum (mod 10) of character values, the weights turned by `rotation`."""
    first, second, third = _ROTATIONS[rotation]
    return (first * sum(values[0::3]) + second * sum(values[1::3]) + third * sum(values[2::3])) % 10


#: A date field and its check digit (7 characters) with a right digit: its share of a
#: composite check digit at each rotation. Dates repeat from document to document.
_DATE_SHARES: tuple[dict[str, int], ...] = ({}, {}, {})


def _date_share(text: str, rotation: int) -> int | None:
    """The share of a date field and its digit in a composite; None when the digit is wrong."""
    shares = _DATE_SHARES[rotation]
    share = shares.get(text)
    if share is None:
        if not _digit_fine(text[:6], text[6]):
            return None
        share = _weighted(mrz_values(text), rotation)
        if len(shares) < DATE_DIGITS_KEPT:
            shares[text] = share
    return share


def _digit_fine(text: str, check: str) -> bool:
    """Whether `check` is right for `text`, as `check_digit_problems` judges one field."""
    # An empty optional field may carry `<` instead of a digit (ICAO 9303-4, 4.2.2.2).
    return check == icao_check_digit(text) or (check == "<" and not text.strip("<"))


def _head_share(values: bytes, field: str, check: str, optional: str) -> tuple[str, int] | None:
    """A number and the share of its field and digit (10 values) at a composite's head.

    When the digit is right, the field's sum is the digit (mod 10), and the
    digit weighs 7: the share is 8 times the digit. A card's long number
    (`card_number`) is checked whole, its field summed as it stands. None:
    a wrong digit.
    """
    if check != "<":
        digit = values[9]  # a letter's value (10 and more) is no digit
        total = (
            7 * (values[0] + values[3] + values[6])
            + 3 * (values[1] + values[4] + values[7])
            + values[2]
            + values[5]
            + values[8]
        )
        return (field, 8 * digit) if total % 10 == digit else None
    number, digit_text, _ = card_number(field, check, optional)
    return (number, _weighted(values)) if _digit_fine(number, digit_text) else None


#: What `verified_part` gives: layout, issuing state, document number, nationality, expiry.
DocumentPart = tuple[str, str, str, str, str]
_DIGITS = "0123456789"
#: The kept shares of a date at the two places dates sit in every composite.
_BIRTH_SHARES, _EXPIRY_SHARES = _DATE_SHARES[1], _DATE_SHARES[2]


def _dates_share(birth: str, expiry: str) -> int | None:
    """The share in a composite of the birth and expiry fields (each with its digit).

    None when a digit is wrong. Most dates' shares are kept: two lookups here, and
    `_date_share` only for a date not seen before.
    """
    first = _BIRTH_SHARES.get(birth)
    if first is None:
        first = _date_share(birth, 1)
    second = _EXPIRY_SHARES.get(expiry)
    if second is None:
        second = _date_share(expiry, 2)
    return None if first is None or second is None else first + second


def _td3_verified(one: str, two: str) -> DocumentPart | None:
    # The composite is two[0:10] + two[13:20] + two[21:43], summed by its fields; a date's
    # share is most likely kept (`_date_share` computes and keeps it otherwise).
    values = mrz_values(two)
    head = _head_share(values[0:10], two[0:9], two[9], "")
    dates = _dates_share(two[13:20], two[21:28])
    if head is None or dates is None:
        return None
    share = head[1] + dates
    if two[28:43].strip("<"):  # optional data, and its digit weighing 1 in the composite
        if not _digit_fine(two[28:42], two[42]):
            return None
        share += _weighted(values[28:43])
    if two[43] != _DIGITS[share % 10]:
        return None
    return "TD3", one[2:5], two[0:9], two[10:13], two[21:27]


def _td2_verified(one: str, two: str) -> DocumentPart | None:
    # The composite is two[0:10] + two[13:20] + two[21:35].
    values = mrz_values(two)
    head = _head_share(values[0:10], two[0:9], two[9], two[28:35])
    dates = _dates_share(two[13:20], two[21:28])
    if head is None or dates is None:
        return None
    number, share = head
    share += dates
    if two[28:35].strip("<"):
        share += _weighted(values[28:35])
    if two[35] != _DIGITS[share % 10]:
        return None
    return "TD2", one[2:5], number, two[10:13], two[21:27]


def _td1_verified(one: str, two: str) -> DocumentPart | None:
    # The composite is one[5:30] + two[0:7] + two[8:15] + two[18:29].
    first = mrz_values(one)
    head = _head_share(first[5:15], one[5:14], one[14], one[15:30])
    dates = _dates_share(two[0:7], two[8:15])
    if head is None or dates is None:
        return None
    number, share = head
    share += dates
    if one[15:30].strip("<"):
        share += _weighted(first[15:30], 1)
    if two[18:29].strip("<"):
        share += _weighted(mrz_values(two[18:29]))
    if two[29] != _DIGITS[share % 10]:
        return None
    return "TD1", one[2:5], number, two[15:18], two[8:14]


def _layout_width(lines: Sequence[str]) -> int:
    """The width of the lines of a layout `parse_mrz` reads (44, 36 or 30), else 0."""
    if len(lines) == 2:
        one, two = lines
        width = len(one)
        if len(two) == width and (
            (width == 44 and one[0] == "P") or (width == 36 and one[0] in "IAC")
        ):
            return width
    elif len(lines) == 3:
        one, two, three = lines
        if len(one) == len(two) == len(three) == 30 and one[0] in "IAC":
            return 30
    return 0


def verified_part(lines: Sequence[str]) -> DocumentPart | None:
    """What the MRZ says of its document, or None when it is malformed or a check digit is wrong.

    The same verdict as `parse_mrz` then `check_digit_problems` (None exactly when
    either finds fault), for two or three lines of MRZ characters (the models'
    pattern and lengths), without building `MrzFields`: the fast accept path's
    question. The composite digit is summed by its fields, the dates' shares kept.
    """
    width = _layout_width(lines)
    if width == 30:
        return _td1_verified(lines[0], lines[1])
    if width == 44:
        return _td3_verified(lines[0], lines[1])
    if width:
        return _td2_verified(lines[0], lines[1])
    return None


#: Where each layout (by width) keeps the holder's birth date, sex and names.
_HOLDER: dict[int, tuple[tuple[int, int, int], int, tuple[int, int, int]]] = {
    44: ((1, 13, 19), 20, (0, 5, 44)),
    36: ((1, 13, 19), 20, (0, 5, 36)),
    30: ((1, 0, 6), 7, (2, 0, 30)),
}


def holder_agrees(lines: Sequence[str], birth: str, sex: str, names: str) -> bool:
    """Whether the MRZ gives the holder's birth date, sex and names (not yet cut or padded).

    As `PersonRecord._mrz_disagrees` compares them with `parse_mrz`'s fields,
    without the parse; lines that `parse_mrz` does not read (None) have no
    fields to disagree with: True.
    """
    width = _layout_width(lines)
    if not width:
        return True
    (birth_line, start, end), at, (name_line, first, last) = _HOLDER[width]
    line = lines[birth_line]
    size = last - first
    return (
        line[start:end] == birth
        and line[at] == sex
        and lines[name_line][first:last] == names[:size].ljust(size, "<")
    )


def mrz_date(value: date | None) -> str:
    """A date as the MRZ writes it (YYMMDD), or the filler for no date."""
    return yymmdd(value) if value else "<<<<<<"


def encode_name(latin: str) -> str:
    """A Latin name as the MRZ spells it: spaces and hyphens become `<`, apostrophes go."""
    return latin.replace("'", "").replace(" ", "<").replace("-", "<")


#: Holders' names as the MRZ spells them, not yet cut or padded (`holder_names`).
_HOLDER_NAMES: dict[tuple[str, str], str] = {}
#: How many `_HOLDER_NAMES` keeps: names repeat from record to record.
NAMES_KEPT = 1 << 14


def holder_names(surname: str, given_names: str) -> str:
    """SURNAME<<GIVEN<NAMES as the MRZ spells them, not yet cut or padded (`holder_agrees`).

    Kept while there is room: one lookup instead of six replacements a holder.
    """
    key = (surname, given_names)
    names = _HOLDER_NAMES.get(key)
    if names is None:
        names = encode_name(surname) + "<<" + encode_name(given_names)
        if len(_HOLDER_NAMES) < NAMES_KEPT:
            _HOLDER_NAMES[key] = names
    return names


@lru_cache(maxsize=4096)
def name_field(surname: str, given_names: str, width: int) -> str:
    """The MRZ name field: SURNAME<<GIVEN<NAMES, cut or padded to `width`.

    Kept for the names last asked about: names repeat from record to record.
    """
    return holder_names(surname, given_names)[:width].ljust(width, "<")


def _field(text: str, width: int) -> str:
    return text[:width].ljust(width, "<")


def _with_checks(text: str) -> str:
    return text + icao_check_digit(text)


@dataclass(frozen=True, slots=True)
class MrzInput:
    """What an MRZ is written from."""

    document_code: str
    issuing_state: str
    number: str
    nationality: str
    birth: date
    sex: str
    expiry: date | None
    optional: str
    surname: str
    given_names: str


def td3_lines(data: MrzInput) -> list[str]:
    """The two TD3 lines for a passport, every check digit computed."""
    one = (
        _field(data.document_code, 2)
        + data.issuing_state
        + name_field(data.surname, data.given_names, 39)
    )
    number = _with_checks(_field(data.number, 9))
    birth = _with_checks(mrz_date(data.birth))
    expiry = mrz_date(data.expiry)
    expiry += icao_check_digit(expiry)
    optional = _field(data.optional, 14)
    optional += "<" if set(optional) == {"<"} else icao_check_digit(optional)
    two = number + data.nationality + birth + data.sex + expiry + optional
    composite = two[0:10] + two[13:20] + two[21:43]
    return [one, two + icao_check_digit(composite)]


def _card_number(number: str, optional: str, width: int) -> str:
    """The number field, its check and the optional data of a card (`width` long).

    A number longer than 9 characters continues in the optional data with its
    check digit, after `<` in the check position (ICAO 9303-5, 4.2.2 note j).
    """
    if len(number) <= 9:
        return _with_checks(_field(number, 9)) + _field(optional, width)
    rest = number[9:] + icao_check_digit(number)
    return number[:9] + "<" + _field(rest + optional, width)


def td1_lines(data: MrzInput) -> list[str]:
    """The three TD1 lines for a card, every check digit computed."""
    one = (
        _field(data.document_code, 2)
        + data.issuing_state
        + _card_number(data.number, data.optional, 15)
    )
    expiry = mrz_date(data.expiry)
    two = (
        _with_checks(mrz_date(data.birth))
        + data.sex
        + expiry
        + icao_check_digit(expiry)
        + data.nationality
        + "<" * 11
    )
    composite = one[5:30] + two[0:7] + two[8:15] + two[18:29]
    three = name_field(data.surname, data.given_names, 30)
    return [one, two + icao_check_digit(composite), three]
