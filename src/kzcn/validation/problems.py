"""The problem record every engine and reporter shares, and pydantic-error mapping."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cache
from typing import get_args

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from kzcn.errors import CATALOGUE, Code, Severity, is_code
from kzcn.messages import MESSAGE_KINDS, Message
from kzcn.validation._pickled import pickled_by_fields

__all__ = [
    "Problem",
    "at_column",
    "code_for_pydantic_type",
    "day_first",
    "dotted",
    "json_path",
    "known_keys",
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

#: How a key that is not a field name of the regime appears in a path.
UNKNOWN_KEY = "<unknown key>"
#: How the CSV layer names a header cell that is no column of the regime (`kzcn.flat`):
#: its number, never its text.
#: A hint's separator (`input.csv_delimiter`) is a token too: it names no input text.
_COLUMN_TOKEN = re.compile(r"<unknown column [0-9]+>|<separator (?:comma|semicolon|tab)>")


@cache
def known_keys() -> frozenset[str]:
    """Every property name the message schema defines: the keys a path may show.

    Keys are input too: an unknown key could be a personal value typed where a
    key belongs (`{"N77665544": ...}`), so only the regime's own names appear.
    Read from the models' fields, which the schema's properties are (a test
    holds the two equal): building the schema cost the first warning or error
    of a run about 35 ms.
    """
    return frozenset(_field_names(Message, set()))


def _field_names(annotation: object, seen: set[type[BaseModel]]) -> Iterator[str]:
    """The field names of every model `annotation` holds, however deep (unions, tuples, ...)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if annotation in seen:
            return
        seen.add(annotation)
        for name, info in annotation.model_fields.items():
            yield name
            yield from _field_names(info.annotation, seen)
        return
    for argument in get_args(annotation):
        yield from _field_names(argument, seen)


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


def _key_position(parent: object, key: str) -> int | None:
    """The 1-based place of `key` among the keys of `parent`, when it is an object holding it."""
    if isinstance(parent, Mapping) and key in parent:
        return list(parent).index(key) + 1
    return None


def _child(parent: object, item: str | int) -> object:
    if isinstance(parent, Mapping):
        return parent.get(item)
    if isinstance(parent, list) and isinstance(item, int) and -len(parent) <= item < len(parent):
        return parent[item]
    return None


def json_path(loc: Sequence[str | int], document: object = None) -> str:
    """A location as a JSONPath: `("documents", 0)` -> `$.documents[0]`.

    A key that is not a field name of the regime (`known_keys`) is never
    shown: it becomes `<unknown key N>`, N its place among its object's keys
    when `document` (the record the location points into) is given, and
    `<unknown key>` otherwise. A value pasted where a key belongs thus never
    reaches a report, while the reader can still find it.
    """
    parts = ["$"]
    node = document
    for item in loc:
        if isinstance(item, int):
            parts.append(f"[{item}]")
        elif item in known_keys() or _COLUMN_TOKEN.fullmatch(item):
            parts.append(f".{item}")
        else:
            position = _key_position(node, item)
            parts.append(f".<unknown key {position}>" if position else f".{UNKNOWN_KEY}")
        node = _child(node, item)
    return "".join(parts)


@pickled_by_fields  # with --jobs, a result's problems cross back from a worker
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
    #: The column's number from 1, in a CSV or xlsx input; `path` then is its header.
    column: int | None = None

    @property
    def title(self) -> str:
        """The catalogue title of the code."""
        return CATALOGUE[self.code].title

    @property
    def message(self) -> str:
        """A message built from the catalogue only: it names no record value."""
        entry = CATALOGUE[self.code]
        return f"{entry.title}: {entry.description}"


def problem(  # noqa: PLR0913 - keyword-only context of one problem
    code: Code,
    loc: Sequence[str | int] = (),
    *,
    file: str | None = None,
    line: int | None = None,
    value: object = None,
    document: object = None,
) -> Problem:
    """A problem for `code` at `loc`, with the catalogue's severity.

    `document` is the record `loc` points into, if at hand: it places an
    unknown key by position (see `json_path`).
    """
    return Problem(code, json_path(loc, document), CATALOGUE[code].severity, file, line, value)


_INDEX = re.compile(r"\[([0-9]+)\]")
_UNKNOWN_COLUMN = re.compile(r"<unknown column ([0-9]+)>")


def dotted(path: str) -> str:
    """A JSON path as a CSV column: `$.documents[0].number` -> `documents.0.number`."""
    return _INDEX.sub(r".\1", path.removeprefix("$")).removeprefix(".")


def at_column(item: Problem, columns: Mapping[str, int]) -> Problem:
    """`item` located the way a spreadsheet's header writes it, with the column's number.

    `columns` holds the header's known columns only (`CsvLayout.columns`), so
    no header text that is not a column of the regime is ever shown.
    """
    column = dotted(item.path)
    if not column:  # the whole record or file: no column to name
        return item
    number = columns.get(column)
    if number is None and (unknown := _UNKNOWN_COLUMN.fullmatch(column)):
        number = int(unknown.group(1))
    return replace(item, path=column, column=number)


_DAY_FIRST = re.compile(r"[0-9]{1,2}[./][0-9]{1,2}[./][0-9]{4}")


def _value_at(document: object, column: str) -> object:
    node = document
    for part in column.split("."):
        node = _child(node, int(part) if part.isdigit() else part)
    return node


def day_first(items: list[Problem], document: object) -> list[Problem]:
    """`date.invalid` as `date.day_first` where the date is written `DD.MM.YYYY` or `DD/MM/YYYY`.

    The value is looked at, never kept: the code says what is wrong and how
    to write it instead, which "not a real date" does not.
    """
    out = []
    for item in items:
        value = _value_at(document, dotted(item.path)) if item.code == "date.invalid" else None
        if isinstance(value, str) and _DAY_FIRST.fullmatch(value):
            item = replace(item, code="date.day_first")  # noqa: PLW2901 - the same problem, named
        out.append(item)
    return out


def strip_tag(loc: tuple[str | int, ...]) -> tuple[str | int, ...]:
    """A pydantic location without the message kind that discriminated unions put first.

    `("citizenship_acquisition", "subject", "sex")` -> `("subject", "sex")`.
    """
    if loc and loc[0] in MESSAGE_KINDS:
        return loc[1:]
    return loc


def _problem(
    detail: ErrorDetails,
    *,
    show_values: bool,
    file: str | None,
    line: int | None,
    document: object,
) -> Problem:
    code = code_for_pydantic_type(detail["type"])
    loc = strip_tag(detail["loc"])
    if code == "structure.unknown_kind":
        loc = ("kind",)  # pydantic locates a bad tag at the message itself
    value = detail.get("input") if show_values else None
    return problem(code, loc, file=file, line=line, value=value, document=document)


def problems_from_error(
    error: ValidationError,
    *,
    show_values: bool = False,
    file: str | None = None,
    line: int | None = None,
    document: object = None,
) -> list[Problem]:
    """Map a pydantic ValidationError to problems, dropping input values by default.

    `include_context=False` matters as much as `include_input`: a pattern
    error's context is harmless, but a custom error's context could carry a
    value, and messages are rebuilt from the catalogue anyway. `document`,
    the parsed record the error is about, lets an unknown key be given by
    its position.
    """
    details = error.errors(include_url=False, include_context=False, include_input=show_values)
    return [
        _problem(detail, show_values=show_values, file=file, line=line, document=document)
        for detail in details
    ]
