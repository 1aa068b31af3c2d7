"""The native reader: DuckDB's JSON reader picks out a file's rows in C++.

At a million messages, reading is most of the report's time, and Python
spends it on interpreting, not parsing. DuckDB's `read_json` parses the file
on every core, keeps only the declared fields, and the presence checks become
SQL over the result, so no Python object is made per message. The rows reach
polars through a Parquet file in a temporary directory: DuckDB's Arrow export
needs pyarrow (a large dependency for one hand-over), and its Arrow stream
taken by polars directly makes nanobind print leak warnings at exit.

It takes only the plain case, and gives `None` for anything else, leaving it
to the Python reader (`_read`), which knows every rule for skipping a line:
- the plan is one the narrow msgspec decoder covers, with no extra person
  paths (the grouping key of an arbitrary value is Python's to compute);
- DuckDB reads every line as an object of the declared shape (a malformed
  line, a list where an object belongs, a duplicated key all stop it);
- one row per line, but for empty lines (or a lone carriage return), which
  DuckDB skips and the line count (`_count_lines`) finds, so they are skipped
  as blank with the numbers the Python reader gives; a line of spaces is not
  found, so it declines the file;
- every row a message of a known kind, with its subject where the kind has one.

Values keep the Python reader's meaning: a number or boolean where a string
belongs is its text both ways, and a file with a value that might be an
object or list (text starting with a bracket) is declined, since DuckDB would
give its JSON text where the Python reader keeps no value. DuckDB's parser
also takes a trailing comma and NaN or Infinity; the Python reader reads
such a line the same way (`_read._as_duckdb_reads`), so the same bytes give
the same report either way. (`kzcn validate` is the tool that rejects it.)
A file name with a glob character is read through a plainly named link,
since DuckDB expands `x[1].jsonl` as a pattern.
"""

from __future__ import annotations

import functools
import itertools
import operator
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from kzcn.exposure import _layout as layout
from kzcn.exposure._fast import FastChecks, FastPlan

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa
    import pyarrow.parquet as pq

    from kzcn.exposure._read import ExtractPlan

__all__ = ["load_native", "memory_limit", "read_native", "read_native_parquet", "too_small"]

#: DuckDB's type of each of the layout's value types (`_layout.ValueType`).
_TYPES = {"text": "VARCHAR"}
_RAW = "JSON"
#: The rows' envelope and person columns, as SQL paths (`_layout`).
_ENVELOPE = {c.name: ".".join(c.path) for c in layout.ENVELOPE}
_PERSON = {c.name: ".".join(c.path) for c in layout.PERSON}
_NEWLINE, _CARRIAGE = ord("\n"), ord("\r")
#: Bytes read per step while counting lines.
_COUNT_BYTES = 4 * 1024 * 1024


#: DuckDB's `memory_limit` for the reads of the report being computed (None: DuckDB's default,
#: 80 % of RAM). Set around a report by `memory_limit`, so the readers' signatures stay as
#: the back-ends share them; past it DuckDB spills to the temporary directory.
_MEMORY_LIMIT: ContextVar[str | None] = ContextVar("kzcn_duckdb_memory_limit", default=None)


@contextmanager
def memory_limit(limit: str | None) -> Iterator[None]:
    """DuckDB's memory limit (as DuckDB spells it: `1GB`, `512MiB`) for the reads inside."""
    token = _MEMORY_LIMIT.set(limit)
    try:
        yield
    finally:
        _MEMORY_LIMIT.reset(token)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _struct(fields: dict[str, str]) -> str:
    return "STRUCT(" + ", ".join(f"{_quote(k)} {t}" for k, t in fields.items()) + ")"


def _declared(shape: layout.Tree) -> dict[str, str]:
    """The DuckDB types of a layout's shape: a value by its type, an object as a STRUCT.

    The exception `_layout.DOCUMENT_KEY` names: a document's number is read as
    JSON, so that only a string names a document (`_json_source`).
    """
    return {
        key: (
            _struct(_declared(node)) if not isinstance(node, layout.Column)
            else _RAW if node is layout.DOCUMENT_KEY else _TYPES[node.type]
        )
        for key, node in shape.items()
    }  # fmt: skip


#: DuckDB's type of a field only tested for a value (`IS NOT NULL`: `_items_bits`, the
#: subject's checks), by the models' coarse type (`kzcn.dictionary`): an object as a
#: struct of one field, a list as a list of text, anything else as text. Each tells a
#: value from null exactly as JSON does, without writing an object or list back as JSON
#: text (a quarter of the read at a million messages); a value of another shape is
#: DuckDB's type error, and the file is left to the Python reader.
_GIVEN = {"object": 'STRUCT("_" VARCHAR)', "list": "VARCHAR[]"}


def _given(path: str) -> str:
    """DuckDB's type for the field at a dictionary path (`subject.photo`) tested for a value."""
    from kzcn.dictionary import field_dictionary  # noqa: PLC0415 - not at the readers' import

    kinds = {entry.type for entry in field_dictionary().by_path(path)}
    return _GIVEN.get(kinds.pop(), "VARCHAR") if len(kinds) == 1 else "VARCHAR"


def _columns(checks: list[FastChecks], lists: list[str], shapes: Layout = None) -> dict[str, str]:
    """The declared shape: the rows' values, every field some kind checks, the listed persons.

    `shapes` (message, subject, document) are the layout's, unless given (a test's).
    """
    message_shape, subject_shape, document_shape = shapes or _SHAPES
    documents = _declared(document_shape)
    subject = _declared(subject_shape)
    message = _declared(message_shape)
    children: dict[str, dict[str, str]] = {}
    items: dict[str, dict[str, str]] = {}
    parts: dict[str, dict[str, dict[str, str]]] = {}
    person, held = layout.SUBJECT, layout.DOCUMENTS
    for kind_checks in checks:
        _declare_items(kind_checks, _Declared(subject, documents, items, parts))
        documents.update((k, _given(f"{person}.{held}[].{k}")) for _, k in kind_checks.documents)
        subject.update((key, _given(f"{person}.{key}")) for _, key in kind_checks.subject)
        for _, key, child in kind_checks.message:
            if child is None:
                message[key] = _RAW
            else:
                children.setdefault(key, {})[child] = _RAW
        for key, group in kind_checks.lists:
            items.setdefault(key, {}).update((c, _given(f"{key}[].{c}")) for _, c in group)
    subject[held] = _struct(documents) + "[]"
    message[person] = _struct(subject)
    for key in lists:
        items.setdefault(key, {})[layout.ITEM_SUBJECT] = message[person]
    for key, objects in parts.items():
        items.setdefault(key, {}).update((part, _struct(f)) for part, f in objects.items())
    message.update((key, _struct(fields)) for key, fields in children.items())
    message.update((key, _struct(fields) + "[]") for key, fields in items.items())
    return message


@dataclass(frozen=True, slots=True)
class _Declared:
    """Declared fields being collected: a person's, a document's, items', items' objects'."""

    subject: dict[str, str]
    documents: dict[str, str]
    items: dict[str, dict[str, str]]
    parts: dict[str, dict[str, dict[str, str]]]


