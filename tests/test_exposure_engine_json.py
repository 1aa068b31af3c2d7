"""DuckDB's load of a JSONL file into the engine (`_duck.load_native`): the Python reader's rows.

The CLI's report reads a large JSONL file this way: the rows go straight into
the tables `msg`, `lst` and `doc`, and its listed persons are unnested from
the lists as read (`_duck._unnest_lists`). Each file here is loaded so and
read by the Python reader, and the tables compared with its frames; where
DuckDB cannot give the same rows it must decline (None).
"""

from __future__ import annotations

import copy
import dataclasses
from pathlib import Path
from typing import Any

import duckdb
import orjson
import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from exposure_fixtures import EXAMPLES, build_messages
from kzcn.exposure._duck import _brackets, load_native
from kzcn.exposure._read import ExtractPlan, _fast_plan_of, read_source
from test_exposure_fast import _plan
from test_exposure_listed import _bent_items

#: The columns of a listed person (`lst`) besides its position.
_LISTED = ["presence", "date_of_birth", "sex", "citizenship", "ethnic_nationality",
           "place_country", "place_region", "place_locality", "place_admin_code"]  # fmt: skip


def _tables(path: Path, plan: ExtractPlan) -> tuple[pl.DataFrame, ...] | None:
    """`msg`, `lst` and `doc` as DuckDB loads them, in order; None if it declines."""
    with duckdb.connect() as con:
        if load_native(con, path, plan, _fast_plan_of(plan)) is None:
            left = con.sql("SELECT count(*) FROM duckdb_tables()").fetchall()[0][0]
            assert left == 0  # a declined load leaves nothing behind
            return None
        return (
            con.sql("SELECT * FROM msg ORDER BY ord").pl(),
            con.sql(f"SELECT ord, slot, {', '.join(_LISTED)} FROM lst ORDER BY ord, slot").pl(),  # noqa: S608 - the test's own names
            con.sql("SELECT ord, slot, h FROM doc ORDER BY ord, slot, h").pl(),
        )


def _python(path: Path, plan: ExtractPlan) -> tuple[pl.DataFrame, ...]:
    """The same tables from the Python reader's frames (documents hashed as DuckDB does)."""
    read = read_source(path, plan, workers=1, native=False)
    messages = read.messages.rename({"line": "ord"})
    listed = read.listed.rename({"line": "ord"}).select("ord", "slot", *_LISTED)
    with duckdb.connect() as con:
        con.register("documents_in", read.documents)
        documents = con.sql(
            "SELECT line AS ord, slot, hash(document) AS h FROM documents_in ORDER BY ord, slot, h"
        ).pl()
    return messages, listed.sort("ord", "slot"), documents


def _assert_loaded_as_python_reads(path: Path, plan: ExtractPlan) -> None:
    loaded = _tables(path, plan)
    assert loaded is not None
    msg, lst, doc = loaded
    messages, listed, documents = _python(path, plan)
    assert msg.select(messages.columns).equals(messages)
    assert lst.equals(listed)
    assert doc.equals(documents)


def _write(path: Path, messages: list[Any]) -> Path:
    path.write_bytes(b"".join(orjson.dumps(m) + b"\n" for m in messages))
    return path


def test_generated_messages_load_as_python_reads_them(tmp_path: Path) -> None:
    messages = list(build_messages(400, seed=5, repeat_rate=0.2))
    listing = orjson.loads((EXAMPLES / "prior_change_list.json").read_bytes())
    path = _write(tmp_path / "m.jsonl", [*messages[:200], listing, *messages[200:], listing])
    _assert_loaded_as_python_reads(path, _plan())


def test_each_bent_item_loads_as_python_reads_it(tmp_path: Path) -> None:
    """Items' optional fields in every shape (`_bent_items`): the same bits per item and message."""
    path = tmp_path / "bent.jsonl"
    # The first bends an object into a list: DuckDB's type error, so it declines.
    first, *shaped = _bent_items()
    path.write_bytes(first + b"\n")
    assert _tables(path, _plan()) is None
    path.write_bytes(b"\n".join(shaped) + b"\n")
    _assert_loaded_as_python_reads(path, _plan())


