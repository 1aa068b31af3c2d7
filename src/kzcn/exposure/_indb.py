"""The report's rows kept in DuckDB, out of core: only small tables and integer codes reach Python.

At millions of messages, holding every row as polars strings made the report's
memory grow with its input (about 0.7 KiB a message). Here the rows stay in a
DuckDB database in a temporary directory, under DuckDB's memory limit (it
spills to that directory past it), and every step is a query over them:

- the screen, the flows and the field flows: each row-wise test is the polars
  expression the in-memory report uses (`_screen`, `_analyse`), evaluated once
  per *distinct* combination of the columns it reads (a few thousand rows) and
  joined back, so no rule is restated in SQL;
- the people: numpy finds the documents seen on two rows by sorting their
  64-bit hashes (`_repeated`, DuckDB past four million), and the components
  over them (`components`: `_engine._components`, DuckDB past two million
  edges, its rounds as a loop of statements, so that nothing per edge
  reaches Python);
- the key codes: DuckDB lists the distinct source values of each key group,
  polars codes them (`CodedColumns`'s own expressions), DuckDB joins the codes
  back into the table `keys` (one row per person);
- the metrics: class sizes, l-diversity, subsets and ladder are counted over
  `keys` (`KeyTable`), out of core: the class sizes in numpy over a partition
  of the people at a time (half a million: their codes take a few bytes per
  key), so Python's memory does not grow with the people (with one code per
  person and key held in Python, the peak grew by about 0.2 GiB per million
  messages), and l-diversity in the same pass; what numpy cannot count there
  (a key set too large to pack, classes that cross the partitions) is a DuckDB
  group-by whose tally (size, classes: a few hundred rows) reaches Python.

Tables: `msg` (one row per readable message, `ord` its input order), `lst`
(listed persons: `ord`, `slot`, `presence`: their item's bits), `doc` (`ord`,
`slot`, `h`: a document's hash).
"""

# Every name in the SQL here is a column name of the readers' frames, quoted; the only
# values are numbers.
# ruff: noqa: S608

from __future__ import annotations

import itertools
import math
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import polars as pl

from kzcn.exposure import _duck as duck
from kzcn.exposure import _engine as engine
from kzcn.exposure import _screen as screen
from kzcn.exposure.result import Diversity

if TYPE_CHECKING:
    import duckdb

    from kzcn.exposure._qi import ResolvedPath
    from kzcn.exposure._read import Extracted

