"""The HTML report: one self-contained page, inline CSS, charts drawn in HTML.

Nothing is fetched: no fonts, images or style sheets from anywhere, and the
Content-Security-Policy forbids every request, so the page opens offline and
leaks nothing about who opened it. The only script is the explorer's (see
`kzcn.exposure.explorer`), allowed by its hash.

The charts are plain HTML (bars are boxes sized in percent), so they reflow
on a phone instead of being cut off, print as they look, and hold their
numbers as text; each has an `id` (`chart-histogram`, `chart-subsets`,
`chart-ladder`), a label naming every value for screen readers, and the same
numbers as a table. Colours are from the Okabe-Ito palette, which readers
with any common colour-vision deficiency can tell apart, and every colour is
repeated by a number.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import TYPE_CHECKING

from kzcn.authorities import Language
from kzcn.exposure._format import (
    Cell,
    Section,
    Words,
    headline,
    linkage_sentence,
    sections,
    words,
)
from kzcn.exposure.linkage import LinkageResult
from kzcn.exposure.result import ExposureResult

if TYPE_CHECKING:
    from kzcn.exposure.explorer import Explorer

__all__ = ["CSS", "e", "render_html"]

#: Okabe-Ito: vermillion for people alone, orange for groups of 2-4, blue beyond.
_ALONE, _FEW, _SAFE = "#D55E00", "#E69F00", "#0072B2"

CSS = f"""
*,*::before,*::after{{box-sizing:border-box}}
html{{-webkit-text-size-adjust:100%}}
body{{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","PingFang SC",
"Microsoft YaHei",sans-serif;margin:0 auto;max-width:62rem;padding:1rem;color:#1b1f24;
line-height:1.5;overflow-wrap:break-word}}
h1{{font-size:1.7rem;line-height:1.2}}h2{{font-size:1.3rem;margin-top:2.4rem;
border-bottom:1px solid #d0d7de}}h3{{font-size:1.1rem;margin-top:1.6rem}}
p.intro{{color:#424a53}}
.headline{{font-size:1.15rem;background:#fff8c5;padding:.7rem .9rem;border-radius:6px;
border-left:6px solid {_ALONE}}}
.explain{{background:#f6f8fa;border-left:4px solid {_SAFE};padding:.5rem .8rem}}
code{{background:#f6f8fa;padding:0 .2rem;overflow-wrap:anywhere;font-size:.85em}}
small code{{color:#57606a}}
table{{border-collapse:collapse;margin:.6rem 0 1rem;font-size:.92rem;max-width:100%}}
th,td{{border:1px solid #d0d7de;padding:.3rem .5rem;text-align:left;vertical-align:top}}
td.n{{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}}
dl.facts{{display:grid;grid-template-columns:minmax(0,auto) minmax(0,1fr);gap:.2rem 1rem}}
dl.facts dt{{font-weight:600}}dl.facts dd{{margin:0}}
dl.gloss dt{{font-weight:600;margin-top:.5rem}}dl.gloss dd{{margin-left:1rem}}
figure{{margin:1rem 0}}figcaption{{font-weight:600;margin-bottom:.4rem}}
.vbars{{display:flex;align-items:flex-end;gap:.3rem;height:14rem;
border-bottom:1px solid #57606a;padding-top:1.4rem}}
.vbars .col{{flex:1 1 0;min-width:0;height:100%;display:flex;flex-direction:column;
justify-content:flex-end;align-items:stretch;text-align:center;font-size:.75rem}}
.vbars .bar{{display:block;min-height:1px}}
.vlabels{{display:flex;gap:.3rem;font-size:.75rem;text-align:center}}
.vlabels span{{flex:1 1 0;min-width:0}}
.axis{{text-align:center;font-size:.8rem;color:#57606a}}
.hbars .row{{display:grid;grid-template-columns:minmax(0,18rem) minmax(0,1fr) 4.6rem;
gap:.1rem .5rem;align-items:center;margin:.15rem 0;font-size:.85rem}}
.hbars .track{{background:#eaeef2;height:.9rem}}
.hbars .bar{{display:block;height:100%;background:{_ALONE}}}
.hbars .val{{text-align:right;font-variant-numeric:tabular-nums}}
.b-alone{{background:{_ALONE}}}.b-few{{background:{_FEW}}}.b-safe{{background:{_SAFE}}}
.key span{{display:inline-block;width:.9em;height:.9em;vertical-align:-.1em;margin:0 .2em 0 .8em}}
table.heat td.cell{{text-align:center;font-variant-numeric:tabular-nums;min-width:4.5rem}}
details{{margin:.4rem 0 1rem}}
.explorer{{border:2px solid {_SAFE};border-radius:8px;padding:0 1rem 1rem;margin-top:2.4rem}}
.controls{{display:flex;flex-wrap:wrap;gap:.6rem}}
.control{{border:1px solid #d0d7de;border-radius:6px;margin:0;padding:.3rem .6rem;min-width:0}}
.control legend{{font-weight:600;padding:0 .2rem}}
.control.single{{border-color:transparent;padding-bottom:0}}
.levels{{display:flex;flex-wrap:wrap;gap:.2rem .8rem}}
.levels label,.qi{{white-space:nowrap;cursor:pointer}}
input{{width:1.1rem;height:1.1rem;vertical-align:-.15rem}}
.cards{{display:grid;grid-template-columns:repeat(auto-fit,minmax(12rem,1fr));gap:.6rem;
margin:1rem 0}}
.card{{background:#f6f8fa;border-radius:6px;padding:.5rem .7rem}}
.card .name{{font-weight:600}}
.card output{{display:block;font-size:1.6rem;font-variant-numeric:tabular-nums}}
.card .meaning{{font-size:.85rem;color:#424a53}}
.holds{{font-size:.9rem;color:#424a53}}summary{{cursor:pointer;color:{_SAFE}}}
@media (max-width:40rem){{
body{{padding:.6rem}}h1{{font-size:1.4rem}}
.hbars .row{{grid-template-columns:minmax(0,1fr) 4.2rem}}
.hbars .lbl{{grid-column:1/-1}}
table.stack,table.stack tbody,table.stack tr,table.stack td{{display:block;width:100%}}
table.stack thead{{display:block;position:absolute;width:1px;height:1px;overflow:hidden;
clip-path:inset(50%);white-space:nowrap}}
table.heat{{width:100%;table-layout:fixed;font-size:.85rem}}table.heat td.cell{{min-width:0}}
table.heat th,table.heat td{{padding:.3rem .2rem}}
table.stack tr{{border:1px solid #d0d7de;margin:0 0 .5rem;padding:.2rem .4rem}}
table.stack td{{border:0;padding:.15rem 0;display:flex;justify-content:space-between;gap:.8rem;
text-align:left;white-space:normal}}
table.stack td::before{{content:attr(data-label);font-weight:600;color:#424a53;flex:0 0 40%}}
table.stack td>*:first-child{{text-align:right}}
dl.facts{{grid-template-columns:minmax(0,1fr)}}dl.facts dd{{margin:0 0 .4rem}}
}}
@page{{size:A4;margin:14mm}}
@media print{{
body{{max-width:none;padding:0;font-size:10pt;color:#000}}
*{{-webkit-print-color-adjust:exact;print-color-adjust:exact}}
h2,h3,figcaption{{break-after:avoid}}
figure,tr,dl,.headline{{break-inside:avoid}}
.explorer,summary,.noprint{{display:none}}
.headline{{background:none;border:1px solid #000}}
}}
"""


def e(text: object) -> str:
    """Escaped for HTML text and attribute values."""
    return escape(str(text), quote=True)


def _cell_html(cell: Cell) -> str:
    parts = [e(cell.text)] if cell.text else []
    if cell.code is not None:
        code = f"<code>{e(cell.code)}</code>"
        parts.append(f"<br><small>{code}</small>" if cell.text else code)
    return "".join(parts)


def _table(section: Section, extra_class: str = "") -> str:
    head = "".join(f'<th scope="col">{e(h)}</th>' for h in section.head)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td data-label="{e(label)}"{" class=n" if cell.numeric else ""}>'
            f"<span>{_cell_html(cell)}</span></td>"
            for label, cell in zip(section.head, row, strict=True)
        )
        + "</tr>"
        for row in section.rows
    )
    return (
        f'<table class="stack {extra_class}"><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table>"
    )


def _pairs(section: Section, css: str) -> str:
    """A headless two-column section as a definition list (reads well on any width)."""
    items = "".join(
        f"<dt>{_cell_html(row[0])}</dt><dd>{''.join(_cell_html(c) for c in row[1:])}</dd>"
        for row in section.rows
    )
    return f'<dl class="{css}">{items}</dl>'


def _heading(section: Section) -> str:
    level = section.level
    return f'<h{level} id="{e(section.key)}">{e(section.title)}</h{level}>'


def _explain(section: Section) -> str:
    return f'<p class="explain">{e(section.explain)}</p>' if section.explain else ""


def _details(w: Words, inner: str) -> str:
    return f"<details><summary>{e(w.t('chart.table'))}</summary>{inner}</details>"


def _bin_class(low: int) -> str:
    if low == 1:
        return "b-alone"
    return "b-few" if low < 5 else "b-safe"


def _histogram_chart(result: ExposureResult, w: Words) -> str:
    bins = result.risk.histogram
    total = result.risk.records or 1
    shares = [b.records / total for b in bins]
    top = max(shares, default=0.0) or 1.0
    cols = "".join(
        f'<div class="col"><span class="val">{e(w.percent(share))}</span>'
        f'<span class="bar {_bin_class(b.low)}" style="height:{80 * share / top:.2f}%">'
        "</span></div>"
        for b, share in zip(bins, shares, strict=True)
    )
    labels = "".join(f"<span>{e(b.label)}</span>" for b in bins)
    spoken = w.t("list_separator").join(
        f"{b.label}: {w.percent(share)}" for b, share in zip(bins, shares, strict=True)
    )
    title = w.t("chart.histogram")
    return (
        '<figure id="chart-histogram" class="chart" role="img" '
        f'aria-label="{e(title)}. {e(spoken)}">'
        f'<figcaption>{e(title)}</figcaption><div class="vbars">{cols}</div>'
        f'<div class="vlabels">{labels}</div><div class="axis">{e(w.t("col.size"))}</div>'
        "</figure>"
    )


def _subsets_chart(result: ExposureResult, w: Words) -> str:
    rows = "".join(
        f'<div class="row"><span class="lbl">{e(w.fields(row.fields))}</span>'
        f'<span class="track"><span class="bar" style="width:{100 * row.sample_uniqueness:.2f}%">'
        f'</span></span><span class="val">{e(w.percent(row.sample_uniqueness))}</span></div>'
        for row in result.subsets
    )
    spoken = w.t("list_separator").join(
        f"{w.fields(row.fields)}: {w.percent(row.sample_uniqueness)}" for row in result.subsets
    )
    title = w.t("chart.subsets")
    return (
        f'<figure id="chart-subsets" class="chart hbars" role="img" '
        f'aria-label="{e(title)}. {e(spoken)}"><figcaption>{e(title)}</figcaption>{rows}</figure>'
    )


def _heat(share: float) -> str:
    """White for nobody alone, the Okabe-Ito vermillion for everybody (one hue, any vision)."""
    red, green, blue = (round(255 - (255 - c) * share) for c in (0xD5, 0x5E, 0x00))
    return f"#{red:02x}{green:02x}{blue:02x}"


def _ladder_chart(result: ExposureResult, w: Words) -> str:
    dates = list(dict.fromkeys(row.date_level for row in result.ladder))
    places = list(dict.fromkeys(row.place_level for row in result.ladder))
    cells = {(row.date_level, row.place_level): row for row in result.ladder}
    head = "".join(f'<th scope="col">{e(w.level(p))}</th>' for p in places)
    body = "".join(
        f'<tr><th scope="row">{e(w.level(d))}</th>'
        + "".join(
            f'<td class="cell" style="background:{_heat(cells[d, p].sample_uniqueness)}">'
            f"{e(w.percent(cells[d, p].sample_uniqueness))}</td>"
            for p in places
        )
        + "</tr>"
        for d in dates
    )
    corner = f"{w.t('col.date')} ↓ {w.t('col.place')} →"
    return (
        f'<figure class="chart"><figcaption>{e(w.t("chart.ladder"))}</figcaption>'
        f'<table id="chart-ladder" class="heat"><thead><tr><th scope="col">{e(corner)}</th>'
        f"{head}</tr></thead><tbody>{body}</tbody></table></figure>"
    )


def _key(w: Words) -> str:
    return (
        '<p class="key" aria-hidden="true">'
        f'<span class="b-alone"></span>1<span class="b-few"></span>2-4'
        f'<span class="b-safe"></span>5+ ({e(w.t("col.size"))})</p>'
    )


def _section_html(section: Section, result: ExposureResult, w: Words) -> list[str]:
    parts = [_heading(section), _explain(section)]
    if section.key == "read":
        parts.append(_pairs(section, "facts"))
    elif section.key.startswith("glossary"):
        parts.append(_pairs(section, "gloss"))
    elif section.key == "histogram":
        parts += [_histogram_chart(result, w), _key(w), _table(section)]
    elif section.key == "subsets":
        parts += [_subsets_chart(result, w), _details(w, _table(section))]
    elif section.key == "ladder":
        parts += [_ladder_chart(result, w), _details(w, _table(section))]
    elif section.rows:
        parts.append(_table(section))
    if section.key == "linkage":
        parts += [f'<p class="headline">{e(n)}</p>' for n in section.notes]
    elif section.notes:
        parts.append("<ul>" + "".join(f"<li>{e(n)}</li>" for n in section.notes) + "</ul>")
    return parts


def _page(lang: Language, title: str, body: Sequence[str], script_hashes: Sequence[str]) -> str:
    scripts = " ".join(f"'sha256-{h}'" for h in script_hashes)
    policy = "default-src 'none'; style-src 'unsafe-inline'; img-src data:" + (
        f"; script-src {scripts}" if scripts else ""
    )
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{e(lang)}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        # A CSP that forbids every fetch: the page must work from the file alone.
        # Constants and base64 hashes only: nothing to escape.
        f'<meta http-equiv="Content-Security-Policy" content="{policy}">'
        f"<title>{e(title)}</title><style>{CSS}</style></head>\n<body>\n"
        + "\n".join(body)
        + "\n</body></html>\n"
    )


def render_html(
    result: ExposureResult,
    lang: Language = "en",
    explorer: Explorer | None = None,
    linkage: LinkageResult | None = None,
) -> str:
    """The whole page in `lang` as one string (UTF-8, no external resources).

    `explorer` (from `kzcn.exposure.explorer.build_explorer`) adds the
    interactive section; without it the page has no script at all.
    `linkage` (`kzcn.exposure.linkage.compute_linkage`) adds the linkage
    lesson, its result in one sentence under the headline.
    """
    w = words(lang)
    body = [
        f"<header><h1>{e(w.t('title'))}</h1>",
        f'<p class="intro">{e(w.t("intro"))}</p>',
        f'<p class="headline">{e(headline(result, w))}</p>',
        *(
            [f'<p class="headline" id="linkage-headline">{e(linkage_sentence(linkage, w))}</p>']
            if linkage is not None
            else []
        ),
        "</header><main>",
    ]
    hashes: list[str] = []
    for section in sections(result, w, linkage):
        body += _section_html(section, result, w)
        if section.key == "ladder" and explorer is not None:
            html, script_hash = explorer.html(w)
            body.append(html)
            hashes += [script_hash] if script_hash else []
    body.append("</main>")
    return _page(lang, w.t("title"), body, hashes)
