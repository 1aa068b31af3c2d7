"""A Frictionless Table Schema for kzcn's CSV, from the JSON Schema's flat layout.

`kzcn generate --format csv` writes dotted columns (`kzcn.flat`); what each
column holds is read from the message JSON Schema (`column_leaves`), so the
Table Schema names no field or type by hand. A reader that follows it loses
nothing: `admin_code` is text (not `654025.0`), counts are integers even in a
column with empty cells, dates are dates.

`pandas_dtypes` turns a Table Schema into the `dtype` argument of
`pandas.read_csv` (nullable `Int64` and `boolean`, `string` for text and
dates, which pandas would otherwise guess), without importing pandas.

`kzcn generate` writes `<name>.datapackage.json` (`data_package`) beside every
CSV and Parquet dataset, so that frictionless, pandas and DuckDB users get the
column types without guessing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from kzcn.flat import column_leaves, csv_columns, normalise_column

__all__ = [
    "data_package",
    "descriptor_path",
    "field_descriptor",
    "pandas_dtypes",
    "table_schema",
]

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


def table_schema(columns: Sequence[str] | None = None) -> dict[str, Any]:
    """The Table Schema of a kzcn CSV with this header (an empty cell is a missing value).

    The default header is `kzcn generate`'s (`kzcn.flat.csv_columns`).
    """
    names = csv_columns() if columns is None else columns
    return {"fields": [field_descriptor(column) for column in names], "missingValues": [""]}


def pandas_dtypes(schema: Mapping[str, Any]) -> dict[str, str]:
    """`pandas.read_csv(..., dtype=...)` for a Table Schema: nothing guessed, nothing lost."""
    return {field["name"]: _PANDAS.get(field["type"], "string") for field in schema["fields"]}


def _nested_schema() -> dict[str, Any]:
    """The Table Schema of the Parquet layout: top-level columns, nested ones object or array."""
    fields: dict[str, str] = {}
    for pattern in column_leaves():
        top, _, rest = pattern.partition(".")
        if rest:
            fields.setdefault(top, "array" if rest.startswith("*") else "object")
        else:
            fields.setdefault(top, field_descriptor(top)["type"])
    return {"fields": [{"name": name, "type": kind} for name, kind in fields.items()]}


def data_package(resource: str, fmt: str, *, name: str = "kzcn-messages") -> dict[str, Any]:
    """A Data Package descriptor of one dataset file at `resource` (relative to the descriptor).

    `fmt` is `csv` or `parquet`. The descriptor says the data are synthetic.
    """
    schema = table_schema() if fmt == "csv" else _nested_schema()
    item: dict[str, Any] = {
        "name": "messages",
        "path": resource,
        "format": fmt,
        "profile": "tabular-data-resource" if fmt == "csv" else "data-resource",
        "schema": schema,
    }
    if fmt == "csv":
        item |= {"encoding": "utf-8", "mediatype": "text/csv"}
    if resource.endswith(".gz"):
        item["compression"] = "gz"
    return {
        "name": name,
        "title": "Synthetic messages of the 2023 Kazakhstan-China agreement (kzcn generate)",
        "profile": "data-package",
        "resources": [item],
    }


def descriptor_path(dataset: Path) -> Path:
    """Where a dataset's descriptor goes: `out/a.csv.gz` -> `out/a.datapackage.json`."""
    name = dataset.name
    for suffix in (".gz", ".csv", ".parquet"):
        name = name.removesuffix(suffix)
    return dataset.with_name(f"{name}.datapackage.json")
