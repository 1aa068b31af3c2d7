"""Parquet out of `kzcn generate`, into `kzcn validate`; datapackage.json beside CSV and Parquet."""

from __future__ import annotations

import io
import json
from pathlib import Path

import duckdb
import numpy as np
import orjson
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cli_runner import invoke_command
from kzcn._parquet import CHUNKS_PER_ROW_GROUP, arrow_array, arrow_schema, chunk_table, table_of
from kzcn.flat import csv_columns
from kzcn.messages import MESSAGE_KINDS
from kzcn.synth import write_dataset
from kzcn.synth._view import Coded, Items, Json, Number, Pick, Record, Text, View, stack, take
from kzcn.synth.generator import Generator, chunk_rng
from kzcn.tableschema import data_package, descriptor_path, table_schema
from kzcn.validation import validate_file
from kzcn.validation._binary import drop_nulls

COUNT = 6_000  # more than one chunk of the generator (5,000): two row groups


def _dataset(fmt: str, count: int = COUNT, jobs: int = 1, seed: int = 7) -> bytes:
    out = io.BytesIO()
    write_dataset(out, count, seed=seed, fmt=fmt, jobs=jobs)  # type: ignore[arg-type]
    return out.getvalue()


@pytest.fixture(scope="module")
def parquet_bytes() -> bytes:
    return _dataset("parquet")


@pytest.mark.slow  # worker processes
def test_same_seed_same_bytes_for_any_jobs(parquet_bytes: bytes) -> None:
    assert _dataset("parquet", jobs=2) == parquet_bytes
    assert _dataset("parquet", seed=8) != parquet_bytes


def test_the_columns_route_writes_what_the_json_route_writes(parquet_bytes: bytes) -> None:
    # Asking for labels sends every chunk through its JSON text (`table_of`).
    out = io.BytesIO()
    write_dataset(out, COUNT, seed=7, fmt="parquet", labels=io.BytesIO())
    assert out.getvalue() == parquet_bytes


@pytest.mark.parametrize("kind", MESSAGE_KINDS)
@pytest.mark.parametrize("sender", ["KAZ", "CHN"])
def test_each_kind_as_columns_is_its_json(kind: str, sender: str) -> None:
    columns = Generator(chunk_rng(3, len(kind)), population_seed=3).built(400, kind, sender)
    ((rows, built),) = columns
    lines = built.json()
    assert chunk_table(columns, len(rows)).equals(table_of(b"\n".join([*lines, b""])))


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32), size=st.integers(0, 120))
def test_a_chunk_as_columns_is_its_json_in_order(seed: int, size: int) -> None:
    columns = Generator(chunk_rng(seed, 0), population_seed=seed).built(120)
    lines = Generator(chunk_rng(seed, 0), population_seed=seed).lines(120)[:size]
    assert chunk_table(columns, size).equals(table_of(b"\n".join([*lines, b""])))


def test_a_view_naming_a_field_of_no_column_is_refused() -> None:
    view = Record(1, {"kind": Json(b'"suspension_notice"'), "remarks": Text(b"x")})
    with pytest.raises(ValueError, match=r"no Parquet column for \['remarks'\]"):
        arrow_array(view, pa.struct(list(arrow_schema())))


_TABLE = np.array([b"x", b"y"], dtype=object)
_OTHER_TABLE = np.array([b"z"], dtype=object)
_ONE_STRING = pa.struct([pa.field("a", pa.string())])


