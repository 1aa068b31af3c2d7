"""Engines turn a unit of input into a `RecordResult`.

Two engines share the handling of everything that is not a validation:
units a reader already judged (blank lines, oversized lines, CSV headers),
a byte-order mark in front of a record, and JSON text that does not parse.
They differ in what validates a parsed record:

- `ModelEngine`: the pydantic models, every semantic rule, deadline warnings.
- `SchemaEngine` (in `kzcn.validation.schema_engine`): the JSON Schema alone.

Both keep the common case fast: a valid JSON line goes through one call of
the validator, and only a failure pays for finding out what went wrong.
"""

from __future__ import annotations

from typing import Any

import orjson
from pydantic import ValidationError

from kzcn.errors import CATALOGUE
from kzcn.messages import Message, MessageAdapter
from kzcn.validation.problems import Problem, json_path, problem, problems_from_error
from kzcn.validation.readers import BOM, Unit, diagnose_json
from kzcn.validation.results import RecordResult

__all__ = ["Engine", "ModelEngine"]

Checked = tuple[list[Problem], Message | None]


class Engine:
    """What both engines share; subclasses validate text and objects.

    Args:
        show_values: Keep offending input values in problems (`Problem.value`).
    """

    name = "base"

    def __init__(self, *, show_values: bool = False) -> None:
        self.show_values = show_values

    def check(self, unit: Unit, file: str | None) -> RecordResult:
        """Validate one unit of input."""
        problems = [problem(code, loc, file=file, line=unit.line) for code, loc in unit.found]
        message: Message | None = None
        if unit.role == "record":
            if unit.text is not None:
                found, message = self._check_text_safely(unit.text, unit, file)
                problems += found
            elif unit.obj is not None:
                found, message = self.check_object(unit.obj, file, unit.line)
                problems += found
        return RecordResult(
            file, unit.line, tuple(problems), message, unit.raw, unit.role, unit.lines
        )

    def _check_text_safely(self, text: bytes, unit: Unit, file: str | None) -> Checked:
        if text.startswith(BOM):
            found, message = self.check_text(text[len(BOM) :], file, unit.line, at_eof=unit.at_eof)
            return [problem("input.bom", file=file, line=unit.line), *found], message
        return self.check_text(text, file, unit.line, at_eof=unit.at_eof)

    def input_problem(self, text: bytes, file: str | None, line: int, *, at_eof: bool) -> Checked:
        """The input problem of text that failed to validate, if that is what went wrong."""
        code = diagnose_json(text, at_eof=at_eof)
        return ([problem(code, file=file, line=line)] if code else []), None

    def check_text(self, text: bytes, file: str | None, line: int, *, at_eof: bool) -> Checked:
        """Problems of JSON text, and the model when it is valid."""
        raise NotImplementedError

    def check_object(self, obj: dict[str, Any], file: str | None, line: int) -> Checked:
        """Problems of a parsed object (a CSV row), and the model when it is valid."""
        raise NotImplementedError

    def warnings(self, message: Message, file: str | None, line: int) -> list[Problem]:
        """Deadline warnings of a valid message."""
        return [
            Problem(code, json_path(loc), CATALOGUE[code].severity, file, line)
            for loc, code in message.warnings()
        ]


def _is_input_error(error: ValidationError) -> bool:
    """True when pydantic could not read the text as an object at all."""
    return any(
        detail["type"] == "json_invalid" or (not detail["loc"] and detail["type"] == "dict_type")
        for detail in error.errors(include_url=False, include_context=False, include_input=False)
    )


class ModelEngine(Engine):
    """Validate with the pydantic models: structure, every semantic rule, deadline warnings."""

    name = "model"

    def __init__(self, *, show_values: bool = False) -> None:
        super().__init__(show_values=show_values)
        # Bound once: the attribute lookups add up over millions of lines.
        self._validate_json = MessageAdapter.validator.validate_json

    def check(self, unit: Unit, file: str | None) -> RecordResult:
        """Validate one unit; a plain JSON line takes the short path."""
        text = unit.text
        if text is None or unit.found:
            return super().check(unit, file)
        try:
            message = self._validate_json(text)
        except ValidationError as error:
            if _is_input_error(error):
                return super().check(unit, file)
            problems = problems_from_error(
                error, show_values=self.show_values, file=file, line=unit.line, text=text
            )
            return RecordResult(
                file, unit.line, tuple(problems), None, unit.raw, "record", unit.lines
            )
        late = tuple(self.warnings(message, file, unit.line)) if message.warnings() else ()
        return RecordResult(file, unit.line, late, message, unit.raw, "record", unit.lines)

    def check_text(self, text: bytes, file: str | None, line: int, *, at_eof: bool) -> Checked:
        """Problems of JSON text: input problems first, then the models' own."""
        try:
            message = self._validate_json(text)
        except ValidationError as error:
            if _is_input_error(error):
                found, _ = self.input_problem(text, file, line, at_eof=at_eof)
                return found or [problem("input.not_json", file=file, line=line)], None
            return problems_from_error(
                error, show_values=self.show_values, file=file, line=line, text=text
            ), None
        return self.warnings(message, file, line), message

    def check_object(self, obj: dict[str, Any], file: str | None, line: int) -> Checked:
        """Problems of a parsed object, validated as JSON so dates parse as in a file."""
        # The models are strict: a date is only accepted from JSON text, so
        # the object goes back to text (orjson is fast enough not to matter).
        try:
            text = orjson.dumps(obj, option=orjson.OPT_NON_STR_KEYS)
        except orjson.JSONEncodeError:  # a caller's object holding something JSON cannot
            return [problem("input.not_json", file=file, line=line)], None
        return self.check_text(text, file, line, at_eof=False)
