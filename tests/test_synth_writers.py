"""Writers: JSONL, JSON array and CSV, and the CSV round trip through the validator."""

from __future__ import annotations

import csv
import io

import orjson
import pytest

from kzcn.flat import unflatten
from kzcn.synth import LIST_LIMITS, column_types, csv_columns, write_dataset
from kzcn.validation import validate_message


def _write(fmt: str, count: int = 200, seed: int = 1) -> bytes:
    out = io.BytesIO()
    write_dataset(out, count, seed=seed, fmt=fmt)  # type: ignore[arg-type]
    return out.getvalue()


def test_jsonl_is_one_message_per_line() -> None:
    lines = _write("jsonl").splitlines()
    assert len(lines) == 200
    assert all(validate_message(line).valid for line in lines)


@pytest.mark.parametrize("count", [0, 1, 3])
def test_json_is_one_array_of_the_same_messages(count: int) -> None:
    array = orjson.loads(_write("json", count))
    assert array == [orjson.loads(x) for x in _write("jsonl", count).splitlines()]


def test_csv_header_is_fixed_and_covers_every_kind() -> None:
    header = next(csv.reader(io.StringIO(_write("csv", 5).decode())))
    assert header == csv_columns()
    assert header[:3] == ["schema_version", "message_id", "kind"]
    for column in ("subject.documents.3.mrz.2", "crossings.2.document_number",
                   "rows.8.visas_issued", "suspended_areas.3", "measures.3",
                   "termination_evidence.issuer", "citizens_of"):
        assert column in header


def test_csv_rows_round_trip_through_unflatten_and_the_validator() -> None:
    text = _write("csv", 1500, seed=8).decode()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 1500
    originals = [orjson.loads(x) for x in _write("jsonl", 1500, seed=8).splitlines()]
    types = column_types()
    for row, original in zip(rows, originals, strict=True):
        rebuilt = unflatten(row, types)
        assert validate_message(orjson.dumps(rebuilt)).valid
        assert rebuilt["message_id"] == original["message_id"]
        assert rebuilt["synthetic"] is True


def test_column_types_name_the_non_string_leaves() -> None:
    assert column_types() == {
        "synthetic": "boolean",
        "rows.*.visa_free_entries": "integer",
        "rows.*.visa_free_exits": "integer",
        "rows.*.visas_issued": "integer",
    }


def test_csv_columns_follow_the_limits() -> None:
    few = csv_columns({**LIST_LIMITS, "subject.documents": 1})
    assert "subject.documents.0.number" in few
    assert "subject.documents.1.number" not in few


def test_csv_labels_count_data_rows() -> None:
    out, labels = io.BytesIO(), io.BytesIO()
    write_dataset(out, 50, seed=2, fmt="csv", invalid_rate=0.5, labels=labels)
    rows = list(csv.DictReader(io.StringIO(out.getvalue().decode())))
    truth = [orjson.loads(x) for x in labels.getvalue().splitlines()]
    types = column_types()
    for row, label in zip(rows, truth, strict=True):
        result = validate_message(orjson.dumps(unflatten(row, types)))
        assert sorted(p.code for p in result.problems if p.severity == "error") == label["codes"]


def test_progress_is_reported_to_the_end() -> None:
    seen: list[int] = []
    write_dataset(io.BytesIO(), 1100, seed=1, progress=seen.append)
    assert seen[-1] == 1100
    assert seen == sorted(seen)


@pytest.mark.parametrize(("count", "rate"), [(-1, 0.0), (1, 1.5), (1, -0.1)])
def test_bad_arguments_are_refused(count: int, rate: float) -> None:
    with pytest.raises(ValueError, match=r"count|invalid_rate"):
        write_dataset(io.BytesIO(), count, invalid_rate=rate, labels=io.BytesIO())