@pytest.mark.parametrize(
    ("views", "arrow_type", "expected"),
    [
        ([Text(b"a"), Json(b"null")], pa.string(), ["a", None]),
        ([Text(b'"q"', quoted=True), Text(b"u")], pa.string(), ["q", "u"]),
        ([Number(np.array([7])), Json(b"null")], pa.int64(), [7, None]),
        ([Coded(_TABLE, np.array([1])), Coded(_OTHER_TABLE, np.array([0]))], pa.string(),
         ["y", "z"]),
        ([Items(np.array([0, 1]), Text(b"x")), Json(b"null"), Items(np.array([0, 0]), Text(b""))],
         pa.list_(pa.string()), [["x"], None, []]),
        ([Record(1, {"a": Text(b"x")}), Json(b"null")], _ONE_STRING, [{"a": "x"}, None]),
        ([Pick((Record(2, {"a": Coded(_TABLE, np.array([0, 1]))}),), np.array([1])),
          Record(1, {"a": Text(b"z")}), Json(b"null")],
         _ONE_STRING, [{"a": "y"}, {"a": "z"}, None]),
    ],
    ids=["text and null", "quoted and not", "number and null", "two tables",
         "lists, null and empty", "record and null", "pick, record and null"],
)  # fmt: skip
def test_views_stacked_convert_as_each_alone(
    views: list[View], arrow_type: pa.DataType, expected: list[object]
) -> None:
    # A chunk's kinds are stacked before conversion: a field one kind lacks is null there.
    stacked = stack(views, [1] * len(views))
    assert arrow_array(stacked, arrow_type, len(views)).to_pylist() == expected
    alone = [arrow_array(view, arrow_type, 1) for view in views]
    assert pa.concat_arrays(alone).to_pylist() == expected


@settings(max_examples=20, deadline=None)
@given(rows=st.lists(st.integers(0, 59), max_size=80))
def test_rows_taken_from_a_view_are_the_rows_of_its_array(rows: list[int]) -> None:
    # Pooled people are taken from their pool's view (`_recurring.subjects_view`).
    ((_, built),) = Generator(chunk_rng(5, 0)).built(60, "entry_stay_exit_violation", "KAZ")
    record = built.view()
    index = np.array(rows, dtype=np.int64)
    arrow_type = pa.struct(list(arrow_schema()))
    assert arrow_array(take(record, index), arrow_type).equals(
        arrow_array(record, arrow_type).take(pa.array(index, pa.int64()))
    )


def test_a_quoted_text_loses_its_quotes_and_nulls_stay_null() -> None:
    view = Text(np.array([b'"A1"', b"null"], dtype=object), np.array([True, False]), quoted=True)
    assert arrow_array(view, pa.string(), 2).to_pylist() == ["A1", None]


def test_chunks_gather_into_row_groups(parquet_bytes: bytes) -> None:
    meta = pq.ParquetFile(io.BytesIO(parquet_bytes)).metadata
    assert (meta.num_rows, meta.num_row_groups) == (COUNT, 1)


@pytest.mark.slow  # worker processes
def test_row_groups_of_ten_chunks_for_any_jobs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("kzcn.synth.generator.CHUNK", 10)
    monkeypatch.setattr("kzcn.synth.writers.CHUNK", 10)
    written = _dataset("parquet", count=235, jobs=2)
    meta = pq.ParquetFile(io.BytesIO(written)).metadata
    sizes = [meta.row_group(i).num_rows for i in range(meta.num_row_groups)]
    assert sizes == [CHUNKS_PER_ROW_GROUP * 10, CHUNKS_PER_ROW_GROUP * 10, 35]
    assert written == _dataset("parquet", count=235, jobs=1)


def test_the_rows_are_the_jsonl_messages(parquet_bytes: bytes) -> None:
    table = pq.read_table(io.BytesIO(parquet_bytes))
    assert table.schema == arrow_schema()
    assert isinstance(table.schema.field("subject").type, pa.StructType)
    lines = _dataset("jsonl").splitlines()
    # A null and an absent field are one in Parquet, as they are to the models.
    assert [drop_nulls(row) for row in table.to_pylist()] == [
        drop_nulls(orjson.loads(line)) for line in lines
    ]


def test_duckdb_reads_the_jsonl_messages(tmp_path: Path, parquet_bytes: bytes) -> None:
    path = tmp_path / "a.parquet"
    path.write_bytes(parquet_bytes)
    relation = duckdb.sql(f"select * from read_parquet('{path}')")  # noqa: S608 - a test's own path
    assert relation is not None
    rows = [dict(zip(relation.columns, row, strict=True)) for row in relation.fetchall()]
    lines = _dataset("jsonl").splitlines()
    assert [drop_nulls(row) for row in rows] == [drop_nulls(orjson.loads(line)) for line in lines]


@pytest.mark.slow  # commands as processes
def test_validate_reads_parquet_as_it_reads_jsonl(tmp_path: Path, parquet_bytes: bytes) -> None:
    parquet, jsonl = tmp_path / "a.parquet", tmp_path / "a.jsonl"
    parquet.write_bytes(parquet_bytes)
    jsonl.write_bytes(_dataset("jsonl"))

    def found(path: Path) -> list[tuple[int | None, str, str]]:
        return [(r.line, p.path, p.code) for r in validate_file(path) for p in r.problems]

    assert found(parquet) == found(jsonl)


