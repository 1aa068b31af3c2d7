"""The exposure report's core figures as plain SQL, for an engine beyond one machine.

`exposure_sql` writes the queries `kzcn exposure --emit-sql` prints: a
`persons` view (one row per person, the values of their first message),
then the class sizes over the QIs, each candidate subset and each rung of
the generalisation ladder, as group-bys. They are written for DuckDB over
the input file; the same statements run in an engine with recursive queries
(Trino, BigQuery) once the `messages` view is replaced by a table with a
`line` column giving input order and the message as JSON in `m` (the JSON
functions may need the engine's spelling).

The persons are the report's: every subject and every person a
prior-change list names, linked across messages by shared documents
followed transitively (connected components, as a recursive query: each
appearance that shares a document reaches every appearance it is linked to,
step by step; the appearances sharing none, most of them, take no part), each
with the values of their first appearance. The one step left out is the
report's screen of invalid records: on data `kzcn validate` accepts (or
`--include-invalid`), the figures are the report's.
"""

# This module writes SQL text for the user to run: every name in it is one of the
# models' paths, quoted as an identifier, and the one literal (the file) is quoted.
# ruff: noqa: S608

from __future__ import annotations

from collections.abc import Sequence

from kzcn.exposure._analyse import (
    DEFAULT_MAX_SUBSET,
    DEFAULT_QI,
    EXTRA_CANDIDATES,
    _check_sizes,
    _paths,
    default_sensitive,
)
from kzcn.exposure._engine import candidate_subsets, ladder_keys
from kzcn.exposure._qi import PLACE_LEVEL_OF, ResolvedPath, resolve

__all__ = ["exposure_sql"]

_COUNTRY = "(pob ->> '$.country')"
_REGION = "(pob ->> '$.region.latin')"
_LOCALITY = "(pob ->> '$.locality.latin')"
_PLACE = {
    "country": _COUNTRY,
    "region": f"coalesce({_COUNTRY}, '?') || '/' || {_REGION}",
    "locality": f"coalesce({_COUNTRY}, '?') || '/' || coalesce({_REGION}, '?') "
    f"|| '/' || {_LOCALITY}",
    "place": f"coalesce({_COUNTRY}, '?') || '/' || coalesce({_REGION}, '?') "
    f"|| '/' || coalesce({_LOCALITY}, '?')",
}
_YEAR = "TRY_CAST(substr(dob, 1, 4) AS INTEGER) // 5 * 5"
_DATE = {
    "full": "dob",
    "month": "substr(dob, 1, 7)",
    "year": "substr(dob, 1, 4)",
    "5-year band": f"CAST({_YEAR} AS VARCHAR) || '-' || CAST({_YEAR} + 4 AS VARCHAR)",
}


#: Every person a message carries, numbered `occ` in input order: the subject, then
#: each prior-change list item's (its slot counts every item, as the report does).
_OCCURRENCES = """CREATE OR REPLACE TEMP TABLE occurrences AS
SELECT row_number() OVER (ORDER BY line, slot) AS occ, line, slot, s
FROM (
    SELECT line, 0 AS slot, m -> '$.subject' AS s
    FROM messages WHERE json_type(m -> '$.subject') = 'OBJECT'
    UNION ALL
    SELECT line, slot, item -> '$.subject'
    FROM (
        SELECT line, unnest(from_json(m -> '$.items', '["json"]')) AS item,
               generate_subscripts(from_json(m -> '$.items', '["json"]'), 1) AS slot
        FROM messages
        WHERE m ->> '$.kind' = 'prior_change_list' AND json_type(m -> '$.items') = 'ARRAY'
    )
    WHERE json_type(item -> '$.subject') = 'OBJECT'
);"""

#: The documents with a text number: issuing state, type and number, as the report keys them.
_DOCUMENTS = """CREATE OR REPLACE TEMP TABLE documents AS
SELECT DISTINCT o.occ,
       coalesce(d ->> '$.issuing_state', 'None') || '|'
       || coalesce(d ->> '$.document_type', 'None') || '|' || (d ->> '$.number') AS document
FROM occurrences o, unnest(from_json(o.s -> '$.documents', '["json"]')) AS t(d)
WHERE json_type(d -> '$.number') = 'VARCHAR';"""

