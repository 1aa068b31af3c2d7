"""Check digits and MRZ pieces for the hot path, by table arithmetic.

`kzcn.identifiers` and `kzcn.mrz` are the reference (the models check with
them); at 5-40 µs per identifier they alone would cap the bulk generator far
below its target. Here a check digit is a sum of precomputed partial sums:
numbers are drawn as integers and split into 4-digit blocks whose weighted
digit sums come from tables, and dates (which repeat: `kzcn.synth.people`
keeps them per day) are summed from 2-digit blocks. `kzcn.synth.people`
assembles the MRZ lines from these pieces. `tests/test_synth_checks.py`
proves, over many thousands of inputs, that these functions, and the MRZ
lines of generated documents, give exactly what the reference functions give.
"""

from __future__ import annotations

from functools import cache
from itertools import cycle
from operator import mul

from kzcn.mrz import name_field

__all__ = [
    "DIGITS4",
    "IinParts",
    "MrzDate",
    "icao_check",
    "iin_head",
    "name_line",
    "resident_id_check",
    "rid_code_sum",
    "rid_date_sum",
    "rid_tail",
    "weighted",
]

_ICAO_W = (7, 3, 1)
_VALUE = {str(d): d for d in range(10)} | {chr(65 + i): 10 + i for i in range(26)} | {"<": 0}
_CHAR_VALUE = _VALUE.__getitem__
# The weights 7, 3, 1 rotated so that the first applies to a character at position `shift`.
_ROTATED = tuple(_ICAO_W[s:] + _ICAO_W[:s] for s in range(3))


def weighted(text: str, shift: int = 0) -> int:
    """Σ value × weight of an MRZ text whose first character sits at position `shift`."""
    return sum(map(mul, map(_CHAR_VALUE, text), cycle(_ROTATED[shift])))


def icao_check(text: str) -> str:
    """ICAO 9303 check digit of `text` (the reference's value, for non-hot paths)."""
    return str(weighted(text) % 10)


