"""Dotted-column flattening: how messages become CSV rows.

A nested object becomes columns `subject.surname.latin`; a list element gets
its index, `subject.documents.0.number`. An empty cell is null. Cells hold
JSON scalars as text: strings as they are, numbers and booleans in JSON form.
The way back is `kzcn.validation.columns.csv_layout`, which recovers each
column's type from the JSON Schema, so that "123" stays a string where the
schema wants a string.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["column_order", "flatten"]


def flatten(obj: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    """Flatten a JSON object to `{dotted path: cell text}`; nulls and empty lists vanish."""
    out: dict[str, str] = {}
    _flatten_into(obj, prefix, out)
    return out


def _flatten_into(value: Any, path: str, out: dict[str, str]) -> None:
    if isinstance(value, Mapping):
        for key, item in value.items():
            _flatten_into(item, f"{path}.{key}" if path else str(key), out)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _flatten_into(item, f"{path}.{index}", out)
    elif value is None:
        return
    elif isinstance(value, bool):
        out[path] = "true" if value else "false"
    else:
        out[path] = str(value)


def column_order(rows: Iterable[Mapping[str, str]]) -> list[str]:
    """Columns in first-seen order over all rows (a stable CSV header)."""
    seen: dict[str, None] = {}
    for row in rows:
        for column in row:
            seen.setdefault(column, None)
    return list(seen)
