"""Spreadsheets as people make them: Excel's CSV, semicolons, TRUE, day-first dates, xlsx."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from cli_runner import invoke_command
from conftest import EXAMPLES
from kzcn.flat import flatten
from kzcn.validation import validate_file
from kzcn.validation._binary import _sheet_units, xlsx_units
from kzcn.validation.readers import BOM, Unit, parse_delimiter, sniff_delimiter

SEPARATORS = {"comma": ",", "semicolon": ";", "tab": "\t"}


def _cells() -> dict[str, str]:
    message = json.loads((EXAMPLES / "valid" / "citizenship_acquisition.json").read_bytes())
    return flatten(message)


def _excel_csv(cells: dict[str, str], separator: str = ";", rows: int = 2) -> bytes:
    """As Excel's "CSV UTF-8" writes it: a byte-order mark, CRLF, TRUE/FALSE in capitals."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=separator, lineterminator="\r\n")
    writer.writerow(cells)
    shown = [value.upper() if value in {"true", "false"} else value for value in cells.values()]
    writer.writerows([shown] * rows)
    return BOM + out.getvalue().encode("utf-8")


def _found(path: Path, **options: str) -> list[tuple[int | None, int | None, str, str]]:
    return [
        (p.line, p.column, p.path, p.code)
        for result in validate_file(path, **options)  # type: ignore[arg-type]
        for p in result.problems
    ]


@pytest.mark.parametrize("separator", SEPARATORS.values(), ids=SEPARATORS)
def test_an_excel_csv_of_valid_messages_exits_0(tmp_path: Path, separator: str) -> None:
    cells = _cells()
    assert "true" in cells.values() or "false" in cells.values(), "the example has a boolean"
    path = tmp_path / "excel.csv"
    path.write_bytes(_excel_csv(cells, separator))
    code, out = invoke_command("validate", [str(path)])
    assert code == 0, out
    assert f"{path}:1: $: input.bom: warning: " in out
    assert "2 valid, 0 invalid" in out


def test_one_bad_cell_is_reported_at_file_line_column_header(tmp_path: Path) -> None:
    cells = _cells()
    cells["subject.sex"] = "X"
    column = list(cells).index("subject.sex") + 1
    path = tmp_path / "excel.csv"
    path.write_bytes(_excel_csv(cells, rows=1))
    code, out = invoke_command("validate", [str(path)])
    assert code == 1
    assert f"{path}:2:{column}: subject.sex: structure.not_allowed: " in out
    code, out = invoke_command("validate", [str(path), "--format", "json"])
    problem = next(p for p in json.loads(out)["problems"] if p["severity"] == "error")
    assert (problem["line"], problem["column"], problem["path"]) == (2, column, "subject.sex")


def test_a_list_item_is_named_as_the_header_writes_it(tmp_path: Path) -> None:
    cells = _cells()
    name = next(c for c in cells if c.startswith("subject.documents.0.") and c.endswith("number"))
    cells[name] = ""
    path = tmp_path / "x.csv"
    path.write_bytes(_excel_csv(cells, rows=1))
    found = _found(path)
    assert (2, list(cells).index(name) + 1, name, "structure.missing_field") in found


@pytest.mark.parametrize("written", ["05.03.1980", "05/03/1980", "5.3.1980"])
def test_a_day_first_date_gets_its_own_code(tmp_path: Path, written: str) -> None:
    cells = _cells()
    cells["subject.date_of_birth"] = written
    path = tmp_path / "x.csv"
    path.write_bytes(_excel_csv(cells, rows=1))
    column = list(cells).index("subject.date_of_birth") + 1
    assert (2, column, "subject.date_of_birth", "date.day_first") in _found(path)


def test_a_day_first_date_in_json_keeps_its_json_path(tmp_path: Path) -> None:
    message = json.loads((EXAMPLES / "valid" / "citizenship_acquisition.json").read_bytes())
    message["subject"]["date_of_birth"] = "05.03.1980"
    path = tmp_path / "x.jsonl"
    path.write_bytes(json.dumps(message).encode() + b"\n")
    assert _found(path) == [(1, None, "$.subject.date_of_birth", "date.day_first")]


def test_a_date_that_is_not_day_first_stays_invalid(tmp_path: Path) -> None:
    cells = _cells()
    cells["subject.date_of_birth"] = "1980-02-30"
    path = tmp_path / "x.csv"
    path.write_bytes(_excel_csv(cells, rows=1))
    assert "date.invalid" in {code for *_, code in _found(path)}


@pytest.mark.parametrize(
    ("line", "chosen", "expected"),
    [
        ("kind,sent_on,subject.sex\r\n", None, (",", None)),
        ("kind;sent_on;subject.sex\r\n", None, (";", None)),
        ("kind\tsent_on\tsubject.sex\r\n", None, ("\t", None)),
        ("\ufeffkind;sent_on\r\n", None, (";", None)),
        ("a,b,c\n", None, (",", None)),  # nothing known: the default
        ("kind;sent_on\r\n", ",", (",", ";")),  # told wrong: a hint
        ("kind;sent_on\r\n", ";", (";", None)),
    ],
)
def test_the_separator_is_sniffed_from_the_header(
    line: str, chosen: str | None, expected: tuple[str, str | None]
) -> None:
    assert sniff_delimiter(line, chosen) == expected