def _pairs(tens: int, units: int) -> tuple[int, ...]:
    """Weighted digit sums of every 2-digit block 00-99 under the weights (tens, units)."""
    return tuple(tens * (n // 10) + units * (n % 10) for n in range(100))


def _quads(high: tuple[int, ...], low: tuple[int, ...]) -> tuple[int, ...]:
    """Sums of every 4-digit block 0000-9999 from the sums of its two 2-digit halves."""
    return tuple(h + lo for h in high for lo in low)


# The MRZ sum of a 2-digit block whose first digit sits at a position ≡ shift (mod 3).
_MRZ2 = tuple(_pairs(r[0], r[1]) for r in _ROTATED)

#: Zero-padded 4-digit strings, so a block of a number is a list look-up.
DIGITS4 = tuple(f"{n:04d}" for n in range(10_000))
# MRZ sums of 4- and 3-digit blocks starting at a position ≡ shift (mod 3),
# built from 2-digit blocks (at import: a digit-by-digit build took 0.1 s).
_T4 = tuple(_quads(_MRZ2[s], _MRZ2[(s + 2) % 3]) for s in range(3))
_T3 = tuple(_quads(tuple(_ICAO_W[s] * d for d in range(10)), _MRZ2[(s + 1) % 3])
            for s in range(3))


@cache
def name_line(surname: str, given: str, width: int) -> str:
    """The MRZ name field (names repeat across records, so each is built once)."""
    return name_field(surname, given, width)


def _date_sums(yy: int, mm: int, dd: int) -> tuple[int, int, int]:
    """MRZ sums of YYMMDD starting at positions ≡ 0, 1, 2 (mod 3), from three block look-ups.

    The month starts 2 and the day 4 (≡ 1) positions after the year.
    """
    m0, m1, m2 = _MRZ2
    return m0[yy] + m2[mm] + m1[dd], m1[yy] + m0[mm] + m2[dd], m2[yy] + m1[mm] + m0[dd]


class MrzDate:
    """A date as the MRZ writes it, with its check digit and its composite sums."""

    __slots__ = ("check", "field", "shift1", "shift2", "text")

    def __init__(self, iso: str | None) -> None:
        if not iso:
            # No date: filler, whose check digit and sums are 0.
            self.text, self.check, self.field = "<<<<<<", "0", "<<<<<<0"
            self.shift1 = self.shift2 = 0
            return
        # Built once per distinct day, but there are tens of thousands: inline sums.
        yy, mm, dd = iso[2:4], iso[5:7], iso[8:10]
        y, m, d = int(yy), int(mm), int(dd)
        m0, m1, m2 = _MRZ2
        check = (m0[y] + m2[m] + m1[d]) % 10
        self.text = text = yy + mm + dd
        self.check = str(check)
        self.field = text + self.check  # the date and its check digit, as printed
        # The date and its check digit sit at composite offsets ≡ 1 (birth) and
        # ≡ 2 (expiry) mod 3 in both TD3 and TD1; the check digit 6 places on
        # has the weight of the first character.
        self.shift1 = m1[y] + m0[m] + m2[d] + check * _ICAO_W[1]
        self.shift2 = m2[y] + m1[m] + m0[d] + check * _ICAO_W[2]


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
_W12, _W34, _W56, _W78 = _pairs(1, 2), _pairs(3, 4), _pairs(5, 6), _pairs(7, 8)
# Weighted sums of the 4-digit serial (IIN positions 7-10) under each weighting.
_SERIAL_W1 = _quads(_pairs(*_IIN_W1[7:9]), _pairs(*_IIN_W1[9:11]))
_SERIAL_W2 = _quads(_pairs(*_IIN_W2[7:9]), _pairs(*_IIN_W2[9:11]))


class IinParts:
    """Partial sums of an IIN's first 7 digits (birth day and century/sex digit)."""

    __slots__ = ("head", "mrz0", "mrz1", "w1", "w2")

    def __init__(self, head: str) -> None:
        # YYMMDD as three 2-digit blocks and the century digit: table look-ups, no loop.
        yy, mm, dd, century = int(head[0:2]), int(head[2:4]), int(head[4:6]), int(head[6])
        self.head = head
        self.w1 = _W12[yy] + _W34[mm] + _W56[dd] + 7 * century
        self.w2 = _W34[yy] + _W56[mm] + _W78[dd] + 9 * century
        # MRZ sums of the 7 digits when the IIN starts at a position ≡ 0 or 1 (mod 3);
        # the century digit is 6 places on, with the first digit's weight.
        sums = _date_sums(yy, mm, dd)
        self.mrz0 = sums[0] + century * _ICAO_W[0]
        self.mrz1 = sums[1] + century * _ICAO_W[1]


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
def rid_code_sum(code: str) -> int:
    """Weighted sum of a resident ID's 6-digit address code (cached: codes repeat)."""
    return sum(map(mul, map(int, code), _RID_W[:6]))


_RID_DATE = tuple(_pairs(_RID_W[i], _RID_W[i + 1]) for i in range(6, 14, 2))


def rid_date_sum(yyyymmdd: str) -> int:
    """Weighted sum of a resident ID's 8-digit birth day (four 2-digit blocks)."""
    c, y, m, d = _RID_DATE
    return (c[int(yyyymmdd[0:2])] + y[int(yyyymmdd[2:4])] + m[int(yyyymmdd[4:6])]
            + d[int(yyyymmdd[6:8])])


def rid_tail(code_sum: int, date_sum: int, sequence: int) -> str:
    """The last four characters of a resident ID: sequence and check, from partial sums."""
    return DIGITS4[sequence][1:] + _RID_CHECK[(code_sum + date_sum + _SEQUENCE[sequence]) % 11]


def resident_id_check(code: str, yyyymmdd: str, sequence: int) -> str:
    """Check character of a resident ID from its address code, birth day and sequence."""
    return rid_tail(rid_code_sum(code), rid_date_sum(yyyymmdd), sequence)[3]


# --- MRZ lines -------------------------------------------------------------------
# The generator writes TD3 and TD1 lines itself (`kzcn.synth.people`), from the
# number sums above, `MrzDate` pieces and `name_line`: a call per line, with a
# dozen arguments, would cost more than the text.
