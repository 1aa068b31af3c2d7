"""Check digits and formats of the identifiers the agreement exchanges.

Pure functions, no models: the Kazakh IIN, the Chinese resident ID number
(GB 11643-1999), ICAO 9303 check digits, and document-number formats by
issuing state and document type. The generator uses the same functions to
compute the digits it writes, so what it makes and what the models check
cannot drift apart.
"""

from __future__ import annotations

import re
from datetime import date
from functools import cache, lru_cache
from importlib import resources
from operator import mul

from kzcn.errors import Code

__all__ = [
    "DOCUMENT_NUMBER_PATTERNS",
    "OTHER_DOCUMENT_NUMBER_PATTERN",
    "address_code_history",
    "document_number_pattern",
    "icao_check_digit",
    "iin_check_digit",
    "iin_fine",
    "iin_problems",
    "mrz_values",
    "resident_id_address_code",
    "resident_id_check_char",
    "resident_id_fine",
    "resident_id_matches",
    "resident_id_number_problem",
    "resident_id_problems",
    "yymmdd",
]

# 0-9 count as themselves, A-Z as 10-35, the filler `<` as 0; any other
# character is not an MRZ character and counts as 0 too (it fails the layout).
_MRZ_VALUES = bytes(b - 48 if 48 <= b <= 57 else b - 55 if 65 <= b <= 90 else 0 for b in range(256))


def mrz_values(text: str) -> bytes:
    """The check-digit value of each character of MRZ text (ICAO 9303-3, 4.9)."""
    return text.encode("ascii").translate(_MRZ_VALUES)


# --- Kazakhstan IIN ----------------------------------------------------------

_IIN_W1 = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)
_IIN_W2 = (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)
_IIN_CENTURY = {"1": 1800, "2": 1800, "3": 1900, "4": 1900, "5": 2000, "6": 2000}
_IIN_RE = re.compile(r"[0-9]{12}")


#: Days already written as YYMMDD, kept while there is room (a century of days at most):
#: a date of birth is read for the personal number and each document's MRZ, an expiry
#: date for its MRZ, and files hold the same days many times.
_YYMMDD: dict[date, str] = {}
DAYS_KEPT = 1 << 15


def yymmdd(day: date) -> str:
    """A day as an IIN and an MRZ write it: YYMMDD."""
    text = _YYMMDD.get(day)
    if text is None:
        iso = day.isoformat()  # YYYY-MM-DD, the year zero-padded to four digits
        text = iso[2:4] + iso[5:7] + iso[8:10]
        if len(_YYMMDD) < DAYS_KEPT:
            _YYMMDD[day] = text
    return text


def iin_check_digit(first11: str) -> int | None:
    """The IIN check digit of 11 digits, or None when both weight sequences give 10.

    Sum of digit x weight mod 11 with weights 1..11; if that is 10, again with
    3..11,1,2; if still 10 the serial cannot be used.
    """
    digits = mrz_values(first11)
    for weights in (_IIN_W1, _IIN_W2):
        check: int = sum(map(mul, digits, weights)) % 11
        if check != 10:
            return check
    return None


def iin_birth_date(iin: str) -> date | None:
    """The date of birth an IIN encodes, or None when it encodes no real date."""
    century = _IIN_CENTURY.get(iin[6])
    if century is None:
        return None
    try:
        return date(century + int(iin[0:2]), int(iin[2:4]), int(iin[4:6]))
    except ValueError:
        return None


def _iin_encodes(iin: str, day: date) -> bool:
    """Whether a well-formed IIN encodes `day` (`iin_birth_date(iin) == day`, in text).

    Its YYMMDD is the day's, and its century digit the day's century: no date is
    built, and a YYMMDD that is no real date is never a real day's.
    """
    year = day.year
    return iin[:6] == yymmdd(day) and _IIN_CENTURY[iin[6]] == year - year % 100


