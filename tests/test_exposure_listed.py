"""The persons a prior-change list names count as persons, linked like subjects (issue 14).

A person listed, then answered in a status reply, then in a violation notice is
one person; every reader (the general and msgspec Python paths, DuckDB over
JSONL and Parquet, the shared table reader) reads the same listed persons.
"""

from __future__ import annotations

import copy
import io
from pathlib import Path
from typing import Any

import orjson
import polars as pl
import pytest

from exposure_fixtures import EXAMPLES
from kzcn.exposure import _read as exposure_read
from kzcn.exposure import compute_exposure
from kzcn.exposure._duck import read_native
from kzcn.exposure._read import _Columns, _parse_all, _parse_lines, read_source
from kzcn.synth import write_dataset
from test_exposure_fast import _plan


def _example(name: str) -> dict[str, Any]:
    return dict(orjson.loads((EXAMPLES / f"{name}.json").read_bytes()))


def _listed_then_answered_then_violating() -> list[dict[str, Any]]:
    """The list example, its reply about item 1, and a violation by item 1's person."""
    listing = _example("prior_change_list")
    reply = _example("citizenship_status_reply")
    violation = _example("entry_stay_exit_violation")
    listed = listing["items"][0]["subject"]
    # The reply's subject is the list's first person (the examples describe one person).
    assert reply["subject"]["documents"][0]["number"] == listed["documents"][0]["number"]
    violation["subject"] = copy.deepcopy(listed)
    return [listing, reply, violation]


def test_listed_persons_are_persons() -> None:
    listing = _example("prior_change_list")
    result = compute_exposure([listing])
    assert result.input.persons == len(listing["items"]) > 1
    assert result.input.messages_with_subject == 1
    assert result.risk.records == len(listing["items"])


def test_a_listed_person_answered_and_in_a_violation_is_one_person() -> None:
    messages = _listed_then_answered_then_violating()
    items = len(messages[0]["items"])
    result = compute_exposure(messages)
    assert result.input.persons == items
    assert result.input.recurring_persons == 1
    assert result.input.recurring_messages == 3


def test_a_person_listed_twice_in_one_list_and_answered_is_counted_once() -> None:
    listing, reply, _ = _listed_then_answered_then_violating()
    listing["items"].append({**copy.deepcopy(listing["items"][0]), "item": 99})
    result = compute_exposure([listing, reply])
    assert result.input.persons == len(listing["items"]) - 1
    assert result.input.recurring_persons == 1
    assert result.input.recurring_messages == 2  # messages, not list items


def test_a_listed_person_with_a_bad_birth_date_makes_the_list_invalid() -> None:
    listing = _example("prior_change_list")
    listing["items"][1]["subject"]["date_of_birth"] = "03.11.1979"
    result = compute_exposure([listing])
    assert result.input.invalid == 1
    assert result.input.persons == 0
    kept = compute_exposure([listing], include_invalid=True)
    assert kept.input.persons == len(listing["items"])


def test_per_record_gives_a_list_its_most_exposed_person() -> None:
    messages = _listed_then_answered_then_violating()
    result = compute_exposure(messages, per_record=True)
    assert result.per_record is not None
    rows = result.per_record.to_dicts()
    assert [row["status"] for row in rows] == ["person"] * 3
    assert rows[0]["class_size"] == 1


# --- every back-end ------------------------------------------------------------------


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("listed")
    paths = {}
    for fmt in ("jsonl", "parquet"):
        out = io.BytesIO()
        write_dataset(out, 1500, seed=7, fmt=fmt)
        paths[fmt] = folder / f"messages.{fmt}"
        paths[fmt].write_bytes(out.getvalue())
    return paths


def _frames(path: Path, **options: Any) -> tuple[pl.DataFrame, pl.DataFrame]:
    extracted = read_source(path, _plan(), **options)
    documents = extracted.documents.sort("line", "slot", maintain_order=True)
    return extracted.listed, documents


