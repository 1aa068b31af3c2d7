"""The streaming `.xlsx` reader: the cells openpyxl reads, row by row, in bounded memory."""

from __future__ import annotations

import gzip
import io
import json
import pickle
import re
import zipfile
from collections.abc import Callable
from datetime import date, datetime, time
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from cli_runner import invoke_command
from kzcn.flat import csv_layout
from kzcn.validation import _binary, _xlsx, validate_file
from kzcn.validation._binary import SheetRow, xlsx_units
from kzcn.validation._xlsx import MAX_COLUMNS, Cells, cell_text, column_index, open_sheet
from kzcn.validation.engines import as_json, record_text
from kzcn.validation.readers import InputRefusedError

Rows = dict[int, list[str]]


def _ours(path: Path, sheet: str | None = None, width: int = 8) -> Rows:
    """The rows the streaming reader gives, by number: those with a value in their first cells."""
    with zipfile.ZipFile(path) as archive:
        chosen = open_sheet(archive, sheet)
        found = {number: chosen.cells.read(xml, width)[0] for number, xml in chosen.rows()}
    return {number: cells for number, cells in found.items() if cells is not None}


def _openpyxl(path: Path, sheet: str | None = None, width: int = 8) -> Rows:
    """The same, as openpyxl reads the workbook (cached values of formulas)."""
    book = load_workbook(path, data_only=True)
    chosen = book[sheet] if sheet is not None else book.worksheets[0]
    rows: Rows = {}
    for number in range(1, chosen.max_row + 1):
        cells = [cell_text(chosen.cell(number, column).value) for column in range(1, width + 1)]
        if any(cells):
            rows[number] = cells
    return rows


_TYPED: list[list[object]] = [
    ["kind", "subject.sex", "count", "ratio", "on", "at", "flag", "note"],
    ["suspension_notice", "F", 12, 1.5, date(1980, 3, 5), datetime(2024, 1, 2, 3, 4, 5), True],  # noqa: DTZ001
    ["x & y < z", "Ақмарал", -3, 1e21, None, time(12, 30), False, "  spaced  "],
    ["阿克玛拉勒", None, 0, 2.0, date(1900, 2, 28), None, None, "quote \" and ' apos"],
]


def _typed_book(*, write_only: bool) -> Workbook:
    """The typed rows on a first sheet, with a gap (rows 5-6) and a row past it; a second sheet."""
    book = Workbook(write_only=write_only)
    data = book.create_sheet("Data") if write_only else book.active
    assert data is not None
    data.title = "Data"
    for row in _TYPED:
        data.append(row)
    data.append([])
    data.append([None, None, None])
    data.append(["after the gap", None, None, None, None, None, None, "h"])
    other = book.create_sheet("Notes")
    other.append(["only", "notes"])
    return book


@pytest.mark.parametrize("write_only", [False, True], ids=["shared strings", "inline strings"])
def test_every_kind_of_cell_reads_as_openpyxl_reads_it(tmp_path: Path, write_only: bool) -> None:
    path = tmp_path / "typed.xlsx"
    _typed_book(write_only=write_only).save(path)
    ours = _ours(path)
    assert ours == _openpyxl(path)
    assert sorted(ours) == [1, 2, 3, 4, 7]
    assert ours[2][2:7] == ["12", "1.5", "1980-03-05", "2024-01-02T03:04:05", "true"]
    assert ours[3][0] == "x & y < z"
    assert ours[3][3] == "1000000000000000000000"
    assert ours[3][5:7] == ["12:30:00", "false"]
    assert _ours(path, "Notes") == _openpyxl(path, "Notes") == {1: ["only", "notes", *[""] * 6]}


def test_the_cells_past_the_width_say_only_that_they_hold_a_value(tmp_path: Path) -> None:
    path = tmp_path / "wide.xlsx"
    _typed_book(write_only=False).save(path)
    with zipfile.ZipFile(path) as archive:
        chosen = open_sheet(archive)
        read = {number: chosen.cells.read(xml, 1) for number, xml in chosen.rows()}
    assert read[2] == (["suspension_notice"], True)
    assert read[7] == (["after the gap"], True)


_CELLS = st.one_of(
    st.none(),
    st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs")), max_size=12).filter(
        lambda text: "_x" not in text  # openpyxl keeps Excel's escapes as written: see below
    ),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.booleans(),
    st.dates(date(1901, 1, 1), date(2099, 12, 31)),
)


