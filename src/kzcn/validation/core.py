"""Validate messages and files with the models; results are objects, never printed."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import orjson
from pydantic import ValidationError

from kzcn.errors import CATALOGUE
from kzcn.messages import Message, MessageAdapter, message_warnings
from kzcn.validation.problems import Problem, json_path, problems_from_error

__all__ = ["FileReport", "RecordResult", "validate_file", "validate_message"]


@dataclass(frozen=True, slots=True)
class RecordResult:
    """The outcome for one record: where it came from, and its problems."""

    file: str | None
    line: int | None
    problems: tuple[Problem, ...]
    message: Message | None = None

    @property
    def valid(self) -> bool:
        """True when no problem is an error (warnings allowed)."""
        return not any(p.severity == "error" for p in self.problems)


@dataclass(slots=True)
class FileReport:
    """Every record result of one file."""

    file: str
    records: list[RecordResult] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        """True when every record is valid."""
        return all(r.valid for r in self.records)

    @property
    def problems(self) -> list[Problem]:
        """All problems, in file order."""
        return [p for r in self.records for p in r.problems]


def validate_message(
    text: str | bytes,
    *,
    show_values: bool = False,
    file: str | None = None,
    line: int | None = None,
) -> RecordResult:
    """Validate one message given as JSON text: errors, or warnings of a valid one."""
    try:
        message = MessageAdapter.validate_json(text)
    except ValidationError as error:
        problems = problems_from_error(error, show_values=show_values, file=file, line=line)
        return RecordResult(file, line, tuple(problems))
    warnings = tuple(
        Problem(code, json_path(loc), CATALOGUE[code].severity, file, line)
        for loc, code in message_warnings(message)
    )
    return RecordResult(file, line, warnings, message)


def validate_file(path: Path, *, show_values: bool = False) -> FileReport:
    """Validate a `.json` file holding one message or an array of them."""
    report = FileReport(str(path))
    raw = path.read_bytes()
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        report.records.append(
            RecordResult(str(path), 1, (Problem("input.not_json", "$", file=str(path), line=1),))
        )
        return report
    items = data if isinstance(data, list) else [data]
    for index, item in enumerate(items, start=1):
        report.records.append(
            validate_message(orjson.dumps(item), show_values=show_values, file=str(path),
                             line=index)
        )
    return report
