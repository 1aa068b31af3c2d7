"""The exposure report's core figures as plain SQL, for an engine beyond one machine.

`exposure_sql` writes the queries `kzcn exposure --emit-sql` prints: a
`persons` view (one row per person, the values of their first message),
then the class sizes over the QIs, each candidate subset and each rung of
the generalisation ladder, as group-bys. They are written for DuckDB over
the input file; the same statements run in Spark SQL, Trino or BigQuery over
a `messages` table of partitioned Parquet once the `messages` view is
replaced by that table (with a `line` column giving input order).

The one step that is not plain SQL is the linkage of people across
messages: the report follows shared documents transitively (connected
components), while the SQL keys a person by the first document of their
first message. On data where a person's messages all carry the same first
document (as `kzcn generate` writes them) the figures are the report's.
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
from kzcn.exposure._qi import ResolvedPath, resolve

__all__ = ["exposure_sql"]

_PLACE = {
    "country": "pob.country",
    "region": "coalesce(pob.country, '?') || '/' || pob.region.latin",
    "locality": "coalesce(pob.country, '?') || '/' || coalesce(pob.region.latin, '?') "
    "|| '/' || pob.locality.latin",
    "place": "coalesce(pob.country, '?') || '/' || coalesce(pob.region.latin, '?') "
    "|| '/' || coalesce(pob.locality.latin, '?')",
}
_PLACE_LEVEL = {
    "place_of_birth": "place",
    "place_of_birth.locality": "locality",
    "place_of_birth.locality.latin": "locality",
    "place_of_birth.region": "region",
    "place_of_birth.region.latin": "region",
    "place_of_birth.country": "country",
}
_YEAR = "TRY_CAST(substr(dob, 1, 4) AS INTEGER) // 5 * 5"
_DATE = {
    "full": "dob",
    "month": "substr(dob, 1, 7)",
    "year": "substr(dob, 1, 4)",
    "5-year band": f"CAST({_YEAR} AS VARCHAR) || '-' || CAST({_YEAR} + 4 AS VARCHAR)",
}


def _column(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _value(resolved: ResolvedPath) -> str:
    """The grouping key of a path as SQL over a subject (`s`) and its birthplace (`pob`)."""
    if resolved.generalises == "date":
        return _DATE["full"]
    if resolved.generalises == "place":
        return _PLACE[_PLACE_LEVEL[resolved.path]]
    path = ".".join(_column(part) for part in resolved.path.split("."))
    return f"s.{path}.latin" if resolved.key == "the Latin form" else f"s.{path}"


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
            "SELECT row_number() OVER () AS line, *\n"
            f"FROM read_json({literal}, format = 'newline_delimited', sample_size = -1);"
        ),
        (
            "CREATE OR REPLACE TEMP TABLE persons AS\n"
            "SELECT\n"
            f"    {columns}\n"
            "FROM (\n"
            "    SELECT subject AS s, CAST(subject.date_of_birth AS VARCHAR) AS dob,\n"
            "           subject.place_of_birth AS pob\n"
            "    FROM messages\n"
            "    WHERE subject IS NOT NULL\n"
            "    QUALIFY row_number() OVER (\n"
            "        PARTITION BY coalesce(subject.documents[1].issuing_state\n"
            "            || '|' || subject.documents[1].document_type\n"
            "            || '|' || subject.documents[1].number,\n"
            "            'line ' || line)\n"
            "        ORDER BY line) = 1\n"
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
