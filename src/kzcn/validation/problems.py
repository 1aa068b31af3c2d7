"""The problem record every engine and reporter shares, and pydantic-error mapping."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from kzcn.errors import CATALOGUE, Code, Severity, is_code
from kzcn.messages import MESSAGE_KINDS

__all__ = [
    "Problem",
    "code_for_pydantic_type",
    "json_path",
    "problem",
    "problems_from_error",
    "strip_tag",
]

# pydantic-core error types -> catalogue codes. Custom kzcn errors already carry
# a catalogue code as their type and pass through unchanged.
_PYDANTIC_CODES: dict[str, Code] = {
    "missing": "structure.missing_field",
    "extra_forbidden": "structure.extra_field",
    "union_tag_invalid": "structure.unknown_kind",
    "union_tag_not_found": "structure.unknown_kind",
    "literal_error": "structure.not_allowed",
    "enum": "structure.not_allowed",
    "string_pattern_mismatch": "structure.pattern",
    "string_too_short": "structure.length",
    "string_too_long": "structure.length",
    "too_short": "structure.length",
    "too_long": "structure.length",
    "greater_than": "structure.range",
    "greater_than_equal": "structure.range",
    "less_than": "structure.range",
    "less_than_equal": "structure.range",
    "json_invalid": "input.not_json",
    "json_type": "input.not_json",
}

# A key is shown in a path only when it looks like a field name. Keys are input
# too: an unknown key could be a personal value typed into the wrong place.
_SHOWN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")


def code_for_pydantic_type(error_type: str) -> Code:
    """The catalogue code for a pydantic error type."""
    if is_code(error_type):
        return error_type
    if error_type in _PYDANTIC_CODES:
        return _PYDANTIC_CODES[error_type]
    if error_type.startswith("date"):
        return "date.invalid"
    if error_type.endswith(("_type", "_parsing")) or error_type == "model_attributes_type":
        return "structure.wrong_type"
    return "structure.invalid"


def _segment(item: str | int) -> str:
    if isinstance(item, int):
        return f"[{item}]"
    return f".{item}" if _SHOWN_KEY.fullmatch(item) else "[?]"


def json_path(loc: Sequence[str | int]) -> str:
    """A location as a JSONPath: `("documents", 0)` -> `$.documents[0]`.

    A key that does not look like a field name is shown as `[?]`, so that a
    value pasted where a key belongs does not leak into a report.
    """
    return "$" + "".join(_segment(item) for item in loc)


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong (or late) in one record.

    `value` holds the offending value only when the caller asked for values
    (`show_values`); otherwise it is None and nothing personal leaves here.
    """

    code: Code
    path: str
    severity: Severity = "error"
    file: str | None = None
    line: int | None = None
    value: object = None

    @property
    def title(self) -> str:
        """The catalogue title of the code."""
        return CATALOGUE[self.code].title

    @property
    def message(self) -> str:
        """A message built from the catalogue only: it names no record value."""
        entry = CATALOGUE[self.code]
        return f"{entry.title}: {entry.description}"


def problem(
    code: Code,
    loc: Sequence[str | int] = (),
    *,
    file: str | None = None,
    line: int | None = None,
    value: object = None,
) -> Problem:
    """A problem for `code` at `loc`, with the catalogue's severity."""
    return Problem(code, json_path(loc), CATALOGUE[code].severity, file, line, value)


def strip_tag(loc: tuple[str | int, ...]) -> tuple[str | int, ...]:
    """A pydantic location without the message kind that discriminated unions put first.

    `("citizenship_acquisition", "subject", "sex")` -> `("subject", "sex")`.
    """
    if loc and loc[0] in MESSAGE_KINDS:
        return loc[1:]
    return loc


def _problem(
    detail: ErrorDetails, *, show_values: bool, file: str | None, line: int | None
) -> Problem:
    code = code_for_pydantic_type(detail["type"])
    loc = strip_tag(detail["loc"])
    if code == "structure.unknown_kind":
        loc = ("kind",)  # pydantic locates a bad tag at the message itself
    value = detail.get("input") if show_values else None
    return problem(code, loc, file=file, line=line, value=value)


def problems_from_error(
    error: ValidationError,
    *,
    show_values: bool = False,
    file: str | None = None,
    line: int | None = None,
) -> list[Problem]:
    """Map a pydantic ValidationError to problems, dropping input values by default.

    `include_context=False` matters as much as `include_input`: a pattern
    error's context is harmless, but a custom error's context could carry a
    value, and messages are rebuilt from the catalogue anyway.
    """
    return [
        _problem(detail, show_values=show_values, file=file, line=line)
        for detail in error.errors(
            include_url=False, include_context=False, include_input=show_values
        )
    ]
