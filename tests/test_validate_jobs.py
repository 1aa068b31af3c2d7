"""`kzcn validate --jobs N` gives the bytes of `--jobs 1`: report, summary, split, exit status."""

from __future__ import annotations

import csv
import io
import itertools
import pickle
from pathlib import Path

import pytest
from openpyxl import Workbook

from cli_runner import kzcn_process
from kzcn import flat
from kzcn.flat import csv_layout
from kzcn.synth import write_dataset
from kzcn.validation import TextReporter, _binary, _parallel, readers, report, validate_file
from kzcn.validation.readers import pack_units, units_for_stream, unpack_units

#: Enough records for two chunks of `_parallel.CHUNK`, a tenth of them corrupted.
RECORDS = 2500


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("jobs")
    paths = {}
    for fmt in ("jsonl", "csv"):
        paths[fmt] = folder / f"data.{fmt}"
        with paths[fmt].open("wb") as out:
            write_dataset(out, RECORDS, seed=7, fmt=fmt, invalid_rate=0.1, labels=io.BytesIO())
    return paths


Run = tuple[int, bytes, bytes, bytes]


def _run(path: Path, jobs: int, report_format: str, folder: Path) -> Run:
    valid, invalid = folder / f"valid{jobs}{path.suffix}", folder / f"invalid{jobs}{path.suffix}"
    done = kzcn_process(
        "validate", str(path), "--jobs", str(jobs), "--format", report_format,
        "--valid-out", str(valid), "--invalid-out", str(invalid),
    )  # fmt: skip
    assert not done.stderr
    return done.returncode, done.stdout, valid.read_bytes(), invalid.read_bytes()


@pytest.mark.slow  # worker processes
@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
@pytest.mark.parametrize("report_format", ["text", "json"])
def test_two_jobs_give_the_bytes_of_one(
    dataset: dict[str, Path], fmt: str, report_format: str, tmp_path: Path
) -> None:
    one = _run(dataset[fmt], 1, report_format, tmp_path)
    two = _run(dataset[fmt], 2, report_format, tmp_path)
    assert one == two
    code, stdout, valid, invalid = one
    assert code == 1
    assert b"structure" in stdout or b"name." in stdout  # problems were reported
    assert valid.count(b"\n") + invalid.count(b"\n") == dataset[fmt].read_bytes().count(b"\n") + (
        fmt == "csv"  # the header goes to both sides
    )


def _summary(path: Path, jobs: int, max_errors: int | None) -> tuple[str, str]:
    sink = io.StringIO()
    outcome = report(
        [validate_file(path, jobs=jobs)], TextReporter(sink.write), max_errors=max_errors
    )
    return sink.getvalue(), repr(outcome.summary)


