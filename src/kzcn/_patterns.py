r"""Regular expressions as JSON Schema (ECMA 262) and Python's `re` each read them.

The one difference that matters for our patterns is the end anchor: in ECMA 262
`$` is the very end of the text, while Python's `$` also matches before a final
`\n`. The schema guards each `$` with `(?!\n)` so that every validator agrees;
the Python engines read `$` as `\Z`.
"""

from __future__ import annotations

__all__ = ["NEWLINE_GUARD", "guard_end_anchors", "python_end_anchors"]

#: What follows an end anchor in the committed schema: "and not before a final newline".
NEWLINE_GUARD = "(?!\\n)"


def _end_anchor_indices(pattern: str) -> list[int]:
    """Where `pattern` has an end anchor: each `$` neither escaped nor in a character class."""
    found: list[int] = []
    in_class = escaped = False
    for index, char in enumerate(pattern):
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "$":
            found.append(index)
    return found


def _replace_end_anchors(pattern: str, anchor: str, *, unless_followed_by: str = "") -> str:
    out: list[str] = []
    start = 0
    for index in _end_anchor_indices(pattern):
        out.append(pattern[start:index])
        rest = pattern[index + 1 :]
        out.append("$" if unless_followed_by and rest.startswith(unless_followed_by) else anchor)
        start = index + 1
    out.append(pattern[start:])
    return "".join(out)


def guard_end_anchors(pattern: str) -> str:
    r"""Every end anchor `$` as `$(?!\n)` (one already guarded is left as it is)."""
    return _replace_end_anchors(pattern, "$" + NEWLINE_GUARD, unless_followed_by=NEWLINE_GUARD)


def python_end_anchors(pattern: str) -> str:
    r"""`pattern` for Python's `re` with `$` as the very end of the text (`\Z`)."""
    return _replace_end_anchors(pattern, r"\Z")