def test_a_wrong_delimiter_gets_a_hint_naming_the_separator(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes(_excel_csv(_cells()))
    code, out = invoke_command("validate", [str(path), "--delimiter", ","])
    assert code == 1
    assert f"{path}:1: <separator semicolon>: input.csv_delimiter: " in out


@pytest.mark.parametrize(
    ("text", "expected"), [(",", ","), (";", ";"), ("tab", "\t"), ("\t", "\t"), ("TAB", "\t")]
)
def test_delimiter_spellings(text: str, expected: str) -> None:
    assert parse_delimiter(text) == expected


def test_an_unknown_delimiter_is_a_usage_error(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes(_excel_csv(_cells()))
    code, out = invoke_command("validate", [str(path), "--delimiter", "|"])
    assert (code, out) == (2, "kzcn: error: --delimiter takes , ; or tab\n")


def test_a_tsv_file_reads_by_its_name(tmp_path: Path) -> None:
    path = tmp_path / "x.tsv"
    path.write_bytes(_excel_csv(_cells(), "\t"))
    assert [code for *_, code in _found(path)] == ["input.bom"]


# --- xlsx --------------------------------------------------------------------


def _xlsx(path: Path, cells: dict[str, str], *, sheet: str = "Sheet", rows: int = 2) -> None:
    book = Workbook()
    first = book.active
    assert first is not None
    first.title = "Notes"
    first.append(["not the data"])
    data = book.create_sheet(sheet, 0)  # the data first, as people keep it
    data.append(list(cells))
    typed: list[object] = []
    for value in cells.values():  # as a spreadsheet holds them: numbers, booleans
        if value in {"true", "false"}:
            typed.append(value == "true")
        elif value.isdigit() and len(value) < 10:  # an ID stays text, as Excel keeps it
            typed.append(int(value))
        else:
            typed.append(value)
    for _ in range(rows):
        data.append(typed)
    book.save(path)


def test_an_xlsx_of_valid_messages_validates(tmp_path: Path) -> None:
    path = tmp_path / "x.xlsx"
    _xlsx(path, _cells())
    code, out = invoke_command("validate", [str(path)])
    assert code == 0, out
    assert "2 records: 2 valid" in out


def test_an_xlsx_problem_is_at_the_row_and_column_the_sheet_shows(tmp_path: Path) -> None:
    cells = _cells()
    cells["subject.sex"] = "X"
    path = tmp_path / "x.xlsx"
    _xlsx(path, cells, rows=1)
    column = list(cells).index("subject.sex") + 1
    assert _found(path) == [(2, column, "subject.sex", "structure.not_allowed")]


def test_sheet_picks_another_sheet(tmp_path: Path) -> None:
    path = tmp_path / "x.xlsx"
    _xlsx(path, _cells())
    code, out = invoke_command("validate", [str(path), "--sheet", "Notes"])
    assert code == 1
    assert "input.csv_column" in out
    assert "not the data" not in out
    code, out = invoke_command("validate", [str(path), "--sheet", "Nope"])
    assert code == 2
    assert "no sheet 'Nope'" in out


def test_an_xlsx_cannot_be_split(tmp_path: Path) -> None:
    path = tmp_path / "x.xlsx"
    _xlsx(path, _cells())
    code, out = invoke_command("validate", [str(path), "--valid-out", str(tmp_path / "v.xlsx")])
    assert code == 2
    assert "not .xlsx or Parquet" in out


def _openpyxl_units(path: Path) -> list[Unit]:
    """The units the reader gave when it read with openpyxl (rows from A1, None for empty)."""
    book = load_workbook(path, read_only=True, data_only=True)
    try:
        return list(_sheet_units(book.worksheets[0].iter_rows(values_only=True)))
    finally:
        book.close()


@pytest.mark.parametrize("corner", ["A1", "B1", "A3", "C4"])
def test_calamine_reads_the_rows_openpyxl_read(tmp_path: Path, corner: str) -> None:
    # Wherever the table starts, with typed cells, a blank row and a formula without a
    # cached value: the same units, so the same line and column numbers.
    cells = _cells()
    cells["subject.sex"] = "X"
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    top, left = int(corner[1:]), ord(corner[0]) - ord("A") + 1
    rows: list[list[object]] = [
        list(cells),
        [int(v) if v.isdigit() and len(v) < 10 else v for v in cells.values()],
        [],
        [*list(cells.values())[:-1], "=1+1"],
        [date(1980, 3, 5), True, 1.5, 12],
    ]
    for offset, row in enumerate(rows):
        for index, value in enumerate(row):
            sheet.cell(top + offset, left + index, value)
    path = tmp_path / "x.xlsx"
    book.save(path)
    with path.open("rb") as stream:
        ours = list(xlsx_units(stream))
    assert [_fields(unit) for unit in ours] == [_fields(unit) for unit in _openpyxl_units(path)]
    assert any(unit.role == "blank" for unit in ours)


def _fields(unit: Unit) -> tuple[object, ...]:
    """A unit's fields, its record built (a sheet's row may be a `TableRow`'s subclass)."""
    return (unit.line, unit.raw, unit.obj, unit.found, unit.role, unit.lines, unit.columns)
