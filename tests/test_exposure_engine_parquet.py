"""DuckDB's load of a Parquet file into the engine (`_duck.load_native`): the Python reader's rows.

A file in `kzcn._parquet`'s layout has its person lists read by pyarrow beside
the rows (`_duck._pruned_lists`) and unnested in DuckDB (`_duck._load_lists`);
a file nesting its lists otherwise has them read in the rows' query (`_listed`).
Both routes must load the same tables as the Python reader's frames of the
same messages, whatever shape the items' optional fields take.
"""

from __future__ import annotations

import copy
import dataclasses
from pathlib import Path
from typing import Any

import duckdb
import orjson
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exposure_fixtures import EXAMPLES, build_messages
from kzcn._parquet import table_of
from kzcn.exposure import _duck
from kzcn.exposure._read import ExtractPlan, _fast_plan_of
from test_exposure_engine_json import _LISTED, _python
from test_exposure_fast import _plan
from test_exposure_listed import _bent_items


def _tables(path: Path, plan: ExtractPlan, *, pruned: bool) -> tuple[pl.DataFrame, ...]:
    """`msg`, `lst` and `doc` as DuckDB loads the Parquet file, in order.

    `pruned`: the lists as pyarrow reads them (the route of `kzcn._parquet`'s
    files); else as the rows' query reads them (a file nesting its lists otherwise).
    """
    with duckdb.connect() as con, pytest.MonkeyPatch.context() as patch:
        if not pruned:
            patch.setattr(_duck, "_list_columns", lambda *_: None)
        assert _duck.load_native(con, path, plan, _fast_plan_of(plan), parquet=True) is not None
        left = {t for (t,) in con.sql("SELECT table_name FROM duckdb_tables()").fetchall()}
        assert left == {"raw", "lst", "doc"}  # nothing of the lists' work is left behind
        return (
            con.sql("SELECT * FROM msg ORDER BY ord").pl(),
            con.sql(f"SELECT ord, slot, {', '.join(_LISTED)} FROM lst ORDER BY ord, slot").pl(),  # noqa: S608 - the test's own names
            con.sql("SELECT ord, slot, h FROM doc ORDER BY ord, slot, h").pl(),
        )


def _write(
    folder: Path, lines: list[bytes], extra: dict[str, str] | None = None
) -> tuple[Path, Path]:
    """The messages as JSON Lines and as Parquet; `extra` copies a column under a new name."""
    text = b"\n".join(lines) + b"\n"
    jsonl = folder / "m.jsonl"
    jsonl.write_bytes(text)
    table = table_of(text)
    for name, source in (extra or {}).items():
        table = table.append_column(pa.field(name, table.schema.field(source).type), table[source])
    parquet = folder / "m.parquet"
    pq.write_table(table, parquet)
    return jsonl, parquet


def _assert_both_routes_load_as_python_reads(
    folder: Path, lines: list[bytes], plan: ExtractPlan, extra: dict[str, str] | None = None
) -> None:
    jsonl, parquet = _write(folder, lines, extra)
    messages, listed, documents = _python(jsonl, plan)
    for pruned in (True, False):
        msg, lst, doc = _tables(parquet, plan, pruned=pruned)
        assert msg.select(messages.columns).equals(messages), pruned
        assert lst.equals(listed), pruned
        assert doc.equals(documents), pruned


def _listing() -> dict[str, Any]:
    loaded: dict[str, Any] = orjson.loads((EXAMPLES / "prior_change_list.json").read_bytes())
    return loaded


def test_generated_messages_and_lists_load_as_python_reads_them(tmp_path: Path) -> None:
    messages = [orjson.dumps(m) for m in build_messages(300, seed=9, repeat_rate=0.2)]
    listing = orjson.dumps(_listing())
    lines = [*messages[:150], listing, *messages[150:], listing]
    _assert_both_routes_load_as_python_reads(tmp_path, lines, _plan())


def test_each_bent_item_loads_as_python_reads_it(tmp_path: Path) -> None:
    """Items' optional fields in every shape Parquet holds (`_bent_items` but the first,
    a list where an object belongs, which has no Parquet column): the same bits and rows."""
    _, *shaped = _bent_items()
    _assert_both_routes_load_as_python_reads(tmp_path, shaped, _plan())


def test_two_lists_of_persons_number_their_items_one_after_the_other(tmp_path: Path) -> None:
    """A kind listing persons in two lists: a stream is read once, so it is kept as a table."""
    two = dataclasses.replace(_plan(), person_lists={"prior_change_list": ("items", "more")})
    listing = _listing()
    both = copy.deepcopy(listing)
    for item in both["items"][:2]:
        item["subject"]["documents"][0]["number"] += "X"
    lines = [orjson.dumps(listing), orjson.dumps(both)]
    jsonl, parquet = _write(tmp_path, lines, {"more": "items"})
    # The JSON Lines twin: `more` a copy of `items`, as the Parquet file has it.
    jsonl.write_bytes(b"".join(orjson.dumps({**m, "more": m["items"]}) + b"\n"
                               for m in (listing, both)))  # fmt: skip
    messages, listed, documents = _python(jsonl, two)
    items = len(listing["items"])
    for pruned in (True, False):
        msg, lst, doc = _tables(parquet, two, pruned=pruned)
        slots = lst.group_by("ord", maintain_order=True).agg("slot")["slot"].to_list()
        assert slots == [list(range(1, 2 * items + 1))] * 2
        assert msg.select(messages.columns).equals(messages)
        assert lst.equals(listed)
        assert doc.equals(documents)


#: Changes to a listed item's optional fields (each one of `_bent_items`' kinds of shape).
_CHANGES: list[Any] = [
    lambda i: i["subject"].__setitem__("patronymic", None),
    lambda i: i["subject"].__setitem__("patronymic", {"latin": "X"}),
    lambda i: i["subject"].__setitem__("patronymic", {}),
    lambda i: i["subject"]["documents"][0].__setitem__("series", "AB"),
    lambda i: i["subject"]["documents"][0].__setitem__("mrz", []),
    lambda i: i["subject"]["documents"][0].__setitem__("mrz", None),
    lambda i: i["subject"]["documents"][0].__setitem__("number", None),
    lambda i: i["subject"].__setitem__("documents", []),
    lambda i: i["subject"].__setitem__("documents", None),
    lambda i: i["subject"].__setitem__("photo", None),
    lambda i: i["subject"].__setitem__("personal_number", None),
    lambda i: i.__setitem__("former_citizenship", None),
    lambda i: i["former_citizenship"].__setitem__("evidence", []),
    lambda i: i["former_citizenship"].pop("evidence"),
    lambda i: i.pop("subject"),
]


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.tuples(st.integers(0, 2), st.sampled_from(range(len(_CHANGES)))), max_size=6),
       st.booleans())  # fmt: skip
def test_items_with_missing_or_empty_fields_load_alike_by_either_route(
    tmp_path_factory: pytest.TempPathFactory, changes: list[tuple[int, int]], no_items: bool
) -> None:
    """The pruned lists' route gives the rows' query's tables and the Python reader's."""
    listing = _listing()
    changed = copy.deepcopy(listing)
    for at, change in changes:
        item = changed["items"][at]
        # A change below a part an earlier change removed does not apply.
        try:
            _CHANGES[change](item)
        except (KeyError, TypeError, IndexError, AttributeError):
            continue
    lines = [orjson.dumps(listing), orjson.dumps(changed)]
    if no_items:
        lines.append(orjson.dumps({**listing, "items": []}))
    _assert_both_routes_load_as_python_reads(tmp_path_factory.mktemp("items"), lines, _plan())
