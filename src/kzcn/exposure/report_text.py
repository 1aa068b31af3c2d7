"""Markdown and JSON reports: pure functions from a result to a string."""

from __future__ import annotations

import orjson

from kzcn.exposure._format import (
    EXPLAIN,
    TITLE,
    count,
    field_names,
    kind_name,
    metric_rows,
    percent,
    ratio,
    skipped_text,
)
from kzcn.exposure.result import ExposureResult

__all__ = ["render_json", "render_markdown"]


def render_json(result: ExposureResult) -> str:
    """The JSON report (`ExposureResult.to_dict`), indented, with a trailing newline."""
    return orjson.dumps(result.to_dict(), option=orjson.OPT_INDENT_2).decode() + "\n"


def _table(head: list[str], rows: list[list[str]]) -> list[str]:
    def cells(row: list[str]) -> str:
        return "| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |"

    return [cells(head), "|" + "---|" * len(head), *(cells(row) for row in rows), ""]


def _input(result: ExposureResult) -> list[str]:
    summary = result.input
    rows = [
        ["source", summary.source],
        [f"{summary.positions}s read", count(summary.lines)],
        ["messages analysed", count(summary.messages)],
        ["skipped", skipped_text(result)],
        ["messages with a person", count(summary.messages_with_subject)],
        ["messages without a person", count(summary.messages_without_subject)],
        ["distinct persons", count(summary.persons)],
    ]
    return ["## What was read", "", EXPLAIN["input"], "", *_table(["", ""], rows)]


def _flows(result: ExposureResult) -> list[str]:
    kinds = [
        [
            kind_name(row.kind),
            f"{row.sender_authority} → {row.recipient_authority}",
            count(row.messages),
        ]
        for row in result.kind_flows
    ]
    fields = [
        [
            f"`{row.path}`",
            str(row.role),
            ", ".join(row.categories),
            count(row.messages),
            count(row.people),
        ]
        for row in result.field_flows
    ]
    return [
        "## Messages per kind and direction",
        "",
        EXPLAIN["kinds"],
        "",
        *_table(["kind", "authority → authority", "messages"], kinds),
        "## Personal fields that cross the border",
        "",
        EXPLAIN["fields"],
        "",
        *_table(["field", "role", "legal categories", "messages", "people"], fields),
    ]


def _risk(result: ExposureResult) -> list[str]:
    qi = ", ".join(f"`{q}`" for q in result.settings.qi)
    histogram = [
        [
            b.label,
            count(b.classes),
            count(b.records),
            percent(b.records / result.risk.records) if result.risk.records else "-",
        ]
        for b in result.risk.histogram
    ]
    diversity = result.diversity
    entropy = "-" if diversity.entropy_l is None else f"{diversity.entropy_l:.4f}"
    return [
        "## Re-identification risk",
        "",
        f"Quasi-identifiers: {qi}.",
        "",
        EXPLAIN["risk"],
        "",
        *_table(["metric", "value", "meaning"], [list(row) for row in metric_rows(result)]),
        "### Class sizes",
        "",
        EXPLAIN["histogram"],
        "",
        *_table(["class size", "classes", "people", "share of people"], histogram),
        f"### l-diversity of `{diversity.sensitive}`",
        "",
        EXPLAIN["diversity"],
        "",
        *_table(
            ["distinct l", "entropy l", "classes with one value", "people in them"],
            [
                [
                    count(diversity.distinct_l),
                    entropy,
                    count(diversity.classes_homogeneous),
                    count(diversity.records_homogeneous),
                ]
            ],
        ),
    ]


def _subsets(result: ExposureResult) -> list[str]:
    rows = [
        [
            field_names(row.fields),
            percent(row.sample_uniqueness),
            count(row.unique_records),
            count(row.classes),
            count(row.k),
            percent(row.records_at_risk),
        ]
        for row in result.subsets
    ]
    return [
        f"## Which fields identify (subsets of up to {result.settings.max_subset})",
        "",
        EXPLAIN["subsets"],
        "",
        *_table(["fields", "unique", "unique people", "classes", "k", "at risk"], rows),
    ]


def _ladder(result: ExposureResult) -> list[str]:
    rows = [
        [
            row.date_level,
            row.place_level,
            percent(row.sample_uniqueness),
            count(row.k),
            count(row.classes),
            percent(row.records_at_risk),
        ]
        for row in result.ladder
    ]
    return [
        "## Generalisation ladder",
        "",
        EXPLAIN["ladder"],
        "",
        *_table(["birth date", "birthplace", "unique", "k", "classes", "at risk"], rows),
    ]


def render_markdown(result: ExposureResult) -> str:
    """The Markdown report: the same numbers as the JSON, in tables with explanations."""
    settings = result.settings
    keys = [f"- `{path}`: {key}" for path, key in settings.keys.items()]
    lines = [
        f"# {TITLE}",
        "",
        (
            f"Sensitive attribute `{settings.sensitive}`; threshold τ = {settings.threshold:g}; "
            f"prosecutor highest risk {ratio(result.risk.prosecutor_highest)}."
        ),
        "",
        *_input(result),
        *_flows(result),
        *_risk(result),
        *_subsets(result),
        *_ladder(result),
        "## How the numbers were made",
        "",
        *keys,
        *(f"- {note}" for note in settings.notes),
        "",
    ]
    return "\n".join(lines)
