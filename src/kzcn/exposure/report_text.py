"""Markdown and JSON reports: pure functions from a result to a string.

Everything the Markdown prints is escaped: a file name, an authority code
read from the data or a label can hold `<script>`, a pipe or a newline, and
none of them may come through as markup or break a table.
"""

from __future__ import annotations

import re

import orjson

from kzcn.authorities import Language
from kzcn.exposure._format import Cell, Section, headline, sections, words
from kzcn.exposure.linkage import LinkageResult
from kzcn.exposure.result import ExposureResult

__all__ = ["md_code", "md_text", "render_json", "render_markdown"]

# Characters that Markdown (CommonMark and GitHub tables) would read as markup.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]#|~])")
_PLAIN_CODE = re.compile(r"[\w.\[\]+ /-]*")
_NEWLINES = re.compile(r"[\r\n\u2028\u2029]+")


def render_json(result: ExposureResult, linkage: LinkageResult | None = None) -> str:
    """The JSON report (`ExposureResult.to_dict`, and `linkage` when given), indented."""
    data = result.to_dict()
    if linkage is not None:
        data["linkage"] = linkage.to_dict()
    return orjson.dumps(data, option=orjson.OPT_INDENT_2).decode() + "\n"


def md_text(text: str) -> str:
    """`text` as literal Markdown: no markup, no HTML, on one line."""
    flat = _NEWLINES.sub(" ", text)
    html = flat.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(r"\\\1", html)


def md_code(text: str) -> str:
    """A path or code as an inline code span; anything else as escaped text.

    A code span shows its content literally, but only plain codes go in one:
    a name from the data may hold markup some renderers would still act on.
    """
    if _PLAIN_CODE.fullmatch(text):
        return f"`{text}`"
    return md_text(text)


def _cell(cell: Cell) -> str:
    words_part = md_text(cell.text)
    if cell.code is None:
        return words_part
    code = md_code(cell.code)
    return f"{words_part} ({code})" if words_part else code


def _section(section: Section) -> list[str]:
    lines = [f"{'#' * section.level} {md_text(section.title)}", ""]
    if section.explain:
        lines += [md_text(section.explain), ""]
    if section.rows:
        if not section.head:
            # A table needs a header row; a two-column list reads better without one.
            lines += [f"- {_cell(row[0])}: {' '.join(map(_cell, row[1:]))}" for row in section.rows]
        else:
            lines.append("| " + " | ".join(md_text(h) for h in section.head) + " |")
            lines.append("|" + "".join("---:|" if c.numeric else "---|" for c in section.rows[0]))
            lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in section.rows]
        lines.append("")
    lines += [f"- {md_text(note)}" for note in section.notes]
    if section.notes:
        lines.append("")
    return lines


def render_markdown(
    result: ExposureResult, lang: Language = "en", linkage: LinkageResult | None = None
) -> str:
    """The Markdown report in `lang`: the JSON's numbers, in tables with explanations."""
    w = words(lang)
    lines = [f"# {md_text(w.t('title'))}", "", md_text(w.t("intro")), ""]
    lines += [f"**{md_text(headline(result, w))}**", ""]
    for section in sections(result, w, linkage):
        lines += _section(section)
    return "\n".join(lines)