def _declare_items(checks: FastChecks, declared: _Declared) -> None:
    """Declare what the checks on list items read (the shapes `_fast._item_shape` takes)."""
    for key, group in checks.items:
        for _, path in group:
            match path:
                case (layout.ITEM_SUBJECT, layout.DOCUMENTS, "[]", child):
                    declared.documents[child] = _RAW
                case (layout.ITEM_SUBJECT, child):
                    declared.subject[child] = _RAW
                case (child,):
                    declared.items.setdefault(key, {})[child] = _RAW
                case (part, child):
                    declared.parts.setdefault(key, {}).setdefault(part, {})[child] = _RAW


#: The shapes of a message's, a person's and a document's layout columns.
Layout = tuple[layout.Tree, layout.Tree, layout.Tree] | None
_SHAPES = (layout.tree(layout.MESSAGE), layout.tree(layout.PERSON), layout.tree(layout.DOCUMENT))


def _non_empty(expression: str) -> str:
    # JSON null arrives as SQL NULL, and DuckDB writes an empty list as `[]`.
    return f"({expression} IS NOT NULL AND {expression}::VARCHAR <> '[]')"


def _typed_given(expression: str) -> str:
    """`_non_empty` over a typed (Parquet) value: text `[]` is a value, as JSON's `"[]"` is.

    Only a list is written `[]` when empty; `typeof` is the column's type, folded
    when the query is planned, so no other value is cast to text.
    """
    return (
        f"({expression} IS NOT NULL AND (NOT ends_with(typeof({expression}), '[]') "
        f"OR {expression}::VARCHAR <> '[]'))"
    )


def _present_at(
    item: str, path: tuple[str, ...], given: Callable[[str], str] = _non_empty, depth: int = 0
) -> str:
    """SQL: a value sits at `path` in `item`, not null nor an empty list (`_fast.item_bits`).

    `[]` fans out over a list's items; `given` tests a value (`_typed_given` for typed columns).
    """
    if "[]" not in path:
        return given(_at(item, path))
    at, inner = path.index("[]"), f"x{depth}"
    return (
        f"coalesce(list_bool_or(list_transform({_at(item, path[:at])}, "
        f"lambda {inner}: {_present_at(inner, path[at + 1 :], given, depth + 1)})), false)"
    )


def _at(item: str, path: tuple[str, ...]) -> str:
    return item + "".join("." + _quote(segment) for segment in path)


def _item_bits(
    item: str, checks: tuple[tuple[int, tuple[str, ...]], ...],
    given: Callable[[str], str] = _non_empty,
) -> str:  # fmt: skip
    """An item's presence bits (`FastChecks.items`), as SQL over `item`."""
    return _sum_of_bits([(bit, _present_at(item, path, given)) for bit, path in checks])


def _sum_of_bits(terms: list[tuple[int, str]]) -> str:
    if not terms:
        return "0"
    return " + ".join(f"(CASE WHEN {condition} THEN {bit} ELSE 0 END)" for bit, condition in terms)


def _typed_non_empty(lists: frozenset[tuple[str, str | None]]) -> Callable[[str, str | None], str]:
    """`_non_empty` over typed (Parquet) columns: a list by its length, anything else by null.

    `lists` are the fields the file holds as lists (`_parquet_lists`). Casting a
    typed column to text, as the JSON columns are, cost a second a million rows.
    """

    def non_empty(key: str, child: str | None) -> str:
        path = _field(key, child)
        return f"coalesce(len({path}), 0) > 0" if (key, child) in lists else f"({path} IS NOT NULL)"

    return non_empty


def _field(key: str, child: str | None) -> str:
    return _quote(key) if child is None else f"{_quote(key)}.{_quote(child)}"


def _parquet_lists(
    rows: str, fast: FastPlan, con: duckdb.DuckDBPyConnection | None = None
) -> frozenset[tuple[str, str | None]]:
    """The message-level presence fields `rows` (a `read_parquet`) holds as lists.

    DuckDB's own types, from the file's footer: the schema of the Parquet writer
    (`kzcn._parquet`) would take pyarrow and the JSON Schema to build (0.2 s).
    A field the file lacks is DuckDB's error, so the caller declines the file.
    Asked on `con` where given: a connection of its own costs 0.04 s to open.
    """
    import duckdb  # noqa: PLC0415 - see `open_database`

    fields = sorted({(k, c) for checks in fast.checks.values() for _, k, c in checks.message},
                    key=lambda f: (f[0], f[1] or ""))  # fmt: skip
    if not fields:
        return frozenset()
    select = ", ".join(_field(key, child) for key, child in fields)
    with duckdb.connect(":memory:") if con is None else con.cursor() as asked:
        described = asked.execute(f"DESCRIBE SELECT {select} FROM {rows}").fetchall()  # noqa: S608
    return frozenset(
        found for found, (_, kind, *_) in zip(fields, described, strict=True)
        if str(kind).endswith("]")
    )  # fmt: skip


def _json_non_empty(key: str, child: str | None) -> str:
    return _non_empty(_field(key, child))


def _items_bits(items: str, group: tuple[tuple[int, str], ...]) -> str:
    """The bits of the fields (bit, field) any item of the list `items` gives a value.

    One lambda per list, whatever the number of fields: DuckDB's cost of a
    lambda is mostly per call (six lambdas over a list cost six times one).
    """
    per_item = _sum_of_bits([(bit, f"x.{_quote(child)} IS NOT NULL") for bit, child in group])
    return f"coalesce(list_bit_or(list_transform({items}, lambda x: {per_item})), 0)"


def _subject_given(key: str, *under: str) -> str:
    """SQL: the subject gives its field `key` (JSON's objects are read as one field, `_given`).

    With `under`, a field of that field (`_leaf_given`).
    """
    return f"{_at(_SUBJECT, (key, *under))} IS NOT NULL"


def _leaf_given(key: str) -> str:
    """`_subject_given` over Parquet: an object by one field the models require of it.

    DuckDB reads every field of a struct to tell it from null (the photo's
    three took 0.08 CPU-s a million rows), and one of them alone as that
    field (its media type, 0.01). A valid object holds the field
    (`_layout.required_leaf`); an object without it is not valid, and counts
    as not given.
    """
    leaf = layout.required_leaf(key)
    return _subject_given(key) if leaf is None else _subject_given(key, leaf)


def _bits(
    checks: FastChecks, non_empty: Callable[[str, str | None], str] = _json_non_empty,
    subject_given: Callable[[str], str] = _subject_given,
) -> str:  # fmt: skip
    """One kind's presence bits as a sum of SQL terms (the bits are distinct powers of 2)."""
    terms: list[tuple[int, str]] = []
    for bit, key, child in checks.message:
        terms.append((bit, non_empty(key, child)))
    terms.extend((bit, subject_given(key)) for bit, key in checks.subject)
    lists = [(_quote(key), group) for key, group in checks.lists]
    if checks.documents:
        lists.append((f"{_SUBJECT}.{_DOCUMENTS}", checks.documents))
    # The checks on list items are the listed persons' (`_listed`), or-ed by `_query`.
    return " + ".join([_sum_of_bits(terms), *(_items_bits(items, group) for items, group in lists)])


def _every(checks: list[FastChecks]) -> FastChecks:
    """The checks of all kinds as one: each check once, a list's item checks merged."""
    lists: dict[str, dict[tuple[int, str], None]] = {}
    for kind_checks in checks:
        for key, group in kind_checks.lists:
            lists.setdefault(key, {}).update(dict.fromkeys(group))
    return FastChecks(
        subject=tuple(dict.fromkeys(c for k in checks for c in k.subject)),
        subject_values=(),
        documents=tuple(dict.fromkeys(c for k in checks for c in k.documents)),
        message=tuple(dict.fromkeys(c for k in checks for c in k.message)),
        lists=tuple((key, tuple(group)) for key, group in lists.items()),
    )


