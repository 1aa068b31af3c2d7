"""Check digits and MRZ pieces for whole columns at once, by table arithmetic.

`kzcn.identifiers` and `kzcn.mrz` are the reference (the models check with
them); at 5-40 µs per identifier they alone would cap the bulk generator far
below its target. Here a check digit is a sum of precomputed partial sums,
looked up for a whole column of numbers in one numpy operation: numbers are
drawn as integers and split into 4-digit blocks whose weighted digit sums come
from tables; the sums of dates come from `kzcn.synth._days`.
`kzcn.synth.people` assembles the MRZ lines from these pieces.
`tests/test_synth_checks.py` proves, over many thousands of inputs, that these
functions, and the MRZ lines of generated documents, give exactly what the
reference functions give.
"""

from __future__ import annotations

from itertools import cycle
from operator import mul

import numpy as np

from kzcn.synth._columns import Ints, Texts, texts

__all__ = [
    "DIGITS",
    "DIGITS4",
    "MRZ2",
    "RID_DATE_PAIRS",
    "T4",
    "iin_numbers",
    "number_sum7",
    "number_sum8",
    "number_sum9",
    "pairs",
    "resident_id_tails",
    "rid_code_sum",
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


def pairs(tens: int, units: int) -> Ints:
    """Weighted digit sums of every 2-digit block 00-99 under the weights (tens, units)."""
    n = np.arange(100, dtype=np.int64)
    return tens * (n // 10) + units * (n % 10)


def _quads(high: Ints, low: Ints) -> Ints:
    """Sums of every 4-digit block 0000-9999 from the sums of its two 2-digit halves."""
    return (high[:, None] + low[None, :]).reshape(-1)


#: The MRZ sum of a 2-digit block whose first digit sits at a position ≡ shift (mod 3).
MRZ2 = np.stack([pairs(r[0], r[1]) for r in _ROTATED])
#: MRZ sums of 4-digit blocks starting at a position ≡ shift (mod 3).
T4 = np.stack([_quads(MRZ2[s], MRZ2[(s + 2) % 3]) for s in range(3)])
# … and of 3-digit blocks 000-999 starting at a position ≡ shift (mod 3).
_T3 = np.stack(
    [_quads(np.arange(10, dtype=np.int64) * _ICAO_W[s], MRZ2[(s + 1) % 3]) for s in range(3)]
)

#: Single digits and zero-padded 4-digit strings, so a block of a number is a look-up.
DIGITS = texts([str(d) for d in range(10)])
DIGITS4 = texts([f"{n:04d}" for n in range(10_000)])
_DIGITS3 = texts([f"{n:03d}" for n in range(1_000)])


# --- document numbers --------------------------------------------------------


def number_sum8(prefix: str, values: Ints) -> tuple[Texts, Ints]:
    """9-character numbers `prefix` + 8 digits (`values` < 10⁸), and their MRZ sums."""
    high, low = np.divmod(values, 10_000)
    return (
        prefix.encode() + DIGITS4[high] + DIGITS4[low],
        _VALUE[prefix] * 7 + T4[1][high] + T4[2][low],
    )


def number_sum9(values: Ints) -> tuple[Texts, Ints]:
    """9-digit numbers (`values` < 10⁹) and their MRZ sums."""
    first, rest = np.divmod(values, 100_000_000)
    high, low = np.divmod(rest, 10_000)
    return (DIGITS[first] + DIGITS4[high] + DIGITS4[low], first * 7 + T4[1][high] + T4[2][low])


_LETTERS = texts([chr(65 + i) for i in range(26)])


def number_sum7(first: str, letters: Ints, values: Ints) -> tuple[Texts, Ints]:
    """9-character numbers: `first`, a letter (0 = A … 25 = Z), 7 digits; their MRZ sums."""
    high, low = np.divmod(values, 10_000)
    return (
        first.encode() + _LETTERS[letters] + _DIGITS3[high] + DIGITS4[low],
        _VALUE[first] * 7 + (letters + 10) * 3 + _T3[2][high] + T4[2][low],
    )


# --- IIN -----------------------------------------------------------------------

_IIN_W1 = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)
_IIN_W2 = (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)
# Weighted sums of the 4-digit serial (IIN positions 7-10) under each weighting.
_SERIAL_W1 = _quads(pairs(*_IIN_W1[7:9]), pairs(*_IIN_W1[9:11]))
_SERIAL_W2 = _quads(pairs(*_IIN_W2[7:9]), pairs(*_IIN_W2[9:11]))


def iin_numbers(
    head: Texts, w1: Ints, w2: Ints, mrz: tuple[Ints, Ints], serial: Ints
) -> tuple[Texts, Ints, Ints]:
    """IINs from their 7-digit heads and the heads' partial sums, and a drawn serial each.

    `w1`, `w2` are the heads' sums under the two check weightings and `mrz` their
    MRZ sums at shifts 0 and 1 (`kzcn.synth._days`). The check digit is
    Σ digit × (1…11) mod 11, or with weights 3…11,1,2 when that is 10; a serial
    for which both give 10 cannot be used, and the next serial is taken.
    Returns the IINs and their MRZ sums at shifts 0 and 1.
    """
    serial = serial.copy()
    check = np.zeros_like(serial)
    todo = np.arange(len(serial))
    while len(todo):
        s = serial[todo]
        first = (w1[todo] + _SERIAL_W1[s]) % 11
        second = (w2[todo] + _SERIAL_W2[s]) % 11
        found = np.where(first == 10, second, first)
        check[todo] = found
        todo = todo[found == 10]
        serial[todo] = (serial[todo] + 1) % 10_000
    # Serial digits at IIN positions 7-10, check digit at 11.
    return (
        head + DIGITS4[serial] + DIGITS[check],
        mrz[0] + T4[1][serial] + check,
        mrz[1] + T4[2][serial] + check * 7,
    )


# --- resident ID (GB 11643-1999) ----------------------------------------------

_RID_W = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_RID_CHECK = texts("10X98765432")
_SEQUENCE = np.array(
    [sum(int(c) * w for c, w in zip(f"{n:03d}", _RID_W[14:], strict=True)) for n in range(1000)],
    dtype=np.int64,
)
#: Weights of the birth day's four 2-digit blocks (used by `kzcn.synth._days`).
RID_DATE_PAIRS = tuple(pairs(_RID_W[i], _RID_W[i + 1]) for i in range(6, 14, 2))


def rid_code_sum(code: str) -> int:
    """Weighted sum of a resident ID's 6-digit address code."""
    return sum(map(mul, map(int, code), _RID_W[:6]))


def resident_id_tails(code_sum: Ints, date_sum: Ints, sequence: Ints) -> Texts:
    """The last four characters of resident IDs: 3-digit sequence and check, from sums."""
    tails: Texts = _DIGITS3[sequence] + _RID_CHECK[(code_sum + date_sum + _SEQUENCE[sequence]) % 11]
    return tails
