"""The report's rows kept in DuckDB, out of core: only small tables and integer codes reach Python.

At millions of messages, holding every row as polars strings made the report's
memory grow with its input (about 0.7 KiB a message). Here the rows stay in a
DuckDB database in a temporary directory, under DuckDB's memory limit (it
spills to that directory past it), and every step is a query over them:

- the screen, the flows and the field flows: each row-wise test is the polars
  expression the in-memory report uses (`_screen`, `_analyse`), evaluated once
  per *distinct* combination of the columns it reads (a few thousand rows) and
  joined back, so no rule is restated in SQL;
- the people: DuckDB lists the documents seen on two rows (64-bit hashes) and
  finds the components over them (`components`: `_engine._components`' rounds
  as a loop of statements), so nothing per document reaches Python;
- the key codes: DuckDB lists the distinct source values of each key group,
  polars codes them (`CodedColumns`'s own expressions), DuckDB joins the codes
  back into the table `keys` (one row per person);
- the metrics: class sizes, l-diversity, subsets and ladder are group-bys over
  `keys` (`KeyTable`), out of core; what reaches Python is a tally of class
  sizes per key set (size, classes: a few hundred rows), so Python's memory
  does not grow with the people (with one code per person and key held in
  Python, the peak grew by about 0.2 GiB per million messages).

Tables: `msg` (one row per readable message, `ord` its input order), `lst`
(listed persons: `ord`, `slot`, `presence`: their item's bits), `doc` (`ord`,
`slot`, `h`: a document's hash).
"""

# Every name in the SQL here is a column name of the readers' frames, quoted; the only
# values are numbers.
# ruff: noqa: S608

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

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
def connect(threads: int | None, memory_limit: str | None) -> Iterator[duckdb.DuckDBPyConnection]:
    """A DuckDB database in a temporary directory, which also takes what DuckDB spills."""
    import duckdb  # noqa: PLC0415 - the in-engine report alone needs it here

    with tempfile.TemporaryDirectory(prefix="kzcn-") as folder:
        config: dict[str, str | bool | int | float | list[str]] = {
            "temp_directory": folder,
            # Row order is input order: `rowid` numbers the messages as read.
            "preserve_insertion_order": True,
        }
        if threads is not None:
            config["threads"] = max(1, threads)
        if memory_limit is not None:
            config["memory_limit"] = memory_limit
        connection = duckdb.connect(":memory:", config=config)
        try:
            yield connection
        except duckdb.OutOfMemoryException:
            # What is left in memory past the limit (the working set of a
            # group-by, a hash table) cannot spill: the user's limit is too low.
            raise MemoryError(
                f"the memory limit {memory_limit} is too small for this input: raise --memory-limit"
            ) from None
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


def _register_values(
    con: duckdb.DuckDBPyConnection, name: str, frame: pl.DataFrame, types: Mapping[str, Any]
) -> None:
    """`frame` (small) as the table `name`, its columns typed by `types` (polars types)."""
    typed = frame.with_columns(pl.col(c).cast(t) for c, t in types.items() if c in frame.columns)
    con.register("values_in", typed)
    con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM values_in")
    con.unregister("values_in")


def components(con: duckdb.DuckDBPyConnection, edges: str, into: str) -> None:
    """The table `into` (`occ`, `person`): each `occ` of `edges` and its component's first.

    `edges` holds (`occ`, `h`) pairs: an occurrence and a document it carries;
    two occurrences are linked when they share a document, transitively.
    `_engine._components`' rounds, as SQL, so that nothing per edge reaches
    Python: each round hooks every root onto the smallest root found across
    its documents, then jumps pointers until every `occ` points at its root.
    The components at least halve in number each round, so a chain of
    thousands of occurrences takes a few dozen statements; generated data,
    whose people appear two or three times, takes two rounds. Roots only
    ever hook onto smaller ones, so a component's root is its smallest `occ`.
    """
    con.execute(f"CREATE TABLE cc_parent AS SELECT DISTINCT occ, occ AS p FROM {edges}")
    while True:
        con.execute(f"""
            CREATE OR REPLACE TABLE cc_hook AS
            WITH rooted AS (SELECT e.h, c.p FROM {edges} e JOIN cc_parent c USING (occ)),
            low AS (SELECT h, min(p) AS low FROM rooted GROUP BY h HAVING min(p) < max(p))
            SELECT r.p AS root, min(l.low) AS low FROM rooted r JOIN low l USING (h)
            GROUP BY r.p HAVING min(l.low) < r.p
        """)
        if not _count(con, "cc_hook"):
            break
        con.execute("""
            CREATE OR REPLACE TABLE cc_parent AS
            SELECT occ, coalesce(low, p) AS p FROM cc_parent LEFT JOIN cc_hook ON occ = root
        """)
        moved = True
        while moved:  # pointer jumping: every occ to its root
            con.execute("""
                CREATE OR REPLACE TABLE cc_parent AS
                SELECT a.occ, b.p, a.p <> b.p AS moved
                FROM cc_parent a JOIN cc_parent b ON a.p = b.occ
            """)
            moved = bool(_count(con, "cc_parent WHERE moved"))
    con.execute(f"CREATE TABLE {into} AS SELECT occ, p AS person FROM cc_parent")
    con.execute("DROP TABLE cc_parent")
    con.execute("DROP TABLE cc_hook")


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


