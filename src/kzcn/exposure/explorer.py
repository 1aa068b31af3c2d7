"""The explorer: "what if we only kept the birth year?" answered inside the page.

The page embeds, per person, one small integer per quasi-identifier and
level: the code the report's engine gives that value (`CodedColumns`: a rank
of a 64-bit hash, so a code says nothing about the value's order or size),
and the sensitive attribute's code. No value is embedded: two people share a
code exactly when they share the value at that level, which is all that
grouping needs, and all that the page reveals beyond its numbers. The rows
are sorted by their codes, so their order says nothing about the input's.

The page's script (`kzcn/data/explorer.js`) combines the ticked columns into
class keys, counts them, and shows the share of people alone, k, the number
of classes, the class-size histogram and distinct l-diversity: the same
formulas as `kzcn.exposure._engine`, so its numbers equal the report's
(`tests/test_explorer_browser.py` checks them in Chromium).
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from itertools import pairwise
from typing import TYPE_CHECKING

import numpy as np
import orjson
import polars as pl

from kzcn.exposure._engine import HISTOGRAM_EDGES, CodedColumns
from kzcn.exposure._qi import DATE_LEVELS, PLACE_LEVELS, date_expr, place_expr, resolve
from kzcn.exposure.report_html import e
from kzcn.exposure.result import ExposureResult

if TYPE_CHECKING:
    from kzcn.exposure._format import Words

__all__ = ["EXPLORER_MAX_PEOPLE", "QI_CONTROLS", "Explorer", "build_explorer", "explorer_for"]

#: Above this many people the explorer is off: the page would pass ten
#: megabytes, too much to open on a phone, and an update would pass 200 ms on
#: a slow one (`tests/benchmarks/bench_explorer.py` measures 100,000).
EXPLORER_MAX_PEOPLE = 200_000

#: The quasi-identifiers a participant can tick, and the levels of each
#: (`value` for a field kept as it is).
QI_CONTROLS: dict[str, tuple[str, ...]] = {
    "date_of_birth": DATE_LEVELS,
    "sex": ("value",),
    "place_of_birth": PLACE_LEVELS,
    "citizenship": ("value",),
    "ethnic_nationality": ("value",),
}
_PLACE_PATH_LEVEL = {
    "place_of_birth.locality": "locality",
    "place_of_birth.region": "region",
    "place_of_birth.country": "country",
}


def _level_expr(qi: str, level: str) -> pl.Expr:
    if qi == "date_of_birth":
        return date_expr(level)
    if qi == "place_of_birth":
        return place_expr(level)
    return pl.col(qi)


def _initial(qi_paths: tuple[str, ...]) -> dict[str, str]:
    """The report's QI set as explorer choices (QI → level)."""
    chosen: dict[str, str] = {}
    for path in qi_paths:
        if path == "date_of_birth":
            chosen[path] = "full"
        elif path in _PLACE_PATH_LEVEL:
            chosen["place_of_birth"] = _PLACE_PATH_LEVEL[path]
        elif path in QI_CONTROLS:
            chosen[path] = "value"
    return chosen


def _packed(codes: np.ndarray, cardinality: int) -> dict[str, object]:
    """Codes as little-endian unsigned integers, as narrow as the cardinality allows."""
    width = 1 if cardinality <= 2**8 else 2 if cardinality <= 2**16 else 4
    dtype = {1: "<u1", 2: "<u2", 4: "<u4"}[width]
    data = base64.b64encode(codes.astype(dtype).tobytes()).decode("ascii")
    return {"card": cardinality, "width": width, "data": data}


@cache
def _script() -> str:
    return resources.files("kzcn.data").joinpath("explorer.js").read_text("utf-8")


