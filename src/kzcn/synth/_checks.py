"""Check digits and MRZ lines for the hot path, by table arithmetic.

`kzcn.identifiers` and `kzcn.mrz` are the reference (the models check with
them); at 5-40 µs per identifier they alone would cap the bulk generator far
below its target. Here a check digit is a sum of precomputed partial sums:
numbers are drawn as integers and split into 4-digit blocks whose weighted
digit sums come from tables, and dates (which repeat) are summed once each.
`tests/test_synth_checks.py` proves, over many thousands of inputs, that these
functions give exactly what the reference functions give.
"""

from __future__ import annotations

from functools import cache

from kzcn.mrz import name_field

__all__ = [
    "DIGITS4",
    "IinParts",
    "MrzDate",
    "icao_check",
    "iin_head",
    "mrz_date",
    "name_line",
    "resident_id_check",
    "td1",
    "td3",
    "weighted",
]

_ICAO_W = (7, 3, 1)
_VALUE = {str(d): d for d in range(10)} | {chr(65 + i): 10 + i for i in range(26)} | {"<": 0}


def weighted(text: str, shift: int = 0) -> int:
    """Σ value × weight of an MRZ text whose first character sits at position `shift`."""
    return sum(_VALUE[c] * _ICAO_W[(i + shift) % 3] for i, c in enumerate(text))


def icao_check(text: str) -> str:
    """ICAO 9303 check digit of `text` (the reference's value, for non-hot paths)."""
    return str(weighted(text) % 10)


def _digit_table(width: int, shift: int) -> tuple[int, ...]:
    return tuple(weighted(str(n).zfill(width), shift) for n in range(10**width))


#: Zero-padded 4-digit strings, so a block of a number is a list look-up.
DIGITS4 = tuple(str(n).zfill(4) for n in range(10_000))
_T4 = tuple(_digit_table(4, s) for s in range(3))
_T3 = tuple(_digit_table(3, s) for s in range(3))


@cache
def name_line(surname: str, given: str, width: int) -> str:
    """The MRZ name field (names repeat across records, so each is built once)."""
    return name_field(surname, given, width)


class MrzDate:
    """A date as the MRZ writes it, with its check digit and its composite sums."""

    __slots__ = ("check", "field", "shift1", "shift2", "text")

    def __init__(self, iso: str | None) -> None:
        self.text = iso[2:4] + iso[5:7] + iso[8:10] if iso else "<<<<<<"
        self.check = icao_check(self.text)
        self.field = self.text + self.check  # the date and its check digit, as printed
        # The date and its check digit sit at composite offsets ≡ 1 (birth) and
        # ≡ 2 (expiry) mod 3 in both TD3 and TD1.
        self.shift1 = weighted(self.text + self.check, 1)
        self.shift2 = weighted(self.text + self.check, 2)


@cache
def mrz_date(iso: str | None) -> MrzDate:
    """The MRZ form of an ISO date (cached: dates repeat)."""
    return MrzDate(iso)


# --- document numbers --------------------------------------------------------


def number_sum8(prefix: str, value: int) -> tuple[str, int]:
    """A 9-character number `prefix` + 8 digits, and its MRZ weighted sum."""
    high, low = divmod(value, 10_000)
    return (prefix + DIGITS4[high] + DIGITS4[low],
            _VALUE[prefix] * 7 + _T4[1][high] + _T4[2][low])


def number_sum9(value: int) -> tuple[str, int]:
    """A 9-digit number and its MRZ weighted sum."""
    first, rest = divmod(value, 100_000_000)
    high, low = divmod(rest, 10_000)
    return (str(first) + DIGITS4[high] + DIGITS4[low], first * 7 + _T4[1][high] + _T4[2][low])


def number_sum7(prefix: str, value: int) -> tuple[str, int]:
    """A 9-character number: 2 letters + 7 digits, and its MRZ weighted sum."""
    high, low = divmod(value, 10_000)
    return (prefix + DIGITS4[high][1:] + DIGITS4[low],
            _VALUE[prefix[0]] * 7 + _VALUE[prefix[1]] * 3 + _T3[2][high] + _T4[2][low])


# --- IIN -----------------------------------------------------------------------

_IIN_W1 = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)
_IIN_W2 = (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)
_SERIAL_W1 = tuple(sum(int(c) * w for c, w in zip(s, _IIN_W1[7:], strict=True)) for s in DIGITS4)
_SERIAL_W2 = tuple(sum(int(c) * w for c, w in zip(s, _IIN_W2[7:], strict=True)) for s in DIGITS4)