__all__ = ["Engine", "KeyTable", "components", "connect", "ladder_sets", "load_frames"]


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@contextmanager
def connect(
    threads: int | None, memory_limit: str | None, *, on_disk: bool = False
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A DuckDB database with a temporary directory, which also takes what DuckDB spills.

    `on_disk`, the database is a file in that directory (`duck.open_database`).
    """
    import duckdb  # noqa: PLC0415 - the in-engine report alone needs it here

    with tempfile.TemporaryDirectory(prefix="kzcn-") as folder:
        # Row order is input order: `rowid` numbers the messages as read.
        connection = duck.open_database(
            folder, threads, memory_limit, on_disk=on_disk, preserve_insertion_order=True
        )
        try:
            yield connection
        except duckdb.OutOfMemoryException:
            # What is left in memory past the limit (the working set of a
            # group-by, a hash table) cannot spill: the user's limit is too low.
            raise MemoryError(duck.too_small(memory_limit)) from None
        finally:
            connection.close()


def load_frames(con: duckdb.DuckDBPyConnection, extracted: Extracted) -> None:
    """The Python reader's frames as the tables `msg`, `lst` and `doc`."""
    messages, listed, documents = extracted.messages, extracted.listed, extracted.documents
    con.register("messages_in", messages)
    con.register("listed_in", listed)
    con.register("documents_in", documents)
    con.execute("CREATE TABLE msg AS SELECT line AS ord, * EXCLUDE (line) FROM messages_in")
    con.execute("CREATE TABLE lst AS SELECT line AS ord, * EXCLUDE (line) FROM listed_in")
    con.execute(
        "CREATE TABLE doc AS SELECT line AS ord, slot, hash(document) AS h FROM documents_in"
    )
    for name in ("messages_in", "listed_in", "documents_in"):
        con.unregister(name)


def _outermost(
    names: tuple[str, ...], within: Mapping[tuple[str, ...], tuple[str, ...]]
) -> tuple[str, ...]:
    """The set `names` lies within, and that one within, ..., up to one within none."""
    while names in within:
        names = within[names]
    return names


def _frame(con: duckdb.DuckDBPyConnection, query: str) -> pl.DataFrame:
    """A small query result as a polars frame."""
    frame: pl.DataFrame = con.sql(query).pl()
    return frame


def _same(columns: Sequence[str], left: str, right: str) -> str:
    """A join condition: equal values, null matching null."""
    if not columns:
        return "true"
    return " AND ".join(f"{left}.{_q(c)} IS NOT DISTINCT FROM {right}.{_q(c)}" for c in columns)


def _packed(names: Sequence[str], cardinality: Mapping[str, int]) -> str:
    """The key codes of `names` as one BIGINT (their mixed-radix number), or listed as they are.

    The codes are dense, 0 to cardinality - 1 (`engine._code`), so the number is
    distinct per class; one integer hashes faster than several columns.
    """
    product = 1
    for name in names:
        product *= cardinality[name]
    if product > _PACKED:
        return ", ".join(map(_q, names))
    terms, scale = [], 1
    for name in reversed(names):
        terms.append(f"{_q(name)}::BIGINT * {scale}")
        scale *= cardinality[name]
    return " + ".join(terms)


def _estimate(names: Sequence[str], cardinality: Mapping[str, int]) -> int:
    """The most classes `names` can have: the product of their cardinalities."""
    return math.prod(cardinality[name] for name in names)


def _register_values(
    con: duckdb.DuckDBPyConnection, name: str, frame: pl.DataFrame, types: Mapping[str, Any]
) -> None:
    """`frame` (small) as the table `name`, its columns typed by `types` (polars types)."""
    typed = frame.with_columns(pl.col(c).cast(t) for c, t in types.items() if c in frame.columns)
    con.register("values_in", typed)
    con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM values_in")
    con.unregister("values_in")


#: Most edges whose components numpy finds (`_engine._components`): 16 bytes each fetched
#: (32 MiB), and a few times that while they are found. At 1M messages, 480,000 edges: 0.05 s
#: of CPU against 0.19 s in DuckDB's statements. Past it, at 5M messages and more, DuckDB's.
_EDGE_ROWS = 1 << 21


def components(con: duckdb.DuckDBPyConnection, edges: str, into: str) -> None:
    """The table `into` (`occ`, `person`): each `occ` of `edges` and its component's first.

    `edges` holds (`occ`, `h`) pairs: an occurrence and a document it carries;
    two occurrences are linked when they share a document, transitively. Found
    in numpy up to `_EDGE_ROWS` edges, else in DuckDB (`_components_in_sql`).
    """
    if _count(con, edges) > _EDGE_ROWS:
        _components_in_sql(con, edges, into)
        return
    found = con.execute(f"SELECT occ, h FROM {edges}").fetchnumpy()
    occ, first = engine._components(np.asarray(found["occ"]), np.asarray(found["h"]))  # noqa: SLF001
    del found
    _register_values(con, into, pl.DataFrame({"occ": occ, "person": first}), {})


def _components_in_sql(con: duckdb.DuckDBPyConnection, edges: str, into: str) -> None:
    """`components` in DuckDB, but for the few documents its first round leaves across people.

    The first round points every `occ` at `p`, the smallest occurrence across its
    documents (that document's first). Two occurrences of a document have the same
    `p` or are joined through it: the pairs (`h`, `p`) of the documents with more
    than one `p` (`cc_cross`: a few hundred thousand at 20M messages, against 5M
    edges) are a graph whose components over the `p`s are those of the people,
    each's smallest `p` its first occurrence. Up to `_EDGE_ROWS` of them, numpy
    finds those (`_engine._components`) and one join gives every `occ` its
    person; at 20M messages, that took the place of three pointer jumps and three
    rounds of hooks over every edge (each a pass over `edges` joined with every
    `occ`). More of them (long chains of shared documents), DuckDB's rounds go on
    (`_rounds_in_sql`).
    """
    # TEMP tables: each round's table is read once and replaced, so it is not written to
    # the database file (`tables_on_disk`) and compressed there (at 5M messages, the
    # pointer jumps took 0.08 CPU-s against 0.14).
    con.execute(f"""
        CREATE TEMP TABLE cc_parent AS
        WITH low AS (SELECT h, min(occ) AS low FROM {edges} GROUP BY h)
        SELECT occ, min(low) AS p FROM {edges} JOIN low USING (h) GROUP BY occ
    """)
    con.execute(f"""
        CREATE TEMP TABLE cc_cross AS
        WITH rooted AS (SELECT e.h, c.p FROM {edges} e JOIN cc_parent c USING (occ))
        SELECT h, unnest(ps) AS p FROM (
            SELECT h, list(DISTINCT p) AS ps FROM rooted GROUP BY h HAVING min(p) < max(p)
        )
    """)
    crossing = _count(con, "cc_cross")
    if crossing > _EDGE_ROWS:
        con.execute("DROP TABLE cc_cross")
        _rounds_in_sql(con, edges, into)
        return
    if crossing:
        found = con.execute("SELECT p, h FROM cc_cross").fetchnumpy()
        p, first = engine._components(np.asarray(found["p"]), np.asarray(found["h"]))  # noqa: SLF001
        del found
        _register_values(con, "cc_first", pl.DataFrame({"p": p, "person": first}), {})
    else:
        con.execute("CREATE TABLE cc_first (p BIGINT, person BIGINT)")
    con.execute(f"""
        CREATE TABLE {into} AS
        SELECT occ, coalesce(f.person, c.p) AS person
        FROM cc_parent c LEFT JOIN cc_first f USING (p)
    """)
    for table in ("cc_parent", "cc_cross", "cc_first"):
        con.execute(f"DROP TABLE {table}")


def _rounds_in_sql(con: duckdb.DuckDBPyConnection, edges: str, into: str) -> None:
    """`components`' rounds as SQL, from `cc_parent` (each `occ`'s `p`): nothing per edge in Python.

    `_engine._components`' rounds, as SQL: each round hooks every root onto the
    smallest root found across its documents, settles the hooks among the roots
    (`_settle_hooks`), and points every `occ` at its root's new root.
    The components at least halve in number each round, so a chain of
    thousands of occurrences takes a few dozen statements. Roots only
    ever hook onto smaller ones, so a component's root is its smallest `occ`.
    """
    _jump(con)
    while True:
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE cc_hook AS
            WITH rooted AS (SELECT e.h, c.p FROM {edges} e JOIN cc_parent c USING (occ)),
            low AS (SELECT h, min(p) AS low FROM rooted GROUP BY h HAVING min(p) < max(p))
            SELECT r.p AS root, min(l.low) AS low FROM rooted r JOIN low l USING (h)
            GROUP BY r.p HAVING min(l.low) < r.p
        """)
        if not _count(con, "cc_hook"):
            break
        _settle_hooks(con)
        # Every `p` is a root: one pass takes each to the root its root hooked onto,
        # rather than pointer jumps over every occurrence (three statements a round at
        # 20M messages, each as costly as this one).
        con.execute("""
            CREATE OR REPLACE TEMP TABLE cc_parent AS
            SELECT occ, coalesce(low, p) AS p FROM cc_parent LEFT JOIN cc_hook ON p = root
        """)
    con.execute(f"CREATE TABLE {into} AS SELECT occ, p AS person FROM cc_parent")
    con.execute("DROP TABLE cc_parent")
    con.execute("DROP TABLE cc_hook")


def _settle_hooks(con: duckdb.DuckDBPyConnection) -> None:
    """Pointer jumping in `cc_hook`: every hooked `root` to the `low` it ends at.

    A `low` may itself be hooked onto a smaller root; the hooked roots are few (a
    few hundred thousand at 20M messages) against the occurrences.
    """
    moved = True
    while moved:
        con.execute("""
            CREATE OR REPLACE TEMP TABLE cc_hook AS
            SELECT a.root, coalesce(b.low, a.low) AS low, b.low IS NOT NULL AS moved
            FROM cc_hook a LEFT JOIN cc_hook b ON a.low = b.root
        """)
        moved = bool(_count(con, "cc_hook WHERE moved"))


def _jump(con: duckdb.DuckDBPyConnection) -> None:
    """Pointer jumping in `cc_parent`: every `occ` to its root."""
    moved = True
    while moved:
        con.execute("""
            CREATE OR REPLACE TEMP TABLE cc_parent AS
            SELECT a.occ, b.p, a.p <> b.p AS moved
            FROM cc_parent a JOIN cc_parent b ON a.p = b.occ
        """)
        moved = bool(_count(con, "cc_parent WHERE moved"))


#: Most document hashes sorted in numpy (`_repeated`): 8 bytes each, 32 MiB.
_HASH_ROWS = 1 << 22


def _repeated(con: duckdb.DuckDBPyConnection, documents: str) -> str:
    """A query of the hashes `h` that `documents` holds more than once.

    Up to `_HASH_ROWS` documents, sorted in numpy into the table `repeated`: at 1M
    messages (2.5M documents, 2M of them distinct), about 2.5 times faster than
    DuckDB's group-by, whose hash table holds every distinct document. More are
    DuckDB's group-by, out of core: split into parts, each part would be a scan of
    the documents, which at 20M messages (50M documents, past DuckDB's memory
    limit) are read back from the spill.
    """
    if _count(con, documents) > _HASH_ROWS:
        return f"SELECT h FROM {documents} GROUP BY h HAVING count(*) > 1"
    hashes = np.asarray(con.execute(f"SELECT h FROM {documents}").fetchnumpy()["h"])
    hashes.sort()
    found = np.unique(hashes[1:][hashes[1:] == hashes[:-1]])
    del hashes
    _register_values(con, "repeated", pl.DataFrame({"h": found}), {})
    return "SELECT h FROM repeated"


def _drop(con: duckdb.DuckDBPyConnection, *names: str) -> None:
    """Drop the tables or views `names` (which of the two the screen made)."""
    for name in names:
        found = con.execute(
            "SELECT table_type FROM information_schema.tables WHERE table_name = ?", [name]
        ).fetchall()
        kind = "VIEW" if found == [("VIEW",)] else "TABLE"
        con.execute(f"DROP {kind} IF EXISTS {_q(name)}")


def _count(con: duckdb.DuckDBPyConnection, rows: str) -> int:
    """How many rows `FROM rows` has."""
    return int(con.execute(f"SELECT count(*) FROM {rows}").fetchall()[0][0])


#: Flags packed into one BIGINT (`Engine.carried_per_person`), its sign bit left alone.
_FLAG_BITS = 62
#: The envelope's columns: what the screen checks of every message.
_ENVELOPE = ("sender_state", "sender_authority", "recipient_state", "recipient_authority")
#: What one scan of the messages tallies (`Engine.tally`): the screen's envelopes and
#: every flow are sums over it (a few hundred rows on generated data).
_TALLIED = ("kind", *_ENVELOPE, "has_subject", "presence")


@dataclass(slots=True)
class Engine:
    """The report's steps over the loaded tables (`msg`, `lst`, `doc`)."""

    con: duckdb.DuckDBPyConnection
    person: list[str]
    #: The kept messages counted by `_TALLIED` (`n`): one scan serves the screen's
    #: envelopes, the flows and the subjects' share of the field flows.
    tally: pl.DataFrame = field(default_factory=pl.DataFrame)
    #: `_listed`'s frame, once counted.
    listed: pl.DataFrame | None = None
    #: Distinct values of sets of person columns (`_distinct`), from the screen's scan.
    values: dict[tuple[str, ...], pl.DataFrame] = field(default_factory=dict)

    # --- the screen -----------------------------------------------------------

    def screen(self, include_invalid: bool, sources: Iterable[Sequence[str]] = ()) -> int:
        """Flag the invalid messages (`_screen`'s expressions); keep them only if asked.

        Leaves the table `kept` (and `tally`, and `values` of `sources`: the key
        groups' columns, listed in the same scan); returns how many were invalid.
        """
        con = self.con
        self.tally = self._tally("msg")
        envelope = list(_ENVELOPE)
        flags = (
            self.tally.select(envelope)
            .unique()
            .with_columns(pl.col(envelope).cast(pl.String))
            .with_columns(screen.envelope_ok().alias("ok"))
        )
        born = ["date_of_birth", "sex"]
        self.values = self._distinct([born, *sources])
        people = self.values[tuple(born)]
        born_flags = people.with_columns(
            pl.col(born).cast(pl.String), pl.lit(value=True).alias("has_subject")
        ).with_columns(screen.person_ok().alias("ok"))
        if flags["ok"].all() and born_flags["ok"].all():  # nothing to look up
            invalid = 0
        else:
            invalid = self._flag(flags.select(*envelope, "ok"), born_flags.select(*born, "ok"))
        if include_invalid or not invalid:
            con.execute("CREATE VIEW kept AS SELECT * FROM msg")
            con.execute("CREATE VIEW kept_lst AS SELECT * FROM lst")
            con.execute("CREATE VIEW kept_doc AS SELECT * FROM doc")
        else:
            con.execute("CREATE TABLE kept AS SELECT * FROM msg ANTI JOIN bad USING (ord)")
            con.execute("CREATE TABLE kept_lst AS SELECT * FROM lst ANTI JOIN bad USING (ord)")
            con.execute("CREATE TABLE kept_doc AS SELECT * FROM doc ANTI JOIN bad USING (ord)")
            self.tally = self._tally("kept")
        return invalid

    def _distinct(self, sets: Iterable[Sequence[str]]) -> dict[tuple[str, ...], pl.DataFrame]:
        """The distinct values of each set of person columns, over every person: one scan.

        Every person's row, subjects and listed, before the screen: the key codes
        taken from these values (`codes`) class the kept persons as their own would
        (a code is a function of the value), and one scan replaces one per set.
        """
        asked = list(dict.fromkeys(tuple(names) for names in sets))
        # A set within another is that one's values, made distinct in polars (the date of
        # birth's within the screen's date of birth and sex): one hash table less per row.
        within = {
            names: next(other for other in asked if set(names) < set(other))
            for names in asked
            if any(set(names) < set(other) for other in asked)
        }
        wanted = [names for names in asked if names not in within]
        columns = sorted({c for names in wanted for c in names})
        listed = ", ".join(map(_q, columns))
        grouping = ", ".join(f"({', '.join(map(_q, names))})" for names in wanted)
        found = _frame(
            self.con,
            f"SELECT {listed}, GROUPING({listed}) AS grouping_id FROM "
            f"(SELECT {listed} FROM msg WHERE has_subject UNION ALL SELECT {listed} FROM lst) "
            f"GROUP BY GROUPING SETS ({grouping})",
        )
        # GROUPING sets the bit of each column a set does not group by, the first the highest.
        bit = {c: 1 << (len(columns) - 1 - i) for i, c in enumerate(columns)}
        values = {
            names: found.filter(
                pl.col("grouping_id") == sum(bit[c] for c in columns if c not in names)
            ).select(names)
            for names in wanted
        }
        for names, other in within.items():
            values[names] = values[_outermost(other, within)].select(names).unique()
        return {names: values[names] for names in asked}

    def _tally(self, table: str) -> pl.DataFrame:
        names = ", ".join(map(_q, _TALLIED))
        return _frame(self.con, f"SELECT {names}, count(*) AS n FROM {table} GROUP BY ALL")

    def _flag(self, envelope_ok: pl.DataFrame, person_ok: pl.DataFrame) -> int:
        """The table `bad` (`ord` of the messages that fail a check); how many they are."""
        con = self.con
        envelope, born = envelope_ok.columns[:-1], person_ok.columns[:-1]
        _register_values(con, "envelope_ok", envelope_ok, {})
        _register_values(con, "person_ok", person_ok, {})
        con.execute(f"""
            CREATE TABLE bad AS
            SELECT m.ord FROM msg m JOIN envelope_ok e ON {_same(envelope, "m", "e")}
            WHERE NOT e.ok
            UNION
            SELECT m.ord FROM msg m JOIN person_ok p ON {_same(born, "m", "p")}
            WHERE m.has_subject AND NOT p.ok
            UNION
            SELECT l.ord FROM lst l JOIN person_ok p ON {_same(born, "l", "p")} WHERE NOT p.ok
        """)
        return _count(con, "bad")

    # --- flows ----------------------------------------------------------------

    def counts(self, columns: Sequence[str]) -> pl.DataFrame:
        """The distinct combinations of `columns` (of `_TALLIED`) and how many messages have each.

        Summed from `tally`, in polars: the messages are not scanned again.
        """
        return self.tally.group_by(columns).agg(pl.col("n").sum())

    def messages(self) -> int:
        return int(self.tally["n"].sum())

    # --- people ---------------------------------------------------------------

    def link(self) -> None:
        """Link the persons the messages carry: the tables `link` and `linked`.

        Each person a message carries is an occurrence `occ` (`ord` × stride
        + slot: input order); `link` holds the occurrences of persons seen more
        than once, each with `person`, their first `occ`; the view `persons` the
        values of every person's first occurrence.
        """
        con = self.con
        row = con.execute("SELECT coalesce(max(slot), 0) + 1 FROM kept_lst").fetchall()[0]
        stride = int(row[0])
        # Documents seen on two rows: the only ones that can link anyone. The hashes
        # alone find them (`_repeated`: most documents are on one row); the pairs are
        # listed for those few. A document one person carries twice links them to
        # themselves, a pair listed twice links nothing new: harmless both, and rarer
        # than the cost of telling them apart here (`components` takes any edges).
        con.execute(f"""
            CREATE TABLE shared AS
            WITH r AS ({_repeated(con, "kept_doc")})
            SELECT ord * {stride} + slot AS occ, h FROM kept_doc SEMI JOIN r USING (h)
        """)
        con.execute("DROP TABLE IF EXISTS repeated")
        # The documents are not read again: their memory goes to the steps after.
        _drop(con, "kept_doc", "doc")
        components(con, "shared", "link")
        con.execute("DROP TABLE shared")
        # From the linked occurrences to their rows (`occ` holds `ord` and `slot`), without
        # a view of every occurrence. Its hash join still spills at 20M in 266MB (5.0 CPU-s,
        # the view's 4.6-6.1; 2.2 in 320MB, but that raised the 20M peak to 0.78-0.81 GiB,
        # 1.26x the 1M peak against issue 20's 1.3x: the limit holds throughout). Each
        # side's hash table holds its own occurrences and no `occ` (no step reads it):
        # 1.4 against 1.8 CPU-s over 4M linked occurrences of 20M messages.
        con.execute(f"""
            CREATE TABLE linked AS
            SELECT ord, k.kind, k.presence, l.person
            FROM (SELECT occ // {stride} AS ord, person FROM link WHERE occ % {stride} = 0) l
            JOIN kept k USING (ord) WHERE k.has_subject
            UNION ALL
            SELECT ord, k.kind, s.presence, l.person
            FROM (
                SELECT occ // {stride} AS ord, occ % {stride} AS slot, person
                FROM link WHERE occ % {stride} <> 0
            ) l
            JOIN kept_lst s USING (ord, slot) JOIN kept k USING (ord)
        """)
        values = ", ".join(_q(c) for c in self.person)
        listed = ", ".join("l." + _q(c) for c in self.person)
        # A view: read once, by the key table's statement (`codes`), whose persons'
        # strings are not written out and read back (at 20M, past DuckDB's limit).
        # Every listed person's message is kept (the screen drops a message's listed
        # persons with it): no join with `kept`, which was a scan of every message.
        con.execute(f"""
            CREATE VIEW persons AS
            WITH later AS (SELECT occ FROM link WHERE occ <> person)
            SELECT {values} FROM kept k ANTI JOIN later ON k.ord * {stride} = later.occ
            WHERE k.has_subject
            UNION ALL
            SELECT {listed} FROM kept_lst l
            ANTI JOIN later ON l.ord * {stride} + l.slot = later.occ
        """)

    def summary(self) -> dict[str, int]:
        """Persons, messages with a person, recurring persons and their messages."""
        con = self.con
        # Every occurrence but those after a person's first: `persons` is not counted row
        # by row (a view, it would be computed for that alone).
        occurrences = int(self.tally.filter(pl.col("has_subject"))["n"].sum())
        occurrences += int(self._listed()["n"].sum())
        persons = occurrences - _count(con, "link WHERE occ <> person")
        carrying = int(
            con.execute(
                "SELECT count(*) FROM kept WHERE has_subject OR ord IN (SELECT ord FROM kept_lst)"
            ).fetchall()[0][0]
        )
        # The distinct (person, message) pairs first: a `count(DISTINCT ord)` per person
        # took 0.45-0.54 CPU-s against 0.36 over 4M linked occurrences (20M messages).
        row = con.execute("""
            SELECT count(*) FILTER (WHERE n > 1), coalesce(sum(n) FILTER (WHERE n > 1), 0)
            FROM (SELECT person, count(*) AS n FROM (SELECT DISTINCT person, ord FROM linked)
                  GROUP BY person)
        """).fetchall()[0]
        return {
            "persons": persons,
            "messages_with_subject": carrying,
            "recurring_persons": int(row[0]),
            "recurring_messages": int(row[1]),
        }

    def _listed(self) -> pl.DataFrame:
        """The listed persons by (`kind`, `presence`): `n` of each."""
        if self.listed is None:
            self.listed = _frame(
                self.con,
                "SELECT k.kind, l.presence, count(*) AS n FROM kept_lst l JOIN kept k USING (ord) "
                "GROUP BY ALL",
            )
        return self.listed

    def occurrences(self) -> tuple[pl.DataFrame, pl.DataFrame]:
        """The persons seen once, as (`kind`, `presence`, `n`); the others' (`kind`, `presence`).

        The others' rows come as their distinct pairs only: what each pair carries is
        polars' to say (`_analyse._carrying`), and `carried_per_person` counts the persons
        by it in DuckDB. (One row a person and kind in Python grew with the recurring
        persons: half a million at 20M messages, 0.14 GiB at the report's peak.)
        """
        # Every occurrence less the linked ones, by (kind, presence): the subjects' counts
        # are in `tally` and the listed persons are a tenth of the rows, so the messages
        # are not scanned again for the few linked ones.
        subjects = self.tally.filter(pl.col("has_subject")).select("kind", "presence", "n")
        listed = self._listed()
        linked = _frame(self.con, "SELECT kind, presence, -count(*) AS n FROM linked GROUP BY ALL")
        once = (
            pl.concat([subjects, listed, linked], how="vertical_relaxed")
            .group_by("kind", "presence")
            .agg(pl.col("n").sum())
            .filter(pl.col("n") > 0)
        )
        # The table `several` is `carried_per_person`'s.
        self.con.execute(
            "CREATE TABLE several AS "
            "SELECT person, kind, bit_or(presence) AS presence FROM linked GROUP BY ALL"
        )
        return once, _frame(self.con, "SELECT DISTINCT kind, presence FROM several")

    def carried_per_person(self, flags: pl.DataFrame) -> dict[str, int]:
        """Per flag: the linked persons any of whose rows carry it.

        `flags` has a row per (`kind`, `presence`) of `occurrences`' others, and a
        boolean column per flag. A person's rows of one kind come as one, their
        presence bits or-ed (the table `several`): the person carries the same fields.
        The flags are bits of a few integers (`_FLAG_BITS` each), or-ed per person and
        the persons counted by those (a few hundred combinations), rather than a
        `bool_or` per flag and person (71 on the default report: 0.65 s at 20M messages).
        """
        names = [c for c in flags.columns if c not in {"kind", "presence"}]
        chunks = [names[i : i + _FLAG_BITS] for i in range(0, len(names), _FLAG_BITS)]
        masks = [f"m{k}" for k in range(len(chunks))]
        packed = flags.select(
            "kind",
            "presence",
            *(
                pl.sum_horizontal(
                    pl.when(pl.col(name).cast(pl.Boolean))
                    .then(pl.lit(1 << bit, dtype=pl.Int64))
                    .otherwise(0)
                    for bit, name in enumerate(chunk)
                ).alias(mask)
                for mask, chunk in zip(masks, chunks, strict=True)
            ),
        )
        _register_values(self.con, "carried", packed, {})
        per_person = ", ".join(f"bit_or(c.{m}) AS {m}" for m in masks)
        found = (
            self.con.execute(f"""
                SELECT {", ".join(masks)}, count(*) FROM (
                    SELECT person, {per_person}
                    FROM several s JOIN carried c ON {_same(["kind", "presence"], "s", "c")}
                    GROUP BY person
                ) GROUP BY ALL
            """).fetchall()
            if masks
            else []
        )
        self.con.execute("DROP TABLE carried")
        self.con.execute("DROP TABLE several")
        counts = dict.fromkeys(names, 0)
        for *bits, persons in found:
            for mask, chunk in zip(bits, chunks, strict=True):
                for bit, name in enumerate(chunk):
                    if mask >> bit & 1:
                        counts[name] += persons
        return counts

    # --- key codes --------------------------------------------------------------

    def codes(self, keys: dict[str, pl.Expr]) -> KeyTable:
        """Each person's code of every key, coded over distinct source values (`CodedColumns`).

        The codes stay in DuckDB (the table `keys`, one row per person): the metrics
        are group-bys there (`KeyTable`), and only their tallies reach Python.
        """
        con = self.con
        selects, joins, same = [], [], {}
        cardinality: dict[str, int] = {}
        for index, (source, group) in enumerate(engine.by_source(keys).items()):
            columns = list(source)
            # Coded over every person's values (the screen's scan), a few more than the
            # persons' first ones: the classes are the same (a code is a function of
            # the value).
            distinct = self.values.get(source)
            if distinct is None:
                distinct = self._distinct([columns])[source]
            distinct = distinct.with_columns(pl.col(c).cast(pl.String) for c in columns)
            code = {name: f"k{index}_{j}" for j, name in enumerate(group)}
            coded = distinct.select(
                *columns,
                *(engine._code(expr).alias(code[name]) for name, expr in group.items()),  # noqa: SLF001
            )
            found = _same_codes(coded, code)
            same.update(found)
            table = f"codes_{index}"
            _register_values(con, table, coded.drop(code[name] for name in found), {})
            joins.append(f"JOIN {table} ON {_same(columns, 'persons', table)}")
            selects += [
                f"CAST({table}.{_q(code[name])} AS {_narrow(coded[code[name]])}) AS {_q(name)}"
                for name in group
                if name not in found
            ]
            cardinality.update(
                (name, _top(coded[code[name]]) + 1) for name in group if name not in found
            )
        # In the order of the widest key's codes, the pivot of the tallies' partitions
        # (`KeyTable._ranges`): each partition's scan reads its own row groups alone.
        order = ""
        if cardinality:
            widest = max(cardinality, key=cardinality.__getitem__)
            order = f" ORDER BY {list(cardinality).index(widest) + 1}"
        if not selects:
            selects = ["1 AS one"]
        # Not TEMP: uncompressed, in DuckDB's memory and with its sort's, it raised the peak
        # at 20M messages by about 0.1 GiB (0.75 GiB, 1.2x the 1M peak), for 1.8 against
        # 2.3 CPU-s of the classes at 5M.
        con.execute(
            f"CREATE TABLE keys AS SELECT {', '.join(selects)} FROM persons {' '.join(joins)}"
            f"{order}"
        )
        height = int(con.execute("SELECT count(*) FROM keys").fetchall()[0][0])
        # Only `keys` is read from here on: the rows' tables give their memory (and
        # their spilled blocks) back to the group-bys.
        rows = con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE NOT internal AND table_name <> 'keys'"
        ).fetchall()
        for (table,) in rows:
            con.execute(f"DROP TABLE {_q(table)}")
        return KeyTable(con, height, same, cardinality)