def iin_problems(iin: str, date_of_birth: date, sex: str) -> list[Code]:
    """Catalogue codes of what is wrong with `iin` for a person born then, of that sex."""
    if not _IIN_RE.fullmatch(iin) or iin[6] not in _IIN_CENTURY:
        return ["iin.format"]
    problems: list[Code] = []
    if iin_check_digit(iin[:11]) != int(iin[11]):
        problems.append("iin.checksum")
    if not _iin_encodes(iin, date_of_birth):
        problems.append("iin.birth_date_mismatch")
    if (int(iin[6]) % 2 == 1) != (sex == "M"):
        problems.append("iin.sex_mismatch")
    return problems


def iin_fine(iin: str, date_of_birth: date, sex: str) -> bool:
    """Whether `iin_problems(iin, date_of_birth, sex)` is empty: the fast accept path's question.

    The same conditions, cheapest first, and no list; held to `iin_problems` by
    tests/test_fast_rules.py.
    """
    if not _IIN_RE.fullmatch(iin):
        return False
    century = _IIN_CENTURY.get(iin[6])
    year = date_of_birth.year
    return (
        century == year - year % 100
        and iin[:6] == yymmdd(date_of_birth)
        and (int(iin[6]) % 2 == 1) == (sex == "M")
        and _iin_check_fine(iin.encode("ascii"))
    )


def _iin_check_fine(iin: bytes) -> bool:
    """Whether the check digit of 12 ASCII digits is right (`iin_check_digit`), summed inline.

    The first weights are 1 to 11, and each byte is its digit plus 48: the sum
    of the bytes by weight less 48 times 66 (the weights' sum).
    """
    check = (
        iin[0]
        + 2 * iin[1]
        + 3 * iin[2]
        + 4 * iin[3]
        + 5 * iin[4]
        + 6 * iin[5]
        + 7 * iin[6]
        + 8 * iin[7]
        + 9 * iin[8]
        + 10 * iin[9]
        + 11 * iin[10]
        - 48 * 66
    ) % 11
    if check == 10:  # the second weights (rare): the plain computation
        return iin_check_digit(iin[:11].decode("ascii")) == iin[11] - 48
    return check == iin[11] - 48


# --- China resident ID number (GB 11643-1999) --------------------------------

_RID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_RID_CHECK = "10X98765432"
RESIDENT_ID_PATTERN = (
    r"^[1-8][0-9]{5}(18|19|20)[0-9]{2}(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01])[0-9]{3}[0-9X]$"
)
_RID_FULL_RE = re.compile(RESIDENT_ID_PATTERN.strip("^$"))


#: Days already written as YYYYMMDD (as `_YYMMDD`): a Chinese person's date of birth is
#: read for the personal number and for the identity card's.
_YYYYMMDD: dict[date, str] = {}


def _yyyymmdd(day: date) -> str:
    text = _YYYYMMDD.get(day)
    if text is None:
        text = day.isoformat().replace("-", "")  # the year is zero-padded to four digits
        if len(_YYYYMMDD) < DAYS_KEPT:
            _YYYYMMDD[day] = text
    return text