def _mask(checks: FastChecks) -> int:
    """The bits a kind's checks can set (`_bits` of them)."""
    bits = [
        *(bit for bit, *_ in checks.message), *(bit for bit, _ in checks.subject),
        *(bit for bit, _ in checks.documents),
        *(bit for _, group in checks.lists for bit, _ in group),
    ]  # fmt: skip
    return functools.reduce(operator.or_, bits, 0)


def _presence(fast: FastPlan, reading: _From) -> str:
    """SQL: each row's presence bits (`_bits` of its kind's checks), as one expression.

    The kinds' checks are parts of one plan's (`FastChecks.only`), so a bit is
    one check's whichever kinds make it: every check is made on every row and
    the kind's mask keeps its own. A CASE per kind ran each list's lambda once
    per kind checking it (the documents' four times per batch of rows), in a
    query a third longer: over 200k messages in memory the bits took 0.067
    CPU-s, now 0.061 (one thread, medians of 7).
    """
    masks = " ".join(
        f"WHEN {_literal(kind)} THEN {mask}"
        for kind in sorted(fast.checks)
        if (mask := _mask(fast.checks[kind]))
    )
    if not masks:
        return "CAST(0 AS BIGINT)"
    every = _bits(
        _every([fast.checks[kind] for kind in sorted(fast.checks)]), reading.non_empty,
        reading.subject_given,
    )  # fmt: skip
    return f"CAST(({every}) & (CASE kind {masks} ELSE 0 END) AS BIGINT)"


#: A document's key but its number (`_layout.DOCUMENT`): `STATE|TYPE`, None as `None`.
_PARTS = [
    f"coalesce(d.{_quote(c.path[-1])}, 'None')"
    for c in layout.DOCUMENT
    if c is not layout.DOCUMENT_KEY
]
_NUMBER = f"d.{_quote(layout.DOCUMENT_KEY.path[-1])}"


def _key(number: str) -> str:
    """SQL: a document's key, `STATE|TYPE|NUMBER`, with the number's text as `number`.

    Made at once (`concat`, one string where each `||` makes one, a sixth of
    the keys' time), so only where the number is given: `concat` takes a null
    as empty text.
    """
    return "concat(" + ", '|', ".join([*_PARTS, number]) + ")"


#: A document's key where its number is JSON (`_json_source`: only a string's is taken) or text.
_JSON_KEY = _key(f"{_NUMBER} ->> '$'")
_TEXT_KEY = _key(_NUMBER)
#: The message's person record, and its documents, as SQL (`_layout`).
_SUBJECT = _quote(layout.SUBJECT)
_DOCUMENTS = _quote(layout.DOCUMENTS)


def _as_hash(key: str) -> str:
    return f"hash({key})"


@dataclass(frozen=True, slots=True)
class _From:
    """What a query reads, as SQL: the rows, a person's document keys, a missing subject.

    `documents` gives the SQL of the document keys of the person record written as its
    argument (the message's subject, or a listed item's), each key passed through
    its second argument (`str` as it is, `_as_hash` for the key's 64-bit hash).
    `ord`, where the source numbers its rows itself, is the row's position from 1:
    then DuckDB need not keep the rows in order. `typed`: no value is an object's
    or a list's JSON text (`_maybe_containers`), so a key can be hashed as it is read.
    `subject_given` is the SQL of a check that the subject gives a field (`_leaf_given`).
    """

    rows: str
    documents: Callable[[str, Callable[[str], str]], str]
    no_subject: str
    non_empty: Callable[[str, str | None], str] = _json_non_empty
    ord: str | None = None
    typed: bool = False
    subject_given: Callable[[str], str] = _subject_given


def _lists(plan: ExtractPlan) -> list[str]:
    """Every list some kind carries persons in (`ExtractPlan.person_lists`)."""
    return sorted({key for keys in plan.person_lists.values() for key in keys})


def _json_source(path: Path, plan: ExtractPlan, fast: FastPlan) -> _From:
    """`read_json` of a JSONL file with the declared shape.

    Only a string number names a document, as in the Python reader: the JSON
    text of a string, and of nothing else, starts with a quote. A document
    without one becomes a null key, which the caller drops (`list_filter`
    took twice the time of the keys themselves).
    """
    columns = _columns([fast.checks[k] for k in sorted(fast.checks)], _lists(plan))
    spec = "{" + ", ".join(f"{_literal(k)}: {_literal(t)}" for k, t in columns.items()) + "}"
    return _From(
        f"read_json({_literal(str(path))}, format = 'newline_delimited', "
        f"records = true, columns = {spec})",
        _json_documents,
        f"{_SUBJECT} IS NULL",
    )


def _json_documents(person: str, key: Callable[[str], str]) -> str:
    """SQL: the document keys of `person` as `read_json` gives it (see `_json_source`)."""
    return (
        f"list_transform({person}.{_DOCUMENTS}, lambda d: "
        f"CASE WHEN starts_with({_NUMBER}, '\"') THEN {key(_JSON_KEY)} END)"
    )


def _parquet_source(
    path: Path, plan: ExtractPlan, fast: FastPlan, con: duckdb.DuckDBPyConnection | None = None
) -> _From:
    """`read_parquet` of a file in `kzcn._parquet`'s layout: typed columns, only those named.

    Two shortcuts keep DuckDB from reading whole nested columns (3 s of 5 at
    a million rows): a document without a number becomes a null key, which
    the caller drops, rather than being filtered out of the list; and a
    subject counts as missing when it has neither sex nor birth date, which
    sends a file with such a row to the shared reader (see `read_native_parquet`).
    """
    del plan
    rows = f"read_parquet({_literal(str(path))}, file_row_number = true)"
    return _From(
        rows,
        lambda person, key: (
            f"list_transform({person}.{_DOCUMENTS}, lambda d: "
            f"CASE WHEN {_NUMBER} IS NOT NULL THEN {key(_TEXT_KEY)} END)"
        ),
        f"{_SUBJECT}.{_PERSON['sex']} IS NULL AND {_SUBJECT}.{_PERSON['date_of_birth']} IS NULL",
        _typed_non_empty(_parquet_lists(rows, fast, con)),
        "file_row_number + 1",
        typed=True,
        subject_given=_leaf_given,
    )


Source = Callable[[Path, "ExtractPlan", FastPlan], _From]


def _listed(plan: ExtractPlan, reading: _From, key: Callable[[str], str], fast: FastPlan) -> str:
    """The persons each message lists: per kind, its lists' items concatenated, each a struct.

    Every item is kept (`listed` false where it has no subject), so that its
    position in the list is its slot, as the Python reader numbers them; its
    `presence` is the bits of the kind's checks on the item (`FastChecks.items`).
    """

    def items(kind: str, name: str) -> str:
        return f"list_transform({_quote(name)}, lambda i: {_item(reading, key, fast, kind, name)})"

    cases = " ".join(
        f"WHEN {_literal(kind)} THEN "
        + (
            items(kind, keys[0])
            if len(keys) == 1
            else f"flatten([{', '.join(items(kind, name) for name in keys)}])"
        )
        for kind, keys in sorted(plan.person_lists.items())
        if keys
    )
    return f"CASE kind {cases} END AS listed, " if cases else ""


