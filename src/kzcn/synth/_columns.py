"""Columns: numpy arrays of whole numbers, and of UTF-8 JSON fragments.

The bulk generator works on a column of records at a time and writes bytes:
every table entry is serialised to UTF-8 JSON once, and a record is the
row-wise join of fragments (`join_rows`), so nothing is encoded per record.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import repeat
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = [
    "Flags",
    "Floats",
    "Ints",
    "Pieces",
    "Texts",
    "commas",
    "fixed",
    "hex_digits",
    "join_rows",
    "texts",
]

#: A column of whole numbers.
Ints = npt.NDArray[np.int64]
#: A column (or rows) of uniform draws in [0, 1).
Floats = npt.NDArray[np.float64]
#: A column of yes/no.
Flags = npt.NDArray[np.bool_]
#: A column of `bytes` (a numpy object array).
Texts = npt.NDArray[Any]
#: Constant fragments and columns that, joined row by row, make a column of JSON values.
Pieces = tuple[bytes | Texts, ...]


def texts(items: Iterable[Any]) -> Texts:
    """A column of the items (bytes, or `str` encoded to UTF-8)."""
    return np.fromiter((i.encode() if isinstance(i, str) else i for i in items), dtype=object)


def join_rows(*parts: bytes | Texts) -> Texts:
    """Row-wise joins of columns and constant fragments (the columns of one length)."""
    columns = [repeat(p) if isinstance(p, bytes) else p for p in parts]
    return np.fromiter(map(b"".join, zip(*columns, strict=False)), dtype=object)


def fixed(chars: Any) -> Texts:
    """Each row of an (n, width) matrix of single bytes as one bytes value."""
    return np.ascontiguousarray(chars).view(f"S{chars.shape[1]}").ravel().astype(object)


def commas(present: Any) -> Texts:
    """A comma where `present`, nothing elsewhere: the separator before an optional item."""
    return np.where(present, b",", b"").astype(object)


def hex_digits(words: Any) -> Any:
    """An (n, k) array of 64-bit words as an (n, 16k) matrix of hex digits (single bytes)."""
    n, k = words.shape
    text = words.astype(">u8").tobytes().hex().encode()
    return np.frombuffer(text, dtype="S1").reshape(n, 16 * k)
