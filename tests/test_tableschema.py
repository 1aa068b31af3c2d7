"""The Table Schema of kzcn's CSV: each column's type from the JSON Schema, none by hand."""

from __future__ import annotations

import pytest

from kzcn.tableschema import field_descriptor, pandas_dtypes, table_schema


@pytest.mark.parametrize(
    ("column", "kind", "dtype"),
    [
        ("subject.place_of_birth.admin_code", "string", "string"),
        ("subject.documents.0.number", "string", "string"),
        ("rows.3.visas_issued", "integer", "Int64"),
        ("sent_on", "date", "string"),
        ("subject.documents.1.date_of_expiry", "date", "string"),
        ("synthetic", "boolean", "boolean"),
        ("kind", "string", "string"),
    ],
)
def test_column_types(column: str, kind: str, dtype: str) -> None:
    schema = table_schema([column])
    assert schema["fields"][0]["type"] == kind
    assert pandas_dtypes(schema) == {column: dtype}


def test_enums_booleans_and_missing_values() -> None:
    assert "KAZ" in field_descriptor("sender.state")["constraints"]["enum"]
    assert field_descriptor("synthetic")["trueValues"] == ["true"]
    assert table_schema([])["missingValues"] == [""]


def test_an_unknown_column_is_an_error() -> None:
    with pytest.raises(KeyError):
        field_descriptor("subject.shoe_size")