def _item(reading: _From, key: Callable[[str], str], fast: FastPlan, kind: str, name: str) -> str:
    """SQL: the listed person of `i`, an item of the list `name` of a message of `kind`."""
    person = f"i.{_quote(layout.ITEM_SUBJECT)}"
    given = _typed_given if reading.typed else _non_empty
    values = ", ".join(f"{column} := {person}.{path}" for column, path in _PERSON.items())
    checks = dict(fast.checks[kind].items).get(name, ()) if kind in fast.checks else ()
    return (
        f"struct_pack(listed := {person} IS NOT NULL, "
        f"presence := CAST({_item_bits('i', checks, given)} AS BIGINT), "
        f"{values}, documents := {reading.documents(person, key)})"
    )


def _raw_list(position: int) -> str:
    """The column of `raw` holding a list of persons as read (`_query`'s `raw_lists`)."""
    return f"list_{position}"


@dataclass(frozen=True, slots=True)
class _ListsAt:
    """Where the rows' lists of persons are, as read, and how an item's person is read.

    `table` has each row's `kind`, its number (`ord`, as SQL over `table`) and each
    list under `column(list)`; `reading` and `key` make an item's person (`_item`).
    """

    table: str
    ord: str
    column: Callable[[str], str]
    reading: _From
    key: Callable[[str], str] = str


def _raw_lists(plan: ExtractPlan) -> _ListsAt:
    """The lists in `raw`, as `_query`'s `raw_lists` puts them there (JSON)."""
    keys = _lists(plan)
    return _ListsAt("raw", "rowid + 1", lambda k: _raw_list(keys.index(k)),
                    _From("", _json_documents, ""))  # fmt: skip


def _unnest_lists(con: duckdb.DuckDBPyConnection, plan: ExtractPlan, fast: FastPlan) -> None:
    """The table `lraw` (`ord`, `slot`, `p`) of `raw`'s listed persons, and their bits in `raw`.

    `raw` holds each list as read (`_query`'s `raw_lists`); see `_unnest_persons`.
    """
    _unnest_persons(con, plan, fast, _raw_lists(plan))
    for position in range(len(_lists(plan))):
        con.execute(f"ALTER TABLE raw DROP COLUMN {_raw_list(position)}")
    _items_into_presence(con, "raw.rowid + 1")


def _unnest_persons(
    con: duckdb.DuckDBPyConnection, plan: ExtractPlan, fast: FastPlan, lists: _ListsAt,
    *, ordered: bool = True,
) -> None:  # fmt: skip
    """The table `lraw` (`ord`, `slot`, `p`) of every item of the `lists`, in order if `ordered`.

    The items are unnested and each made a struct (`_item`) by plain SQL over
    rows: made inside `list_transform` (`_listed`), the same structs cost
    DuckDB three times as much per item (a sixth of the whole load of generated
    messages, of which 3 % list persons), as it sets the lambda's state up
    again and again. An item's slot is its position in its kind's lists, one
    after the other. Every item is kept, for `_items_into_presence`.
    Unordered, the items are not sorted: each carries its `ord` and `slot`,
    and nothing after reads them in order (`_load_lists`).
    """
    every = " UNION ALL ".join(
        _unnested(fast, kind, names, at, lists)
        for kind, names in sorted(plan.person_lists.items())
        for at in range(len(names))
    )
    order = " ORDER BY ord, slot" if ordered else ""
    con.execute(f"CREATE TABLE lraw AS SELECT * FROM ({every}){order}")  # noqa: S608 - see `_query`


def _items_into_presence(con: duckdb.DuckDBPyConnection, raw_ord: str) -> None:
    """Every item's bits go to its message's `presence` (`raw_ord`: a row's number in `raw`).

    Then `lraw` keeps only the items that list someone.
    """
    con.execute(f"""
        UPDATE raw SET presence = raw.presence | b.bits
        FROM (SELECT ord, bit_or(p.presence) AS bits FROM lraw GROUP BY ord) b
        WHERE {raw_ord} = b.ord AND b.bits <> 0
    """)  # noqa: S608
    # In place, not copied: few items list nobody.
    con.execute("DELETE FROM lraw WHERE NOT p.listed")


def _unnested(
    fast: FastPlan, kind: str, names: tuple[str, ...], at: int, lists: _ListsAt
) -> str:  # fmt: skip
    """SQL: `ord`, `slot`, `p` of the items of the list `names[at]` of the messages of `kind`."""
    column = lists.column(names[at])
    before = "".join(f" + coalesce(len({lists.column(n)}), 0)" for n in names[:at])
    item = _item(lists.reading, lists.key, fast, kind, names[at])
    return (
        f"SELECT ord, slot{before} AS slot, {item} AS p "  # noqa: S608 - see `_query`
        f"FROM (SELECT {lists.ord} AS ord, {', '.join(lists.column(n) for n in names)}, "
        f"unnest({column}) AS i, generate_subscripts({column}, 1) AS slot "
        f"FROM {lists.table} WHERE kind = {_literal(kind)} AND {column} IS NOT NULL)"
    )


#: SQL: a message's bits of the checks on its items, any item's (`_listed`'s `presence`).
_ITEM_BITS = "coalesce(list_aggregate(list_transform(listed, lambda p: p.presence), 'bit_or'), 0)"


def _query(  # noqa: PLR0913 - the reading's parts, and three switches
    path: Path, plan: ExtractPlan, fast: FastPlan, source: Source = _json_source,
    *, in_engine: bool = False, listing: bool = True, raw_lists: bool = False,
) -> str:  # fmt: skip
    """The rows' query, as SQL.

    `in_engine` (`load_native`): with `ord` where the source numbers its rows
    (they may then come in any order), and a typed source's document keys as
    their hashes (only equality matters in the engine; the text is not kept).
    Without `listing`, the listed persons are left out (`_pruned_lists` reads them);
    with `raw_lists` too, each list of persons is a column as read (`_unnest_lists`).
    """
    # CASE, not IN: DuckDB may turn a long IN list into a join, which loses the rows' order.
    person = " ".join(f"WHEN {_literal(k)} THEN true" for k in sorted(plan.person_kinds))
    reading = source(path, plan, fast)
    key = _as_hash if in_engine and reading.typed else str
    envelope = [f"{path} AS {name}" for name, path in _ENVELOPE.items()]
    if in_engine and reading.ord is not None:
        envelope.insert(0, f"{reading.ord} AS ord")
    values = [
        f"CASE WHEN has_subject THEN {_SUBJECT}.{path} END AS {name}"
        for name, path in _PERSON.items()
    ]
    listed = _listed(plan, reading, key, fast) if listing else ""
    if raw_lists:
        listed = "".join(f"{_quote(k)} AS {_raw_list(n)}, " for n, k in enumerate(_lists(plan)))
    # A message's bits of the checks on items are any item's (`listed` is defined first);
    # without `listing`, `_items_into_presence` adds them from the table `lraw`.
    items = f" | {_ITEM_BITS}" if listed and not raw_lists else ""
    # Not an injection: names and kinds are the models' own, and every literal is quoted.
    return f"""
    SELECT
        kind, {", ".join(envelope)}, has_subject, {listed}
        {_presence(fast, reading)}{items} AS presence,
        {", ".join(values)},
        CASE WHEN has_subject THEN {reading.documents(_SUBJECT, key)} END AS documents,
        has_subject AND {reading.no_subject} AS no_subject
    FROM (
        SELECT *, CASE kind {person} ELSE false END AS has_subject
        FROM {reading.rows}
    )
    """  # noqa: S608


