"""The native reader: DuckDB's JSON reader picks out a file's rows in C++.

At a million messages, reading is most of the report's time, and Python
spends it on interpreting, not parsing. DuckDB's `read_json` parses the file
on every core, keeps only the declared fields, and the presence checks become
SQL over the result, so no Python object is made per message. The rows reach
polars through a Parquet file in a temporary directory (DuckDB's Arrow export
would need pyarrow, a large dependency for one hand-over).

It takes only the plain case, and gives `None` for anything else, leaving it
to the Python reader (`_read`), which knows every rule for skipping a line:
- the plan is one the narrow msgspec decoder covers, with no extra person
  paths (the grouping key of an arbitrary value is Python's to compute);
- DuckDB reads every line as an object of the declared shape (a malformed
  line, a list where an object belongs, a duplicated key all stop it);
- one row per line (no blank lines), and every row a message of a known
  kind, with its subject where the kind has one.

Values keep the Python reader's meaning: a number or boolean where a string
belongs is its text both ways, and a file with a value that might be an
object or list (text starting with a bracket) is declined, since DuckDB would
give its JSON text where the Python reader keeps no value. One difference
remains, in what counts as JSON: DuckDB's parser also takes a trailing comma
and NaN or Infinity, so such a line is read as a message where the Python
reader skips it as `not_json`. (`kzcn validate` is the tool that rejects it.)
"""

from __future__ import annotations

import tempfile
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from kzcn.exposure._fast import FastChecks, FastPlan

if TYPE_CHECKING:
    from kzcn.exposure._read import ExtractPlan

__all__ = ["read_native"]

_TEXT = "VARCHAR"
_RAW = "JSON"
_PARTY = "STRUCT(state VARCHAR, authority VARCHAR)"
_NAME = "STRUCT(latin VARCHAR)"
_PLACE = f"STRUCT(country VARCHAR, region {_NAME}, locality {_NAME}, admin_code VARCHAR)"
#: The rows' envelope columns, as paths into the declared shape.
_ENVELOPE = {
    "sender_state": "sender.state",
    "sender_authority": "sender.authority",
    "recipient_state": "recipient.state",
    "recipient_authority": "recipient.authority",
}
#: The rows' person columns (`BASE_PERSON_PATHS`), as paths into the declared shape.
_PERSON = {
    "date_of_birth": "subject.date_of_birth",
    "sex": "subject.sex",
    "citizenship": "subject.citizenship",
    "ethnic_nationality": "subject.ethnic_nationality",
    "place_country": "subject.place_of_birth.country",
    "place_region": "subject.place_of_birth.region.latin",
    "place_locality": "subject.place_of_birth.locality.latin",
    "place_admin_code": "subject.place_of_birth.admin_code",
}
#: Bytes read per step while counting lines.
_COUNT_BYTES = 4 * 1024 * 1024


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _struct(fields: dict[str, str]) -> str:
    return "STRUCT(" + ", ".join(f"{_quote(k)} {t}" for k, t in fields.items()) + ")"


def _columns(checks: list[FastChecks]) -> dict[str, str]:
    """The declared shape: the rows' values, and every field some kind checks."""
    documents = {"document_type": _TEXT, "issuing_state": _TEXT, "number": _RAW}
    subject = {
        "date_of_birth": _TEXT,
        "sex": _TEXT,
        "citizenship": _TEXT,
        "ethnic_nationality": _TEXT,
        "place_of_birth": _PLACE,
    }
    message = {"kind": _TEXT, "sender": _PARTY, "recipient": _PARTY}
    children: dict[str, dict[str, str]] = {}
    items: dict[str, dict[str, str]] = {}
    for kind_checks in checks:
        documents.update((key, _RAW) for _, key in kind_checks.documents)
        subject.update((key, _RAW) for _, key in kind_checks.subject)
        for _, key, child in kind_checks.message:
            if child is None:
                message[key] = _RAW
            else:
                children.setdefault(key, {})[child] = _RAW
        for key, group in kind_checks.lists:
            items.setdefault(key, {}).update((child, _RAW) for _, child in group)
    subject["documents"] = _struct(documents) + "[]"
    message["subject"] = _struct(subject)
    message.update((key, _struct(fields)) for key, fields in children.items())
    message.update((key, _struct(fields) + "[]") for key, fields in items.items())
    return message


def _non_empty(expression: str) -> str:
    # JSON null arrives as SQL NULL, and DuckDB writes an empty list as `[]`.
    return f"({expression} IS NOT NULL AND {expression}::VARCHAR <> '[]')"


def _any_item(items: str, child: str) -> str:
    given = f"lambda x: x.{_quote(child)} IS NOT NULL"
    return f"coalesce(list_bool_or(list_transform({items}, {given})), false)"


def _bits(checks: FastChecks) -> str:
    """One kind's presence bits as a sum of SQL terms (the bits are distinct powers of 2)."""
    terms: list[tuple[int, str]] = []
    for bit, key, child in checks.message:
        path = _quote(key) if child is None else f"{_quote(key)}.{_quote(child)}"
        terms.append((bit, _non_empty(path)))
    for key, group in checks.lists:
        terms.extend((bit, _any_item(_quote(key), child)) for bit, child in group)
    terms.extend((bit, f"subject.{_quote(key)} IS NOT NULL") for bit, key in checks.subject)
    terms.extend((bit, _any_item("subject.documents", key)) for bit, key in checks.documents)
    if not terms:
        return "0"
    return " + ".join(f"(CASE WHEN {condition} THEN {bit} ELSE 0 END)" for bit, condition in terms)


