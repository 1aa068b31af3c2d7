"""Bad input is data, not a crash: each kind of bad input gets its own code, on its own line."""

from __future__ import annotations

import csv
import gzip
import io
import json
import random
from collections.abc import Callable
from dataclasses import fields
from pathlib import Path

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import EXAMPLES
from kzcn.flat import column_order, flatten, normalise_column
from kzcn.validation import EngineName, validate_file, validate_stream
from kzcn.validation.columns import column_types, csv_layout
from kzcn.validation.readers import (
    BOM,
    Table,
    TableRow,
    Unit,
    _quoted_cells,
    _width,
    csv_units,
    diagnose_json,
    format_for_name,
    sniff_format,
)

ENGINES: list[EngineName] = ["model", "schema"]


def _compact(name: str) -> bytes:
    return orjson.dumps(json.loads((EXAMPLES / "valid" / f"{name}.json").read_text("utf-8")))


GOOD = _compact("suspension_notice") + b"\n"
# A valid line after every bad one shows that reading goes on: it must stay silent.
UNKNOWN_KIND = b'{"kind": "no_such_kind"}\n'


def _found(path: Path, engine: EngineName) -> list[tuple[int | None, str]]:
    return [
        (p.line, p.code) for result in validate_file(path, engine=engine) for p in result.problems
    ]


BAD_JSONL: list[tuple[str, bytes, list[tuple[int, str]]]] = [
    ("invalid_utf8", GOOD + b'{"kind": "\xff\xfe"}\n' + GOOD, [(2, "input.not_utf8")]),
    ("bom", BOM + GOOD + GOOD, [(1, "input.bom")]),
    (
        "bom_on_invalid_record",
        BOM + UNKNOWN_KIND,
        [(1, "input.bom"), (1, "structure.unknown_kind")],
    ),
    ("crlf", GOOD.replace(b"\n", b"\r\n") * 2, []),
    ("blank_line", GOOD + b"\n" + GOOD, [(2, "input.blank_line")]),
    ("whitespace_line", GOOD + b" \t \r\n" + GOOD, [(2, "input.blank_line")]),
    ("truncated_last_line", GOOD + GOOD[:40], [(2, "input.truncated")]),
    ("last_line_without_newline", GOOD + GOOD.rstrip(), []),
    (
        "not_json",
        GOOD + b"name,surname\n" + UNKNOWN_KIND,
        [(2, "input.not_json"), (3, "structure.unknown_kind")],
    ),
    ("cut_mid_file", GOOD[:40] + b"\n" + GOOD, [(1, "input.not_json")]),
    ("scalar", b"42\n" + GOOD, [(1, "input.not_object")]),
    ("string", b'"IVANOV"\n' + GOOD, [(1, "input.not_object")]),
    ("null", b"null\n" + GOOD, [(1, "input.not_object")]),
    ("array", b"[" + GOOD.rstrip() + b"]\n" + GOOD, [(1, "input.not_object")]),
    (
        "nested_10000_objects",
        b'{"a":' * 10_000 + b"1" + b"}" * 10_000 + b"\n" + GOOD,
        [(1, "input.too_deep")],
    ),
    ("nested_10000_arrays", b"[" * 10_000 + b"]" * 10_000 + b"\n" + GOOD, [(1, "input.too_deep")]),
    ("nested_300", b'{"a":' * 300 + b"1" + b"}" * 300 + b"\n" + GOOD, [(1, "input.too_deep")]),
    (
        "line_of_10_mb",
        GOOD + b'{"kind": "' + b"x" * 10_000_000 + b'"}\n' + GOOD,
        [(2, "input.too_large")],
    ),
    ("empty_file", b"", [(1, "input.empty")]),
    (
        "only_blank_lines",
        b"\n\n",
        [(1, "input.blank_line"), (2, "input.blank_line"), (2, "input.empty")],
    ),
]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(
    ("content", "expected"), [c[1:] for c in BAD_JSONL], ids=[c[0] for c in BAD_JSONL]
)
def test_bad_jsonl_input_is_reported_per_line(
    tmp_path: Path, engine: EngineName, content: bytes, expected: list[tuple[int, str]]
) -> None:
    path = tmp_path / "input.jsonl"
    path.write_bytes(content)
    assert _found(path, engine) == expected