@settings(max_examples=60)
@given(
    rows=st.lists(st.lists(_CELLS, max_size=6), max_size=6),
    skip=st.lists(st.integers(0, 3), max_size=6),
    write_only=st.booleans(),
)
def test_random_sheets_read_as_openpyxl_reads_them(
    tmp_path_factory: pytest.TempPathFactory,
    rows: list[list[object]],
    skip: list[int],
    write_only: bool,
) -> None:
    book = Workbook(write_only=write_only)
    sheet = book.create_sheet("S") if write_only else book.active
    assert sheet is not None
    for index, row in enumerate(rows):
        for _ in range(skip[index] if index < len(skip) else 0):
            sheet.append([])  # rows with nothing: gaps in the numbering
        sheet.append(row)
    path = tmp_path_factory.mktemp("random") / "r.xlsx"
    book.save(path)
    assert _ours(path, width=6) == _openpyxl(path, width=6)


# --- parts written by hand: what other writers do ------------------------------------

_CONTENT_TYPES = (
    '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
    'content-types"/>'
)
_ROOT_RELS = (
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


_CHART_SHEET = '<sheet name="Chart" sheetId="2" r:id="rId7"/>'


def _book_bytes(  # noqa: PLR0913 - keyword-only parts of a hand-made workbook
    rows: str,
    *,
    strings: str = "",
    styles: str = "",
    prefix: str = "",
    mac: bool = False,
    chart: bool = False,
) -> bytes:
    """A workbook of one sheet whose `<sheetData>` holds `rows` (written with `prefix`).

    With `chart`, a chart sheet comes before it.
    """
    p = prefix
    declared = f'xmlns:{p[:-1]}="{_MAIN}"' if p else f'xmlns="{_MAIN}"'
    calendar = ' date1904="1"' if mac else ""
    workbook = (
        f'<workbook xmlns="{_MAIN}" xmlns:r="{_R}"><workbookPr{calendar}/>'
        f"<sheets>{_CHART_SHEET if chart else ''}"
        '<sheet name="One &amp; only" sheetId="1" r:id="rId1"/></sheets></workbook>'
    )
    relations = [f'<Relationship Id="rId1" Type="{_R}/worksheet" Target="worksheets/sheet1.xml"/>']
    if chart:
        relations.append(
            f'<Relationship Id="rId7" Type="{_R}/chartsheet" Target="chartsheets/sheet1.xml"/>'
        )
    if strings:
        relations.append(
            f'<Relationship Id="rId2" Type="{_R}/sharedStrings" Target="/xl/sharedStrings.xml"/>'
        )
    if styles:
        relations.append(f'<Relationship Id="rId3" Type="{_R}/styles" Target="styles.xml"/>')
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _ROOT_RELS)
        archive.writestr("xl/workbook.xml", workbook)
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
            f'relationships">{"".join(relations)}</Relationships>',
        )
        archive.writestr(
            "xl/worksheets/sheet1.xml",
            f'<?xml version="1.0"?>\r\n<{p}worksheet {declared}><{p}dimension ref="A1"/>'
            f"<{p}sheetData>{rows}</{p}sheetData><{p}rowBreaks/></{p}worksheet>",
        )
        if strings:
            archive.writestr("xl/sharedStrings.xml", f'<sst xmlns="{_MAIN}">{strings}</sst>')
        if styles:
            archive.writestr("xl/styles.xml", f'<styleSheet xmlns="{_MAIN}">{styles}</styleSheet>')
    return out.getvalue()


def _read(data: bytes, width: int = 4) -> Rows:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        chosen = open_sheet(archive)
        found = {number: chosen.cells.read(xml, width)[0] for number, xml in chosen.rows()}
    return {number: cells for number, cells in found.items() if cells is not None}


