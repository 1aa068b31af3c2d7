"""Rendering results as they stream by, and splitting the input into valid and invalid.

Reporters write through a `write` callable they are given (the CLI passes
standard output's); they keep counters, never results. Values appear only
when the reporter was built with `show_values=True`, and messages come from
the error catalogue, so by default a report holds no input value at all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import IO, Protocol

import orjson

from kzcn.validation.problems import Problem
from kzcn.validation.results import RecordResult, Summary, Validation

__all__ = [
    "REPORTERS",
    "JsonReporter",
    "Outcome",
    "Reporter",
    "Splitter",
    "TextReporter",
    "report",
    "summary_line",
]

Write = Callable[[str], object]


class Reporter(Protocol):
    """Receives problems as they are found, then the summary."""

    def problem(self, item: Problem) -> None:
        """Render one problem."""

    def finish(self, summary: Summary, *, stopped_after: int | None = None) -> None:
        """Render the summary; `stopped_after` is set when `--max-errors` stopped the run."""


def _value_text(value: object) -> str:
    return orjson.dumps(value, default=str, option=orjson.OPT_NON_STR_KEYS).decode("utf-8")


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def summary_line(summary: Summary, *, stopped_after: int | None = None) -> str:
    """One line: files, lines, records valid/invalid/with warnings, then counts per code."""
    text = (
        f"{_plural(summary.files, 'file')}, {_plural(summary.lines, 'line')}, "
        f"{_plural(summary.records, 'record')}: {summary.valid} valid, "
        f"{summary.invalid} invalid, {summary.with_warnings} with warnings"
    )
    if summary.codes:
        ranked = sorted(summary.codes.items(), key=lambda item: (-item[1], item[0]))
        text += "; " + ", ".join(f"{code} {count}" for code, count in ranked)
    if stopped_after is not None:
        text += (
            f"; stopped after {_plural(stopped_after, 'problem')} (--max-errors), "
            f"{_plural(summary.unchecked_lines, 'line')} not checked"
        )
    return text


class TextReporter:
    """`file:line[:column]: path: code: message` per problem, then a summary line."""

    def __init__(self, write: Write, *, show_values: bool = False) -> None:
        self._write = write
        self._show_values = show_values

    def problem(self, item: Problem) -> None:
        """One line per problem; warnings say so."""
        severity = "warning: " if item.severity == "warning" else ""
        value = f" (value: {_value_text(item.value)})" if self._show_values else ""
        where = f"{item.file}:{item.line}" + (f":{item.column}" if item.column else "")
        self._write(f"{where}: {item.path}: {item.code}: {severity}{item.message}{value}\n")

    def finish(self, summary: Summary, *, stopped_after: int | None = None) -> None:
        """The summary line."""
        self._write(f"summary: {summary_line(summary, stopped_after=stopped_after)}\n")


class JsonReporter:
    """One JSON document, `{"problems": [...], "summary": {...}}`, written as it goes."""

    def __init__(self, write: Write, *, show_values: bool = False) -> None:
        self._write = write
        self._show_values = show_values
        self._opened = False

    def _open(self) -> None:
        if not self._opened:
            self._write('{"problems": [\n')
            self._opened = True
        else:
            self._write(",\n")

    def problem(self, item: Problem) -> None:
        """One problem object per line of the list."""
        self._open()
        record: dict[str, object] = {
            "file": item.file,
            "line": item.line,
            "path": item.path,
            "code": item.code,
            "severity": item.severity,
            "message": item.message,
        }
        if item.column is not None:  # CSV and xlsx: `path` is then the header's column
            record["column"] = item.column
        if self._show_values:
            record["value"] = item.value
        self._write(_value_text(record))

    def finish(self, summary: Summary, *, stopped_after: int | None = None) -> None:
        """Close the list and add the summary."""
        if not self._opened:
            self._write('{"problems": [')
        body = {**summary.as_dict(), "stopped_after": stopped_after}
        self._write(f'\n], "summary": {_value_text(body)}}}\n')


REPORTERS: dict[str, Callable[..., Reporter]] = {"text": TextReporter, "json": JsonReporter}


class Splitter:
    """Write each record's input bytes to the valid or the invalid sink, nothing lost.

    A CSV header goes to both sinks (once per sink while it does not change).
    A group of results closed by one `raw` (the records of a `.json` file)
    goes where its worst record goes.
    """

    def __init__(
        self, valid: IO[bytes] | None, invalid: IO[bytes] | None, *, strict: bool = False
    ) -> None:
        self._valid = valid
        self._invalid = invalid
        self._strict = strict
        self._group_failed = False
        self._headers: dict[int, bytes] = {}

    def add(self, result: RecordResult) -> None:
        """Route one result's bytes."""
        if result.role == "header":
            for sink in (self._valid, self._invalid):
                if sink is not None and result.raw and self._headers.get(id(sink)) != result.raw:
                    sink.write(result.raw)
                    self._headers[id(sink)] = result.raw
            return
        self._group_failed = self._group_failed or result.failed(strict=self._strict)
        if result.raw is None:
            return
        sink = self._invalid if self._group_failed else self._valid
        if sink is not None and result.raw:
            sink.write(result.raw)
        self._group_failed = False


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a run found: the summary over every input, and where it stopped."""

    summary: Summary
    stopped_after: int | None
    strict: bool

    @property
    def ok(self) -> bool:
        """True when the run passes: exit status 0."""
        return self.stopped_after is None and self.summary.ok(strict=self.strict)


def _counts(item: Problem, *, strict: bool) -> bool:
    return item.severity == "error" or strict


def report(
    runs: Iterable[Validation],
    reporter: Reporter,
    *,
    splitter: Splitter | None = None,
    max_errors: int | None = None,
    strict: bool = False,
) -> Outcome:
    """Stream every result of every run through the reporter (and the splitter).

    With `max_errors`, reporting stops after that many failing problems
    (errors, and warnings under `strict`). Without a splitter the rest of the
    input is then only counted; with one it is still validated, since every
    line must land on the right side.
    """
    total = Summary()
    reported = 0
    stopped_after: int | None = None
    for run in runs:
        for result in run:
            if splitter is not None:
                splitter.add(result)
            if stopped_after is None:
                for item in result.problems:
                    reporter.problem(item)
                    reported += _counts(item, strict=strict)
                    if max_errors is not None and reported >= max_errors:
                        stopped_after = reported
                        break
            if stopped_after is not None and splitter is None:
                break
        if stopped_after is not None and splitter is None:
            run.skip()
        total.merge(run.summary)
    reporter.finish(total, stopped_after=stopped_after)
    return Outcome(total, stopped_after, strict)