@pytest.mark.parametrize("engine", ENGINES)
def test_every_line_is_read_after_bad_ones(tmp_path: Path, engine: EngineName) -> None:
    path = tmp_path / "input.jsonl"
    path.write_bytes(b"\xff\n" + b"{\n" + b"7\n" + UNKNOWN_KIND + GOOD)
    run = validate_file(path, engine=engine)
    found = [(p.line, p.code) for result in run for p in result.problems]
    assert found == [
        (1, "input.not_utf8"),
        (2, "input.not_json"),
        (3, "input.not_object"),
        (4, "structure.unknown_kind"),
    ]
    assert (run.summary.records, run.summary.valid, run.summary.invalid) == (5, 1, 4)


BAD_JSON: list[tuple[str, bytes, list[tuple[int, str]]]] = [
    ("empty_array", b"[ ]\n", [(1, "input.empty")]),
    ("empty_file", b"", [(1, "input.empty")]),
    ("scalar_element", b"[\n" + GOOD.rstrip() + b",\n  3\n]\n", [(3, "input.not_object")]),
    (
        "elements_on_their_lines",
        b"[\n" + GOOD.rstrip() + b",\n" + UNKNOWN_KIND.rstrip() + b"\n]",
        [(3, "structure.unknown_kind")],
    ),
    ("bom", BOM + GOOD, [(1, "input.bom")]),
    ("truncated", b"[" + GOOD.rstrip() + b", " + GOOD[:30], [(1, "input.truncated")]),
    ("not_json", b"{'kind': 'x'}", [(1, "input.not_json")]),
    ("trailing_garbage", b"[" + GOOD.rstrip() + b"] x", [(1, "input.not_json")]),
    ("deep_element", b"[" + b"[" * 10_000 + b"]" * 10_000 + b"]", [(1, "input.too_deep")]),
]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(
    ("content", "expected"), [c[1:] for c in BAD_JSON], ids=[c[0] for c in BAD_JSON]
)
def test_bad_json_document_is_reported(
    tmp_path: Path, engine: EngineName, content: bytes, expected: list[tuple[int, str]]
) -> None:
    path = tmp_path / "input.json"
    path.write_bytes(content)
    assert _found(path, engine) == expected


def test_a_json_array_reports_each_element_at_its_first_line(tmp_path: Path) -> None:
    pretty = json.dumps([json.loads(GOOD), {"kind": "x"}, json.loads(GOOD)], indent=2)
    path = tmp_path / "input.json"
    path.write_text(pretty, "utf-8")
    lines = pretty.splitlines()
    expected_line = next(i for i, text in enumerate(lines, 1) if '"x"' in text) - 1
    assert _found(path, "model") == [(expected_line, "structure.unknown_kind")]


# --- CSV -----------------------------------------------------------------------------


def _csv(header: list[str], *rows: list[str]) -> bytes:
    import csv  # noqa: PLC0415
    import io  # noqa: PLC0415

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def _suspension_csv(drop: str | None = None, extra: str | None = None) -> bytes:
    from kzcn.flat import flatten  # noqa: PLC0415

    cells = flatten(json.loads(GOOD))
    if drop:
        cells.pop(drop)
    if extra:
        cells[extra] = "something"
    return _csv(list(cells), list(cells.values()), list(cells.values()))