@dataclass(slots=True)
class Engine:
    """The report's steps over the loaded tables (`msg`, `lst`, `doc`)."""

    con: duckdb.DuckDBPyConnection
    person: list[str]

    # --- the screen -----------------------------------------------------------

    def screen(self, include_invalid: bool) -> int:
        """Flag the invalid messages (`_screen`'s expressions); keep them only if asked.

        Leaves the table `kept`; returns how many were invalid.
        """
        con = self.con
        envelope = ["sender_state", "sender_authority", "recipient_state", "recipient_authority"]
        distinct = _frame(con, f"SELECT DISTINCT {', '.join(envelope)} FROM msg")
        flags = distinct.with_columns(pl.col(envelope).cast(pl.String)).with_columns(
            screen.envelope_ok().alias("ok")
        )
        _register_values(con, "envelope_ok", flags.select(*envelope, "ok"), {})
        born = ["date_of_birth", "sex"]
        people = _frame(
            con,
            f"SELECT DISTINCT {', '.join(born)} FROM msg WHERE has_subject "
            f"UNION SELECT DISTINCT {', '.join(born)} FROM lst",
        )
        flags = people.with_columns(
            pl.col(born).cast(pl.String), pl.lit(value=True).alias("has_subject")
        ).with_columns(screen.person_ok().alias("ok"))
        _register_values(con, "person_ok", flags.select(*born, "ok"), {})
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
        invalid = int(con.execute("SELECT count(*) FROM bad").fetchall()[0][0])
        if include_invalid or not invalid:
            con.execute("CREATE VIEW kept AS SELECT * FROM msg")
            con.execute("CREATE VIEW kept_lst AS SELECT * FROM lst")
            con.execute("CREATE VIEW kept_doc AS SELECT * FROM doc")
        else:
            con.execute("CREATE TABLE kept AS SELECT * FROM msg ANTI JOIN bad USING (ord)")
            con.execute("CREATE TABLE kept_lst AS SELECT * FROM lst ANTI JOIN bad USING (ord)")
            con.execute("CREATE TABLE kept_doc AS SELECT * FROM doc ANTI JOIN bad USING (ord)")
        return invalid

    def bad_lines(self) -> pl.DataFrame:
        """`ord` of the invalid messages (their input lines, from the Python reader)."""
        return _frame(self.con, "SELECT ord FROM bad ORDER BY ord")

    # --- flows ----------------------------------------------------------------

    def counts(self, columns: Sequence[str], table: str = "kept") -> pl.DataFrame:
        """The distinct combinations of `columns` and how many rows have each (`n`)."""
        names = ", ".join(_q(c) for c in columns)
        return _frame(self.con, f"SELECT {names}, count(*) AS n FROM {table} GROUP BY ALL")

    def messages(self) -> int:
        return int(self.con.execute("SELECT count(*) FROM kept").fetchall()[0][0])

    # --- people ---------------------------------------------------------------

    def link(self) -> None:
        """Link the persons the messages carry: the tables `link` and `persons`.

        Each person a message carries is an occurrence `occ` (`ord` × stride
        + slot: input order); `link` holds the occurrences of persons seen more
        than once, each with `person`, their first `occ`; `persons` the values
        of every person's first occurrence.
        """
        con = self.con
        row = con.execute("SELECT coalesce(max(slot), 0) + 1 FROM kept_lst").fetchall()[0]
        stride = int(row[0])
        con.execute(f"""
            CREATE VIEW occ AS
            SELECT ord * {stride} AS occ, ord, kind, presence FROM kept WHERE has_subject
            UNION ALL
            SELECT l.ord * {stride} + l.slot, l.ord, k.kind, l.presence
            FROM kept_lst l JOIN kept k USING (ord)
        """)
        # Documents seen on two persons' rows (two occurrences, not one row twice): the
        # only ones that link anyone. One group-by of the hashes finds them (most
        # documents are on one row); the pairs are listed for those few alone.
        con.execute(f"""
            CREATE TABLE shared AS
            WITH r AS (
                SELECT h FROM kept_doc GROUP BY h
                HAVING min(ord * {stride} + slot) < max(ord * {stride} + slot)
            )
            SELECT DISTINCT ord * {stride} + slot AS occ, h FROM kept_doc SEMI JOIN r USING (h)
        """)
        # The documents are not read again: their memory goes to the steps after.
        _drop(con, "kept_doc", "doc")
        components(con, "shared", "link")
        con.execute("DROP TABLE shared")
        con.execute(
            "CREATE TABLE linked AS SELECT o.*, l.person FROM occ o JOIN link l USING (occ)"
        )
        values = ", ".join(_q(c) for c in self.person)
        listed = ", ".join("l." + _q(c) for c in self.person)
        con.execute(f"""
            CREATE TABLE persons AS
            WITH later AS (SELECT occ FROM link WHERE occ <> person)
            SELECT {values} FROM kept k ANTI JOIN later ON k.ord * {stride} = later.occ
            WHERE k.has_subject
            UNION ALL
            SELECT {listed} FROM kept_lst l SEMI JOIN kept USING (ord)
            ANTI JOIN later ON l.ord * {stride} + l.slot = later.occ
        """)

    def summary(self) -> dict[str, int]:
        """Persons, messages with a person, recurring persons and their messages."""
        con = self.con
        persons = int(con.execute("SELECT count(*) FROM persons").fetchall()[0][0])
        carrying = int(
            con.execute(
                "SELECT count(*) FROM kept WHERE has_subject OR ord IN (SELECT ord FROM kept_lst)"
            ).fetchall()[0][0]
        )
        row = con.execute("""
            SELECT count(*) FILTER (WHERE n > 1), coalesce(sum(n) FILTER (WHERE n > 1), 0)
            FROM (SELECT person, count(DISTINCT ord) AS n FROM linked GROUP BY person)
        """).fetchall()[0]
        return {
            "persons": persons,
            "messages_with_subject": carrying,
            "recurring_persons": int(row[0]),
            "recurring_messages": int(row[1]),
        }

    def occurrences(self) -> tuple[pl.DataFrame, pl.DataFrame]:
        """The persons seen once, as (`kind`, `presence`, `n`); the others' rows.

        The others' rows are (`person`, `kind`, `presence`), grouped in polars.
        A field is carried by a kind and a presence bit, so a person's rows of
        one kind come as one, their presence bits or-ed: the person carries
        the same fields (a twentieth of the rows on generated data, where a
        recurring person has some thirty messages).
        """
        once = _frame(
            self.con,
            "SELECT kind, presence, count(*) AS n FROM occ ANTI JOIN link USING (occ) GROUP BY ALL",
        )
        several = "SELECT person, kind, bit_or(presence) AS presence FROM linked GROUP BY ALL"
        return once, _frame(self.con, several)

    # --- key codes --------------------------------------------------------------

    def codes(self, keys: dict[str, pl.Expr]) -> KeyTable:
        """Each person's code of every key, coded over distinct source values (`CodedColumns`).

        The codes stay in DuckDB (the table `keys`, one row per person): the metrics
        are group-bys there (`KeyTable`), and only their tallies reach Python.
        """
        con = self.con
        selects, joins = [], []
        for index, (source, group) in enumerate(engine._by_source(keys).items()):  # noqa: SLF001
            columns = list(source)
            distinct = _frame(con, f"SELECT DISTINCT {', '.join(map(_q, columns))} FROM persons")
            distinct = distinct.with_columns(pl.col(c).cast(pl.String) for c in columns)
            coded = distinct.select(
                *columns,
                *(
                    engine._code(expr).alias(f"k{index}_{j}")  # noqa: SLF001
                    for j, expr in enumerate(group.values())
                ),
            )
            table = f"codes_{index}"
            _register_values(con, table, coded, {})
            joins.append(f"JOIN {table} ON {_same(columns, 'persons', table)}")
            selects += [
                f"CAST({table}.{_q(f'k{index}_{j}')} AS INTEGER) AS {_q(name)}"
                for j, name in enumerate(group)
            ]
        if not selects:
            selects = ["1 AS one"]
        con.execute(
            f"CREATE TABLE keys AS SELECT {', '.join(selects)} FROM persons {' '.join(joins)}"
        )
        height = int(con.execute("SELECT count(*) FROM keys").fetchall()[0][0])
        # Only `keys` is read from here on: the rows' tables give their memory (and
        # their spilled blocks) back to the group-bys.
        rows = con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE NOT internal AND table_name <> 'keys'"
        ).fetchall()
        for (table,) in rows:
            con.execute(f"DROP TABLE {_q(table)}")
        return KeyTable(con, height)