_STRINGS = (
    "<si><t>plain</t></si>"
    "<si><r><rPr><b/><color rgb='FF0000'/></rPr><t>rich</t></r><r><t xml:space=\"preserve\"> "
    "text</t></r></si>"
    '<si><t>漢字</t><rPh sb="0" eb="1"><t>かんじ</t></rPh></si>'
    "<si/>"
    "<si><t>line_x000D_&#10;end &amp; &lt;ok&gt;</t></si>"
)
_STYLES = (
    '<numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy\\-mm\\-dd"/>'
    '<numFmt numFmtId="165" formatCode="&quot;days&quot;\\ 0"/></numFmts>'
    '<cellXfs count="5"><xf numFmtId="0"/><xf numFmtId="164"/><xf numFmtId="165"/>'
    '<xf numFmtId="14"/><xf numFmtId="46"/></cellXfs>'
)


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        # A shared string of one run, of rich runs, with a phonetic reading, empty, escaped.
        (('<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c>'
         '<c r="C1" t="s"><v>2</v></c><c r="D1" t="s"><v>3</v></c></row>'
         '<row r="2"><c r="A2" t="s"><v>4</v></c></row>'),
         {1: ["plain", "rich text", "漢字", ""], 2: ["line\r\nend & <ok>", "", "", ""]}),
        # Styled numbers: a custom date format, a custom format that is no date, built-in 14, a
        # duration; a style in the middle of the attributes.
        (('<row r="3" spans="1:4"><c r="A3" s="1"><v>29285</v></c><c r="B3" s="2"><v>7</v></c>'
         '<c r="C3" s="3" t="n"><v>45000.5</v></c><c r="D3" s="4"><v>1.25</v></c></row>'),
         {3: ["1980-03-05", "7", "2023-03-15T12:00:00", "1 day, 6:00:00"]}),
        # A formula's cached value (a number, a string), one with none, an error, an ISO date.
        (('<row r="1"><c r="A1"><f>1+1</f><v>2</v></c><c r="B1" t="str"><f>A1&amp;"x"</f>'
         '<v>2x</v></c><c r="C1"><f>NOW()</f></c><c r="D1" t="e"><v>#N/A</v></c></row>'
         '<row r="2"><c r="A2" t="d"><v>1980-03-05T00:00:00Z</v></c></row>'),
         {1: ["2", "2x", "", "#N/A"], 2: ["1980-03-05", "", "", ""]}),
        # Inline strings: rich, preserved space, empty, an entity by number.
        (('<row r="1"><c r="A1" t="inlineStr"><is><r><t>a</t></r><r><t>b</t></r></is></c>'
         '<c r="B1" t="inlineStr"><is><t xml:space="preserve"> x </t></is></c>'
         '<c r="C1" t="inlineStr"><is><t/></is></c>'
         '<c r="D1" t="inlineStr"><is><t>&#1040;&#x42;</t></is></c></row>'),
         {1: ["ab", " x ", "", "АB"]}),
        # No references: rows and cells numbered on from the one before; a styled empty cell.
        (('<row><c t="inlineStr"><is><t>a</t></is></c><c s="1"/><c t="b"><v>1</v></c></row>'
         '<row r="4"><c t="inlineStr"><is><t>d</t></is></c></row><row/>'
         '<row><c r="B6"><v>0.1</v></c></row>'),
         {1: ["a", "", "true", ""], 4: ["d", "", "", ""], 6: ["", "0.1", "", ""]}),
        # The reference after the type, in single quotes; a row out of order is left out.
        (("<row r='2'><c t='inlineStr' r='C2'><is><t>c</t></is></c></row>"
         '<row r="1"><c r="A1" t="inlineStr"><is><t>early</t></is></c></row>'),
         {2: ["", "", "c", ""]}),
    ],
    ids=["shared strings", "dates", "formulas", "inline strings", "no references", "attributes"],
)  # fmt: skip
def test_parts_as_other_writers_write_them(rows: str, expected: Rows) -> None:
    assert _read(_book_bytes(rows, strings=_STRINGS, styles=_STYLES)) == expected


def test_a_namespace_prefix_and_the_1904_calendar() -> None:
    rows = (
        '<x:row r="1"><x:c r="A1" s="1"><x:v>1</x:v></x:c>'
        '<x:c r="B1" t="s"><x:v>0</x:v></x:c></x:row>'
    )
    data = _book_bytes(rows, strings=_STRINGS, styles=_STYLES, prefix="x:", mac=True)
    assert _read(data, 2) == {1: ["1904-01-02", "plain"]}


def test_a_chart_sheet_is_passed_over() -> None:
    data = _book_bytes('<row r="1"><c r="A1"><v>1</v></c></row>', chart=True)
    assert _read(data, 1) == {1: ["1"]}
    with pytest.raises(InputRefusedError, match="the sheet 'Chart' is a chart"):
        _units(data, "Chart")


def test_sheet_names_are_read_as_written() -> None:
    data = _book_bytes('<row r="1"><c r="A1"><v>1</v></c></row>')
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert [n for n, _ in open_sheet(archive, "One & only").rows()] == [1]


@pytest.mark.parametrize(
    ("letters", "index"), [("A", 0), ("Z", 25), ("AA", 26), ("AZ", 51), ("XFD", MAX_COLUMNS - 1)]
)
def test_column_letters(letters: str, index: int) -> None:
    assert column_index(letters) == index


# --- units and refusals --------------------------------------------------------------