BAD_CSV: list[tuple[str, bytes, list[tuple[int, str]] | None]] = [
    ("valid", _suspension_csv(), []),
    (
        "missing_column",
        _suspension_csv(drop="decided_on"),
        [(2, "structure.missing_field"), (3, "structure.missing_field")],
    ),
    (
        "unknown_column",
        _suspension_csv(extra="remarks"),
        [(1, "input.csv_column"), (2, "structure.extra_field"), (3, "structure.extra_field")],
    ),
    (
        "short_row",
        _suspension_csv().rstrip(b"\r\n").rsplit(b",", 1)[0] + b"\r\n",
        [(3, "input.csv_row")],
    ),
    ("header_only", _suspension_csv().split(b"\r\n", 1)[0] + b"\r\n", [(1, "input.empty")]),
    ("empty_file", b"", [(1, "input.empty")]),
    ("bom", BOM + _suspension_csv(), [(1, "input.bom")]),
    ("blank_row", _suspension_csv() + b"\r\n", [(4, "input.blank_line")]),
    (
        "invalid_utf8",
        _suspension_csv().replace(b"public_health", b"public_\xffhealth", 1),
        [(2, "input.not_utf8")],
    ),
    ("count_as_text", _csv(["kind", "rows.0.visas_issued"], ["visa_free_statistics", "12x"]), None),
    # Old Mac line ends: a lone carriage return ends a line, as in a text editor.
    ("lone_cr", _suspension_csv().replace(b"\r\n", b"\r"), []),
    (
        "lone_cr_blank_row",
        _suspension_csv().replace(b"\r\n", b"\r") + b"\r",
        [(4, "input.blank_line")],
    ),
    (
        "lone_cr_mid_row",
        _suspension_csv().replace(b"public_health", b"public\rhealth", 1),
        [(2, "input.csv_row"), (3, "input.csv_row")],
    ),
]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(
    ("content", "expected"), [c[1:] for c in BAD_CSV], ids=[c[0] for c in BAD_CSV]
)
def test_bad_csv_is_reported_per_row(
    tmp_path: Path, engine: EngineName, content: bytes, expected: list[tuple[int, str]] | None
) -> None:
    path = tmp_path / "input.csv"
    path.write_bytes(content)
    found = _found(path, engine)
    if expected is None:  # only that the text in an integer column is a wrong type
        assert (2, "structure.wrong_type") in found
    else:
        assert found == expected


def test_csv_columns_take_their_json_types_from_the_schema() -> None:
    types = column_types()
    assert types["rows.*.visas_issued"] == "integer"
    assert types["synthetic"] == "boolean"
    assert types["subject.documents.*.number"] == "string"
    assert types["subject.documents.*.mrz.*"] == "string"
    layout = csv_layout(
        [
            "synthetic",
            "rows.0.visas_issued",
            "rows.1.purpose",
            "subject.documents.0.number",
            "x.0",
            "x.2",
        ]
    )
    assert layout.unknown == ("<unknown column 5>", "<unknown column 6>")  # names not echoed
    built = layout.build(["true", "12", "work", "000123", "a", "b"])
    assert built == {
        "synthetic": True,
        "rows": [{"visas_issued": 12}, {"purpose": "work"}],
        "subject": {"documents": [{"number": "000123"}]},
        "x": {"0": "a", "2": "b"},
    }
    assert layout.build(["", "", "", "", "", ""]) == {}


def test_a_column_name_is_never_code() -> None:
    # The generated row builder holds indexes only; names stay data, even odd ones.
    layout = csv_layout(["__import__('os')", 'k"ind\n', "0"])
    assert layout.build(["x", "y", "z"]) == {"__import__('os')": "x", 'k"ind\n': "y", "0": "z"}


# --- compression, standard input, sniffing ----------------------------------------------


@pytest.mark.parametrize("engine", ENGINES)
def test_gzip_is_read_transparently(tmp_path: Path, engine: EngineName) -> None:
    path = tmp_path / "input.jsonl.gz"
    path.write_bytes(gzip.compress(GOOD + UNKNOWN_KIND))
    assert _found(path, engine) == [(2, "structure.unknown_kind")]


def test_damaged_gzip_is_reported_not_raised(tmp_path: Path) -> None:
    path = tmp_path / "input.jsonl.gz"
    path.write_bytes(gzip.compress(GOOD * 200)[:300])
    found = _found(path, "model")
    assert found[-1][1] == "input.compression"
    assert all(code in {"input.compression", "input.truncated"} for _, code in found)


