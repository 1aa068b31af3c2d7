"""A table row's JSON text made from its cells is the built record's, byte for byte (issue 19).

`kzcn.validation._rowtext` fills a template per shape of filled cells instead
of building the record and writing it. Held against the builder (`TableRow.obj`
written by orjson, as the engine wrote it before) over generated headers and
rows, corrupted ones included: a cell with a quote, a backslash, a control
character, a separator, a `%`, the template's mark, a big number; rows quoted
every way `csv` writes them. The fast text is either None or that text.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import pickle
from pathlib import Path

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import EXAMPLES
from kzcn.flat import column_order, csv_columns, csv_layout, flatten
from kzcn.validation import readers, validate_file
from kzcn.validation._rowtext import MARK, RowText
from kzcn.validation.engines import as_json
from kzcn.validation.readers import (
    InputRefusedError,
    Table,
    TableRow,
    csv_units,
    pack_units,
    unpack_units,
)

#: Columns headers are drawn from: every type, lists with gaps, scalars in lists,
#: unknown columns, names with `%` and the mark, a column named twice.
_POOL = [
    "kind",
    "synthetic",
    "schema_version",
    "rows.0.visas_issued",
    "rows.1.visas_issued",
    "rows.2.purpose",
    "subject.names.0",
    "subject.names.2",
    "subject.surname.latin",
    "subject.surname.cyrillic",
    "subject.documents.0.number",
    "subject.documents.1.number",
    "subject.documents.0.mrz.1",
    "subject.date_of_birth",
    "x.0",
    "x.2",
    "100%",
    "%s.%d",
    "unknown",
    "kind",
]

#: Cells: ordinary ones, typed ones, and each thing the template cannot hold as it is.
_CELLS = [
    "",
    "",
    "",
    "x",
    "AKEMALALE",
    "Ақмарал",
    "阿克玛拉勒·努尔别克",
    "true",
    "TRUE",
    "False",
    "12",
    "-0",
    "007",
    "1e5",
    "1.50",
    "99999999999999999999999",
    "a,b",
    "a;b",
    'say "hi"',
    '"',
    "back\\slash",
    "tab\there",
    "line\nbreak",
    "cr\r",
    "%s",
    "%(x)s",
    "100%",
    MARK,
    f"{MARK}1{MARK}",
    " lead",
    "\u2028",
    "\x7f",
    "\ud800",
]


def _line(cells: list[str], delimiter: str, quoting: str, end: str) -> bytes:
    out = io.StringIO()
    every = quoting == "all"
    writer = csv.writer(out, delimiter=delimiter, lineterminator=end,
                        quoting=csv.QUOTE_ALL if every else csv.QUOTE_MINIMAL)  # fmt: skip
    writer.writerow(cells)
    return out.getvalue().encode("utf-8", "surrogatepass")


def _written(row: TableRow) -> bytes | None:
    """The text the engine writes from the built record (None: not JSON, as `as_json` refuses)."""
    text, code = as_json(row.obj)  # type: ignore[arg-type]
    return text if code is None else None


def _fast(row: TableRow) -> bytes | None:
    """The row's text the second time (a header with no groups learns a shape then)."""
    first = row.record_text()
    second = row.record_text()
    assert first is None or first == second
    return second


@settings(max_examples=400)
@given(
    header=st.lists(st.sampled_from(_POOL), min_size=1, max_size=12),
    data=st.data(),
    delimiter=st.sampled_from([",", ";", "\t"]),
    quoting=st.sampled_from(["minimal", "all"]),
    end=st.sampled_from(["\n", "\r\n", ""]),
)
def test_a_rows_text_is_its_built_records(
    header: list[str], data: st.DataObject, delimiter: str, quoting: str, end: str
) -> None:
    cell = st.sampled_from(_CELLS) | st.text(max_size=4)
    cells = data.draw(st.lists(cell, min_size=len(header), max_size=len(header)))
    table = Table(csv_layout(header), delimiter)
    raw = _line(cells, delimiter, quoting, end)
    as_bytes = TableRow(2, raw, table, None, 1)
    as_cells = TableRow(2, b"", table, list(cells), 1)
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:  # no row the reader makes: it is `input.not_utf8`
        rows = [as_cells]
    else:
        rows = [as_bytes, as_cells]
    for row in rows:
        text = _fast(row)
        assert text is None or text == _written(row)


@settings(max_examples=200)
@given(
    header=st.lists(st.sampled_from(_POOL[:-1]), min_size=1, max_size=12, unique=True),
    data=st.data(),
)
def test_rows_of_new_shapes_are_made_of_known_pieces(
    header: list[str], data: st.DataObject
) -> None:
    """Rows through one table, each shape's template made from its groups' pieces at first sight."""
    cell = st.sampled_from(_CELLS[:14])  # ordinary and typed cells: the ones a template takes
    rows = data.draw(st.lists(st.lists(cell, min_size=len(header), max_size=len(header)),
                              min_size=1, max_size=8))  # fmt: skip
    table = Table(csv_layout(header))
    for cells in rows:
        as_bytes = TableRow(2, _line(cells, ",", "minimal", "\n"), table, None, 1)
        as_cells = TableRow(2, b"", table, list(cells), 1)
        for row in (as_bytes, as_cells):
            assert row.record_text() == _written(row)