def test_a_bracketed_value_of_a_listed_person_declines(tmp_path: Path) -> None:
    """A listed person's value DuckDB would give as JSON text: the Python reader's to read."""
    listing = orjson.loads((EXAMPLES / "prior_change_list.json").read_bytes())
    path = _write(tmp_path / "ok.jsonl", [listing])
    _assert_loaded_as_python_reads(path, _plan())
    bent = copy.deepcopy(listing)
    bent["items"][1]["subject"]["sex"] = {"code": "F"}
    assert _tables(_write(tmp_path / "bent.jsonl", [listing, bent]), _plan()) is None


@pytest.mark.parametrize(
    ("path", "value"),
    [(("subject", "sex"), {"code": "F"}), (("sender", "state"), ["KAZ"]),
     (("subject", "documents", 0, "issuing_state"), {"s": 1}), (("subject", "sex"), "[F]")],
)  # fmt: skip
def test_a_bracketed_value_of_a_message_declines(
    tmp_path: Path, path: tuple[Any, ...], value: object
) -> None:
    """An object or list DuckDB gives as JSON text, or text that may be one: Python's to read."""
    person = copy.deepcopy(next(m for m in build_messages(40, seed=3) if "subject" in m))
    node = person
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value
    assert _tables(_write(tmp_path / "bent.jsonl", [person]), _plan()) is None


def test_two_lists_of_persons_number_their_items_one_after_the_other(tmp_path: Path) -> None:
    """A kind listing persons in two lists: the second's slots follow the first's."""
    plan = _plan()
    assert plan.person_lists == {"prior_change_list": ("items",)}
    two = dataclasses.replace(plan, person_lists={"prior_change_list": ("items", "more")})
    listing = orjson.loads((EXAMPLES / "prior_change_list.json").read_bytes())
    both = copy.deepcopy(listing)
    both["more"] = copy.deepcopy(listing["items"][:2])
    for item in both["more"]:
        item["subject"]["documents"][0]["number"] += "X"
    only_more = copy.deepcopy(both)
    only_more["items"] = None
    path = _write(tmp_path / "two.jsonl", [listing, both, only_more])
    loaded = _tables(path, two)
    assert loaded is not None
    slots = loaded[1].group_by("ord", maintain_order=True).agg("slot")["slot"].to_list()
    items = len(listing["items"])
    assert slots == [list(range(1, items + 1)), list(range(1, items + 3)), [1, 2]]
    _assert_loaded_as_python_reads(path, two)


@pytest.mark.parametrize("number", [12345, None, True, {"n": "1"}, r'A"B\\', "Ж-1"])
def test_only_a_string_number_names_a_document(tmp_path: Path, number: object) -> None:
    listing = orjson.loads((EXAMPLES / "prior_change_list.json").read_bytes())
    for item in listing["items"]:
        item["subject"]["documents"][0]["number"] = number
    person = next(m for m in build_messages(40, seed=3) if "subject" in m)
    person = copy.deepcopy(person)
    person["subject"]["documents"][0]["number"] = number
    _assert_loaded_as_python_reads(_write(tmp_path / "n.jsonl", [listing, person]), _plan())


@given(st.lists(st.one_of(st.none(), st.text()), min_size=1, max_size=20))
def test_a_bracketed_text_is_told_as_python_tells_it(values: list[str | None]) -> None:
    """`_brackets`' ranges of the binary order say what `startswith` says, null for null."""
    with duckdb.connect() as con:
        con.execute("CREATE TABLE t (i INTEGER, x VARCHAR)")
        con.executemany("INSERT INTO t VALUES (?, ?)", list(enumerate(values)))
        found = con.sql(f"SELECT {_brackets('x')} FROM t ORDER BY i").fetchall()  # noqa: S608 - the test's own SQL
    expected = [None if v is None else v.startswith(("[", "{")) for v in values]
    assert [row[0] for row in found] == expected