@dataclass(slots=True)
class _Lines:
    """The file's lines as the Python reader numbers them, and which are empty."""

    count: int = 0
    #: 1-based numbers of the lines that are empty or hold only `\r` (DuckDB skips them).
    empty: list[int] = field(default_factory=list)


def _steps(path: Path) -> Iterator[tuple[np.ndarray, int]]:
    """The file's bytes in steps, each with its offset in the file.

    One array is reused for every step: a fresh one per step costs page faults.
    """
    buffer = bytearray(_COUNT_BYTES)
    view = np.frombuffer(buffer, np.uint8)
    offset = 0
    with path.open("rb", buffering=0) as handle:
        while size := handle.readinto(buffer):
            yield view[:size], offset
            offset += size


def _count_lines(path: Path, lines: _Lines) -> None:
    """Count the lines as the Python reader numbers them (the last may lack its newline).

    numpy's vectorised compare over reused arrays: three times faster than
    `bytes.count` over fresh blocks, and it runs beside DuckDB's threads.
    """
    equal = np.empty(_COUNT_BYTES, np.bool_)
    last = _NEWLINE
    for chunk, _ in _steps(path):
        lines.count += int(np.count_nonzero(np.equal(chunk, _NEWLINE, out=equal[: chunk.size])))
        last = int(chunk[-1])
    lines.count += last != _NEWLINE


def _find_empty_lines(path: Path, lines: _Lines) -> None:
    """Note the empty lines (or lone carriage returns) DuckDB skipped.

    A line is empty when its newline follows the previous one directly, or with
    only a carriage return between them. This second pass is made only when
    DuckDB gave fewer rows than there are lines: listing every newline costs
    several times what counting them does.
    """
    start, seen, last = 0, 0, _NEWLINE
    for chunk, offset in _steps(path):
        ends = np.flatnonzero(chunk == _NEWLINE) + offset
        if ends.size:
            starts = np.concatenate(([start], ends[:-1] + 1))
            empty = ends == starts
            one = np.flatnonzero(ends == starts + 1)
            # The byte before such a newline: in this chunk, or the previous one's last.
            inside = ends[one] - 1 - offset
            prior = np.where(inside >= 0, chunk[np.maximum(inside, 0)], last)
            empty[one[prior == _CARRIAGE]] = True
            lines.empty.extend((np.flatnonzero(empty) + seen + 1).tolist())
            seen += int(ends.size)
            start = int(ends[-1]) + 1
        last = int(chunk[-1])


def _counted_in_background(path: Path) -> tuple[threading.Thread, _Lines]:
    lines = _Lines()
    thread = threading.Thread(target=_count_lines, args=(path, lines), daemon=True)
    thread.start()
    return thread, lines


def open_database(
    folder: str, threads: int | None, memory_limit: str | None, *, on_disk: bool = False,
    **options: str | bool,
) -> duckdb.DuckDBPyConnection:  # fmt: skip
    """A DuckDB database for the report's work, with `options` besides.

    In memory, or `on_disk` a database file in `folder`: there its tables are
    stored compressed, as DuckDB stores any table, rather than spilled as the
    blocks of an in-memory one, which at 20M messages were 6.6 GB of temporary
    files, a tenth of the run compressing them (`_estimate.tables_on_disk`).
    What DuckDB spills goes to `folder`, not to `.tmp` in the working directory;
    and it prints no progress bar: a library writes nothing to standard output
    (DuckDB's bar is on by default, and would land in a caller's own output).
    """
    import duckdb  # noqa: PLC0415 - only the readers that run DuckDB need it (and its start-up time)

    config: dict[str, str | bool | int | float | list[str]] = {"temp_directory": folder, **options}
    if threads is not None:
        config["threads"] = max(1, threads)
    if memory_limit is not None:
        config["memory_limit"] = memory_limit
    database = str(Path(folder) / "report.duckdb") if on_disk else ":memory:"
    connection = duckdb.connect(database, config=config)
    # A setting of the connection, not of the database: `connect`'s config refuses it.
    connection.execute("SET enable_progress_bar = false")
    return connection


def _rows(query: str, threads: int | None) -> pl.DataFrame:
    import duckdb  # noqa: PLC0415 - see `open_database`

    with tempfile.TemporaryDirectory(prefix="kzcn-") as folder:
        target = Path(folder) / "rows.parquet"
        limit = _MEMORY_LIMIT.get()
        with open_database(folder, threads, limit) as connection:
            try:
                connection.execute(
                    f"COPY ({query}) TO {_literal(str(target))} "
                    "(FORMAT parquet, COMPRESSION uncompressed)"
                )
            except duckdb.OutOfMemoryException:
                # Not a file DuckDB cannot read (which the shared reader takes over):
                # that reader would hold even more of it in memory.
                raise MemoryError(too_small(limit)) from None
        return pl.read_parquet(target)


def too_small(limit: str | None) -> str:
    """What to tell a user whose memory limit DuckDB ran out of."""
    return f"the memory limit {limit} is too small for this input: raise --memory-limit"


def _maybe_containers(rows: pl.DataFrame, texts: list[str]) -> bool:
    """Whether a value might be an object or list, which DuckDB turns into its JSON text.

    The Python reader keeps no value there, so such a file is left to it. A
    string that merely starts with a bracket is declined too: rare, and safe.
    A number or boolean is the same text both ways.
    """
    bracket = pl.any_horizontal(
        pl.col(texts).str.starts_with("{") | pl.col(texts).str.starts_with("[")
    ).fill_null(value=False)
    document = pl.col("documents").list.eval(pl.element().str.contains(r"[\[{]")).list.any()
    return bool(rows.select(bracket.any() | document.fill_null(value=False).any()).item())


#: Messages, documents and listed persons (None: the plan lists nobody), as `_read` takes them.
Native = tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame | None, list[int], int]


def _listed_rows(rows: pl.DataFrame) -> pl.DataFrame | None:
    """The listed persons of numbered rows: `line`, `slot`, values, `documents`."""
    if "listed" not in rows.columns:
        return None
    return (
        rows.select("line", "listed")
        .filter(pl.col("listed").list.len() > 0)
        .explode("listed")
        .with_columns((pl.int_range(pl.len()).over("line") + 1).cast(pl.Int64).alias("slot"))
        .unnest("listed")
        .filter(pl.col("listed"))
        .select("line", "slot", "presence", *_PERSON, "documents")
    )


def _documents(rows: pl.DataFrame, listed: pl.DataFrame | None) -> pl.DataFrame:
    """`line`, `slot`, `document` of every person's documents (subjects' first, then listed)."""
    parts = [rows.select("line", pl.lit(0, pl.Int64).alias("slot"), pl.col("documents"))]
    if listed is not None:
        parts.append(listed.select("line", "slot", "documents"))
    return (
        pl.concat(parts)
        .rename({"documents": "document"})
        .explode("document")
        .drop_nulls("document")
    )


def _frames(
    rows: pl.DataFrame, listed: pl.DataFrame | None, empty: list[int], lines: int
) -> Native:
    documents = _documents(rows, listed)
    listed = None if listed is None else listed.drop("documents")
    return (
        rows.drop("documents", "no_subject", "listed", strict=False),
        documents,
        listed,
        empty,
        lines,
    )