def _query(path: Path, plan: ExtractPlan, fast: FastPlan) -> str:
    kinds = sorted(fast.checks)
    # CASE, not IN: DuckDB may turn a long IN list into a join, which loses the rows' order.
    person = " ".join(f"WHEN {_literal(k)} THEN true" for k in sorted(plan.person_kinds))
    columns = _columns([fast.checks[k] for k in kinds])
    spec = "{" + ", ".join(f"{_literal(k)}: {_literal(t)}" for k, t in columns.items()) + "}"
    bits = " ".join(f"WHEN {_literal(k)} THEN {_bits(fast.checks[k])}" for k in kinds)
    envelope = [f"{path} AS {name}" for name, path in _ENVELOPE.items()]
    values = [f"CASE WHEN has_subject THEN {path} END AS {name}" for name, path in _PERSON.items()]
    # Only a string number names a document, as in the Python reader.
    document_key = (
        "list_transform("
        "list_filter(subject.documents, lambda d: json_type(d.number) = 'VARCHAR'), "
        "lambda d: coalesce(d.issuing_state, 'None') || '|' || coalesce(d.document_type, 'None') "
        "|| '|' || (d.number ->> '$'))"
    )
    # Not an injection: names and kinds are the models' own, and every literal is quoted.
    return f"""
    SELECT
        kind, {", ".join(envelope)}, has_subject,
        CAST(CASE kind {bits} ELSE 0 END AS BIGINT) AS presence,
        {", ".join(values)},
        CASE WHEN has_subject THEN {document_key} END AS documents,
        has_subject AND subject IS NULL AS no_subject
    FROM (
        SELECT *, CASE kind {person} ELSE false END AS has_subject
        FROM read_json({_literal(str(path))}, format = 'newline_delimited',
                       records = true, columns = {spec})
    )
    """  # noqa: S608


def _count_lines(path: Path, result: list[int]) -> None:
    """Lines as the Python reader numbers them (the last may lack its newline).

    One reused buffer and numpy's vectorised compare: three times faster than
    `bytes.count` over fresh blocks, and it runs beside DuckDB's threads.
    """
    newline = ord("\n")
    count, last = 0, newline
    buffer = bytearray(_COUNT_BYTES)
    view, equal = np.frombuffer(buffer, np.uint8), np.empty(_COUNT_BYTES, np.bool_)
    with path.open("rb", buffering=0) as handle:
        while size := handle.readinto(buffer):
            np.equal(view[:size], newline, out=equal[:size])
            count += int(np.count_nonzero(equal[:size]))
            last = int(view[size - 1])
    result.append(count + (last != newline))


def _counted_in_background(path: Path) -> tuple[threading.Thread, list[int]]:
    result: list[int] = []
    thread = threading.Thread(target=_count_lines, args=(path, result), daemon=True)
    thread.start()
    return thread, result


def _rows(query: str, threads: int | None) -> pl.DataFrame:
    import duckdb  # noqa: PLC0415 - only this reader needs it (and its start-up time)

    with tempfile.TemporaryDirectory(prefix="kzcn-") as folder:
        target = Path(folder) / "rows.parquet"
        # Anything DuckDB might spill goes there too, not to `.tmp` in the working directory.
        config: dict[str, str | bool | int | float | list[str]] = {"temp_directory": folder}
        if threads is not None:
            config["threads"] = max(1, threads)
        with duckdb.connect(":memory:", config=config) as connection:
            connection.execute(
                f"COPY ({query}) TO {_literal(str(target))} "
                "(FORMAT parquet, COMPRESSION uncompressed)"
            )
        return pl.read_parquet(target)


def _maybe_containers(rows: pl.DataFrame) -> bool:
    """Whether a value might be an object or list, which DuckDB turns into its JSON text.

    The Python reader keeps no value there, so such a file is left to it. A
    string that merely starts with a bracket is declined too: rare, and safe.
    A number or boolean is the same text both ways.
    """
    texts = [*_ENVELOPE, *_PERSON]
    bracket = pl.any_horizontal(
        pl.col(texts).str.starts_with("{") | pl.col(texts).str.starts_with("[")
    ).fill_null(value=False)
    document = pl.col("documents").list.eval(pl.element().str.contains(r"[\[{]")).list.any()
    return bool(rows.select(bracket.any() | document.fill_null(value=False).any()).item())


def read_native(
    path: Path, plan: ExtractPlan, fast: FastPlan | None, threads: int | None = None
) -> tuple[pl.DataFrame, pl.DataFrame, int] | None:
    """Messages and documents of a JSONL file, and its line count; None to leave it to Python."""
    if fast is None or fast.extra:
        return None
    import duckdb  # noqa: PLC0415 - see `_rows`

    counter, lines = _counted_in_background(path)
    try:
        rows = _rows(_query(path, plan, fast), threads)
    except (duckdb.Error, OSError):  # OSError: no temporary directory to hand over in
        counter.join()
        return None
    counter.join()
    if (
        rows.height != lines[0]
        or not rows["kind"].is_in(list(fast.checks)).fill_null(value=False).all()
        or rows["no_subject"].any()
        or _maybe_containers(rows)
    ):
        return None
    rows = rows.with_row_index("line", offset=1).with_columns(pl.col("line").cast(pl.Int64))
    documents = (
        rows.select("line", pl.col("documents").alias("document"))
        .explode("document")
        .drop_nulls("document")
    )
    return rows.drop("documents", "no_subject"), documents, lines[0]