def _narrow(codes: pl.Series) -> str:
    """The narrowest unsigned type that holds `codes` (0 to cardinality - 1).

    `keys` has a row per person and is read once per tally: at 20M messages, ten
    keys as INTEGER took 640 MB, past DuckDB's limit, so each group-by read it back
    from the spill; most keys have a few hundred values at most (one byte each).
    """
    top = _top(codes)
    return "UTINYINT" if top < 1 << 8 else "USMALLINT" if top < 1 << 16 else "UINTEGER"


def _top(codes: pl.Series) -> int:
    """The largest of `codes` (0 where there are none)."""
    return int(codes.to_numpy().max(initial=0))


def _same_codes(coded: pl.DataFrame, code: Mapping[str, str]) -> dict[str, str]:
    """Keys whose codes are another's over every distinct source value: name -> that key.

    Equal codes class every person alike (`date:full` is `date_of_birth`, the
    ladder's `place:locality` the QI's locality): such a key is stored and grouped
    once. `code` names each key's column of `coded`.
    """
    same: dict[str, str] = {}
    names = list(code)
    for position, name in enumerate(names):
        for first in names[:position]:
            if first not in same and coded[code[name]].equals(coded[code[first]]):
                same[name] = first
                break
    return same


#: The largest product of key cardinalities packed into one BIGINT to group by.
_PACKED = 1 << 62


