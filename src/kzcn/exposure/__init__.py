"""Privacy exposure: what a dataset of exchanged messages reveals about the people in it.

`compute_exposure(path_or_records, qi=..., sensitive=...)` returns an
`ExposureResult`; `render_markdown`, `render_json` and `render_html` turn it
into reports (pure functions returning strings), and `write_per_record`
writes the per-line exposure file. See `_engine` for the formulas.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kzcn._lazy import lazy_attributes

if TYPE_CHECKING:
    from kzcn.exposure._analyse import (
        DEFAULT_MAX_SUBSET,
        DEFAULT_QI,
        DEFAULT_THRESHOLD,
        compute_exposure,
        default_sensitive,
        write_per_record,
    )
    from kzcn.exposure._qi import QuasiIdentifierError
    from kzcn.exposure.report_html import render_html
    from kzcn.exposure.report_text import render_json, render_markdown
    from kzcn.exposure.result import (
        JSON_FORMAT,
        Diversity,
        ExposureResult,
        ExposureSettings,
        FieldFlow,
        HistogramBin,
        InputSummary,
        KindFlow,
        LadderRow,
        RiskMetrics,
        SubsetRow,
    )

# Loaded on first use: the parser workers import `kzcn.exposure._read` only,
# and should not pay for the models and the field dictionary.
_ORIGINS = {
    name: module
    for module, names in {
        "kzcn.exposure._analyse": (
            "DEFAULT_MAX_SUBSET", "DEFAULT_QI", "DEFAULT_THRESHOLD", "compute_exposure",
            "default_sensitive", "write_per_record",
        ),
        "kzcn.exposure._qi": ("QuasiIdentifierError",),
        "kzcn.exposure.report_html": ("render_html",),
        "kzcn.exposure.report_text": ("render_json", "render_markdown"),
        "kzcn.exposure.result": (
            "JSON_FORMAT", "Diversity", "ExposureResult", "ExposureSettings", "FieldFlow",
            "HistogramBin", "InputSummary", "KindFlow", "LadderRow", "RiskMetrics", "SubsetRow",
        ),
    }.items()
    for name in names
}  # fmt: skip
__getattr__, __dir__ = lazy_attributes(globals(), _ORIGINS)

__all__ = [
    "DEFAULT_MAX_SUBSET",
    "DEFAULT_QI",
    "DEFAULT_THRESHOLD",
    "JSON_FORMAT",
    "Diversity",
    "ExposureResult",
    "ExposureSettings",
    "FieldFlow",
    "HistogramBin",
    "InputSummary",
    "KindFlow",
    "LadderRow",
    "QuasiIdentifierError",
    "RiskMetrics",
    "SubsetRow",
    "compute_exposure",
    "default_sensitive",
    "render_html",
    "render_json",
    "render_markdown",
    "write_per_record",
]
