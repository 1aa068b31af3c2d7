"""The exposure readers are built from one declared row layout (`kzcn.exposure._layout`).

Each back-end (the Python pickers over dicts, msgspec's Structs, DuckDB's
declared columns) is derived from the layout's columns; these tests check
that each reads exactly the layout's columns, and that one column added to the
layout reaches every reader's rows with the same values.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import types
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgspec
import orjson
import pytest

from kzcn.exposure import _duck, _fast
from kzcn.exposure import _layout as layout

_ONE_MORE = layout.Column(
    "region_cyrillic", ("place_of_birth", "region", "cyrillic"), "text", "person"
)
_NEW_OBJECT = layout.Column("stay_country", ("stay", "country"), "text", "person")

LAYOUTS = {
    "message": layout.MESSAGE,
    "person": layout.PERSON,
    "document": layout.DOCUMENT,
    "person, one more in a declared object": (*layout.PERSON, _ONE_MORE),
    "person, one more in a new object": (*layout.PERSON, _NEW_OBJECT),
}


def _record(columns: tuple[layout.Column, ...]) -> dict[str, Any]:
    """A record holding, at each column's path, the column's name as text."""
    record: dict[str, Any] = {"unread": {"latin": "x"}}
    for column in columns:
        node = record
        for segment in column.path[:-1]:
            node = node.setdefault(segment, {})
        node[column.path[-1]] = f"value of {column.name}"
    return record


def _by_dicts(columns: tuple[layout.Column, ...], line: bytes) -> tuple[Any, ...]:
    return layout.pick_from_dicts(columns)(orjson.loads(line))


def _by_structs(columns: tuple[layout.Column, ...], line: bytes) -> tuple[Any, ...]:
    record = msgspec.defstruct("Record", _fast.layout_fields(layout.tree(columns)))
    return layout.pick_from_structs(columns)(msgspec.json.decode(line, type=record))


def _by_duckdb(columns: tuple[layout.Column, ...], line: bytes) -> tuple[Any, ...]:
    """`read_json` with the declared columns, as `_duck._json_source` reads a file."""
    import duckdb  # noqa: PLC0415 - only this back-end needs it

    declared = _duck._declared(layout.tree(columns))
    spec = "{" + ", ".join(f"'{k}': '{t}'" for k, t in declared.items()) + "}"
    paths = ", ".join(".".join(c.path) for c in columns)
    with tempfile.TemporaryDirectory() as folder, duckdb.connect() as con:
        path = Path(folder) / "line.jsonl"
        path.write_bytes(line + b"\n")
        rows = con.execute(
            f"SELECT {paths} FROM read_json('{path}', format = 'newline_delimited', "  # noqa: S608
            f"records = true, columns = {spec})"
        ).fetchall()
    # DuckDB reads the document number as JSON (`layout.DOCUMENT_KEY`): its text is quoted.
    return tuple(
        None if value is None else json.loads(value) if column is layout.DOCUMENT_KEY else value
        for column, value in zip(columns, rows[0], strict=True)
    )


BACKENDS: dict[str, Callable[[tuple[layout.Column, ...], bytes], tuple[Any, ...]]] = {
    "python over dicts": _by_dicts,
    "msgspec Structs": _by_structs,
    "duckdb": _by_duckdb,
}


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("name", LAYOUTS)
def test_each_backend_reads_exactly_the_layouts_columns(name: str, backend: str) -> None:
    columns = LAYOUTS[name]
    line = orjson.dumps(_record(columns))
    assert BACKENDS[backend](columns, line) == tuple(f"value of {c.name}" for c in columns)


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_missing_object_gives_nulls_in_every_backend(backend: str) -> None:
    line = orjson.dumps({"sex": "F"})
    values = BACKENDS[backend](layout.PERSON, line)
    assert values == tuple("F" if c.name == "sex" else None for c in layout.PERSON)


def test_every_declared_path_is_a_path_of_the_models() -> None:
    declared = (*layout.MESSAGE, *layout.PERSON, *layout.DOCUMENT)
    assert layout.check(declared) == declared
    wrong = layout.Column("place_name", ("place_of_birth", "name"), "text", "person")
    with pytest.raises(ValueError, match="place_name"):
        layout.check((wrong,))


def test_the_fields_that_hold_records_are_the_models() -> None:
    layout.check_records()  # raises when SUBJECT, DOCUMENTS or ITEM_SUBJECT is not the models'


def _object_model(key: str) -> Any:
    """The model of the person record's object field `key`, or None (a value, a list)."""
    from kzcn.person import PersonRecord  # noqa: PLC0415 - the models, for these tests only

    annotation: Any = PersonRecord.model_fields[key].annotation
    if typing.get_origin(annotation) is types.UnionType:  # `X | None`
        (annotation,) = (a for a in typing.get_args(annotation) if a is not type(None))
    return (
        annotation if isinstance(annotation, type) and hasattr(annotation, "model_fields") else None
    )