def test_every_reader_gives_the_same_listed_persons(
    generated: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = generated["jsonl"].read_bytes().splitlines(keepends=True)
    plan = _plan()
    general = _parse_all(lines, plan, 1, _Columns(plan)).frames()
    fast = _parse_lines(lines, plan, 1).frames()
    listed, documents = general[3], general[2].sort("line", "slot", maintain_order=True)
    assert listed.height > 100  # the generated lists name people
    assert listed.columns[:2] == ["line", "slot"]
    assert fast[3].equals(listed)
    assert fast[2].sort("line", "slot", maintain_order=True).equals(documents)
    for frames in (
        _frames(generated["jsonl"], native=True),
        _frames(generated["jsonl"], workers=1, native=False),
        _frames(generated["parquet"]),
    ):
        assert frames[0].equals(listed)
        assert frames[1].equals(documents)
    monkeypatch.setattr(exposure_read, "read_native_parquet", lambda *_, **__: None)
    shared = _frames(generated["parquet"])
    assert shared[0].equals(listed)
    assert shared[1].equals(documents)


def test_every_reader_gives_the_same_report(
    generated: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    python = compute_exposure(generated["jsonl"], workers=1).to_dict()
    monkeypatch.setattr(exposure_read, "NATIVE_MIN_BYTES", 0)
    by_duckdb = compute_exposure(generated["jsonl"]).to_dict()
    parquet = compute_exposure(generated["parquet"]).to_dict()
    for report in (python, by_duckdb, parquet):
        report["input"].update(source="", positions="")
    assert python == by_duckdb == parquet
    listed = sum(1 for line in generated["jsonl"].read_bytes().splitlines() if b'"items":' in line)
    assert listed > 10
    assert python["input"]["persons"] > python["input"]["messages_with_subject"] - listed


@pytest.mark.parametrize("include_invalid", [False, True])
@pytest.mark.parametrize("fmt", ["jsonl", "parquet"])
def test_the_in_engine_report_equals_the_in_memory_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str, include_invalid: bool
) -> None:
    """DuckDB's tables (`_indb`) give the polars frames' report (`keep_persons` takes those)."""
    path = tmp_path / f"messages.{fmt}"
    out = io.BytesIO()
    rate = 0.1 if fmt == "jsonl" else 0.0  # Parquet is typed: no corrupted records
    write_dataset(out, 2000, seed=9, fmt=fmt, invalid_rate=rate)  # type: ignore[arg-type]
    path.write_bytes(out.getvalue())
    options: dict[str, Any] = {"include_invalid": include_invalid, "max_subset": 3}
    for native in (False, True):
        if native:
            monkeypatch.setattr(exposure_read, "NATIVE_MIN_BYTES", 0)
        in_engine = compute_exposure(path, **options).to_dict()
        in_memory = compute_exposure(path, keep_persons=True, **options).to_dict()
        assert in_engine == in_memory
        assert in_engine["input"]["persons"] > 1000


# --- field flows ---------------------------------------------------------------------


def _two_lists() -> list[dict[str, Any]]:
    """Two lists of the same four persons, their optional fields held by some items only."""
    first = _example("prior_change_list")
    items = first["items"]
    assert len(items) == 4
    assert all(item["subject"]["patronymic"] is None for item in items)
    for item in (items[0], items[3]):
        item["subject"]["patronymic"] = {"cyrillic": "Серикович", "latin": "SERIKOVICH"}
    assert all(d["series"] is None for item in items for d in item["subject"]["documents"])
    items[3]["subject"]["documents"][0]["series"] = "AB"
    items[0]["former_citizenship"]["ended_by"] = None
    items[1]["former_citizenship"]["ended_by"] = "renunciation_approved"
    for item in items[:2]:
        del item["former_citizenship"]["evidence"]
    items[2]["former_citizenship"]["evidence"] = []  # an empty list carries nothing
    second = copy.deepcopy(first)
    for item in second["items"]:
        item["subject"]["patronymic"] = None
        for document in item["subject"]["documents"]:
            document["series"] = None
    return [first, second]


#: Field: (messages that carry it, persons whose item does): the lists above.
_LISTED_FLOWS = {
    "items[].subject.surname": (2, 4),
    "items[].subject.patronymic": (1, 2),
    "items[].subject.documents[].series": (1, 1),
    "items[].former_citizenship.ended_by": (2, 3),
    "items[].former_citizenship.evidence": (2, 1),
    "items[].acquisition": (2, 4),
    "subject.surname": (0, 0),
}


@pytest.mark.parametrize("source", ["records", "jsonl", "jsonl by duckdb"])
@pytest.mark.parametrize("in_engine", [True, False])
def test_field_flows_count_the_fields_of_listed_persons(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, source: str, in_engine: bool
) -> None:
    """A field crossing in a list's item crosses: for the message, and for its item's person."""
    messages: Any = _two_lists()
    if source != "records":
        path = tmp_path / "lists.jsonl"
        path.write_bytes(b"".join(orjson.dumps(m) + b"\n" for m in messages))
        messages = path
    if source == "jsonl by duckdb":
        monkeypatch.setattr(exposure_read, "NATIVE_MIN_BYTES", 0)
    result = compute_exposure(messages, keep_persons=not in_engine)
    assert result.input.persons == 4
    flows = {f.path: (f.messages, f.people) for f in result.field_flows}
    assert {path: flows[path] for path in _LISTED_FLOWS} == _LISTED_FLOWS


def _bent_items() -> list[bytes]:
    """The list example, its items' optional fields in each shape a reader must read alike."""
    listing = _example("prior_change_list")
    changes: list[Any] = [
        lambda i: i["subject"].__setitem__("patronymic", []),
        lambda i: i["subject"].__setitem__("patronymic", {"latin": "X"}),
        lambda i: i["subject"]["documents"][0].__setitem__("series", "AB"),
        lambda i: i["subject"].__setitem__("documents", []),
        lambda i: i.__setitem__("former_citizenship", None),
        lambda i: i["former_citizenship"].__setitem__("evidence", []),
        lambda i: i["former_citizenship"].pop("evidence"),
        lambda i: i.pop("subject"),  # lists nobody; its fields still cross
        lambda i: i.__setitem__("subject", None),
    ]
    lines = []
    for change in changes:
        message = copy.deepcopy(listing)
        change(message["items"][1])
        lines.append(orjson.dumps(message))
    spaced = copy.deepcopy(listing)
    spaced["items"][2]["former_citizenship"]["evidence"] = []
    lines.append(orjson.dumps(spaced).replace(b'"evidence":[]', b'"evidence":[ ]'))
    return lines


def test_every_reader_checks_each_item_alike(tmp_path: Path) -> None:
    lines = _bent_items()
    plan = _plan()
    general = _parse_all(lines, plan, 1, _Columns(plan)).frames()
    fast = _parse_lines(lines, plan, 1).frames()
    assert general[1].height == 0  # every line read
    assert fast[0].equals(general[0])
    assert fast[3].equals(general[3])
    path = tmp_path / "bent.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    fast_plan = exposure_read._fast_plan_of(plan)
    # A list where the models put an object (line 1) is DuckDB's type error, as the
    # value's coarse type is declared: the file is left to the Python reader.
    assert read_native(path, plan, fast_plan) is None
    shaped = lines[1:]
    path.write_bytes(b"\n".join(shaped) + b"\n")
    native = read_native(path, plan, fast_plan)
    assert native is not None
    expected = _parse_all(shaped, plan, 1, _Columns(plan)).frames()
    assert native[0].equals(expected[0])
    assert native[2] is not None
    assert native[2].equals(expected[3])
    bit = {field: 1 << plan.presence.index(tuple(field.split("."))) for field in _ITEM_BITS}
    listed = general[3]
    for field, (slot, lines_with) in _ITEM_BITS.items():
        rows = listed.filter(pl.col("slot") == slot)
        found = rows.filter((pl.col("presence") & bit[field]) != 0)["line"].to_list()
        assert found == lines_with, field
    assert listed.filter(pl.col("slot") == 2)["line"].to_list() == [1, 2, 3, 4, 5, 6, 7, 10]


#: Per item path, (slot, lines whose item at that slot holds a value): `_bent_items`
#: bends item 1 (slot 2) on lines 1 to 9, lists nobody there on lines 8 and 9, and
#: empties the evidence of item 2 (slot 3) on line 10; item 2 keeps its `ended_by`.
_ITEM_BITS = {
    "items.[].subject.patronymic": (2, [2]),
    "items.[].subject.documents.[].series": (2, [3]),
    "items.[].former_citizenship.evidence": (2, [1, 2, 3, 4, 10]),
    "items.[].former_citizenship.ended_by": (3, list(range(1, 11))),
}