def _numbered(rows: pl.DataFrame, lines: _Lines) -> pl.DataFrame:
    """The rows with their line numbers: every line's but the empty ones'."""
    if not lines.empty:
        return rows.with_row_index("line", offset=1).with_columns(pl.col("line").cast(pl.Int64))
    numbers = np.delete(np.arange(1, lines.count + 1, dtype=np.int64), np.array(lines.empty) - 1)
    return rows.with_columns(pl.Series("line", numbers)).select("line", pl.exclude("line"))


#: Characters DuckDB reads as a glob pattern in a file name.
_GLOB = frozenset("*?[]{}")


@contextmanager
def _plain_name(path: Path) -> Iterator[Path]:
    """`path`, or a link to it with a plain name: DuckDB expands `x[1].jsonl` as a glob.

    Quoting does not stop the expansion (the name is a pattern to DuckDB, not
    SQL text), so a name with a glob character is read through a symlink.
    """
    full = path.resolve()
    if not _GLOB & set(str(full)):
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="kzcn-") as folder:
        link = Path(folder) / "input.jsonl"
        link.symlink_to(full)
        yield link


def read_native(
    path: Path, plan: ExtractPlan, fast: FastPlan | None, threads: int | None = None
) -> Native | None:
    """Messages, documents and listed persons of a JSONL file, its empty lines, its line count.

    None leaves the file to the Python reader.
    """
    if fast is None or fast.extra:
        return None
    import duckdb  # noqa: PLC0415 - see `open_database`

    counter, lines = _counted_in_background(path)
    try:
        with _plain_name(path) as plain:
            rows = _rows(_query(plain, plan, fast), threads)
    except (duckdb.Error, OSError):  # OSError: no temporary directory to hand over in
        counter.join()
        return None
    # Joined only here: after an interrupt (or any other error) nobody waits for
    # the count (a daemon thread), so Ctrl-C stops the report at once.
    counter.join()
    if rows.height < lines.count:  # DuckDB skips empty lines: which are they?
        _find_empty_lines(path, lines)
    if (
        rows.height != lines.count - len(lines.empty)
        or not rows["kind"].is_in(list(fast.checks)).fill_null(value=False).all()
        or rows["no_subject"].any()
        or _maybe_containers(rows, [*_ENVELOPE, *_PERSON])
    ):
        return None
    rows = _numbered(rows, lines)
    listed = _listed_rows(rows)
    if listed is not None and _maybe_containers(listed, list(_PERSON)):
        return None
    return _frames(rows, listed, lines.empty, lines.count)


def read_native_parquet(
    path: Path, plan: ExtractPlan, fast: FastPlan | None, threads: int | None = None
) -> Native | None:
    """Messages and documents of a Parquet file of messages (`kzcn generate --format parquet`).

    DuckDB reads only the columns the query names. Rows are numbered from 1.
    None leaves the file to the shared reader: a plan DuckDB does not cover,
    a file of another layout, or a row that is not a message of a known kind.
    """
    if fast is None or fast.extra:
        return None
    import duckdb  # noqa: PLC0415 - see `open_database`

    try:
        with _plain_name(path) as plain:
            rows = _rows(_query(plain, plan, fast, _parquet_source), threads)
    except (duckdb.Error, OSError):
        return None
    if (
        not rows["kind"].is_in(list(fast.checks)).fill_null(value=False).all()
        or rows["no_subject"].any()
    ):
        return None
    rows = rows.with_row_index("line", offset=1).with_columns(pl.col("line").cast(pl.Int64))
    return _frames(rows, _listed_rows(rows), [], rows.height)


# --- into a DuckDB database (`_indb`): the rows stay in the engine ----------------------


def _brackets(column: str) -> str:
    """SQL: the text `column` starts with `{` or `[` (null for null).

    As ranges of the text's binary order (what starts with `[` sorts from `[`
    up to, not with, the character after it): a third of the time of
    `starts_with` over a million rows' dozen columns.
    """
    return f"(({column} >= '[' AND {column} < '\\') OR ({column} >= '{{' AND {column} < '|'))"


def _bracketed_documents(documents: str) -> str:
    return (
        f"coalesce(list_bool_or(list_transform({documents}, "
        "lambda d: contains(d, '[') OR contains(d, '{'))), false)"
    )


def _bracketed_person(person: str) -> str:
    """SQL: a value of the listed person `person` (a struct, `_item`) is bracketed."""
    values = [_brackets(f"{person}.{_quote(c)}") for c in _PERSON]
    return " OR ".join([*values, _bracketed_documents(f"{person}.documents")])


def _any_of(terms: list[str]) -> str:
    return "coalesce(bool_or(" + " OR ".join(f"coalesce({t}, false)" for t in terms) + "), false)"


def _containers_sql(listing: bool) -> str:
    """SQL for `_maybe_containers` over the table `raw`: any bracketed value, listed too."""
    texts = [_brackets(_quote(c)) for c in [*_ENVELOPE, *_PERSON]]
    terms = [*texts, _bracketed_documents("documents")]
    if listing:
        each = f"list_transform(listed, lambda p: p.listed AND ({_bracketed_person('p')}))"
        terms.append(f"coalesce(list_bool_or({each}), false)")
    return _any_of(terms)


def load_native(
    con: duckdb.DuckDBPyConnection, path: Path, plan: ExtractPlan, fast: FastPlan | None,
    *, parquet: bool = False,
) -> tuple[list[int], int] | None:  # fmt: skip
    """Load a JSONL (or Parquet) file into `con` as `msg`, `lst` and `doc` (see `_indb`).

    The same query and the same reasons to decline as `read_native` (and
    `read_native_parquet`), checked in SQL over the loaded rows. Returns the
    empty lines and the line count, or None (nothing left loaded).
    """
    if fast is None or fast.extra:
        return None
    import duckdb  # noqa: PLC0415 - see `open_database`

    counter, lines = (None, _Lines()) if parquet else _counted_in_background(path)
    listing = bool(_lists(plan))
    on_parquet = "true" if parquet else None
    # JSON's lists of persons are read as they are, and unnested after (`_unnest_lists`).
    unnested = listing and not parquet
    try:
        # A Parquet footer (0.4 MB at a million rows) is read once, not once a query.
        with _plain_name(path) as plain, _setting(con, "parquet_metadata_cache", on_parquet):
            wanted = _list_columns(_leaves(con, plain), plan, fast) if parquet and listing else None
            reading = (
                _parquet_source(plain, plan, fast, con) if parquet
                else _json_source(plain, plan, fast)
            )  # fmt: skip
            query = _query(
                plain, plan, fast, lambda *_: reading, in_engine=True,
                listing=wanted is None and not unnested, raw_lists=unnested,
            )  # fmt: skip
            # Parquet's rows carry their number (`ord`): DuckDB may store them in any order.
            with _setting(con, "preserve_insertion_order", "false" if parquet else None):
                if wanted is None:
                    con.execute(f"CREATE OR REPLACE TABLE raw AS {query}")
                else:
                    # pyarrow's reading of the lists is mostly one thread's: it runs beside
                    # DuckDB's reading of the rows, on a connection of its own, from its
                    # import on (run here, the import and the first batch held DuckDB's
                    # first row back by 0.2 s).
                    def lists(other: duckdb.DuckDBPyConnection) -> None:
                        stream = _pruned_lists(plain, wanted, _lists(plan))
                        _load_lists(other, stream, plan, reading, fast)

                    with _beside(con, lists):
                        con.execute(f"CREATE OR REPLACE TABLE raw AS {query}")
                    _items_into_presence(con, "raw.ord")
            if unnested:
                _unnest_lists(con, plan, fast)
    except (duckdb.Error, OSError) as error:
        _join(counter)
        if isinstance(error, duckdb.OutOfMemoryException):
            raise  # the limit is too low (`_indb.connect` says so), not the file unreadable
        _drop_loaded(con)
        return None
    _join(counter)
    known = ", ".join(_literal(k) for k in sorted(fast.checks))
    containers = "false" if parquet else _containers_sql(listing and not unnested)
    if unnested:
        containers += f" OR (SELECT {_any_of([_bracketed_person('p')])} FROM lraw)"  # noqa: S608
    row = con.execute(
        f"SELECT count(*), count(*) FILTER (WHERE kind IS NULL OR kind NOT IN ({known})), "  # noqa: S608
        f"coalesce(bool_or(no_subject), false), {containers} FROM raw"
    ).fetchall()[0]
    rows, unknown, no_subject, bracketed = row
    if parquet:
        lines.count = int(rows)
    elif rows < lines.count:
        _find_empty_lines(path, lines)
    if rows != lines.count - len(lines.empty) or unknown or no_subject or bracketed:
        _drop_loaded(con)
        return None
    apart = wanted is not None or unnested
    _split(con, listing, numbered=parquet, hashed=parquet, apart=apart, unnested=apart)
    return lines.empty, lines.count