#: People whose key codes are counted in numpy at once (`KeyTable._counted`): a few
#: bytes each per key, and an 8-byte key per set at a time; at most 40 MB in Python at
#: this size on the default report (a million people at once: 73 MB, and no faster).
#: 0: none, DuckDB groups every key set (`KeyTable._grouped`).
_PARTITION_ROWS = 1 << 19
#: Key spaces up to this size are counted densely (`numpy.bincount`, 16 MiB at most);
#: larger ones by a sort of their keys.
_DENSE = 1 << 21
#: Key spaces up to this size may be counted densely across the partitions: the counts
#: of every such set are held until the last partition (8 MiB each at most).
_SUMMED = 1 << 20

Codes = engine.Codes


def _within(key: str, low: int, high: int, values: int) -> str:
    """A `WHERE` of the people whose `key` code is from `low` to below `high` (of `values`)."""
    terms = ([f"{_q(key)} >= {low}"] if low else []) + (
        [f"{_q(key)} < {high}"] if high < values else []
    )
    return " WHERE " + " AND ".join(terms) if terms else ""


def _partition_plan(
    wanted: Sequence[tuple[str, ...]], cardinality: Mapping[str, int], parts: int
) -> tuple[str | None, list[tuple[str, ...]]]:
    """The pivot key of the partitions, and the key sets counted in numpy over them.

    With one partition, every set whose codes pack into one integer. With more, the
    pivot is the key most of the large sets hold (the larger cardinality first: it
    splits the people more evenly); a set is counted when it holds the pivot or its
    key space is small enough to sum over the partitions (`_SUMMED`).
    """
    packable = [names for names in wanted if _estimate(names, cardinality) <= _PACKED]
    if parts == 1:
        return None, packable
    large = [names for names in packable if _estimate(names, cardinality) > _SUMMED]
    held = {c for names in large for c in names}
    if not held:
        return None, []
    pivot = max(sorted(held), key=lambda c: (sum(c in names for names in large), cardinality[c]))
    return pivot, [
        names for names in packable if pivot in names or _estimate(names, cardinality) <= _SUMMED
    ]


