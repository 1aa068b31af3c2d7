"""The source registry: every document the regime's fields, kinds and rules rest on.

The registry ships as `kzcn/data/sources.json`; `kzcn sources` lists it, and
every `x-kzcn-source` in the schema names sources from it by id.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from functools import cache
from importlib import resources
from typing import Any, Literal

__all__ = [
    "BASES",
    "Basis",
    "Source",
    "render_sources",
    "source_registry",
    "sources_dict",
]

#: Where a field, kind or rule comes from, from the firmest to the weakest ground.
Basis = Literal[
    "agreement", "official_statement", "press_report", "standard", "national_law", "assumption"
]
BASES: tuple[Basis, ...] = (
    "agreement",
    "official_statement",
    "press_report",
    "standard",
    "national_law",
    "assumption",
)
SourceFormat = Literal["text", "md", "json"]


@dataclass(frozen=True, slots=True)
class Source:
    """One source: what it is, where it is, and what it supports."""

    id: str
    kind: Basis
    title: str
    address: str | None
    date: str
    language: str
    supports: str


@cache
def source_registry() -> dict[str, Source]:
    """The registry by id, in the file's order."""
    text = resources.files("kzcn.data").joinpath("sources.json").read_text("utf-8")
    rows = json.loads(text)["sources"]
    return {row["id"]: Source(**row) for row in rows}


def sources_dict() -> dict[str, Any]:
    """The registry as JSON-ready data (what `kzcn sources --format json` prints)."""
    return {
        "bases": list(BASES),
        "sources": [asdict(source) for source in source_registry().values()],
    }


def _md_cell(text: str | None) -> str:
    return (text or "not recorded").replace("|", "\\|").replace("\n", " ")


def _markdown() -> str:
    lines = [
        "| id | kind | title | address | date | language | supports |",
        "|---|---|---|---|---|---|---|",
    ]
    lines += [
        "| "
        + " | ".join(
            _md_cell(v) for v in (s.id, s.kind, s.title, s.address, s.date, s.language, s.supports)
        )
        + " |"
        for s in source_registry().values()
    ]
    return "\n".join(lines) + "\n"


def _text() -> str:
    blocks = [
        f"{s.id} [{s.kind}, {s.language}, {s.date}]\n  {s.title}\n"
        f"  {s.address or 'address not recorded'}\n  supports: {s.supports}"
        for s in source_registry().values()
    ]
    return "\n\n".join(blocks) + "\n"


def render_sources(output: SourceFormat = "text") -> str:
    """The registry as plain text, a Markdown table, or JSON."""
    if output == "json":
        return json.dumps(sources_dict(), indent=2, ensure_ascii=False) + "\n"
    return _markdown() if output == "md" else _text()