def _join(counter: threading.Thread | None) -> None:
    if counter is not None:
        counter.join()


def _drop_loaded(con: duckdb.DuckDBPyConnection) -> None:
    """Drop what a declined load left: nothing of it is read."""
    for table in ("raw", "listed", "lraw"):
        con.execute(f"DROP TABLE IF EXISTS {table}")


def _leaves(con: duckdb.DuckDBPyConnection, path: Path) -> list[str]:
    """The Parquet file's leaf columns, named as Parquet does (`items.list.element.subject.sex`).

    From DuckDB's `parquet_schema` (the footer's schema elements, depth first,
    each with its number of children): pyarrow's own listing would need its
    import (0.15 s) before DuckDB starts reading the rows.
    """
    rows = con.execute(
        f"SELECT name, coalesce(num_children, 0) FROM parquet_schema({_literal(str(path))})"  # noqa: S608
    ).fetchall()
    leaves: list[str] = []
    # The open groups: each one's path and how many of its children are still to come.
    groups: list[tuple[str, int]] = []
    for index, (name, children) in enumerate(rows):
        while groups and groups[-1][1] == 0:
            groups.pop()
        if groups:
            parent, left = groups.pop()
            groups.append((parent, left - 1))
            here = f"{parent}.{name}" if parent else str(name)
        else:  # the root: its name is not part of any path
            here = "" if index == 0 else str(name)
        if children:
            groups.append((here, int(children)))
        else:
            leaves.append(here)
    return leaves


def _list_columns(leaves: list[str], plan: ExtractPlan, fast: FastPlan) -> list[str] | None:
    """The leaves pyarrow reads for the person lists (`_pruned_lists`), or None.

    DuckDB reads every field of a list's items, not the few named (in a
    million generated messages, the listed persons' 40 fields took 1.4 s of
    CPU, pyarrow's reader told the 11 leaves of their values and keys 0.1 s; a
    field the item checks test adds one leaf under it). The leaves are named
    as Parquet's standard lists nest them (`items.list.element.subject...`,
    what `kzcn generate` writes); a file nesting them otherwise gives None,
    and DuckDB reads the lists in the rows' query. `leaves` are the file's (`_leaves`).
    """
    fields = [
        *((layout.ITEM_SUBJECT, *c.path) for c in layout.PERSON),
        *((layout.ITEM_SUBJECT, layout.DOCUMENTS, "[]", *c.path) for c in layout.DOCUMENT),
    ]
    kind = ".".join(layout.KIND.path)
    wanted = [kind, *(_leaf((key, "[]", *f)) for key in _lists(plan) for f in fields)]
    if not set(leaves).issuperset(wanted):
        return None
    for key, path_ in _item_checks(fast):
        # One leaf under a checked field tells whether the field holds a value.
        prefix = _leaf((key, "[]", *path_))
        leaf = next((f for f in leaves if f == prefix or f.startswith(prefix + ".")), None)
        if leaf is None:
            return None
        if leaf not in wanted:
            wanted.append(leaf)
    return wanted


def _pruned_lists(path: Path, wanted: list[str], keys: list[str]) -> pa.RecordBatchReader:
    """Kind and person lists (`keys`) of the Parquet rows that list someone: the leaves `wanted`.

    `wanted` are `_list_columns`' (the kind first); `ord` numbers the rows kept (from 1).
    The rows come as a stream of batches (`_LIST_BATCH`), which one query of
    DuckDB's takes as they come: the lists of a national-scale file never sit in
    Python's memory at once (read whole, a 5M-message file's took 1.2 GiB beside
    DuckDB's), and the query is planned once, not once a batch.
    """
    import pyarrow.parquet as pq  # noqa: PLC0415 - only for a Parquet input with person lists

    # The kinds as a dictionary: a million of them, not decoded into strings. No
    # pre-buffering (issue 20): pyarrow's pre-buffered column chunks stayed allocated as
    # the batches went by (0.08 GiB at 5M messages, 0.23 at 20M, growing with the file);
    # read row group by row group, the stream holds about one (25 MiB), in the same time.
    file = pq.ParquetFile(path, read_dictionary=[wanted[0]], pre_buffer=False)
    return _stream(_listing_rows(file, wanted, keys), lambda: _listing_schema(file, wanted))


#: Rows of a Parquet file read at a time for their person lists (`_pruned_lists`).
_LIST_BATCH = 64 * 1024


def _listing_rows(
    file: pq.ParquetFile, wanted: list[str], keys: list[str]
) -> Iterator[pa.RecordBatch]:
    """Each batch of the file's rows that list someone, `ord` their position from 1."""
    import pyarrow.compute as pc  # noqa: PLC0415 - see `_pruned_lists`

    start = 0
    for batch in file.iter_batches(batch_size=_LIST_BATCH, columns=wanted, use_threads=True):
        given = pc.is_valid(batch.column(keys[0]))
        for key in keys[1:]:
            given = pc.or_(given, pc.is_valid(batch.column(key)))
        rows = pc.indices_nonzero(given)
        if len(rows):
            # `filter`, not `take(rows)`: the same rows, in less time (a tenth of the
            # stream's) over the nested lists.
            yield _with_ord(batch.filter(given), rows, start)
        start += batch.num_rows


def _with_ord(batch: pa.RecordBatch, rows: pa.Array, start: int) -> pa.RecordBatch:
    """`batch` (the rows `rows` of a batch from row `start` on) with `ord`, their positions.

    The positions are numpy's over Arrow's buffer: making an Arrow value from
    Python's (`pa.array`, `pa.scalar`, `pc.add(x, 1)`) imports pandas (0.17 s).
    """
    import pyarrow as pa  # noqa: PLC0415 - see `_pruned_lists`

    indices = np.frombuffer(rows.buffers()[1], np.uint64, len(rows), rows.offset * 8)
    positions = indices.astype(np.int64) + (start + 1)
    numbers = pa.Array.from_buffers(pa.int64(), len(positions), [None, pa.py_buffer(positions)])
    return pa.RecordBatch.from_arrays([*batch.columns, numbers], [*batch.schema.names, "ord"])


