"""Frictionless Table Schema and Data Package descriptors of the datasets kzcn writes.

`kzcn generate` writes `<name>.datapackage.json` next to every CSV and
Parquet dataset, so that frictionless, pandas and DuckDB users get the
column types without guessing. The types come from the flat layout
(`kzcn.flat`), itself walked from the JSON Schema of the models.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from kzcn.flat import column_formats, column_types, csv_columns, normalise_column

__all__ = ["data_package", "descriptor_path", "table_schema"]

#: JSON Schema type -> Table Schema type.
_TYPES = {"string": "string", "integer": "integer", "number": "number", "boolean": "boolean"}
#: JSON Schema format -> Table Schema type (a date is written `YYYY-MM-DD`).
_FORMATS = {"date": "date"}


def _field(column: str) -> dict[str, Any]:
    pattern = normalise_column(column)
    kind = _FORMATS.get(column_formats().get(pattern, ""), _TYPES.get(column_types()[pattern]))
    field: dict[str, Any] = {"name": column, "type": kind or "string"}
    if kind == "boolean":  # as `kzcn.flat.flatten` writes them
        field |= {"trueValues": ["true"], "falseValues": ["false"]}
    return field


def table_schema(columns: Sequence[str] | None = None) -> dict[str, Any]:
    """The Table Schema of the CSV layout: one field per column (default: `csv_columns()`).

    Every field may be empty (a kind without it, or an absent optional
    field), so none is `required`; the message kind is in `kind`.
    """
    names = csv_columns() if columns is None else list(columns)
    return {"fields": [_field(name) for name in names], "missingValues": [""]}


def _nested_schema() -> dict[str, Any]:
    """The Table Schema of the Parquet layout: top-level columns, nested ones object or array."""
    fields: dict[str, str] = {}
    for pattern, json_type in column_types().items():
        top, _, rest = pattern.partition(".")
        if not rest:
            fields.setdefault(top, _FORMATS.get(column_formats().get(top, ""), json_type))
        else:
            fields.setdefault(top, "array" if rest.startswith("*") else "object")
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