@dataclass(frozen=True, slots=True)
class Explorer:
    """What the page's explorer needs, or why it is off.

    Attributes:
        people: People in the dataset.
        controls: The QIs offered, with their levels.
        initial: The report's QI set (QI → level), ticked when the page opens.
        sensitive: The sensitive attribute's path.
        payload: The JSON the script reads (codes only), or None when off.
    """

    people: int
    controls: dict[str, tuple[str, ...]]
    initial: dict[str, str]
    sensitive: str
    payload: dict[str, object] | None

    def html(self, w: Words) -> tuple[str, str]:
        """The explorer's section and the sha256 of its script (for the CSP)."""
        head = f'<section class="explorer" id="explorer"><h2>{e(w.t("explorer.title"))}</h2>'
        if self.payload is None:
            off = w.t(
                "explorer.off",
                people=w.count(self.people),
                limit=w.count(EXPLORER_MAX_PEOPLE),
            )
            return f'{head}<p class="explain" data-explorer="off">{e(off)}</p></section>', ""
        config = {
            **self.payload,
            "number": w.number,
            "initial": self.initial,
            "edges": list(HISTOGRAM_EDGES),
        }
        # `</` cannot end the element early: JSON escapes it as `<\/`.
        data = orjson.dumps(config).decode().replace("</", "<\\/")
        script = _script()
        digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
        body = [
            head,
            f'<p class="explain">{e(w.t("explorer.explain"))}</p>',
            f'<p class="holds">{e(w.t("explorer.holds"))}</p>',
            f"<noscript><p>{e(w.t('explorer.nojs'))}</p></noscript>",
            self._controls(w),
            self._outputs(w),
            f'<script type="application/json" id="explorer-data">{data}</script>',
            f"<script>{script}</script></section>",
        ]
        return "".join(body), digest

    def _controls(self, w: Words) -> str:
        items = []
        for qi, levels in self.controls.items():
            name = e(w.path_label(qi))
            ticked = " checked" if qi in self.initial else ""
            box = (
                f'<label class="qi"><input type="checkbox" data-qi="{e(qi)}"{ticked}> '
                f"{name}</label>"
            )
            radios = ""
            if len(levels) > 1:
                chosen = self.initial.get(qi, levels[0])
                radios = (
                    '<span class="levels">'
                    + "".join(
                        f'<label><input type="radio" name="level-{e(qi)}" data-qi="{e(qi)}" '
                        f'data-level="{e(level)}"{" checked" if level == chosen else ""}> '
                        f"{e(w.level(level))}</label>"
                        for level in levels
                    )
                    + "</span>"
                )
            css = "control" if radios else "control single"
            items.append(f'<fieldset class="{css}"><legend>{box}</legend>{radios}</fieldset>')
        return f'<form class="controls">{"".join(items)}</form>'

    def _outputs(self, w: Words) -> str:
        cards = []
        for metric, key in (
            ("unique_share", "sample_uniqueness"),
            ("k", "k"),
            ("classes", "classes"),
            ("l_distinct", "distinct_l"),
        ):
            cards.append(
                f'<div class="card"><div class="name">{e(w.t(f"metric.{key}"))}</div>'
                f'<output data-metric="{metric}">-</output>'
                f'<div class="meaning">{e(w.t(f"metric.{key}.meaning"))}</div></div>'
            )
        labels = "".join(
            f"<span>{e(label)}</span>"
            for label in (
                *(
                    str(low) if high == low + 1 else f"{low}-{high - 1}"
                    for low, high in pairwise(HISTOGRAM_EDGES)
                ),
                f"{HISTOGRAM_EDGES[-1]}+",
            )
        )
        bars = "".join(
            f'<div class="col"><span class="val">-</span><span class="bar {css}"></span></div>'
            for css in ("b-alone", "b-few", "b-few", "b-few", *["b-safe"] * 5)
        )
        title = e(w.t("chart.histogram"))
        return (
            f'<div class="cards" aria-live="polite">{"".join(cards)}</div>'
            f'<figure id="explorer-histogram" class="chart"><figcaption>{title}</figcaption>'
            f'<div class="vbars">{bars}</div><div class="vlabels">{labels}</div>'
            f'<div class="axis">{e(w.t("col.size"))}</div></figure>'
        )


def build_explorer(persons: pl.DataFrame, qi: tuple[str, ...], sensitive: str) -> Explorer:
    """Code `persons` for the explorer (off above `EXPLORER_MAX_PEOPLE`)."""
    controls = {name: levels for name, levels in QI_CONTROLS.items() if name != sensitive}
    initial = {k: v for k, v in _initial(qi).items() if k in controls}
    if persons.height > EXPLORER_MAX_PEOPLE:
        return Explorer(persons.height, controls, initial, sensitive, None)
    keys = {
        f"{name}:{level}": _level_expr(name, level)
        for name, levels in controls.items()
        for level in levels
    }
    keys["sensitive"] = resolve(sensitive).expr()
    coded = CodedColumns.build(persons, keys)
    # Sorted by every code: the rows' order no longer follows the input's.
    order = np.lexsort([coded.codes[name] for name in reversed(keys)])
    columns = {
        name: _packed(coded.codes[name][order], coded.cardinality[name])
        for name in keys
        if name != "sensitive"
    }
    payload: dict[str, object] = {
        "n": persons.height,
        "columns": columns,
        "sensitive": _packed(coded.codes["sensitive"][order], coded.cardinality["sensitive"]),
    }
    return Explorer(persons.height, controls, initial, sensitive, payload)


def explorer_for(result: ExposureResult) -> Explorer | None:
    """The explorer of a result computed with `keep_persons=True` (None without)."""
    if result.persons is None:
        return None
    return build_explorer(result.persons, result.settings.qi, result.settings.sensitive)