def _listing_schema(file: pq.ParquetFile, wanted: list[str]) -> pa.Schema:
    """The schema of `_listing_rows`' batches, for a file that gives none (no row lists anyone)."""
    import pyarrow as pa  # noqa: PLC0415 - see `_pruned_lists`

    schema = file.read_row_groups([], columns=wanted).schema
    return schema.append(pa.field("ord", pa.int64()))


def _stream(
    batches: Iterator[pa.RecordBatch], no_batch: Callable[[], pa.Schema]
) -> pa.RecordBatchReader:
    """The batches as one stream; its schema is the first batch's, or `no_batch()`'s."""
    import pyarrow as pa  # noqa: PLC0415 - see `_pruned_lists`

    first = next(batches, None)
    if first is None:
        return pa.RecordBatchReader.from_batches(no_batch(), iter(()))
    return pa.RecordBatchReader.from_batches(first.schema, itertools.chain([first], batches))


def _load_lists(
    con: duckdb.DuckDBPyConnection, lists: pa.RecordBatchReader, plan: ExtractPlan,
    reading: _From, fast: FastPlan,
) -> None:  # fmt: skip
    """The table `lraw` of `_pruned_lists`' items (`_unnest_persons`), as the rows are read.

    Their bits go to the rows' `presence` after (`_items_into_presence`), once
    `raw` is loaded. A stream is read once: where a kind lists persons in more
    than one list, each unnested by a query of its own, it is a table first.
    """
    con.register("lists_in", lists)
    table = "lists_in"
    try:
        if sum(map(len, plan.person_lists.values())) > 1:
            con.execute("CREATE TABLE lists_all AS SELECT * FROM lists_in")
            table = "lists_all"
        # Unsorted: the rows are numbered (`ord`) and stored in any order (`load_native`);
        # sorting the items (a tenth of this step's time at 5M messages) is work for nothing.
        _unnest_persons(
            con, plan, fast, _ListsAt(table, "ord", _quote, reading, _as_hash), ordered=False
        )
    finally:
        con.unregister("lists_in")
        con.execute("DROP TABLE IF EXISTS lists_all")


def _item_checks(fast: FastPlan) -> list[tuple[str, tuple[str, ...]]]:
    """Every (list, path in its item) some kind checks for a value (`FastChecks.items`)."""
    found = {
        (key, path)
        for checks in fast.checks.values()
        for key, group in checks.items
        for _, path in group
    }
    return sorted(found)


def _leaf(path: tuple[str, ...]) -> str:
    """A path (`[]` for a list's items) as Parquet names its column: `<list>.list.element`."""
    return ".".join("list.element" if segment == "[]" else segment for segment in path)


@contextmanager
def _setting(con: duckdb.DuckDBPyConnection, name: str, value: str | None) -> Iterator[None]:
    """DuckDB's setting `name` as `value` inside (None: left as it is); reset after."""
    if value is None:
        yield
        return
    con.execute(f"SET {name} = {value}")
    try:
        yield
    finally:
        con.execute(f"RESET {name}")


@contextmanager
def _beside(
    con: duckdb.DuckDBPyConnection, work: Callable[[duckdb.DuckDBPyConnection], None]
) -> Iterator[None]:
    """Run `work` in a thread on a cursor of `con` (a connection of its own), beside the block.

    DuckDB lets go of the GIL while it runs a query, so both run at once. The
    work's error is raised once both are done; if the block fails, the work is
    interrupted and the block's error is raised.
    """
    other = con.cursor()
    failed: list[BaseException] = []

    def run() -> None:
        try:
            work(other)
        except BaseException as error:  # noqa: BLE001 - raised in the caller's thread
            failed.append(error)

    thread = threading.Thread(target=run, name="kzcn-beside", daemon=True)
    thread.start()
    try:
        yield
    except BaseException:
        other.interrupt()
        raise
    finally:
        thread.join()
        other.close()
    if failed:
        raise failed[0]


def _split(  # noqa: PLR0913 - where the rows and the listed persons are, as switches
    con: duckdb.DuckDBPyConnection, listing: bool, *, numbered: bool, hashed: bool, apart: bool,
    unnested: bool = False,
) -> None:  # fmt: skip
    """`raw` into `msg`, `lst` and `doc`, numbered by `ord` (the row's position, from 1).

    `msg` is `raw` itself with the list columns dropped (a copy would double the peak).
    `numbered`: `raw` has `ord` (else it is `rowid + 1`: the rows are in input order);
    `hashed`: the document keys are their hashes already; `apart`: the listed
    persons are in the table `listed` (`_load_lists`), not a column of `raw`;
    `unnested`: they are in the table `lraw` already (`_unnest_lists`).
    """
    ord_ = "ord" if numbered else "rowid + 1 AS ord"
    key = "d" if hashed else "hash(d)"
    people = ", ".join(f"p.{_quote(c)} AS {_quote(c)}" for c in _PERSON)
    if listing and not unnested:
        con.execute(f"""
            CREATE TABLE lraw AS
            SELECT ord, slot, p FROM (
                SELECT {"ord" if apart else ord_}, unnest(listed) AS p,
                       generate_subscripts(listed, 1) AS slot
                FROM {"listed" if apart else "raw"} WHERE listed IS NOT NULL
            ) WHERE p.listed
        """)  # noqa: S608
    if listing:
        con.execute(
            "CREATE TABLE lst AS SELECT ord, CAST(slot AS BIGINT) AS slot, p.presence AS presence, "  # noqa: S608
            f"{people} FROM lraw"
        )
        listed_documents = f"""
            UNION ALL
            SELECT ord, CAST(slot AS BIGINT), {key} FROM (
                SELECT ord, slot, unnest(p.documents) AS d FROM lraw
            ) WHERE d IS NOT NULL
        """  # noqa: S608
    else:
        columns = ", ".join(f"CAST(NULL AS VARCHAR) AS {_quote(c)}" for c in _PERSON)
        con.execute(
            "CREATE TABLE lst AS SELECT CAST(0 AS BIGINT) AS ord, CAST(0 AS BIGINT) AS slot, "
            f"CAST(0 AS BIGINT) AS presence, {columns} WHERE false"
        )
        listed_documents = ""
    con.execute(f"""
        CREATE TABLE doc AS
        SELECT ord, CAST(0 AS BIGINT) AS slot, {key} AS h FROM (
            SELECT {ord_}, unnest(documents) AS d FROM raw
        ) WHERE d IS NOT NULL
        {listed_documents}
    """)  # noqa: S608
    con.execute("DROP TABLE IF EXISTS lraw")
    con.execute("DROP TABLE IF EXISTS listed")
    for column in ("documents", "no_subject", *(["listed"] if listing and not apart else [])):
        con.execute(f"ALTER TABLE raw DROP COLUMN {column}")
    rest = "* EXCLUDE (ord)" if numbered else "*"
    con.execute(f"CREATE VIEW msg AS SELECT {ord_}, {rest} FROM raw")  # noqa: S608
