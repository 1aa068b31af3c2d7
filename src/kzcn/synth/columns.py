"""The CSV header `kzcn generate --format csv` writes: kept as an import path; see `kzcn.flat`."""

from __future__ import annotations

from kzcn.flat import csv_columns

__all__ = ["csv_columns"]