def resident_id_check_char(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character of the first 17 digits.

    The weights are 2**17 ... 2**1 mod 11, and 13 = 2 mod 11: over 17 digits
    the sum is 2 * int(first17, 13) mod 11, one C call, as a number already
    matched as a resident ID number is checked (`resident_id_number_problem`).
    """
    total: int = sum(map(mul, mrz_values(first17), _RID_WEIGHTS))
    return _RID_CHECK[total % 11]


def resident_id_problems(number: str, date_of_birth: date | None, sex: str | None) -> list[Code]:
    """Catalogue codes of what is wrong with a resident ID number.

    `date_of_birth` and `sex` are None when only the number itself is checked
    (a document number outside a person record).
    """
    own = resident_id_number_problem(number)
    if own == "resident_id.format":
        return [own]
    problems: list[Code] = [] if own is None else [own]
    if date_of_birth is not None and number[6:14] != _yyyymmdd(date_of_birth):
        problems.append("resident_id.birth_date_mismatch")
    if sex is not None and (int(number[14:17]) % 2 == 1) != (sex == "M"):
        problems.append("resident_id.sex_mismatch")
    return problems


def resident_id_fine(number: str, date_of_birth: date, sex: str) -> bool:
    """Whether `resident_id_problems(number, date_of_birth, sex)` is empty (see `iin_fine`)."""
    return resident_id_number_problem(number) is None and resident_id_matches(
        number, date_of_birth, sex
    )


def resident_id_matches(number: str, date_of_birth: date, sex: str) -> bool:
    """Whether a well-formed resident ID number gives that birth date and sex.

    `resident_id_problems` finds neither mismatch; the number's own format is
    not judged (the caller knows it is right).
    """
    return number[6:14] == _yyyymmdd(date_of_birth) and (int(number[14:17]) % 2 == 1) == (
        sex == "M"
    )


@lru_cache(maxsize=256)
def resident_id_number_problem(number: str) -> Code | None:
    """The format or checksum problem of a number alone, or None.

    Kept for the numbers last asked about: a Chinese person's number is checked
    as their personal number and as their identity card's, twice.
    """
    if not _RID_FULL_RE.fullmatch(number):
        return "resident_id.format"
    if _RID_CHECK[2 * int(number[:17], 13) % 11] != number[17]:  # the 17 are digits here
        return "resident_id.checksum"
    return None


@cache
def address_code_history() -> dict[str, tuple[tuple[str, int, int], ...]]:
    """Address codes by today's code: (code in force, first year, last year), both inclusive.

    From `data/place_codes_chn.tsv` (GB/T 2260 with its history, as python-stdnum
    keeps it); the generator reads the same table.
    """
    text = resources.files("kzcn.data").joinpath("place_codes_chn.tsv").read_text("utf-8")
    found: dict[str, list[tuple[str, int, int]]] = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            today, code, start, end = line.split("\t")
            found.setdefault(today, []).append((code, int(start or 0), int(end or 9999)))
    return {today: tuple(spans) for today, spans in found.items()}


def resident_id_address_code(code: str, year: int) -> str:
    """The address code a person first registered in `year` carries for today's `code`.

    A resident ID number keeps the code of first registration (GB 11643-1999);
    codes not in the table have not changed.
    """
    for address, start, end in address_code_history().get(code, ()):
        if start <= year <= end:
            return address
    return code


# --- ICAO 9303 ---------------------------------------------------------------


_ICAO_WEIGHTS = (7, 3, 1)


def icao_check_digit(field: str) -> str:
    """The ICAO 9303 check digit of an MRZ field: weights 7, 3, 1, sum mod 10.

    The weights repeat over the whole field, however long: the TD1 composite
    covers 50 characters (ICAO 9303-5, 4.2.2), and a fixed-length weight table
    would silently drop the tail.
    """
    values = field.encode("ascii", "replace").translate(_MRZ_VALUES)
    # Every third character has the same weight (`_ICAO_WEIGHTS`): three sums in C, not a
    # loop in Python.
    total = 7 * sum(values[0::3]) + 3 * sum(values[1::3]) + sum(values[2::3])
    return _DIGITS[total % 10]


_DIGITS = "0123456789"


# --- document numbers --------------------------------------------------------

#: Number formats by (issuing state, document type), as JSON Schema patterns.
DOCUMENT_NUMBER_PATTERNS: dict[tuple[str, str], str] = {
    ("KAZ", "passport"): r"^N[0-9]{8}$",
    ("KAZ", "identity_card"): r"^[0-9]{9}$",
    # G + 8 digits before 2012, E + 8 digits from 2012, E + a letter other than I, O + 7 digits
    # from 2017 (Guangzhou PSB notice, 2024).
    ("CHN", "passport"): r"^(G[0-9]{8}|E[0-9]{8}|E[A-HJ-NP-Z][0-9]{7})$",
    ("CHN", "identity_card"): RESIDENT_ID_PATTERN,
}
OTHER_DOCUMENT_NUMBER_PATTERN = r"^[A-Z0-9]{5,20}$"
_COMPILED = {key: re.compile(p) for key, p in DOCUMENT_NUMBER_PATTERNS.items()}
_OTHER = re.compile(OTHER_DOCUMENT_NUMBER_PATTERN)


def document_number_pattern(issuing_state: str, document_type: str) -> re.Pattern[str]:
    """The compiled number pattern for this state's document of this type."""
    return _COMPILED.get((issuing_state, document_type), _OTHER)
