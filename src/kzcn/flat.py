"""Dotted-column flattening: how messages become CSV rows and come back.

A nested object becomes columns `subject.surname.latin`; a list element gets
its index, `subject.documents.0.number`. An empty cell is null. Cells hold
JSON scalars as text: strings as they are, numbers and booleans in JSON form.
Column types are recovered from the JSON Schema's field types, so that the
string "123" stays a string where the schema wants a string.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["flatten", "unflatten"]


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


def _parse_scalar(text: str, json_type: str) -> Any:
    if json_type == "boolean":
        return {"true": True, "false": False}.get(text, text)
    if json_type == "integer":
        try:
            return int(text)
        except ValueError:
            return text
    return text


def unflatten(
    row: Mapping[str, str], types: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """Rebuild a JSON object from dotted cells; empty cells are left out (null).

    `types` maps a dotted path with list indexes replaced by `*` (for example
    `rows.*.visas_issued`) to its JSON type, so integers and booleans come back
    as such; anything else stays text for the validator to judge.
    """
    root: dict[str, Any] = {}
    for column, cell in row.items():
        if cell == "":
            continue
        parts = column.split(".")
        json_type = (types or {}).get(".".join("*" if p.isdigit() else p for p in parts), "string")
        _set(root, parts, _parse_scalar(cell, json_type))
    rebuilt: dict[str, Any] = _lists(root)
    return rebuilt


def _set(node: dict[str, Any], parts: list[str], value: Any) -> None:
    for part in parts[:-1]:
        child = node.setdefault(part, {})
        if not isinstance(child, dict):  # a column both a leaf and a parent: keep the leaf
            return
        node = child
    node[parts[-1]] = value


def _lists(node: Any) -> Any:
    """Turn dicts whose keys are all 0..n-1 into lists, depth first."""
    if not isinstance(node, dict):
        return node
    converted = {key: _lists(value) for key, value in node.items()}
    if converted and all(key.isdigit() for key in converted):
        indexes = sorted(int(key) for key in converted)
        if indexes == list(range(len(indexes))):
            return [converted[str(i)] for i in indexes]
    return converted


def column_order(rows: Iterable[Mapping[str, str]]) -> list[str]:
    """Columns in first-seen order over all rows (a stable CSV header)."""
    seen: dict[str, None] = {}
    for row in rows:
        for column in row:
            seen.setdefault(column, None)
    return list(seen)