def _units(data: bytes, sheet: str | None = None) -> list[tuple[int, str, tuple[str, ...]]]:
    return [
        (unit.line, unit.role, tuple(code for code, _ in unit.found))
        for unit in xlsx_units(io.BytesIO(data), sheet=sheet)
    ]


def test_gaps_are_blank_lines_and_trailing_empty_rows_are_none() -> None:
    rows = (
        '<row r="1"><c r="A1" t="inlineStr"><is><t>kind</t></is></c></row>'
        '<row r="3"><c r="A3" t="inlineStr"><is><t>x</t></is></c></row>'
        '<row r="4"><c r="B4"><v>1</v></c></row>'  # a value past the header only
        '<row r="5" customFormat="1"/><row r="6"><c r="A6" s="1"/></row>'
    )
    assert _units(_book_bytes(rows)) == [
        (1, "header", ()),
        (2, "blank", ("input.blank_line",)),
        (3, "record", ()),
        (4, "blank", ("input.blank_line",)),
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"PK\x03\x04 not a zip", "not an .xlsx workbook"),
        (_book_bytes("<row>").replace(b"sheet1.xml", b"sheet9.xml", 1), "not an .xlsx workbook"),
    ],
)
def test_what_is_no_workbook_is_refused(data: bytes, message: str) -> None:
    with pytest.raises(InputRefusedError, match=message):
        _units(data)


def test_a_row_over_the_limit_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_xlsx, "MAX_ROW_BYTES", 1000)
    monkeypatch.setattr(_xlsx, "BLOCK_BYTES", 100)
    cells = "".join(f'<c r="A{n}"><v>{n}</v></c>' for n in range(200))
    with pytest.raises(InputRefusedError, match="a row over 1,000 bytes"):
        _units(_book_bytes(f'<row r="1">{cells}</row>'))


def test_rows_cut_across_blocks_are_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_xlsx, "BLOCK_BYTES", 7)
    rows = "".join(
        f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>v{n}</t></is></c>'
        f'<c r="B{n}" t="s"><v>{n % 5}</v></c></row>'
        for n in range(1, 40)
    )
    shared = ["plain", "rich text", "漢字", "", "line\r\nend & <ok>"]
    expected = {n: [f"v{n}", shared[n % 5]] for n in range(1, 40)}
    assert _read(_book_bytes(rows, strings=_STRINGS), 2) == expected


def test_no_sheet_of_that_name(tmp_path: Path) -> None:
    path = tmp_path / "x.xlsx"
    _typed_book(write_only=False).save(path)
    code, out = invoke_command("validate", [str(path), "--sheet", "Missing"])
    assert code == 2
    assert "no sheet 'Missing'" in out


def test_a_problem_after_a_gap_names_the_sheets_row_and_column(tmp_path: Path) -> None:
    path = tmp_path / "x.xlsx"
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["kind", "subject.sex"])
    sheet.cell(5, 2, "X")  # no kind: the problem is the first column's
    book.save(path)
    found = {(p.line, p.column, p.path) for r in validate_file(path) for p in r.problems}
    assert (5, 1, "kind") in found
    code, out = invoke_command("validate", [str(path)])
    assert code == 1
    assert f"{path}:5:1: kind: " in out
    assert f"{path}:2: $: input.blank_line: " in out


# --- rows read in the workers ----------------------------------------------------------

_CELL_XML = st.sampled_from([
    '<c r="{c}" t="inlineStr"><is><t>x</t></is></c>',
    '<c r="{c}" t="inlineStr"><is><t>&lt;&lt;P_x0041_</t></is></c>',
    '<c r="{c}" t="inlineStr"><is><t xml:space="preserve"> x </t></is></c>',
    '<c r="{c}" t="inlineStr"><v>1</v></c>',
    '<c r="{c}" t="str"><v>a &amp; b</v></c>',
    '<c r="{c}" s="4"><v>1.25</v></c>',
    '<c r="{c}" t="s"><v>4</v></c>',
    '<c r="{c}" t="inlineStr"><is><t></t></is></c>',
    '<c r="{c}" t="inlineStr"><is><r><t>rich</t></r></is></c>',
    '<c r="{c}" t="s"><v>0</v></c>',
    '<c r="{c}" t="s"><v>3</v></c>',  # the empty shared string
    '<c r="{c}" s="1"><v>29285</v></c>',
    '<c r="{c}" t="b"><v>0</v></c>',
    '<c r="{c}"><f>1+1</f><v>2</v></c>',
    '<c r="{c}"><f>NOW()</f></c>',
    '<c r="{c}" s="1"/>',
    '<c r="{c}"><v></v></c>',
    '<c r="{c}"><v>7</v></c>',
])  # fmt: skip