def _key(
    codes: Mapping[str, npt.NDArray[Any]],
    names: Sequence[str],
    cardinality: Mapping[str, int],
    out: Codes | None = None,
) -> Codes:
    """Each person's codes over `names` as one integer (their mixed-radix number).

    Written into `out` if given (a partition's buffer, `_Held`): one buffer a
    partition, not a fresh array a key set, whose pages fault in again wherever
    the allocator maps it anew (as glibc does for large blocks until its
    threshold has risen past them).
    """
    if out is None:
        key = np.zeros(len(next(iter(codes.values()))), dtype=np.int64)
    else:
        key = out
        key.fill(0)
    for name in names:
        key *= cardinality[name]
        key += codes[name]
    return key


def _sizes(key: Codes, scratch: Codes | None = None) -> Codes:
    """The size of every class of `key` (each distinct value a class), maybe with zeros.

    Counted densely where the keys are small (`_DENSE`): a zero for each key below
    the largest that no one has (`_histogram` leaves them out). Into `scratch` if it
    is long enough (the counts are then a view of it, valid until it is used again):
    a new count array of each set was a fresh mapping of up to 16 MiB (`_key`).
    """
    top = int(key.max()) + 1 if key.size else 0
    if key.size and top <= _DENSE:
        if scratch is None or scratch.size < top:
            return np.bincount(key)
        counts = scratch[:top]
        counts.fill(0)
        np.add.at(counts, key, 1)
        return counts
    key.sort()
    return _run_lengths(key)


