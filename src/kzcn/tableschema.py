"""A Frictionless Table Schema for kzcn's CSV, from the JSON Schema's flat layout.

`kzcn generate --format csv` writes dotted columns (`kzcn.flat`); what each
column holds is read from the message JSON Schema (`column_leaves`), so the
Table Schema names no field or type by hand. A reader that follows it loses
nothing: `admin_code` is text (not `654025.0`), counts are integers even in a
column with empty cells, dates are dates.

`pandas_dtypes` turns a Table Schema into the `dtype` argument of
`pandas.read_csv` (nullable `Int64` and `boolean`, `string` for text and
dates, which pandas would otherwise guess), without importing pandas.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from kzcn.flat import column_leaves, normalise_column

__all__ = ["field_descriptor", "pandas_dtypes", "table_schema"]

#: JSON Schema type -> Table Schema type (https://specs.frictionlessdata.io/table-schema/).
_TYPES = {"string": "string", "integer": "integer", "number": "number", "boolean": "boolean"}
_PANDAS = {"integer": "Int64", "number": "Float64", "boolean": "boolean"}


def _leaf_type(node: Mapping[str, Any]) -> str:
    declared = node.get("type", "string")
    return _TYPES.get(str(declared), "string")


def field_descriptor(column: str) -> dict[str, Any]:
    """The Table Schema field for one CSV column (`subject.documents.0.number`)."""
    node = column_leaves()[normalise_column(column)]
    descriptor: dict[str, Any] = {"name": column, "type": _leaf_type(node)}
    if node.get("format") == "date":
        descriptor["type"] = "date"
    if node.get("description"):
        descriptor["description"] = node["description"]
    choices = node.get("enum") or ([node["const"]] if "const" in node else None)
    if choices:
        descriptor["constraints"] = {"enum": list(choices)}
    if descriptor["type"] == "boolean":
        descriptor |= {"trueValues": ["true"], "falseValues": ["false"]}
    return descriptor


def table_schema(columns: Sequence[str]) -> dict[str, Any]:
    """The Table Schema of a kzcn CSV with this header (an empty cell is a missing value)."""
    return {"fields": [field_descriptor(column) for column in columns], "missingValues": [""]}


def pandas_dtypes(schema: Mapping[str, Any]) -> dict[str, str]:
    """`pandas.read_csv(..., dtype=...)` for a Table Schema: nothing guessed, nothing lost."""
    return {field["name"]: _PANDAS.get(field["type"], "string") for field in schema["fields"]}