@given(
    cells=st.lists(st.tuples(st.integers(0, 5), _CELL_XML), max_size=5),
    width=st.integers(0, 6),
)
def test_holds_value_answers_as_read(cells: list[tuple[int, str]], width: int) -> None:
    reading, xml = _reading(cells)
    read, beyond = reading.read(xml, width)
    filled, past = reading.holds_value(xml, width)
    assert filled == (read is not None)
    assert (filled or past) == (read is not None or beyond)


@given(
    cells=st.lists(st.tuples(st.integers(0, 30), _CELL_XML), max_size=5),
    width=st.integers(0, 40),
)
@example(  # a row of inline strings, one with entities and an escape
    cells=[(0, '<c r="{c}" t="inlineStr"><is><t>&lt;&lt;P_x0041_</t></is></c>'),
           (28, '<c r="{c}" t="inlineStr"><is><t>x</t></is></c>')],
    width=30,
)  # fmt: skip
@example(  # a row of shared strings alone: one of them empty
    cells=[(0, '<c r="{c}" t="s"><v>4</v></c>'), (1, '<c r="{c}" t="s"><v>3</v></c>'),
           (5, '<c r="{c}" t="s"><v>0</v></c>')],
    width=3,
)  # fmt: skip
@example(  # a row of values: an entity, a shared string with a line end, a duration
    cells=[(0, '<c r="{c}" t="str"><v>a &amp; b</v></c>'), (1, '<c r="{c}" t="s"><v>4</v></c>'),
           (2, '<c r="{c}" s="4"><v>1.25</v></c>')],
    width=3,
)  # fmt: skip
def test_a_row_of_one_shape_reads_as_cell_by_cell(cells: list[tuple[int, str]], width: int) -> None:
    # `read` takes a row of inline strings, or of values, in one pattern; `read_any` by cell.
    reading, xml = _reading(cells, row=12)
    expected = reading.read_any(xml.decode(), width)  # first: it learns each cell's type
    assert reading.read(xml, width) == expected


def _reading(cells: list[tuple[int, str]], row: int = 1) -> tuple[Cells, bytes]:
    """The reading of the hand-written workbook's sheet, and the XML of a row of `cells`."""
    columns = sorted(dict(cells).items())
    xml = "".join(shape.format(c=f"{_letters(column)}{row}") for column, shape in columns)
    data = _book_bytes(f'<row r="{row}">{xml}</row>', strings=_STRINGS, styles=_STYLES)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return open_sheet(archive).cells, xml.encode()