def _run_lengths(ordered: Codes) -> Codes:
    """The length of each run of equal values of `ordered` (one array made, not three)."""
    if not ordered.size:
        return np.zeros(0, dtype=np.int64)
    ends = np.flatnonzero(ordered[1:] != ordered[:-1])  # each run's last, but the last run's
    lengths = np.empty(ends.size + 1, dtype=np.int64)
    if not ends.size:
        lengths[0] = ordered.size
        return lengths
    lengths[0] = ends[0] + 1
    np.subtract(ends[1:], ends[:-1], out=lengths[1:-1])
    lengths[-1] = ordered.size - 1 - ends[-1]
    return lengths


#: Key spaces up to this size have their counts held while a partition is counted, when
#: other sets are their subsets: those sets' counts are sums over them (`_marginal`), not
#: another pass over the people. On the default report, (citizenship, ethnic nationality,
#: locality, sex), 960 classes, serves 14 sets and (citizenship, date of birth, ethnic
#: nationality, sex) 7, so 20 of the 41 sets pass over the people. 8 MiB each at most,
#: and `_HELD` in all. 0: every set passes over the people.
_MARGINAL = 1 << 20
#: The most counts (8 bytes each) held at once for `_MARGINAL`: 32 MiB.
_HELD = 1 << 22


def _marginal_plan(
    sets: Sequence[tuple[str, ...]], cardinality: Mapping[str, int]
) -> dict[tuple[str, ...], tuple[str, ...]]:
    """Each set whose counts are summed from another's: set -> that set.

    The sets that serve the most others are held first (the smaller first among
    equals), while `_HELD` allows; each set served by the smallest held set
    that holds it.
    """
    keys = {names: frozenset(names) for names in sets}
    space = {names: _estimate(names, cardinality) for names in sets}
    served = {
        names: sum(keys[other] < keys[names] for other in sets)
        for names in sets
        if space[names] <= _MARGINAL
    }
    held: list[tuple[str, ...]] = []
    budget = _HELD
    for names in sorted(served, key=lambda names: (-served[names], space[names])):
        if served[names] and space[names] <= budget:
            held.append(names)
            budget -= space[names]
    within = {}
    for names in sets:
        parents = [h for h in held if keys[names] < keys[h]]
        if parents:
            within[names] = min(parents, key=space.__getitem__)
    return within