@pytest.mark.slow  # worker processes
@pytest.mark.parametrize("max_errors", [None, 5])
def test_many_small_chunks_keep_order_and_counts(
    dataset: dict[str, Path], max_errors: int | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Chunks of 7 units: lines and order survive; stopping early still counts every line."""
    monkeypatch.setattr(_parallel, "CHUNK", 7)
    path = dataset["jsonl"]
    assert _summary(path, 2, max_errors) == _summary(path, 1, max_errors)


def test_jobs_below_one_are_refused(dataset: dict[str, Path]) -> None:
    with pytest.raises(ValueError, match="jobs"):
        validate_file(dataset["jsonl"], jobs=0)


def _mixed_csv(dataset: dict[str, Path]) -> bytes:
    """The dataset's CSV with every kind of row a reader tells apart, CRLF line ends."""
    header, *rows = dataset["csv"].read_bytes().splitlines(keepends=True)[:40]
    width = header.count(b",")
    odd = [
        b"\n",  # blank
        b"a,b\n",  # the wrong width
        b"\xff" + b"," * width + b"\n",  # not UTF-8
        b'"a"b' + b"," * width + b"\n",  # a quote csv refuses
        b'"two\nlines"' + b"," * width + b"\n",  # a quoted cell over two lines
    ]
    mixed = [header, *rows[:10], *odd, *rows[10:]]
    return b"".join(line.replace(b"\n", b"\r\n") for line in mixed)


def _as_checked(unit: object) -> tuple[object, ...]:
    return tuple(getattr(unit, name) for name in ("line", "raw", "obj", "found", "role", "lines"))


def test_packed_units_are_the_units_read(dataset: dict[str, Path], tmp_path: Path) -> None:
    """A chunk sent to a worker (`pack_units`, pickled) gives back every unit as read."""
    path = tmp_path / "mixed.csv"
    path.write_bytes(_mixed_csv(dataset))
    with path.open("rb") as stream:
        units = list(units_for_stream(stream, name=path.name))
    assert {unit.role for unit in units} == {"header", "record", "blank"}
    sent = pickle.loads(pickle.dumps(pack_units(units)))  # noqa: S301 - our own bytes
    assert [_as_checked(unit) for unit in unpack_units(sent)] == [
        _as_checked(unit) for unit in units
    ]


@pytest.mark.slow  # worker processes
def test_a_mixed_csv_in_small_chunks_gives_the_report_of_one_job(
    dataset: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_parallel, "CHUNK", 7)
    path = tmp_path / "mixed.csv"
    path.write_bytes(_mixed_csv(dataset))
    one = _summary(path, 1, None)
    assert "input.csv_row" in one[0]
    assert "input.not_utf8" in one[0]
    assert _summary(path, 2, None) == one


def test_packed_sheet_rows_are_the_rows_read() -> None:
    """A sheet's rows go to a worker as one string each, unless a cell holds its separator."""
    header = ["kind", "subject.surname.latin", "rows.0.visas_issued"]
    rows: list[list[object]] = [
        ["suspension_notice", "", 12.0],
        ["", "", ""],
        ["x", "A\x1fB", "3"],
        ["y", "", ""],
    ]
    units = list(_binary._sheet_units(iter([header, *rows])))
    assert [unit.role for unit in units] == ["header", "record", "blank", "record", "record"]
    sent = pickle.loads(pickle.dumps(pack_units(units)))  # noqa: S301 - our own bytes
    assert [_as_checked(unit) for unit in unpack_units(sent)] == [
        _as_checked(unit) for unit in units
    ]
    assert units[1].obj == {"kind": "suspension_notice", "rows": [{"visas_issued": 12}]}
    assert units[3].obj == {
        "kind": "x",
        "subject": {"surname": {"latin": "A\x1fB"}},
        "rows": [{"visas_issued": 3}],
    }


@pytest.mark.slow  # worker processes
def test_an_xlsx_in_small_chunks_gives_the_report_of_one_job(
    dataset: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_parallel, "CHUNK", 7)
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    with dataset["csv"].open(encoding="utf-8", newline="") as handle:
        for row in itertools.islice(csv.reader(handle), 60):
            sheet.append([cell or None for cell in row])
    path = tmp_path / "data.xlsx"
    book.save(path)
    one = _summary(path, 1, None)
    assert "59 records" in one[0]
    assert "structure" in one[0] or "name." in one[0]  # problems were reported
    assert _summary(path, 2, None) == one


def test_a_table_reaches_a_worker_built(monkeypatch: pytest.MonkeyPatch) -> None:
    """A table is pickled with its layout's recipe: remade without the schema walk, once."""
    header = ["kind", "synthetic", "subject.surname.latin", "rows.0.visas_issued", "nonsense"]
    table = readers.Table(csv_layout(header), ";")
    sent = pickle.dumps(table)
    monkeypatch.setattr(flat, "_SHIPPED", {})
    monkeypatch.setattr(readers, "_TABLES", {})

    def refused(*_: object) -> None:
        raise AssertionError("remade from the schema")

    monkeypatch.setattr(flat, "column_types", refused)
    monkeypatch.setattr(flat, "_compile", refused)
    arrived = pickle.loads(sent)  # noqa: S301 - our own bytes
    assert arrived is not table
    assert pickle.loads(sent) is arrived  # noqa: S301 - one table a worker: its shapes kept
    assert arrived.delimiter == ";"
    kept = ("header", "unknown", "columns", "typed", "recipe")
    assert [getattr(arrived.layout, name) for name in kept] == [
        getattr(table.layout, name) for name in kept
    ]
    row = ["suspension_notice", "TRUE", "IVANOV", "12", "x"]
    expected = {
        "kind": "suspension_notice",
        "synthetic": True,
        "subject": {"surname": {"latin": "IVANOV"}},
        "rows": [{"visas_issued": 12}],
        "nonsense": "x",  # reported as an unknown column, and built as read
    }
    assert arrived.layout.build(row) == expected
    assert table.layout.build(row) == expected
