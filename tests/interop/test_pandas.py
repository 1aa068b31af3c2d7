"""pandas reads generated CSV through the shipped Table Schema without losing a digit."""

from __future__ import annotations

import csv
from pathlib import Path

from interop_tools import need_module

from cli_runner import kzcn_process
from kzcn.tableschema import pandas_dtypes, table_schema


def _cell(value: object, kind: str) -> str:
    """A cell as the CSV wrote it: empty for missing, `true`/`false`, digits as they were."""
    if need_module("pandas").isna(value):
        return ""
    if kind == "boolean":
        return "true" if value else "false"
    return str(value)


def test_pandas_reads_every_cell_back_as_written(tmp_path: Path) -> None:
    pd = need_module("pandas")
    data = tmp_path / "messages.csv"
    kzcn_process(
        "generate", "-n", "1000", "--seed", "16", "-q", "--format", "csv", "-o", str(data),
        check=True,
    )  # fmt: skip
    with data.open(encoding="utf-8", newline="") as handle:
        header, *rows = list(csv.reader(handle))
    schema = table_schema(header)
    frame = pd.read_csv(data, dtype=pandas_dtypes(schema), keep_default_na=False, na_values=[""])
    kinds = [field["type"] for field in schema["fields"]]
    lost = [
        (name, line)
        for column, (name, kind) in enumerate(zip(header, kinds, strict=True))
        for line, row in enumerate(rows)
        if _cell(frame[name].iat[line], kind) != row[column]
    ]
    assert lost == []
    # What a plain read_csv does to the same file: counts and codes become floats.
    guessed = pd.read_csv(data)
    assert "float64" in {str(t) for t in guessed.dtypes}
    assert {str(frame[f["name"]].dtype) for f in schema["fields"] if f["type"] == "integer"} == {
        "Int64"
    }