def test_a_damaged_parquet_file_is_refused(tmp_path: Path, parquet_bytes: bytes) -> None:
    path = tmp_path / "a.parquet"
    path.write_bytes(parquet_bytes[: len(parquet_bytes) // 2])
    code, out = invoke_command("validate", [str(path)])
    assert (code, out) == (2, f"kzcn: error: {path}: not a Parquet file\n")


@pytest.mark.slow  # commands as processes
def test_parquet_is_found_by_its_magic_number(tmp_path: Path, parquet_bytes: bytes) -> None:
    path = tmp_path / "data.bin"
    path.write_bytes(parquet_bytes)
    code, out = invoke_command("validate", [str(path)])
    assert code == 0, out
    assert f"{COUNT} valid, 0 invalid" in out


def test_generate_refuses_corrupted_records_as_parquet(tmp_path: Path) -> None:
    code, out = invoke_command(
        "generate",
        ["-n", "5", "--format", "parquet", "-o", str(tmp_path / "a.parquet"),
         "--invalid-rate", "0.5", "--labels", str(tmp_path / "l.jsonl")],
    )  # fmt: skip
    assert code == 2
    assert "--invalid-rate" in out


# --- datapackage.json --------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_generate_writes_a_data_package_beside_the_dataset(tmp_path: Path, fmt: str) -> None:
    dataset = tmp_path / f"messages.{fmt}"
    code, out = invoke_command("generate", ["-n", "20", "--format", fmt, "-o", str(dataset)])
    assert code == 0, out
    package = json.loads((tmp_path / "messages.datapackage.json").read_bytes())
    assert package == data_package(dataset.name, fmt)
    (resource,) = package["resources"]
    assert (tmp_path / resource["path"]).is_file()


def test_no_data_package_for_jsonl(tmp_path: Path) -> None:
    code, _ = invoke_command("generate", ["-n", "5", "-o", str(tmp_path / "m.jsonl")])
    assert code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.jsonl"]


def test_the_table_schema_names_every_csv_column_with_its_type() -> None:
    fields = {field["name"]: field for field in table_schema()["fields"]}
    assert list(fields) == csv_columns()
    assert fields["subject.date_of_birth"]["type"] == "date"
    assert fields["synthetic"]["type"] == "boolean"
    assert (fields["synthetic"]["trueValues"], fields["synthetic"]["falseValues"]) == (
        ["true"], ["false"]
    )  # fmt: skip
    assert fields["rows.0.visas_issued"]["type"] == "integer"
    assert fields["subject.sex"]["type"] == "string"


@pytest.mark.parametrize(
    ("dataset", "descriptor"),
    [("a/m.csv", "a/m.datapackage.json"), ("m.csv.gz", "m.datapackage.json"),
     ("x.parquet", "x.datapackage.json")],
)  # fmt: skip
def test_descriptor_path(dataset: str, descriptor: str) -> None:
    assert descriptor_path(Path(dataset)) == Path(descriptor)


def test_duckdb_reads_the_nested_columns(tmp_path: Path, parquet_bytes: bytes) -> None:
    path = tmp_path / "a.parquet"
    path.write_bytes(parquet_bytes)
    query = f"select count(*), count(subject.date_of_birth) from read_parquet('{path}')"  # noqa: S608 - a test's own path
    relation = duckdb.sql(query)
    assert relation is not None
    ((rows, born),) = relation.fetchall()
    assert rows == COUNT
    assert 0 < born <= COUNT


@pytest.mark.parametrize(
    "line",
    [b'{"kind": "suspension_notice", "remarks": "x"}', b'{"synthetic": "yes"}'],
    ids=["a field of no column", "a value of the wrong type"],
)
def test_a_record_that_does_not_fit_the_columns_is_refused(line: bytes) -> None:
    with pytest.raises(ValueError, match="does not fit the Parquet columns"):
        table_of(line + b"\n")


def test_no_lines_make_an_empty_table() -> None:
    assert table_of(b"").schema == arrow_schema()