#: The largest product of key cardinalities packed into one BIGINT to group by.
_PACKED = 1 << 62


@dataclass(frozen=True, slots=True)
class KeyTable:
    """The persons' key codes as the DuckDB table `keys`: every metric a group-by there.

    Out of core (under DuckDB's memory limit, spilling past it), and what comes
    back is a tally of class sizes (`engine.Tally`, a few hundred rows) or
    l-diversity's few figures: Python's memory does not grow with the people.
    The report's forty-odd tallies can be asked for at once (`prefetch`): one
    query, each key set grouped by one integer its codes pack into.
    """

    con: duckdb.DuckDBPyConnection
    height: int
    _tallies: dict[tuple[str, ...], engine.Tally] = field(default_factory=dict)

    def tally(self, names: Sequence[str]) -> engine.Tally:
        """The classes over `names`, tallied by size (`engine.Classes`)."""
        if not names:
            return engine.tally(np.array([self.height] if self.height else [], dtype=np.int64))
        if tuple(names) not in self._tallies:
            self.prefetch([names])
        return self._tallies[tuple(names)]

    def prefetch(self, sets: Iterable[Sequence[str]]) -> None:
        """Tally every key set of `sets` in one query; `tally` then answers from memory."""
        wanted = [s for s in dict.fromkeys(tuple(s) for s in sets) if s and s not in self._tallies]
        if not wanted:
            return
        columns = sorted({c for names in wanted for c in names})
        row = self.con.execute(
            f"SELECT {', '.join(f'coalesce(max({_q(c)}), 0) + 1' for c in columns)} FROM keys"
        ).fetchall()[0]
        cardinality = dict(zip(columns, (int(n) for n in row), strict=True))
        parts = [
            f"SELECT {index} AS s, count(*) AS size FROM keys "
            f"GROUP BY {_packed(names, cardinality)}"
            for index, names in enumerate(wanted)
        ]
        found = self.con.execute(f"""
            SELECT s, size, count(*) AS n FROM ({" UNION ALL ".join(parts)})
            GROUP BY s, size ORDER BY s, size
        """).fetchnumpy()
        which = np.asarray(found["s"], dtype=np.int64)
        sizes = np.asarray(found["size"], dtype=np.int64)
        counts = np.asarray(found["n"], dtype=np.int64)
        for index, names in enumerate(wanted):
            mine = which == index
            self._tallies[names] = (sizes[mine], counts[mine])

    def diversity(self, qi: Sequence[str], sensitive: str, name: str) -> Diversity:
        """l-diversity of `sensitive` within the classes over `qi` (as `engine.diversity`)."""
        if self.height == 0:
            return Diversity(name, None, None, 0, 0)
        classes = "".join(_q(c) + ", " for c in qi)
        by_class = f"GROUP BY {classes.removesuffix(', ')}" if qi else ""
        row = self.con.execute(f"""
            WITH c AS (
                SELECT {classes}count(*)::DOUBLE AS c FROM keys GROUP BY {classes}{_q(sensitive)}
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
