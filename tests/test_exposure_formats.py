"""`kzcn exposure` reads every format `kzcn validate` reads, and counts only valid records."""

from __future__ import annotations

import csv
import gzip
import io
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import duckdb
import orjson
import pytest
from openpyxl import Workbook

from cli_runner import invoke_command
from kzcn.exposure import compute_exposure
from kzcn.exposure._format import headline, words
from kzcn.synth import write_dataset

COUNT = 400


def _written(fmt: str) -> bytes:
    out = io.BytesIO()
    write_dataset(out, COUNT, seed=11, fmt=fmt)  # type: ignore[arg-type]
    return out.getvalue()


def _rows() -> list[list[str]]:
    return list(csv.reader(io.StringIO(_written("csv").decode("utf-8"))))


def _tsv() -> bytes:
    out = io.StringIO()
    csv.writer(out, delimiter="\t", lineterminator="\n").writerows(_rows())
    return out.getvalue().encode("utf-8")


def _xlsx() -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in _rows():
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.fixture(scope="module")
def datasets(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("formats")
    contents = {
        "jsonl": _written("jsonl"),
        "json": _written("json"),
        "csv": _written("csv"),
        "tsv": _tsv(),
        "xlsx": _xlsx(),
        "parquet": _written("parquet"),
    }
    paths = {}
    for fmt, data in contents.items():
        paths[fmt] = folder / f"messages.{fmt}"
        paths[fmt].write_bytes(data)
        paths[f"{fmt}.gz"] = folder / f"messages.{fmt}.gz"
        paths[f"{fmt}.gz"].write_bytes(gzip.compress(data, mtime=0))
    return paths


def _figures(path: Path) -> object:
    result = compute_exposure(path)
    # What is read differs in name only (lines, items or records); the figures may not.
    summary = replace(result.input, source="", positions="", lines=0)
    return summary, result.kind_flows, result.field_flows, result.risk, result.diversity, \
        result.subsets, result.ladder  # fmt: skip


NAMES = ["json", "csv", "tsv", "xlsx", "parquet", "jsonl.gz", "json.gz", "csv.gz", "tsv.gz",
         "xlsx.gz", "parquet.gz"]  # fmt: skip


@pytest.mark.parametrize("name", NAMES)
def test_every_format_gives_the_numbers_jsonl_gives(datasets: dict[str, Path], name: str) -> None:
    expected = _figures(datasets["jsonl"])
    assert _figures(datasets[name]) == expected
    assert compute_exposure(datasets[name]).input.messages == COUNT


def test_the_cli_reads_a_semicolon_csv(tmp_path: Path, datasets: dict[str, Path]) -> None:
    rows = _rows()
    out = io.StringIO()
    csv.writer(out, delimiter=";", lineterminator="\r\n").writerows(rows)
    path = tmp_path / "excel.csv"
    path.write_bytes(b"\xef\xbb\xbf" + out.getvalue().encode("utf-8"))
    code, text = invoke_command("exposure", [str(path), "--format", "json"])
    assert code == 0, text
    report = orjson.loads(text)
    assert report["input"]["messages"] == COUNT
    code, expected = invoke_command("exposure", [str(datasets["jsonl"]), "--format", "json"])
    assert orjson.loads(expected)["risk"] == report["risk"]


# --- invalid records -----------------------------------------------------------------


def _same_state(line: bytes) -> bytes:
    message = orjson.loads(line)
    message["recipient"] = dict(message["sender"])  # KAZ_MIA -> KAZ_MIA: a corrupted record
    return orjson.dumps(message)


@pytest.fixture(scope="module")
def with_invalid(tmp_path_factory: pytest.TempPathFactory) -> Path:
    lines = _written("jsonl").splitlines()
    lines[:3] = [_same_state(line) for line in lines[:3]]
    path = tmp_path_factory.mktemp("invalid") / "m.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def _flows(result: object) -> set[tuple[str | None, str | None]]:
    return {(f.sender_authority, f.recipient_authority) for f in result.kind_flows}  # type: ignore[attr-defined]


def test_invalid_records_are_counted_and_left_out(with_invalid: Path) -> None:
    result = compute_exposure(with_invalid)
    assert (result.input.invalid, result.input.invalid_included) == (3, False)
    assert result.input.skipped == {"invalid": 3}
    assert result.input.messages == COUNT - 3
    assert all(sender != recipient for sender, recipient in _flows(result))
    assert "3 invalid records were left out" in headline(result, words("en"))


def test_include_invalid_keeps_them_and_says_so(with_invalid: Path) -> None:
    result = compute_exposure(with_invalid, include_invalid=True)
    assert (result.input.invalid, result.input.invalid_included) == (3, True)
    assert result.input.messages == COUNT
    assert any(sender == recipient for sender, recipient in _flows(result))
    assert "3 invalid records are counted" in headline(result, words("en"))


@pytest.mark.parametrize(
    ("flag", "sentence"),
    [([], "left out of every figure"), (["--include-invalid"], "counted in every figure")],
)
def test_the_cli_headline_says_what_happened(
    with_invalid: Path, flag: list[str], sentence: str
) -> None:
    code, text = invoke_command("exposure", [str(with_invalid), "--format", "md", *flag])
    assert code == 0
    assert sentence in " ".join(text.split())


def _loaded_natively(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Whether DuckDB loaded each file read from here on (`_duck.load_native`)."""
    import kzcn.exposure._read as exposure_read  # noqa: PLC0415
    from kzcn.exposure._duck import load_native as native  # noqa: PLC0415

    taken: list[bool] = []

    def recorded(*args: object, **kwargs: object) -> object:
        loaded = native(*args, **kwargs)  # type: ignore[arg-type]
        taken.append(loaded is not None)
        return loaded

    monkeypatch.setattr(exposure_read, "load_native", recorded)
    return taken


def test_parquet_by_duckdb_and_by_the_shared_reader_agree(
    datasets: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    import kzcn.exposure._read as exposure_read  # noqa: PLC0415

    taken = _loaded_natively(monkeypatch)
    by_duckdb = _figures(datasets["parquet"])
    assert taken == [True]
    monkeypatch.setattr(exposure_read, "load_native", lambda *_, **__: None)
    assert _figures(datasets["parquet"]) == by_duckdb


def _write_lists_as_list_item(source: Path, target: Path) -> None:
    """`source`'s rows with each list's leaves under `list.item`, not `list.element`.

    As pyarrow wrote lists before its version 13: not the standard's nesting.
    """
    import pyarrow as pa  # noqa: PLC0415
    import pyarrow.parquet as pq  # noqa: PLC0415

    def as_item(kind: pa.DataType) -> pa.DataType:
        if pa.types.is_list(kind):
            return pa.list_(pa.field("item", as_item(kind.value_type)))
        if pa.types.is_struct(kind):
            return pa.struct([pa.field(f.name, as_item(f.type)) for f in kind])
        return kind

    table = pq.read_table(source)
    schema = pa.schema([pa.field(f.name, as_item(f.type)) for f in table.schema])
    pq.write_table(table.cast(schema), target, use_compliant_nested_type=False)


def test_parquet_lists_nested_otherwise_are_read_by_duckdb_with_the_same_figures(
    datasets: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The listed persons come from pyarrow's pruned read (`_duck._pruned_lists`) when
    the file nests its lists as the standard says (`_duck._list_columns`); otherwise
    DuckDB reads them."""

    from kzcn.exposure import _duck  # noqa: PLC0415

    other = tmp_path / "items-as-list-item.parquet"
    _write_lists_as_list_item(datasets["parquet"], other)
    pruned: list[bool] = []
    original = _duck._list_columns

    def recorded(*args: object) -> object:
        wanted = original(*args)  # type: ignore[arg-type]
        pruned.append(wanted is not None)
        return wanted

    monkeypatch.setattr(_duck, "_list_columns", recorded)
    loaded = _loaded_natively(monkeypatch)
    standard = _figures(datasets["parquet"])
    assert _figures(other) == standard
    assert pruned == [True, False]
    assert loaded == [True, True]


@pytest.mark.parametrize("compliant", [True, False])
def test_the_leaves_duckdb_lists_are_pyarrows_column_paths(
    datasets: dict[str, Path], tmp_path: Path, compliant: bool
) -> None:
    """`_duck._leaves` names each leaf as pyarrow does, whatever a list's inner name."""
    import pyarrow.parquet as pq  # noqa: PLC0415

    from kzcn.exposure import _duck  # noqa: PLC0415

    path = tmp_path / "rows.parquet"
    if compliant:
        pq.write_table(pq.read_table(datasets["parquet"]), path)
    else:
        _write_lists_as_list_item(datasets["parquet"], path)
    file = pq.ParquetFile(path)
    expected = [file.schema.column(i).path for i in range(file.metadata.num_columns)]
    with duckdb.connect(":memory:") as con:
        leaves = _duck._leaves(con, path)
    assert leaves == expected
    assert ("items.list.element.subject.sex" in leaves) is compliant


@pytest.mark.parametrize("batch", [1, 7])
def test_parquet_lists_read_in_batches_give_the_same_figures(
    datasets: dict[str, Path], monkeypatch: pytest.MonkeyPatch, batch: int
) -> None:
    """The pruned lists come in batches (bounded memory); a batch's rows keep their `ord`."""
    from kzcn.exposure import _duck  # noqa: PLC0415

    whole = _figures(datasets["parquet"])
    batches: list[int] = []
    original = _duck._listing_rows

    def counted(*args: object) -> object:
        for table in original(*args):  # type: ignore[arg-type]
            batches.append(table.num_rows)
            yield table

    monkeypatch.setattr(_duck, "_LIST_BATCH", batch)
    monkeypatch.setattr(_duck, "_listing_rows", counted)
    assert _figures(datasets["parquet"]) == whole
    assert len(batches) > 1  # read in several batches, not at once


def test_an_empty_parquet_file_is_read_in_duckdb_as_no_messages(
    datasets: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No rows, no batch of lists: the table of listed persons is still made, empty."""
    import pyarrow.parquet as pq  # noqa: PLC0415

    empty = tmp_path / "empty.parquet"
    pq.write_table(pq.read_table(datasets["parquet"]).slice(0, 0), empty)
    taken = _loaded_natively(monkeypatch)
    result = compute_exposure(empty)
    assert taken == [True]
    assert (result.input.messages, result.input.persons) == (0, 0)


def test_a_parquet_report_does_not_import_pandas(datasets: dict[str, Path]) -> None:
    """pyarrow imports pandas (0.17 s) for any Arrow value made from Python's: none is."""
    script = (
        "import sys; from pathlib import Path; from kzcn.exposure import compute_exposure; "
        f"compute_exposure(Path({str(datasets['parquet'])!r})); "
        "assert 'pyarrow' in sys.modules, 'the pruned lists are read by pyarrow'; "
        "assert 'pandas' not in sys.modules, 'pandas was imported'"
    )
    subprocess.run([sys.executable, "-c", script], check=True, capture_output=True)


def test_duckdb_starts_on_a_parquet_files_rows_before_pyarrow_is_imported(
    datasets: dict[str, Path],
) -> None:
    """Whether pyarrow reads the person lists is told from DuckDB's view of the file
    (`_duck._leaves`): pyarrow's import (0.15 s) runs in the thread beside the rows' read."""
    script = (
        "import sys; from pathlib import Path; from kzcn.exposure import _duck, compute_exposure; "
        "decide = _duck._list_columns; seen = []; "
        "_duck._list_columns = lambda *a: (seen.append('pyarrow' in sys.modules), decide(*a))[1]; "
        f"compute_exposure(Path({str(datasets['parquet'])!r})); "
        "assert seen == [False], seen; "
        "assert 'pyarrow' in sys.modules, 'the pruned lists are read by pyarrow'"
    )
    subprocess.run([sys.executable, "-c", script], check=True, capture_output=True)


def test_a_failure_reading_the_lists_beside_the_rows_leaves_the_file_to_the_shared_reader(
    datasets: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The lists are read in a thread beside the rows (`_duck._beside`); its error declines."""
    from kzcn.exposure import _duck  # noqa: PLC0415

    whole = _figures(datasets["parquet"])

    def failing(*_: object) -> None:
        raise duckdb.IOException("the lists could not be read")

    monkeypatch.setattr(_duck, "_load_lists", failing)
    taken = _loaded_natively(monkeypatch)
    assert _figures(datasets["parquet"]) == whole
    assert taken == [False]


def _beside_block(
    work: Callable[[duckdb.DuckDBPyConnection], None], block: Callable[[], None]
) -> None:
    from kzcn.exposure._duck import _beside  # noqa: PLC0415

    with duckdb.connect(":memory:") as con, _beside(con, work):
        block()


def test_work_beside_a_block_raises_its_error_after_the_block() -> None:
    done: list[str] = []

    def work(other: duckdb.DuckDBPyConnection) -> None:
        other.execute("CREATE TABLE beside AS SELECT 1 AS x")
        raise LookupError("from the work")

    with pytest.raises(LookupError, match="from the work"):
        _beside_block(work, lambda: done.append("block"))
    assert done == ["block"]


def test_a_failing_block_interrupts_the_work_beside_it() -> None:
    """Ctrl-C (or any error) in the rows' query stops the lists' query too, not waiting for it."""
    seen: list[type[BaseException]] = []
    started = threading.Event()

    def work(other: duckdb.DuckDBPyConnection) -> None:
        started.set()
        try:  # hours of work, unless interrupted
            other.execute("SELECT count(*) FROM range(1000000000000) a")
        except BaseException as error:
            seen.append(type(error))
            raise

    def block() -> None:
        started.wait()
        time.sleep(0.2)  # the work's query under way
        raise ValueError("the block")

    with pytest.raises(ValueError, match="the block"):
        _beside_block(work, block)
    assert seen == [duckdb.InterruptException]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("personal_number", "[]"),  # text that reads like an empty list: a value
        ("name_national", "{}"),
        ("patronymic", {}),  # an object without a field: a value
    ],
)
def test_a_listed_persons_odd_value_counts_alike_in_parquet_and_json_lines(
    tmp_path: Path, field: str, value: object
) -> None:
    """An item's value counts as given the same way in DuckDB over Parquet and in JSON Lines.

    Parquet's typed text `[]` is a value (DuckDB once took its text for an empty list).
    """
    import pyarrow.parquet as pq  # noqa: PLC0415

    from kzcn._parquet import table_of  # noqa: PLC0415

    messages = [orjson.loads(line) for line in _written("jsonl").splitlines()]
    items = [
        item
        for message in messages
        if message["kind"] == "prior_change_list"
        for item in message["items"]
        if item.get("subject")
    ]
    items[0]["subject"][field] = value
    data = b"".join(orjson.dumps(message) + b"\n" for message in messages)
    (tmp_path / "odd.jsonl").write_bytes(data)
    pq.write_table(table_of(data), tmp_path / "odd.parquet")
    by_lines = compute_exposure(tmp_path / "odd.jsonl").field_flows
    assert compute_exposure(tmp_path / "odd.parquet").field_flows == by_lines
    # Per record, the rows come to polars (`_duck.read_native_parquet`): DuckDB reads the lists.
    assert compute_exposure(tmp_path / "odd.parquet", per_record=True).field_flows == by_lines
