"""CSV columns read back into objects: kept as an import path; `kzcn.flat` owns the layout."""

from __future__ import annotations

from kzcn.flat import MAX_COLUMN_PARTS, CsvLayout, column_types, csv_layout, normalise_column

__all__ = ["MAX_COLUMN_PARTS", "CsvLayout", "column_types", "csv_layout", "normalise_column"]