@dataclass(slots=True)
class _Held:
    """The counts of one partition held for the sets summed from them (`_marginal_plan`)."""

    within: Mapping[tuple[str, ...], tuple[str, ...]]
    #: Each set's keys are written here in turn (`_key`): one array a partition.
    buffer: Codes
    #: The class sizes of the sets neither held nor summed are counted here (`_sizes`).
    scratch: Codes
    held: dict[tuple[str, ...], Codes] = field(default_factory=dict)
    #: How many sets are still to be summed from each held set's counts.
    left: dict[tuple[str, ...], int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for parent in self.within.values():
            self.left[parent] = self.left.get(parent, 0) + 1

    def count(
        self,
        codes: Mapping[str, npt.NDArray[Any]],
        names: tuple[str, ...],
        cardinality: Mapping[str, int],
        *,
        dense: bool,
    ) -> Codes:
        """The classes over `names` of the partition's `codes`: their sizes, maybe with zeros.

        Dense counts (every key of the space, zeros too) where `dense` asks, where
        other sets are summed from them, or where they are summed from a held
        set's; else the sizes of the classes alone (`_sizes`).
        """
        parent = self.within.get(names)
        if parent is not None:
            counts = _marginal(self.held[parent], parent, names, cardinality)
            self.left[parent] -= 1
            if not self.left[parent]:
                del self.held[parent]  # its last subset is counted
        elif dense or names in self.left:
            key = _key(codes, names, cardinality, self.buffer)
            counts = np.bincount(key, minlength=_estimate(names, cardinality))
        else:
            return _sizes(_key(codes, names, cardinality, self.buffer), self.scratch)
        if self.left.get(names):
            self.held[names] = counts
        return counts


def _marginal(
    counts: Codes, of: Sequence[str], names: Sequence[str], cardinality: Mapping[str, int]
) -> Codes:
    """The dense counts over `names` from those over `of`, a set that holds them.

    A dense count's index is its key's mixed-radix number (`_key`): as an array of
    one axis per key of `of`, the counts over `names` are its sums along the
    other axes, in the order of `names`.
    """
    shaped = counts.reshape([cardinality[name] for name in of])
    kept = [name for name in of if name in names]
    summed = shaped.sum(axis=tuple(i for i, name in enumerate(of) if name not in names))
    summed = np.transpose(summed, [kept.index(name) for name in names])
    return np.ascontiguousarray(summed).reshape(-1)


def _histogram(counts: Codes) -> Codes:
    """How many classes have each size, from their sizes (zeros, keys no one has, left out)."""
    histogram = np.bincount(counts)
    if histogram.size:
        histogram[0] = 0
    return histogram


def _sum_into(sums: dict[tuple[str, ...], Codes], names: tuple[str, ...], counts: Codes) -> None:
    if names in sums:
        sums[names] += counts
    else:
        sums[names] = counts


def _added(total: Codes | None, more: Codes) -> Codes:
    """Two histograms added, the shorter padded with zeros."""
    if total is None:
        return more
    if total.size < more.size:
        total, more = more, total
    total = total.copy()
    total[: more.size] += more
    return total


def _spread_columns(spread: tuple[tuple[str, ...], str] | None) -> set[str]:
    return set() if spread is None else {*spread[0], spread[1]}


def _spread_counted(
    spread: tuple[tuple[str, ...], str],
    cardinality: Mapping[str, int],
    pivot: str | None,
    parts: int,
) -> bool:
    """Whether l-diversity is counted in numpy: its classes within a partition, packed."""
    within = parts == 1 or pivot in spread[0]
    return within and _estimate([*spread[0], spread[1]], cardinality) <= _PACKED


@dataclass(frozen=True, slots=True)
class _Spread:
    """l-diversity's figures over some of the classes (`KeyTable.diversity`, as its SQL).

    `entropy` is the smallest H = ln s - Σ c ln c / s over the classes (exp(H) is
    the entropy l: exp rises, so its smallest is at the smallest H).
    """

    distinct: int
    entropy: float
    homogeneous: int
    records: int

    @staticmethod
    def merged(parts: Sequence[_Spread]) -> _Spread:
        """The figures over every class of `parts` (classes of different partitions)."""
        return _Spread(
            min(p.distinct for p in parts),
            min(p.entropy for p in parts),
            sum(p.homogeneous for p in parts),
            sum(p.records for p in parts),
        )

    def diversity(self, name: str) -> Diversity:
        # exp(0) of a pure class can come out as 0.9999999999999998; 1 is exact.
        entropy = max(1.0, math.exp(self.entropy))
        return Diversity(name, self.distinct, entropy, self.homogeneous, self.records)


def _spread_of(key: Codes, values: int) -> _Spread:
    """l-diversity's figures over the classes of `key`: the QIs' codes, then the sensitive one's.

    The sensitive code is the last digit of `key` (`values` of them), so once sorted
    each class is a run, and each of its values a run within it.
    """
    key.sort()
    first = _run_starts(key)  # each (class, value)
    counts = np.diff(first, append=key.size)
    of_class = key[first] // values
    starts = _run_starts(of_class)
    distinct = np.diff(starts, append=of_class.size)
    del of_class
    total = np.add.reduceat(counts, starts)
    c_log_c = np.add.reduceat(counts * _ln(counts), starts)
    entropy = _ln(total) - c_log_c / total
    pure = distinct == 1
    return _Spread(
        int(distinct.min()), float(entropy.min()), int(pure.sum()), int(total[pure].sum())
    )


def _run_starts(ordered: Codes) -> Codes:
    """Where each run of equal values of `ordered` starts (a byte per value, no differences)."""
    starts = np.flatnonzero(ordered[1:] != ordered[:-1])
    starts += 1
    return np.concatenate(([0], starts)) if ordered.size else starts


def _ln(counts: Codes) -> npt.NDArray[np.float64]:
    """The natural logarithm of each count, as the C library's (DuckDB's `ln`) gives it.

    Taken once per distinct count (a few hundred), not by numpy's own vectorised
    logarithm, which may differ in the last bit.
    """
    present = np.flatnonzero(np.bincount(counts))
    table = np.zeros(int(present[-1]) + 1 if present.size else 1)
    table[present] = [math.log(value) for value in present.tolist()]
    return table[counts]


#: A key set is grouped once into a table of its classes (`_parents`) when at most this
#: share of the people's rows could be its classes (the product of its cardinalities) and
#: two or more other key sets are its subsets: they are then grouped over those classes,
#: weighted by their sizes, rather than over every person. On the default report at
#: 5M messages, (date of birth, sex, citizenship, ethnic nationality): 233,000 classes
#: for 4.1M persons serve the eight sets of the date of birth without the place.
_PARENT_SHARE = 8
#: The column of a class's size in those tables (no key's name: keys are field paths).
_SIZE = '"class size"'


@dataclass(frozen=True, slots=True)
class KeyTable:
    """The persons' key codes as the DuckDB table `keys`: every metric counted over it.

    Out of core (under DuckDB's memory limit, spilling past it), and what Python
    holds is a partition of the people's codes at a time (`_PARTITION_ROWS`), a
    tally of class sizes (`engine.Tally`, a few hundred rows) or l-diversity's few
    figures: Python's memory does not grow with the people. The report's
    forty-odd tallies can be asked for at once (`prefetch`): counted in numpy
    (`_counted`), the rest in one query (`_grouped`).
    `same` names the keys not stored, each with the key whose codes they are.
    """

    con: duckdb.DuckDBPyConnection
    height: int
    same: Mapping[str, str] = field(default_factory=dict)
    #: Each stored key's codes are below this (`codes` knows it from the values it coded);
    #: a key not here is asked of `keys`.
    cardinality: Mapping[str, int] = field(default_factory=dict)
    _tallies: dict[tuple[str, ...], engine.Tally] = field(default_factory=dict)
    #: l-diversity's figures counted with the tallies (`_Spread`), by (QIs, sensitive key).
    _spreads: dict[tuple[tuple[str, ...], str], _Spread] = field(default_factory=dict)

    def _stored(self, names: Sequence[str]) -> tuple[str, ...]:
        """`names` as the stored keys (`same`), each once, in a fixed order."""
        return tuple(sorted({self.same.get(name, name) for name in names}))

    def tally(self, names: Sequence[str]) -> engine.Tally:
        """The classes over `names`, tallied by size (`engine.Classes`)."""
        if not names:
            return engine.tally(np.array([self.height] if self.height else [], dtype=np.int64))
        stored = self._stored(names)
        if stored not in self._tallies:
            self.prefetch([stored])
        return self._tallies[stored]

    def prefetch(
        self, sets: Iterable[Sequence[str]], diversity: tuple[Sequence[str], str] | None = None
    ) -> None:
        """Tally every key set of `sets` at once; `tally` then answers from memory.

        In numpy where it can (`_counted`: a partition of the people at a time), the
        rest in one DuckDB query (`_grouped`). With `diversity` (QIs, sensitive), its
        figures are counted in the same pass where they can (`diversity` answers).
        """
        stored = (self._stored(names) for names in sets)
        wanted = [s for s in dict.fromkeys(stored) if s and s not in self._tallies]
        spread = None
        if diversity is not None and diversity[0] and self.height:
            spread = (self._stored(diversity[0]), self.same.get(diversity[1], diversity[1]))
        if not wanted and spread is None:
            return
        columns = sorted({c for names in wanted for c in names} | _spread_columns(spread))
        cardinality = {c: self.cardinality[c] for c in columns if c in self.cardinality}
        if missing := [c for c in columns if c not in cardinality]:
            row = self.con.execute(
                f"SELECT {', '.join(f'coalesce(max({_q(c)}), 0) + 1' for c in missing)} FROM keys"
            ).fetchall()[0]
            cardinality.update(zip(missing, (int(n) for n in row), strict=True))
        counted = self._counted(wanted, cardinality, spread)
        self._grouped([names for names in wanted if names not in counted], cardinality)

    def _counted(
        self,
        wanted: Sequence[tuple[str, ...]],
        cardinality: Mapping[str, int],
        spread: tuple[tuple[str, ...], str] | None = None,
    ) -> list[tuple[str, ...]]:
        """Tally in numpy the key sets it can; returns them (and l-diversity's figures).

        The people's codes come a partition at a time (`_PARTITION_ROWS`), so Python's
        memory does not grow with them: the partitions split the people by the codes of
        one key, the pivot, so a set that holds it has each class within one partition
        (its classes are counted there, and their sizes added up); a set without it is
        counted densely over its whole key space, summed over the partitions. On a
        million people, counting (a dense count, or a sort where the key space is
        large) is about three times faster than DuckDB's group-by of the same sets.
        """
        if not _PARTITION_ROWS:  # DuckDB groups every set
            return []
        parts = -(-self.height // _PARTITION_ROWS)
        pivot, local = _partition_plan(wanted, cardinality, parts)
        if spread is not None and not _spread_counted(spread, cardinality, pivot, parts):
            spread = None  # its classes may cross the partitions: DuckDB's
        if not local and spread is None:
            return []
        where = [""] if parts == 1 else self._ranges(pivot, cardinality, parts)
        if where is None:
            # One pivot value holds too many people for a partition: DuckDB groups them.
            return []
        columns = sorted({c for names in local for c in names} | _spread_columns(spread))
        listed = ", ".join(map(_q, columns))
        histograms: dict[tuple[str, ...], Codes] = {}
        dense: dict[tuple[str, ...], Codes] = {}
        spreads: list[_Spread] = []
        within = _marginal_plan(local, cardinality)
        # The larger sets first (a strict superset of equal space before its subset): the
        # counts of a set are held before its subsets are summed from them.
        local = sorted(local, key=lambda names: (-_estimate(names, cardinality), -len(names)))
        largest = max((_estimate(names, cardinality) for names in local), default=0)
        scratch = np.empty(min(_DENSE, largest), dtype=np.int64)
        for part in where:
            found = self.con.execute(f"SELECT {listed} FROM keys{part}").fetchnumpy()
            codes = {name: np.asarray(found[name]) for name in columns}
            del found
            held = _Held(within, np.empty(len(codes[columns[0]]), dtype=np.int64), scratch)
            for names in local:
                summed = parts > 1 and pivot not in names
                counts = held.count(codes, names, cardinality, dense=summed)
                if summed:
                    _sum_into(dense, names, counts)
                else:
                    histograms[names] = _added(histograms.get(names), _histogram(counts))
            if spread is not None and len(codes[spread[1]]):
                key = _key(codes, [*spread[0], spread[1]], cardinality, held.buffer)
                spreads.append(_spread_of(key, cardinality[spread[1]]))
            # Freed before the next partition is fetched, not while it is.
            del codes, held
        if spread is not None:
            self._spreads[spread] = _Spread.merged(spreads)
        for names, counts in dense.items():
            histograms[names] = _histogram(counts)
        for names, histogram in histograms.items():
            sizes = np.flatnonzero(histogram).astype(np.int64)
            self._tallies[names] = (sizes, histogram[sizes].astype(np.int64))
        return local

    def _ranges(
        self, pivot: str | None, cardinality: Mapping[str, int], parts: int
    ) -> list[str] | None:
        """The partitions as ranges of `pivot`'s codes, about as many people each (`WHERE`s).

        None where one holds more than twice `_PARTITION_ROWS` people (a pivot value
        too many people share). `keys` is stored in the order of its widest key's
        codes (`Engine.codes`), the pivot on the default report: a range of them is
        a few of its row groups, which a scan reads alone. A partition by `pivot %
        parts` read the whole table: at 16M people (20M messages), 32 partitions
        took 4.9 of the tallies' 6.3 s; 2.5 s in all by ranges.
        """
        if pivot is None:
            return None
        values = cardinality[pivot]
        found = self.con.execute(
            f"SELECT {_q(pivot)} AS v, count(*) AS n FROM keys GROUP BY v"
        ).fetchnumpy()
        counts = np.zeros(values, dtype=np.int64)
        counts[np.asarray(found["v"], dtype=np.int64)] = np.asarray(found["n"])
        cumulative = np.cumsum(counts)
        # Each range ends with the code whose people reach its share of them.
        shares = np.arange(1, parts) * (self.height / parts)
        ends = np.unique(np.searchsorted(cumulative, shares) + 1)
        ends = ends[(ends > 0) & (ends < values)]
        sizes = np.diff(cumulative[np.concatenate((ends - 1, [values - 1]))], prepend=0)
        if int(sizes.max()) > 2 * _PARTITION_ROWS:
            return None
        bounds = [0, *ends.tolist(), values]
        return [_within(pivot, low, high, values) for low, high in itertools.pairwise(bounds)]

    def _grouped(self, wanted: Sequence[tuple[str, ...]], cardinality: Mapping[str, int]) -> None:
        """Tally every key set of `wanted` in one DuckDB query.

        Each key set grouped by one integer its codes pack into, the small ones
        over a few tables of classes (`_parents`) rather than every person.
        """
        if not wanted:
            return
        tables = self._parents(wanted, cardinality)
        parts = []
        for index, names in enumerate(wanted):
            table, held = min(
                ((t, h) for t, h in tables.items() if set(names) <= set(h)),
                key=lambda item: _estimate(item[1], cardinality),
                default=("keys", ()),
            )
            if table == "keys":
                size, by = "count(*)", f" GROUP BY {_packed(names, cardinality)}"
            elif set(names) == set(held):
                size, by = _SIZE, ""
            else:
                size, by = f"sum({_SIZE})", f" GROUP BY {_packed(names, cardinality)}"
            parts.append(f"SELECT {index} AS s, {size} AS size FROM {table}{by}")
        found = self.con.execute(f"""
            SELECT s, size, count(*) AS n FROM ({" UNION ALL ".join(parts)})
            GROUP BY s, size ORDER BY s, size
        """).fetchnumpy()
        for table in tables:
            self.con.execute(f"DROP TABLE {table}")
        which = np.asarray(found["s"], dtype=np.int64)
        sizes = np.asarray(found["size"], dtype=np.int64)
        counts = np.asarray(found["n"], dtype=np.int64)
        for index, names in enumerate(wanted):
            mine = which == index
            self._tallies[names] = (sizes[mine], counts[mine])

    def _parents(
        self, wanted: Sequence[tuple[str, ...]], cardinality: Mapping[str, int]
    ) -> dict[str, tuple[str, ...]]:
        """The tables of classes (`_SIZE`: their sizes) the small key sets are grouped over.

        Each is a key set of `wanted` whose classes are few (`_PARENT_SHARE`) and
        that holds two or more of the others no table holds yet (each table costs a
        pass over `keys`, and saves one per set it holds); it is grouped from the
        smallest such table already made that holds it, or from `keys`. Returns
        table: key set.
        """
        made: dict[str, tuple[str, ...]] = {}
        by_size = sorted(wanted, key=lambda names: -_estimate(names, cardinality))
        for position, names in enumerate(by_size):
            held = [
                other
                for other in by_size[position + 1 :]
                if set(other) < set(names) and not any(set(other) <= set(h) for h in made.values())
            ]
            if len(held) < 2 or _estimate(names, cardinality) * _PARENT_SHARE > self.height:
                continue
            table, size = min(
                ((t, f"sum({_SIZE})") for t, h in made.items() if set(names) <= set(h)),
                key=lambda item: _estimate(made[item[0]], cardinality),
                default=("keys", "count(*)"),
            )
            name = f"key_classes_{len(made)}"
            listed = ", ".join(map(_q, names))
            self.con.execute(
                f"CREATE TEMP TABLE {name} AS SELECT {listed}, {size} AS {_SIZE} FROM {table} "
                f"GROUP BY {listed}"
            )
            made[name] = names
        return made

    def diversity(self, qi: Sequence[str], sensitive: str, name: str) -> Diversity:
        """l-diversity of `sensitive` within the classes over `qi` (as `engine.diversity`)."""
        if self.height == 0:
            return Diversity(name, None, None, 0, 0)
        counted = self._spreads.get((self._stored(qi), self.same.get(sensitive, sensitive)))
        if counted is not None:
            return counted.diversity(name)
        classes = "".join(_q(c) + ", " for c in self._stored(qi))
        held = _q(self.same.get(sensitive, sensitive))
        by_class = f"GROUP BY {classes.removesuffix(', ')}" if qi else ""
        row = self.con.execute(f"""
            WITH c AS (
                SELECT {classes}count(*)::DOUBLE AS c FROM keys GROUP BY {classes}{held}
            ),
            per_class AS (
                SELECT count(*) AS d, sum(c) AS s, sum(c * ln(c)) AS c_log_c FROM c {by_class}
            )
            SELECT min(d), min(exp(ln(s) - c_log_c / s)),
                   count(*) FILTER (WHERE d = 1), coalesce(sum(s) FILTER (WHERE d = 1), 0)
            FROM per_class
        """).fetchall()[0]
        # exp(0) of a pure class can come out as 0.9999999999999998; 1 is exact.
        return Diversity(name, int(row[0]), max(1.0, float(row[1])), int(row[2]), int(row[3]))


@dataclass(slots=True)
class _KeySets:
    """`engine.Classes` that only notes the key sets asked for (each tally: one class of 1)."""

    asked: list[tuple[str, ...]] = field(default_factory=list)

    def tally(self, names: Sequence[str]) -> engine.Tally:
        self.asked.append(tuple(names))
        one = np.ones(1, dtype=np.int64)
        return one, one

    def diversity(self, qi: Sequence[str], sensitive: str, name: str) -> Diversity:
        raise NotImplementedError


def ladder_sets(resolved: Sequence[ResolvedPath], threshold: float) -> list[tuple[str, ...]]:
    """The key sets the ladder tallies (`engine.ladder` walked over `_KeySets`)."""
    noted = _KeySets()
    engine.ladder(noted, resolved, threshold)
    return noted.asked
