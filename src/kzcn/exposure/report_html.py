"""The HTML report: one self-contained page, inline CSS and inline SVG charts.

Nothing is fetched: no scripts, fonts, images or style sheets from anywhere,
so the page opens offline and leaks nothing about who opened it. Every chart
is an `<svg>` with an id (`chart-histogram`, `chart-subsets`, `chart-ladder`)
and a text alternative, so the browser test can find it.
"""

from __future__ import annotations

from html import escape

from kzcn.exposure._format import (
    EXPLAIN,
    TITLE,
    count,
    field_names,
    kind_name,
    metric_rows,
    percent,
    skipped_text,
)
from kzcn.exposure.result import ExposureResult

__all__ = ["render_html"]

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem auto;
max-width:60rem;padding:0 1rem;color:#1b1f24;line-height:1.45}
h1{font-size:1.6rem}h2{font-size:1.25rem;margin-top:2.2rem;border-bottom:1px solid #d0d7de}
table{border-collapse:collapse;margin:.6rem 0 1rem;font-size:.9rem}
th,td{border:1px solid #d0d7de;padding:.25rem .5rem;text-align:left;vertical-align:top}
td.n{text-align:right;font-variant-numeric:tabular-nums}
.explain{background:#f6f8fa;border-left:4px solid #54aeff;padding:.5rem .8rem}
.headline{font-size:1.15rem;background:#fff8c5;padding:.6rem .8rem;border-radius:6px}
svg text{font-family:inherit;font-size:12px;fill:#1b1f24}
code{background:#f6f8fa;padding:0 .2rem}
"""


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _table(head: list[str], rows: list[list[str]], numeric: set[int] | None = None) -> str:
    numeric = numeric or set()
    header = "".join(f"<th>{_e(h)}</th>" for h in head)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="n">{_e(c)}</td>' if i in numeric else f"<td>{_e(c)}</td>"
            for i, c in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{header}</tr></thead><tbody>{body}</tbody></table>"


def _explain(key: str) -> str:
    return f'<p class="explain">{_e(EXPLAIN[key])}</p>'


def _svg(chart_id: str, width: int, height: int, title: str, body: str) -> str:
    return (
        f'<svg id="{chart_id}" xmlns="http://www.w3.org/2000/svg" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="{chart_id}-title"><title id="{chart_id}-title">{_e(title)}</title>'
        f"{body}</svg>"
    )


def _histogram_chart(result: ExposureResult) -> str:
    bins = result.risk.histogram
    total = result.risk.records or 1
    width, height, left, bottom, top = 640, 260, 50, 40, 20
    slot = (width - left - 10) / len(bins)
    plot = height - bottom - top
    parts = [
        (
            f'<line x1="{left}" y1="{height - bottom}" x2="{width - 10}" y2="{height - bottom}" '
            'stroke="#57606a"/>'
        )
    ]
    for index, b in enumerate(bins):
        share = b.records / total
        bar = plot * share
        x = left + index * slot + 4
        y = height - bottom - bar
        colour = "#cf222e" if b.low == 1 else ("#bf8700" if b.low < 5 else "#1a7f37")
        parts.append(
            f'<rect class="bar" x="{x:.1f}" y="{y:.1f}" width="{slot - 8:.1f}" '
            f'height="{bar:.1f}" fill="{colour}"><title>{_e(b.label)}: {count(b.records)} '
            f"people in {count(b.classes)} classes</title></rect>"
        )
        parts.append(
            f'<text x="{x + (slot - 8) / 2:.1f}" y="{height - bottom + 16}" '
            f'text-anchor="middle">{_e(b.label)}</text>'
        )
        parts.append(
            f'<text x="{x + (slot - 8) / 2:.1f}" y="{max(y - 4, 12):.1f}" '
            f'text-anchor="middle">{percent(share)}</text>'
        )
    parts.append(
        f'<text x="{width / 2}" y="{height - 6}" text-anchor="middle">class size '
        "(people sharing the same quasi-identifier values)</text>"
    )
    return _svg("chart-histogram", width, height, "Share of people by class size", "".join(parts))


def _subsets_chart(result: ExposureResult) -> str:
    rows = result.subsets
    # About 7 px per character of a 12 px label, so the longest one fits.
    longest = max((len(field_names(row.fields)) for row in rows), default=10)
    label_width, bar_width, row_height = 7 * longest + 12, 280, 18
    width = label_width + bar_width + 70
    height = row_height * len(rows) + 30
    parts = []
    for index, row in enumerate(rows):
        y = 10 + index * row_height
        length = bar_width * row.sample_uniqueness
        parts.append(
            f'<text x="{label_width - 6}" y="{y + 12}" text-anchor="end">'
            f"{_e(field_names(row.fields))}</text>"
        )
        parts.append(
            f'<rect class="bar" x="{label_width}" y="{y + 2}" width="{length:.1f}" '
            f'height="{row_height - 5}" fill="#8250df"><title>{_e(field_names(row.fields))}: '
            f"{percent(row.sample_uniqueness)} unique</title></rect>"
        )
        parts.append(
            f'<text x="{label_width + length + 4:.1f}" y="{y + 12}">'
            f"{percent(row.sample_uniqueness)}</text>"
        )
    return _svg(
        "chart-subsets",
        width,
        height,
        "Share of people unique on each field subset",
        "".join(parts),
    )


def _ladder_chart(result: ExposureResult) -> str:
    dates = list(dict.fromkeys(row.date_level for row in result.ladder))
    places = list(dict.fromkeys(row.place_level for row in result.ladder))
    cell_w, cell_h, left, top = 130, 44, 180, 30
    width, height = left + cell_w * len(places) + 10, top + cell_h * len(dates) + 10
    parts = [
        f'<text x="{left + i * cell_w + cell_w / 2}" y="{top - 10}" text-anchor="middle">'
        f"birthplace: {_e(place)}</text>"
        for i, place in enumerate(places)
    ]
    for row in result.ladder:
        x = left + places.index(row.place_level) * cell_w
        y = top + dates.index(row.date_level) * cell_h
        # Red for many uniques fading to white for none.
        shade = int(255 - 200 * row.sample_uniqueness)
        parts.append(
            f'<rect class="cell" x="{x}" y="{y}" width="{cell_w - 4}" height="{cell_h - 4}" '
            f'fill="rgb(255,{shade},{shade})" stroke="#d0d7de"><title>birth date '
            f"{_e(row.date_level)}, birthplace {_e(row.place_level)}: "
            f"{percent(row.sample_uniqueness)} unique, k = {count(row.k)}</title></rect>"
        )
        parts.append(
            f'<text x="{x + (cell_w - 4) / 2}" y="{y + 18}" text-anchor="middle">'
            f"{percent(row.sample_uniqueness)}</text>"
            f'<text x="{x + (cell_w - 4) / 2}" y="{y + 33}" text-anchor="middle">'
            f"k = {count(row.k)}</text>"
        )
    parts += [
        f'<text x="{left - 8}" y="{top + i * cell_h + cell_h / 2 + 2}" text-anchor="end">'
        f"birth date: {_e(date)}</text>"
        for i, date in enumerate(dates)
    ]
    return _svg(
        "chart-ladder", width, height, "Uniqueness as details are coarsened", "".join(parts)
    )


def _headline(result: ExposureResult) -> str:
    risk = result.risk
    qi = ", ".join(result.settings.qi)
    if risk.records == 0:
        return '<p class="headline">No people in this dataset.</p>'
    return (
        f'<p class="headline">{percent(risk.sample_uniqueness)} of the {count(risk.records)} '
        f"people can be singled out by {_e(qi)} alone; the smallest group has {count(risk.k)} "
        f"{'person' if risk.k == 1 else 'people'}.</p>"
    )


def _sections(result: ExposureResult) -> list[str]:
    summary = result.input
    diversity = result.diversity
    entropy = "-" if diversity.entropy_l is None else f"{diversity.entropy_l:.4f}"
    kinds = [
        [kind_name(r.kind), f"{r.sender_authority} → {r.recipient_authority}", count(r.messages)]
        for r in result.kind_flows
    ]
    fields = [
        [r.path, str(r.role), ", ".join(r.categories), count(r.messages), count(r.people)]
        for r in result.field_flows
    ]
    ladder = [
        [r.date_level, r.place_level, percent(r.sample_uniqueness), count(r.k), count(r.classes)]
        for r in result.ladder
    ]
    return [
        "<h2>What was read</h2>",
        _explain("input"),
        _table(
            ["", ""],
            [
                ["source", summary.source],
                ["messages analysed", count(summary.messages)],
                ["skipped", skipped_text(result)],
                ["distinct persons", count(summary.persons)],
                ["messages without a person", count(summary.messages_without_subject)],
            ],
        ),
        "<h2>Messages per kind and direction</h2>",
        _explain("kinds"),
        _table(["kind", "authority → authority", "messages"], kinds, {2}),
        "<h2>Personal fields that cross the border</h2>",
        _explain("fields"),
        _table(["field", "role", "legal categories", "messages", "people"], fields, {3, 4}),
        "<h2>Re-identification risk</h2>",
        _explain("risk"),
        _table(["metric", "value", "meaning"], [list(r) for r in metric_rows(result)], {1}),
        "<h3>Class sizes</h3>",
        _explain("histogram"),
        _histogram_chart(result),
        f"<h3>l-diversity of <code>{_e(diversity.sensitive)}</code></h3>",
        _explain("diversity"),
        _table(
            ["distinct l", "entropy l", "classes with one value", "people in them"],
            [
                [
                    count(diversity.distinct_l),
                    entropy,
                    count(diversity.classes_homogeneous),
                    count(diversity.records_homogeneous),
                ]
            ],
            {0, 1, 2, 3},
        ),
        f"<h2>Which fields identify (subsets of up to {result.settings.max_subset})</h2>",
        _explain("subsets"),
        _subsets_chart(result),
        "<h2>Generalisation ladder</h2>",
        _explain("ladder"),
        _ladder_chart(result),
        _table(["birth date", "birthplace", "unique", "k", "classes"], ladder, {2, 3, 4}),
        "<h2>How the numbers were made</h2>",
        "<ul>"
        + "".join(
            f"<li><code>{_e(p)}</code>: {_e(k)}</li>" for p, k in result.settings.keys.items()
        )
        + "".join(f"<li>{_e(note)}</li>" for note in result.settings.notes)
        + "</ul>",
    ]


def render_html(result: ExposureResult) -> str:
    """The whole page as one string (UTF-8, no external resources)."""
    body = "\n".join([f"<h1>{TITLE}</h1>", _headline(result), *_sections(result)])
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        # A CSP that forbids every fetch: the page must work from the file alone.
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'; img-src data:\">"
        f"<title>{TITLE}</title><style>{_CSS}</style></head>\n<body>\n{body}\n</body></html>\n"
    )