#: The person of each appearance that shares a document: the first appearance it reaches.
#: Each document links its appearances to its first one (a star, not every pair), and
#: the recursion starts from those appearances alone: the others are people of their own.
_LINKED = """CREATE OR REPLACE TEMP TABLE linked AS
WITH RECURSIVE star AS (
    SELECT occ, min(occ) OVER (PARTITION BY document) AS other FROM documents
),
shared AS (
    SELECT occ, other FROM star WHERE occ <> other
    UNION
    SELECT other, occ FROM star WHERE occ <> other
),
reach(occ, root) AS (
    SELECT occ, occ FROM shared
    UNION
    SELECT s.other, r.root FROM reach r JOIN shared s ON s.occ = r.occ
)
SELECT occ, min(root) AS person FROM reach GROUP BY occ;"""


def _column(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _value(resolved: ResolvedPath) -> str:
    """The grouping key of a path as SQL over a subject (`s`) and its birthplace (`pob`)."""
    if resolved.generalises == "date":
        return _DATE["full"]
    if resolved.generalises == "place":
        return _PLACE[PLACE_LEVEL_OF[resolved.path]]
    path = "$." + resolved.path + (".latin" if resolved.key == "the Latin form" else "")
    return f"(s ->> {_literal(path)})"


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _sizes(names: Sequence[str], label: str) -> str:
    group = ", ".join(_column(n) for n in names) or "true"
    # Not an injection: names are the models' own paths, quoted as identifiers.
    return (
        f"-- {label}\n"
        "SELECT count(*) AS classes, min(f) AS k, sum(f) AS persons,\n"
        "       count(*) FILTER (WHERE f = 1) AS unique_persons\n"
        f"FROM (SELECT count(*) AS f FROM persons GROUP BY {group});"
    )


def exposure_sql(
    source: str,
    qi: Sequence[str] | str | None = None,
    candidates: Sequence[str] | str | None = None,
    max_subset: int = DEFAULT_MAX_SUBSET,
) -> str:
    """The SQL of the report's class sizes, subsets and ladder over `source` (a JSONL path).

    The options mean what they mean to `compute_exposure`. Each query gives
    classes, k (the smallest class), persons and the persons alone in their
    class: the figures `risk`, `subsets` and `ladder` of the JSON report are
    made of.

    Raises:
        QuasiIdentifierError: A path is not a single-valued person field.
        ValueError: The candidates make too many subsets.
    """
    qi_paths = _paths(qi, DEFAULT_QI)
    candidate_paths = _paths(candidates, [*qi_paths, *EXTRA_CANDIDATES])
    _check_sizes(qi_paths, default_sensitive(qi_paths), candidate_paths, max_subset)
    resolved_qi = [resolve(p) for p in qi_paths]
    resolved_candidates = [resolve(p) for p in candidate_paths]
    keys = {r.path: _value(r) for r in (*resolved_qi, *resolved_candidates)}
    dates, places = ladder_keys(resolved_qi)
    keys.update({f"date:{level}": _DATE[level] for level in dates if level in _DATE})
    keys.update({f"place:{level}": _PLACE[level] for level in places if level in _PLACE})
    literal = "'" + source.replace("'", "''") + "'"
    columns = ",\n    ".join(f"{sql} AS {_column(name)}" for name, sql in keys.items())
    statements = [
        "-- kzcn exposure --emit-sql: the report's class sizes as SQL (DuckDB, see the README).",
        "-- Elsewhere, replace the `messages` view by a table with the same columns and `line`.",
        (
            "CREATE OR REPLACE TEMP VIEW messages AS\n"
            "SELECT row_number() OVER () AS line, json AS m\n"
            f"FROM read_ndjson_objects({literal});"
        ),
        _OCCURRENCES,
        _DOCUMENTS,
        _LINKED,
        (
            "CREATE OR REPLACE TEMP TABLE persons AS\n"
            "SELECT\n"
            f"    {columns}\n"
            "FROM (\n"
            "    SELECT o.s, o.s ->> '$.date_of_birth' AS dob, o.s -> '$.place_of_birth' AS pob\n"
            "    FROM occurrences o LEFT JOIN linked l USING (occ)\n"
            "    WHERE coalesce(l.person, o.occ) = o.occ\n"
            ");"
        ),
        _sizes([r.path for r in resolved_qi], "risk: classes over the QIs"),
    ]
    statements.extend(
        _sizes(subset, "subset: " + " + ".join(subset))
        for subset in candidate_subsets([r.path for r in resolved_candidates], max_subset)
    )
    others = [r.path for r in resolved_qi if r.generalises is None]
    has_date = any(r.generalises == "date" for r in resolved_qi)
    for date_level in dates:
        for place_level in places:
            names = [*others]
            names += [f"date:{date_level}"] if has_date else []
            names += [f"place:{place_level}"] if place_level != "-" else []
            statements.append(_sizes(names, f"ladder: date {date_level}, place {place_level}"))
    return "\n\n".join(statements) + "\n"