@settings(max_examples=200)
@given(
    header=st.lists(st.sampled_from(_POOL), min_size=1, max_size=16),
    data=st.data(),
    delimiter=st.sampled_from([",", ";", "\t"]),
)
def test_rows_through_one_table_are_each_their_built_records(
    header: list[str], data: st.DataObject, delimiter: str
) -> None:
    """Many rows through one table: shapes met again, long runs of empty cells, typed cells
    changing from row to row (`TRUE` after `true`, `007` after `7`), quotes between."""
    pool = ["", "", "", "", "x", "true", "TRUE", "7", "007", "a,b", "a;b", '"', "\\"]
    cell = st.sampled_from(pool)
    width = len(header)
    rows = data.draw(st.lists(
        st.lists(cell, min_size=width, max_size=width).map(
            lambda cells: cells[: len(cells) // 3] + [""] * (len(cells) - len(cells) // 3)
        ) | st.lists(cell, min_size=width, max_size=width),
        min_size=1, max_size=20,
    ))  # fmt: skip
    table = Table(csv_layout(header), delimiter)
    for again, cells in enumerate(rows * 2, start=1 - len(rows)):
        row = TableRow(2, _line(cells, delimiter, "minimal", "\n"), table, None, 1)
        text = row.record_text()
        assert text is None or text == _written(row)
        if again > 0 and not any('"' in cell or "\\" in cell for cell in cells):
            assert text is not None, "a shape met before, nothing to escape: filled"


def _flat_examples(folders: str = "*") -> list[dict[str, str]]:
    """Every example message in `folders` (valid, invalid, warnings), flattened."""
    paths = [p for p in sorted(EXAMPLES.glob(f"{folders}/*.json")) if ".expected" not in p.name]
    messages = [json.loads(path.read_bytes()) for path in paths]
    return [flatten(message) for message in messages if isinstance(message, dict)]


def _example_rows() -> tuple[list[str], list[list[str]]]:
    """The header and rows of every example message."""
    rows = _flat_examples()
    header = column_order(rows)
    return header, [[row.get(column, "") for column in header] for row in rows]


def test_every_example_row_takes_the_template_the_second_time() -> None:
    """A test of the path itself: were it never taken, the property above would prove nothing."""
    header, rows = _example_rows()
    table = Table(csv_layout(header))
    for cells in rows:
        raw = _line(cells, ",", "minimal", "\r\n")
        row = TableRow(2, raw, table, None, 1)
        row.record_text()
        if any('"' in cell or "\\" in cell or "\n" in cell for cell in cells):
            continue
        assert row.record_text() == _written(row)
        assert table.text.of_cells(cells) == _written(row)


@pytest.mark.parametrize(
    ("cells", "taken"),
    [
        (["x", "true", "12"], True),
        (["a,b", "FALSE", ""], True),  # quoted, around a whole cell
        (['say "hi"', "true", "12"], False),  # a quote inside a quoted cell
        (["back\\slash", "true", "12"], False),
        (["tab\there", "true", "12"], False),
        (["line\nbreak", "true", "12"], False),
        (["x", "true", "99999999999999999999999"], False),  # past 64 bits: the record says so
        (["x", "", ""], True),
        (["", "", ""], True),
    ],
)
def test_what_the_template_takes(cells: list[str], taken: bool) -> None:
    table = Table(csv_layout(["kind", "synthetic", "rows.0.visas_issued"]))
    row = TableRow(2, _line(cells, ",", "minimal", "\n"), table, None, 1)
    assert (_fast(row) is not None) is taken
    if taken:
        assert _fast(row) == _written(row)


def test_a_header_naming_the_mark_makes_no_template() -> None:
    table = Table(csv_layout(["kind", f"{MARK}0{MARK}"]))
    row = TableRow(2, b"x,y\n", table, None, 1)
    assert _fast(row) is None
    assert row.obj == {"kind": "x", f"{MARK}0{MARK}": "y"}


def test_a_row_of_another_width_is_not_filled() -> None:
    text = RowText(csv_layout(["kind", "synthetic"]))
    for _ in range(2):
        assert text.of_bytes(b"x,true,\n") is None
        assert text.of_cells(["x"]) is None
    assert text.of_bytes(b"x,true\n") == b'{"kind":"x","synthetic":true}'


def test_a_carriage_return_ending_the_last_filled_cell_is_the_cells() -> None:
    text = RowText(csv_layout(["kind", "synthetic"]))
    for _ in range(2):
        assert text.of_bytes(b"cr\r,\n") is None  # escaped in JSON: built
        assert text.of_bytes(b"cr,\r\n") == b'{"kind":"cr"}'


def test_a_header_not_utf8_makes_no_pieces() -> None:
    """A key read with its bytes as surrogates is no JSON: the row is built, and refused later."""
    text = RowText(csv_layout(["kind", "\udcc0.x"]))
    for _ in range(2):
        assert text.of_bytes(b"x,y\n") is None
    assert text.of_bytes(b"x,\n") is None  # no groups: learnt the second time
    assert text.of_bytes(b"x,\n") == b'{"kind":"x"}'


def test_a_header_naming_a_key_twice_learns_a_shape_the_second_time() -> None:
    """`kind` twice: the key's place depends on which is filled, so shapes are learnt whole."""
    text = RowText(csv_layout(["kind", "synthetic", "kind"]))
    assert text.of_bytes(b"x,true,\n") is None  # met once
    assert text.of_bytes(b"x,true,\n") == b'{"kind":"x","synthetic":true}'
    assert text.of_bytes(b",true,y\n") is None
    assert text.of_bytes(b",true,y\n") == b'{"kind":"y","synthetic":true}'


def test_validating_gives_the_same_results_with_the_templates_as_without(tmp_path: Path) -> None:
    """Every example twice (the second time by template), as `kzcn generate` lays out a CSV.

    The valid ones come first: after invalid rows the accept path steps aside.
    """
    rows = _flat_examples("valid") * 2 + _flat_examples() * 2
    header = column_order([*rows, dict.fromkeys(csv_columns(), "")])
    lines = [_line(header, ",", "minimal", "\r\n")]
    lines += [_line([row.get(key, "") for key in header], ",", "minimal", "\r\n") for row in rows]
    path = tmp_path / "examples.csv"
    path.write_bytes(b"".join(lines))
    fast = list(validate_file(path))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(RowText, "of_bytes", lambda *_: None)
        built = list(validate_file(path))
    assert [(r.line, r.problems, r.raw, r.valid) for r in fast] == [
        (r.line, r.problems, r.raw, r.valid) for r in built
    ]
    assert any(not r.valid for r in fast), "the invalid examples fail"
    assert any(r.valid for r in fast)
    accepted = [r.accepted for r in fast if r.accepted is not None]
    assert accepted, "some rows took the fast path"
    assert orjson.loads(accepted[0])  # the text the model is built from, when asked for


def _batched_texts(body: bytes) -> list[bytes | None]:
    """Each row's text as the reader's batches write it, and as a worker's do."""
    units = list(csv_units(io.BytesIO(body)))
    crossed = list(unpack_units(pickle.loads(pickle.dumps(pack_units(units)))))  # noqa: S301
    assert [type(unit) for unit in crossed] == [type(unit) for unit in units]
    texts = [unit.record_text() for unit in units if isinstance(unit, TableRow)]
    assert [unit.record_text() for unit in crossed if isinstance(unit, TableRow)] == texts
    return texts


def test_rows_written_in_batches_are_written_as_one_by_one(monkeypatch: pytest.MonkeyPatch) -> None:
    """Batches of 3 rows (`_Batch`), over a quoted row, a blank line and a row too short."""
    monkeypatch.setattr(readers, "BATCH", 3)
    header, rows = _example_rows()
    lines = [_line(cells, ",", "minimal", "\n") for cells in rows]
    lines[2:2] = [b"\n", b"x,y\n", b'"a\nb"' + b"," * (len(header) - 1) + b"\n"]
    body = _line(header, ",", "minimal", "\n") + b"".join(lines)
    table = Table(csv_layout(header))
    one_by_one = [TableRow(2, line, table, None, 1).record_text() for line in lines]
    texts = _batched_texts(body)
    assert texts == [one_by_one[0], one_by_one[1], None, *one_by_one[5:]]
    assert sum(text is not None for text in texts) > len(rows) // 2


def test_a_batch_writes_a_row_added_after_it_was_written() -> None:
    table = Table(csv_layout(["kind", "synthetic"]))
    batches = readers._Batches()
    first = batches.row(2, b"x,true\n", table)
    assert first.record_text() == b'{"kind":"x","synthetic":true}'
    assert batches.row(3, b"y,false\n", table).record_text() == b'{"kind":"y","synthetic":false}'
    assert first.record_text() == b'{"kind":"x","synthetic":true}'  # no longer the batch's


def test_rows_read_before_a_refused_line_are_handed_on_first() -> None:
    body = b"kind,synthetic\nx,true\ny,true\n" + b"z" * 2000
    units = csv_units(io.BytesIO(body), max_record_bytes=100)
    assert [unit.line for unit in itertools.islice(units, 3)] == [1, 2, 3]
    with pytest.raises(InputRefusedError, match="line 4 is longer"):
        next(units)