def _letters(column: int) -> str:
    return chr(65 + column) if column < 26 else chr(64 + column // 26) + chr(65 + column % 26)


def test_a_row_crosses_to_a_worker_as_its_xml(tmp_path: Path) -> None:
    path = tmp_path / "inline.xlsx"
    _typed_book(write_only=True).save(path)
    with path.open("rb") as stream:
        units = list(xlsx_units(stream))
    rows = [unit for unit in units if isinstance(unit, SheetRow)]
    assert [unit.line for unit in rows] == [2, 3, 4, 7]
    sent = [pickle.loads(pickle.dumps(unit)) for unit in rows]  # noqa: S301 - our own bytes
    assert [unit.obj for unit in sent] == [unit.obj for unit in rows]
    assert "<row" not in pickle.dumps(rows[0]).decode("utf-8", "replace")  # the inner XML only


@pytest.mark.parametrize("how", ["gzip file", "standard input"])
def test_a_workbook_that_cannot_seek_is_read_the_same(tmp_path: Path, how: str) -> None:
    # A pipe, a gzip stream: the archive is spooled (to a file past a size) and read as a file.
    path = tmp_path / "x.xlsx"
    _typed_book(write_only=False).save(path)
    _, expected = invoke_command("validate", [str(path), "--format", "json"])
    if how == "gzip file":
        packed = tmp_path / "x.xlsx.gz"
        packed.write_bytes(gzip.compress(path.read_bytes()))
        _, out = invoke_command("validate", [str(packed), "--format", "json"])
        out = out.replace(str(packed), str(path))
    else:
        _, out = invoke_command("validate", ["-", "--format", "json"], stdin=path.read_bytes())
        out = out.replace('"-"', f'"{path}"')
    assert json.loads(out) == json.loads(expected)


# --- a row of inline strings read from its bytes ---------------------------------------

#: Pieces of a cell's XML text: entities, references and escapes (some of them standing for
#: the separator `_texts` joins the texts with), line ends, quotes, other scripts.
_PIECES = st.sampled_from([
    "plain", "Ақмарал", "漢字", "P&lt;KAZ&lt;&lt;", "&amp;lt;", "&gt;", "&quot;", "&apos;",
    "&amp;", "&#9;", "&#x41;", "_x001F_", "_x0041_", "\r\n", "\r", '"', "'", " ", "_",
])  # fmt: skip
_INLINE = '<c r="{c}" t="inlineStr"><is><t>{t}</t></is></c>'
_SPACES_KEPT = '<c r="B12" t="inlineStr"><is><t xml:space="preserve"> y</t></is></c>'
_NUMBER = '<c r="B12"><v>1</v></c>'
_RICH = '<c r="B12" t="inlineStr"><is><r><t>y</t></r></is></c>'


def _inline_xml(cells: list[tuple[int, str]], row: int) -> str:
    return "".join(_INLINE.format(c=f"{_letters(column)}{row}", t=text) for column, text in cells)


def _element_tree_cells(xml: str, width: int) -> list[str] | None:
    """The cells of a row of inline strings as an XML parser reads them (and Excel's escapes)."""
    cells = [""] * width
    filled = False
    for cell in ET.fromstring(f"<row>{xml}</row>"):  # noqa: S314 - our own text
        parsed = cell.findtext("is/t") or ""
        text = re.sub(r"_x([0-9A-Fa-f]{4})_", lambda m: chr(int(m[1], 16)), parsed)
        column = column_index(cell.get("r", "").rstrip("0123456789"))
        if text and column < width:
            cells[column], filled = text, True
    return cells if filled else None


@given(
    # Columns out of order and twice over, empty texts, cells past the width.
    cells=st.lists(
        st.tuples(st.integers(0, 30), st.lists(_PIECES, max_size=3).map("".join)), max_size=8
    ),
    width=st.integers(0, 32),
    row=st.integers(1, 1_048_576),
)
@example(cells=[(0, "P&lt;KAZ&lt;&lt;"), (2, "Ақмарал"), (3, "&amp;lt;")], width=4, row=2)
@example(cells=[(0, "a_x001F_b_x001F_c"), (1, "&#9;")], width=2, row=9)  # separators made
@example(cells=[(1, "x"), (1, "")], width=2, row=3)  # an empty cell after a full one
def test_a_row_of_inline_strings_reads_from_its_bytes_as_parsed(
    cells: list[tuple[int, str]], width: int, row: int
) -> None:
    reading, _ = _reading([])
    xml = _inline_xml(cells, row)
    read, beyond = reading.read(xml.encode(), width)
    assert (read, beyond) == reading.read_any(xml, width)  # read cell by cell
    assert read == _element_tree_cells(xml, width)
    past = [text for column, text in cells if column >= width and _element_tree_cells(
        _INLINE.format(c=f"A{row}", t=text), 1)]  # fmt: skip
    assert beyond == bool(past)


def test_a_separator_byte_in_a_text_is_read_cell_by_cell() -> None:
    # No XML text holds the control character the texts are joined with; read as bytes are.
    reading, _ = _reading([])
    xml = _inline_xml([(0, "a\x1fb"), (1, "c")], 4)
    assert reading.read(xml.encode(), 2) == (["a\x1fb", "c"], False)


@pytest.mark.parametrize(
    ("xml", "fast"),
    [
        (_inline_xml([(0, "P&lt;KAZ"), (3, "Ақмарал"), (4, "")], 12), True),
        (_inline_xml([(0, "x")], 12) + _SPACES_KEPT, False),
        (_inline_xml([(0, "x")], 12) + _NUMBER, False),
        (_inline_xml([(0, "x")], 12) + " ", False),  # anything between cells
        (" " + _inline_xml([(0, "x")], 12), False),
        (_inline_xml([(0, "x")], 12) + _NUMBER + _inline_xml([(2, "y")], 12), False),
        (_inline_xml([(0, "x")], 12) + _RICH, False),
        (_inline_xml([(0, "x"), (1, "y")], 12) + "<x/>", False),
    ],
    ids=[
        "openpyxl's row",
        "spaces kept",
        "a number",
        "text between",
        "text before",
        "a number between",
        "rich text last",
        "an element after",
    ],
)
def test_only_a_row_of_one_shape_is_read_from_its_bytes(
    xml: str, *, fast: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    reading, _ = _reading([])
    expected = reading.read_any(xml, 8)
    by_cell: list[str] = []

    def read_any(text: str, width: int) -> tuple[list[str] | None, bool]:
        by_cell.append(text)
        assert width == 8
        return expected

    monkeypatch.setattr(reading, "read_any", read_any)
    assert reading.read(xml.encode(), 8) == expected
    assert by_cell == ([] if fast else [xml])


def _with_sheet_bytes(data: bytes, old: bytes, new: bytes) -> bytes:
    """A workbook's bytes with `old` replaced by `new` in its sheet's XML."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            body = source.read(info)
            target.writestr(info, body.replace(old, new) if "worksheets" in info.filename else body)
    return out.getvalue()


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_text_not_utf8_refuses_the_workbook_in_a_worker_too(tmp_path: Path, jobs: int) -> None:
    rows = "".join(f'<row r="{n}">{_inline_xml([(0, f"v{n}")], n)}</row>' for n in range(1, 60))
    path = tmp_path / "x.xlsx"
    path.write_bytes(_with_sheet_bytes(_book_bytes(rows), b"v30", b"\xff"))
    with pytest.raises(InputRefusedError, match=r"not an \.xlsx workbook"):
        list(validate_file(path, jobs=jobs))


# --- rows written a batch at a time ---------------------------------------------------------


def _sheet_rows(data: bytes) -> list[SheetRow]:
    return [unit for unit in xlsx_units(io.BytesIO(data)) if isinstance(unit, SheetRow)]


def _many_rows(count: int) -> bytes:
    header = _inline_xml([(0, "kind"), (1, "subject.sex"), (2, "note")], 1)
    rows = "".join(
        f'<row r="{n}">{_inline_xml([(0, f"k{n}"), (1, "F" if n % 2 else "M"), (2, "a&amp;b")], n)}'
        "</row>"
        for n in range(2, count + 2)
    )
    return _book_bytes(f'<row r="1">{header}</row>{rows}')


def _spied_reading(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """The XML of each row whose text is written from now on, in order."""
    read: list[bytes] = []
    row_text = _binary.SheetTable.row_text

    def spied(table: _binary.SheetTable, xml: bytes) -> bytes | None:
        read.append(xml)
        return row_text(table, xml)

    monkeypatch.setattr(_binary.SheetTable, "row_text", spied)
    return read


def _built_text(row: SheetRow) -> bytes:
    record = row.obj
    assert record is not None
    return as_json(record)[0]


def test_a_batch_of_rows_is_written_when_its_first_is_asked_for(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rows = _sheet_rows(_many_rows(_binary.BATCH + 10))
    built = [_built_text(row) for row in _sheet_rows(_many_rows(_binary.BATCH + 10))]
    read = _spied_reading(monkeypatch)
    texts = [record_text(rows[0])]
    assert len(read) == _binary.BATCH  # the whole batch, at once
    texts += [record_text(row) for row in rows[1:]]
    assert len(read) == len(rows)  # each row once
    assert texts == built  # byte for byte the built record's text


def test_rows_sent_to_a_worker_are_written_a_batch_at_a_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rows = _sheet_rows(_many_rows(20))
    sent = pickle.loads(pickle.dumps(rows))  # noqa: S301 - our own bytes
    read = _spied_reading(monkeypatch)
    texts = [record_text(sent[0])]
    first = len(read)  # the rows that arrived before, from another test, may be in it too
    texts += [record_text(row) for row in sent[1:]]
    assert len(read) == first >= len(rows)  # all of them when the first was asked for
    assert texts == [_built_text(row) for row in rows]


def test_a_row_not_utf8_refuses_the_input_where_it_stands(tmp_path: Path) -> None:
    data = _with_sheet_bytes(_many_rows(40), b"k30", b"\xff")
    path = tmp_path / "x.xlsx"
    path.write_bytes(data)
    checked: list[int | None] = []
    with pytest.raises(InputRefusedError, match=r"not an \.xlsx workbook"):
        checked.extend(result.line for result in validate_file(path))
    assert checked == list(range(1, 30))  # the header and rows before it, in its batch


# --- a row's text from its shape's template ------------------------------------------

#: A header of every sort of column: text, typed (a boolean, integers), nested, a list's
#: elements, one no field (unknown), and one named twice.
_SHAPE_HEADER = (
    "kind", "synthetic", "subject.sex", "subject.surname.latin", "rows.0.visas_issued",
    "rows.0.visa_free_exits", "rows.1.visas_issued", "documents.0.number",
    "documents.1.number", "no_such_field", "kind",
)  # fmt: skip
_TYPED_PIECES = st.sampled_from(["true", "FALSE", "12", "007", "-3", "1e3", "x", "9" * 30])


def _written(table: _binary.SheetTable, reading: Cells, xml: bytes) -> bytes | None:
    """The text of the record built of a row's cells, read cell by cell (`Cells.read_any`)."""
    width = len(table.layout.header)
    try:
        cells = reading.read_any(xml.decode(), width)[0]
    except UnicodeDecodeError:
        return None
    return as_json(table.layout.build(cells or [""] * width))[0] or None


#: How a row is written: as openpyxl writes it, or (its first cell, or between its first
#: two) as no cell of that shape is, which the row's own reading must then read.
_WRITTEN_AS: dict[str, Callable[[str, int], str]] = {
    "openpyxl": lambda xml, _: xml,
    "another row's number": lambda xml, row: xml.replace(f'{row}" t=', f'{row + 1}" t=', 1),
    "no row number": lambda xml, row: xml.replace(f'{row}" t=', '" t=', 1),
    "a style": lambda xml, _: xml.replace(' t="inlineStr"', ' s="0" t="inlineStr"', 1),
    "text between": lambda xml, _: xml.replace("</c><c ", "</c> <c ", 1),
    "a number": lambda xml, row: xml + f'<c r="E{row}"><v>7</v></c>',
    "a second run": lambda xml, _: xml.replace("</t></is>", "</t><r><t>z</t></r></is>", 1),
    "not UTF-8": lambda xml, _: xml.replace("<t>", "<t>\udcff", 1),
}


@settings(max_examples=300)
@given(
    rows=st.lists(
        st.lists(
            st.tuples(
                st.integers(0, len(_SHAPE_HEADER)),  # the last: past the header
                st.one_of(st.lists(_PIECES, max_size=3).map("".join), _TYPED_PIECES),
            ),
            max_size=8,
        ),
        min_size=1,
        max_size=6,
    ),
    written_as=st.lists(st.sampled_from(sorted(_WRITTEN_AS)), min_size=1, max_size=6),
)
@example(rows=[[(0, "P&lt;KAZ"), (1, "true"), (4, "12"), (7, "N1")]] * 3, written_as=["openpyxl"])
@example(rows=[[(0, "a&quot;b"), (2, "F")]] * 3, written_as=["openpyxl"])  # a quote's entity
@example(rows=[[(1, "12&amp;"), (4, "1")]] * 3, written_as=["openpyxl"])  # one in a typed cell
@example(rows=[[(0, "x"), (3, "y")]], written_as=["openpyxl", "another row's number"])
def test_a_row_of_inline_strings_is_written_as_its_built_record(
    rows: list[list[tuple[int, str]]], written_as: list[str]
) -> None:
    # Each row thrice: built from the cells found in it the first time, its shape learnt
    # the second, its template used the third; each time written as the next of `written_as`.
    reading, _ = _reading([])
    table = _binary.SheetTable(csv_layout(_SHAPE_HEADER), reading)
    for number, cells in enumerate(rows * 3, start=2):
        how = written_as[number % len(written_as)]
        xml = _WRITTEN_AS[how](_inline_xml(sorted(dict(cells).items()), number), number)
        data = xml.encode(errors="surrogateescape")
        try:
            text = table.row_text(data)
        except InputRefusedError:  # not UTF-8: refused as its cells are read
            assert how == "not UTF-8"
            continue
        assert text == _written(table, reading, data), (how, data)


def test_a_shape_met_again_is_written_from_its_template(monkeypatch: pytest.MonkeyPatch) -> None:
    reading, _ = _reading([])
    table = _binary.SheetTable(csv_layout(_SHAPE_HEADER), reading)
    built: list[list[str] | None] = []
    build = _binary.SheetTable._built  # the rows built from their cells

    def spied(self: _binary.SheetTable, cells: list[str] | None) -> bytes | None:
        built.append(cells)
        return build(self, cells)

    monkeypatch.setattr(_binary.SheetTable, "_built", spied)
    shape = [(0, "x"), (1, "true"), (7, "N&lt;1")]
    for number in range(2, 6):
        xml = _inline_xml(shape, number).encode()
        assert json.loads(table.row_text(xml) or b"") == {
            "kind": "x", "synthetic": True, "documents": [{"number": "N<1"}]
        }  # fmt: skip
    assert len(built) == 1  # the first row; the second learns the shape, the rest use it
    quoted = _inline_xml([(0, "&quot;"), (1, "true"), (7, "N")], 6).encode()
    assert table.row_text(quoted) == b'{"kind":"\\"","synthetic":true,"documents":[{"number":"N"}]}'
    assert len(built) == 2  # a text to escape: built
