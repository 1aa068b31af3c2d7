"""Wording and number formats shared by the reporters (one source for every format)."""

from __future__ import annotations

from kzcn.dictionary import labels
from kzcn.exposure.result import ExposureResult

__all__ = [
    "EXPLAIN",
    "TITLE",
    "count",
    "field_names",
    "kind_name",
    "metric_rows",
    "percent",
    "ratio",
    "skipped_text",
]

TITLE = "Privacy exposure report"

#: Plain-language explanations for workshop participants, keyed by section.
EXPLAIN = {
    "input": "How many lines were read, how many were messages of a known kind, and how "
    "many distinct people they are about.",
    "kinds": "Who sent what to whom: each row is one kind of message travelling from one "
    "authority to another.",
    "fields": "Which personal details cross the border, and for how many people in this "
    "dataset. A row with 0 people means the field exists in the schema but no message here "
    "filled it in.",
    "risk": "People are grouped by the details an outsider could already know about them "
    "(the quasi-identifiers). Everyone in a group looks the same on those details. A group "
    "of one means that person can be picked out of the dataset from those details alone.",
    "histogram": "How big the groups are. The tall bar on the left is the people who are "
    "alone in their group; the further right, the safer.",
    "diversity": "Even in a large group, if everyone shares the same sensitive value, "
    "knowing someone is in the group reveals that value. l counts how many different "
    "values the least varied group holds; entropy l is the same idea weighted by how "
    "evenly the values are spread (1 means no variety at all).",
    "subsets": "Which combinations of details single people out. Each bar is the share of "
    "people who are the only one with their values on those fields.",
    "ladder": "What coarsening does: birth date kept in full, as month, as year, or as a "
    "5-year band, and birthplace as locality, region or country. Lower is safer.",
}

_METRIC_TEXT = (
    ("records", "People measured (one row per distinct person)."),
    ("classes", "Groups of people who share every quasi-identifier value."),
    ("k", "Size of the smallest group (k-anonymity: everyone hides among at least k)."),
    ("sample_uniqueness", "Share of people alone in their group."),
    ("prosecutor_highest", "Highest re-identification risk, 1/k (ARX prosecutor model)."),
    ("records_at_risk", "Share of people whose risk 1/(group size) is above the threshold."),
    ("prosecutor_average", "Average risk: groups / people (ARX success rate)."),
    ("marketer", "Expected share re-identified by linking everyone (ARX marketer model)."),
)


def percent(value: float) -> str:
    """A share as a percentage with two decimals."""
    return f"{value * 100:.2f}%"


def ratio(value: float) -> str:
    """A risk or ratio with four decimals."""
    return f"{value:.4f}"


def count(value: int | None) -> str:
    """A count with thousands separators (a dash for none)."""
    return "-" if value is None else f"{value:,}"


def kind_name(kind: str) -> str:
    """The English name of a message kind."""
    return labels("en").kind(kind)


def field_names(fields: tuple[str, ...]) -> str:
    """Subset fields joined for display."""
    return " + ".join(fields)


def skipped_text(result: ExposureResult) -> str:
    """`3 not_json, 1 unknown_kind`, or `none`."""
    skipped = result.input.skipped
    return ", ".join(f"{n:,} {reason}" for reason, n in skipped.items()) or "none"


def metric_rows(result: ExposureResult) -> list[tuple[str, str, str]]:
    """(metric, value, explanation) for the main QI set."""
    risk = result.risk
    values = {
        "records": count(risk.records),
        "classes": count(risk.classes),
        "k": count(risk.k),
        "sample_uniqueness": f"{percent(risk.sample_uniqueness)} ({count(risk.unique_records)})",
        "prosecutor_highest": ratio(risk.prosecutor_highest),
        "records_at_risk": f"{percent(risk.records_at_risk)} ({count(risk.records_at_risk_count)})",
        "prosecutor_average": ratio(risk.prosecutor_average),
        "marketer": ratio(risk.marketer),
    }
    rows = [(name, values[name], text) for name, text in _METRIC_TEXT]
    rows[5] = (
        f"records_at_risk (τ = {result.settings.threshold:g})",
        rows[5][1],
        rows[5][2],
    )
    return rows