def test_a_stream_is_sniffed(tmp_path: Path) -> None:
    path = tmp_path / "no_suffix"
    path.write_bytes(_suspension_csv())
    with path.open("rb") as stream:
        run = validate_stream(stream, name="-")
        assert [r.valid for r in run if r.role == "record"] == [True, True]


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [
        (b"[{", "json"),
        (b'{\n  "kind"', "json"),
        (b'{"kind": "x"}\n{', "jsonl"),
        (b"kind,subject.sex\n", "csv"),
        (b"hello", "jsonl"),
        (BOM + b"[", "json"),
    ],
)
def test_sniff_format(prefix: bytes, expected: str) -> None:
    assert sniff_format(prefix) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("a.json", "json"),
        ("a.JSONL", "jsonl"),
        ("a.ndjson", "jsonl"),
        ("a.csv.gz", "csv"),
        ("a.txt", None),
    ],
)
def test_format_for_name(name: str, expected: str | None) -> None:
    assert format_for_name(name) == expected


@pytest.mark.parametrize(
    ("text", "at_eof", "expected"),
    [
        (b'{"a": 1}', False, None),
        (b'{"a": ', True, "input.truncated"),
        (b'{"a": ', False, "input.not_json"),
        (b"\xc3\x28", False, "input.not_utf8"),
        (b"[]", False, "input.not_object"),
    ],
)
def test_diagnose_json(text: bytes, at_eof: bool, expected: str | None) -> None:
    assert diagnose_json(text, at_eof=at_eof) == expected


def test_missing_file_and_directory_raise_oserror_at_once(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        validate_file(tmp_path / "missing.jsonl")
    with pytest.raises(IsADirectoryError):
        validate_file(tmp_path)


def _without_nulls(value: object) -> object:
    """`value` as a CSV row holds it: no nulls, no empty lists or objects."""
    if isinstance(value, dict):
        kept = {k: _without_nulls(v) for k, v in value.items() if v is not None and v != []}
        return {k: v for k, v in kept.items() if v != {}}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value


@pytest.mark.parametrize("order", ["as written", "shuffled"])
def test_a_row_builds_its_message_wherever_its_columns_sit(order: str) -> None:
    # The builder skips an object whose cells sit side by side when all are empty;
    # with the columns shuffled no object's cells sit together, and nothing changes.
    paths = sorted(EXAMPLES.glob("valid/*.json"))
    messages = [json.loads(path.read_text("utf-8")) for path in paths]
    rows = [flatten(message) for message in messages]
    header = column_order(rows)
    if order == "shuffled":
        random.Random(4).shuffle(header)  # noqa: S311 - test data
    layout = csv_layout(header)
    for message, row in zip(messages, rows, strict=True):
        assert layout.build([row.get(column, "") for column in header]) == _without_nulls(message)


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        (["x", "", "B"], {"kind": "x", "subject": {"surname": {"latin": "B"}}}),
        (["x", "A", ""], {"kind": "x", "subject": {"surname": {"cyrillic": "A"}}}),
        (["x", "", ""], {"kind": "x"}),
    ],
)
def test_an_object_with_one_filled_cell_at_either_end_is_built(
    cells: list[str], expected: dict[str, object]
) -> None:
    layout = csv_layout(["kind", "subject.surname.cyrillic", "subject.surname.latin"])
    assert layout.build(cells) == expected


#: Columns a property test draws headers from: lists with gaps, scalars in lists,
#: typed cells, and one object with more cells than the builder tests one by one.
_POOL = [
    "kind",
    "synthetic",
    "rows.0.visas_issued",
    "rows.1.visas_issued",
    "rows.2.purpose",
    "subject.names.0",
    "subject.names.2",
    "subject.surname.latin",
    "subject.documents.0.number",
    "subject.documents.1.number",
    *(f"subject.documents.{index}.issued_by" for index in range(2, 12)),
    "x.0",
    "x.2",
]