class IinParts:
    """Partial sums of an IIN's first 7 digits (birth day and century/sex digit)."""

    __slots__ = ("head", "mrz0", "mrz1", "w1", "w2")

    def __init__(self, head: str) -> None:
        self.head = head
        self.w1 = sum(int(c) * w for c, w in zip(head, _IIN_W1, strict=False))
        self.w2 = sum(int(c) * w for c, w in zip(head, _IIN_W2, strict=False))
        # MRZ sums of the 7 digits when the IIN starts at a position ≡ 0 or 1 (mod 3).
        self.mrz0 = weighted(head, 0)
        self.mrz1 = weighted(head, 1)


@cache
def iin_head(head: str) -> IinParts:
    """Partial sums for an IIN head (cached: about 2 × 6 × 36,500 heads exist)."""
    return IinParts(head)


def iin_from(parts: IinParts, serial: int) -> tuple[str, int, int] | None:
    """The IIN with that serial, and its MRZ sums at shifts 0 and 1; None if unusable.

    The check digit is Σ digit × (1…11) mod 11, or with weights 3…11,1,2 when
    that is 10; a serial for which both give 10 cannot be used.
    """
    check = (parts.w1 + _SERIAL_W1[serial]) % 11
    if check == 10:
        check = (parts.w2 + _SERIAL_W2[serial]) % 11
        if check == 10:
            return None
    # Serial digits at IIN positions 7-10, check digit at 11.
    return (
        parts.head + DIGITS4[serial] + str(check),
        parts.mrz0 + _T4[1][serial] + check,
        parts.mrz1 + _T4[2][serial] + check * 7,
    )


# --- resident ID (GB 11643-1999) ----------------------------------------------

_RID_W = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_RID_CHECK = "10X98765432"
_SEQUENCE = tuple(sum(int(c) * w for c, w in zip(str(n).zfill(3), _RID_W[14:], strict=True))
                  for n in range(1000))


@cache
def _rid_code(code: str) -> int:
    return sum(int(c) * w for c, w in zip(code, _RID_W[:6], strict=True))


@cache
def _rid_date(yyyymmdd: str) -> int:
    return sum(int(c) * w for c, w in zip(yyyymmdd, _RID_W[6:14], strict=True))


def resident_id_check(code: str, yyyymmdd: str, sequence: int) -> str:
    """Check character of a resident ID from its address code, birth day and sequence."""
    return _RID_CHECK[(_rid_code(code) + _rid_date(yyyymmdd) + _SEQUENCE[sequence]) % 11]


# --- MRZ lines -------------------------------------------------------------------

_OPTIONAL14_FILLER = "<" * 14


def td3(  # noqa: PLR0913, PLR0917 - hot path: a record per call would cost more than it reads
    code: str, state: str, number: str, number_sum: int, birth: str, sex: str, expiry: str,
    optional: str, optional_sum: int, surname: str, given: str,
) -> list[str]:
    """TD3 lines (the text `kzcn.mrz.td3_lines` gives) from precomputed sums.

    `optional` is at most 14 characters with MRZ sum `optional_sum`; "" for none.
    """
    number_check = number_sum % 10
    born = mrz_date(birth)
    ends = mrz_date(expiry)
    if optional:
        optional_check = optional_sum % 10
        optional_text = optional.ljust(14, "<") + str(optional_check)
    else:
        optional_check = 0
        optional_text = _OPTIONAL14_FILLER + "<"
    composite = (number_sum + number_check * 7 + born.shift1 + ends.shift2 + optional_sum
                 + optional_check)
    line_two = (f"{number}{number_check}{state}{born.field}{sex}{ends.field}{optional_text}"
                f"{composite % 10}")
    return [code + state + name_line(surname, given, 39), line_two]


def td1(  # noqa: PLR0913, PLR0917 - hot path, as td3
    code: str, state: str, number: str, number_sum: int, birth: str, sex: str, expiry: str,
    optional: str, optional_sum_shift1: int, surname: str, given: str,
) -> list[str]:
    """TD1 lines (the text `kzcn.mrz.td1_lines` gives) from precomputed sums.

    `optional` is at most 15 characters; its MRZ sum is taken at composite
    offset 10, hence `optional_sum_shift1`.
    """
    number_check = number_sum % 10
    born = mrz_date(birth)
    ends = mrz_date(expiry)
    # The composite skips the nationality: line 2 positions 16-18 are not in it.
    composite = (number_sum + number_check * 7 + optional_sum_shift1 + born.shift1
                 + ends.shift2)
    return [
        f"{code}{state}{number}{number_check}{optional:<<15}",
        f"{born.field}{sex}{ends.field}{state}<<<<<<<<<<<{composite % 10}",
        name_line(surname, given, 30),
    ]