def _person_fields() -> list[str]:
    from kzcn.person import PersonRecord  # noqa: PLC0415 - see `_object_model`

    return list(PersonRecord.model_fields)


@pytest.mark.parametrize("key", _person_fields())
def test_an_objects_required_leaf_is_one_the_models_require(key: str) -> None:
    """Parquet's presence check of an object reads one field every valid object holds."""
    leaf = layout.required_leaf(key)
    model = _object_model(key)
    if model is None:  # a value or a list: tested for null as it is
        assert leaf is None
        assert _duck._leaf_given(key) == _duck._subject_given(key)
        return
    assert leaf is not None
    assert model.model_fields[leaf].is_required()
    assert _duck._leaf_given(key) == _duck._subject_given(key, leaf)


def test_an_enumeration_is_the_leaf_chosen_before_a_text() -> None:
    """The photo requires its digest (64 characters) and its media type (three values)."""
    leaf = layout.required_leaf("photo")
    model = _object_model("photo")
    assert leaf is not None
    assert typing.get_origin(model.model_fields[leaf].annotation) is typing.Literal
    texts = [n for n, f in model.model_fields.items() if f.is_required() and f.annotation is str]
    assert texts  # a text was there to choose


@pytest.mark.parametrize(
    ("name", "wrong"),
    [("SUBJECT", "person"), ("DOCUMENTS", "document"), ("ITEM_SUBJECT", "documents")],
)
def test_a_renamed_record_field_fails_the_check(
    monkeypatch: pytest.MonkeyPatch, name: str, wrong: str
) -> None:
    monkeypatch.setattr(layout, name, wrong)
    with pytest.raises(ValueError, match=name):
        layout.check_records()


def test_the_qi_keys_read_the_layouts_columns() -> None:
    """`_qi` keys a date and a place by the layout's columns, not by names of its own."""
    from kzcn.exposure import _qi  # noqa: PLC0415 - polars, for this test only

    person = {c.name for c in layout.PERSON}
    for level in _qi.DATE_LEVELS:
        assert set(_qi.date_expr(level).meta.root_names()) == {layout.DATE_OF_BIRTH.name}
    for level in (*_qi.PLACE_LEVELS, "place"):
        assert set(_qi.place_expr(level).meta.root_names()) <= person
    assert set(_qi.place_expr("place").meta.root_names()) == {c.name for c in layout.PLACES}
    assert _qi.PLACE_LEVELS == ("locality", "region", "country")
    for path in ("sex", "place_of_birth.admin_code", "place_of_birth.region"):
        assert set(_qi.resolve(path).expr().meta.root_names()) <= person


# One column added to the declared layout, before the readers are imported: every
# reader's rows carry it, with the same values (a fresh interpreter, since the
# readers derive their shapes at import).
_ADDED = f"""
import json, sys
from pathlib import Path
sys.path.insert(0, {str(Path(__file__).parent)!r})
from kzcn.exposure import _layout as layout
layout.PERSON = (*layout.PERSON, layout.{_ONE_MORE!r})
from kzcn.exposure import _read
from kzcn.exposure._read import _Columns, _parse_all, _parse_lines, read_native
from test_exposure_fast import _plan

path = Path(sys.argv[1])
plan = _plan()
lines = path.read_bytes().splitlines()
general = _parse_all(lines, plan, 1, _Columns(plan)).frames()
fast = _parse_lines(lines, plan, 1).frames()
native = read_native(path, plan, _read._fast_plan_of(plan))
assert native is not None, "DuckDB declined the file"
frames = {{"general": general[0], "fast": fast[0], "duckdb": native[0]}}
listed = {{"general": general[3], "fast": fast[3], "duckdb": native[2]}}
print(json.dumps({{
    "messages": {{k: f["region_cyrillic"].to_list() for k, f in frames.items()}},
    "listed": {{k: f["region_cyrillic"].to_list() for k, f in listed.items()}},
}}))
"""


def test_one_column_added_to_the_layout_reaches_every_reader(tmp_path: Path) -> None:
    from kzcn.synth import write_dataset  # noqa: PLC0415 - the generator, for this test only

    path = tmp_path / "messages.jsonl"
    with path.open("wb") as out:
        write_dataset(out, 300, seed=5, fmt="jsonl")
    done = subprocess.run(
        [sys.executable, "-c", _ADDED, str(path)], capture_output=True, check=True, text=True
    )
    found = json.loads(done.stdout)
    for part in ("messages", "listed"):
        general = found[part]["general"]
        assert found[part] == {"general": general, "fast": general, "duckdb": general}
        assert any(general), part  # the column holds values, not only nulls


def test_a_path_is_made_of_field_names() -> None:
    """The pickers are compiled from the paths: a segment must be a Python identifier."""
    odd = layout.Column("odd", ("place_of_birth", "x); import os; (y"), "text", "person")
    with pytest.raises(ValueError, match="odd"):
        layout.pick_from_structs((odd,))