def _reference_build(header: list[str], cells: list[str]) -> object:
    """The object a row stands for, built the plain way: one cell at a time."""
    types = column_types()
    # What is not a number or boolean stays text.
    converters: dict[str, Callable[[str], object]] = {
        "integer": lambda cell: int(cell) if cell.isdigit() else cell,
        "boolean": lambda cell: {"true": True, "false": False}.get(cell.lower(), cell),
    }
    root: dict[object, object] = {}
    for column, cell in zip(header, cells, strict=True):
        if not cell:
            continue
        *path, key = [int(part) if part.isdigit() else part for part in column.split(".")]
        node = root
        for part in path:
            node = node.setdefault(part, {})  # type: ignore[assignment]
        convert = converters.get(types.get(normalise_column(column), "string"))
        node[key] = convert(cell) if convert is not None else cell
    return _lists(root)


def _lists(value: object) -> object:
    if not isinstance(value, dict):
        return value
    items = {key: _lists(item) for key, item in value.items()}
    keys = list(items)
    if keys and all(isinstance(key, int) for key in keys):
        if sorted(keys) == list(range(len(keys))):
            return [items[key] for key in sorted(keys)]
        return {str(key): item for key, item in items.items()}
    return items


@given(
    header=st.permutations(_POOL).flatmap(
        lambda columns: st.integers(1, len(columns)).map(lambda size: columns[:size])
    ),
    data=st.data(),
)
def test_the_compiled_builder_builds_what_the_plain_one_does(
    header: list[str], data: st.DataObject
) -> None:
    cells = data.draw(st.lists(st.sampled_from(["", "", "1", "true"]), min_size=len(header),
                               max_size=len(header)))  # fmt: skip
    assert csv_layout(header).build(cells) == _reference_build(header, cells)


@given(
    cells=st.lists(st.text(alphabet='a,;"\t ', max_size=6), min_size=1, max_size=6),
    delimiter=st.sampled_from([",", ";", "\t"]),
    end=st.sampled_from(["\n", "\r\n", "\r", ""]),
)
def test_a_row_counted_without_csv_reader_is_the_row_it_reads(
    cells: list[str], delimiter: str, end: str
) -> None:
    """Cells counted past quoted ones (`_width`) are the cells `csv.reader` reads, or None."""
    line = delimiter.join(cells) + end
    limit = csv.field_size_limit()
    width = _width(line.encode(), delimiter.encode(), _quoted_cells(delimiter), limit)
    if width is None:
        return
    try:
        rows = list(csv.reader([line], strict=True, delimiter=delimiter))
    except csv.Error:
        pytest.fail(f"{line!r} counted as {width} cells, but csv refuses it")
    assert [len(row) for row in rows] == [width]


def test_a_table_row_holds_the_fields_of_a_unit_of_its_line() -> None:
    """`TableRow` sets `Unit`'s fields by position: a field added or moved fails here."""
    table = Table(csv_layout(["kind", "synthetic"]))
    row = TableRow(3, b"x,true\n", table, None, 2)
    plain = Unit(3, b"x,true\n", lines=2, columns=table.layout.columns)
    slots = [Unit.__dict__[field.name] for field in fields(Unit)]  # `obj` unbuilt, as stored
    assert [slot.__get__(row) for slot in slots] == [slot.__get__(plain) for slot in slots]


@pytest.mark.parametrize(
    ("body", "row", "codes"),
    [
        (b"x,true\n", TableRow, []),
        (b"x,true", TableRow, []),  # no line end
        (b"x,true,\n", Unit, ["input.csv_row"]),  # a cell too many
        (b"x\n", Unit, ["input.csv_row"]),
        (b"x,\xff\n", Unit, ["input.not_utf8"]),
        (b"x," + b"y" * 70 + b"\n", Unit, ["input.too_large"]),
        (b'"a,b",true\r\n', TableRow, []),
        (b'"a\nb",true\n', TableRow, []),  # over two lines: read by csv.reader
    ],
)
def test_which_rows_are_table_rows(body: bytes, row: type, codes: list[str]) -> None:
    """A row of the header's width, UTF-8 and within the limit is a `TableRow`; others are found."""
    units = list(csv_units(io.BytesIO(b"kind,synthetic\n" + body), max_record_bytes=64))
    assert [(type(unit), [code for code, _ in unit.found]) for unit in units[1:]] == [(row, codes)]
    assert units[1].role == "record"
    assert units[1].line == 2
