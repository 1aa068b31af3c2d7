"""Stays in a file of messages: per violation message, or per person across messages.

Reads through the validator (`kzcn.validation.validate_file`), so it reads
every format `kzcn validate` reads; only valid violation messages have
crossings to count. Dates are personal (whereabouts): rendered reports show
them only when asked (`show_values`), and count days and rules otherwise.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from kzcn.messages import EntryStayExitViolation
from kzcn.stays import StayReport, compute_stays
from kzcn.validation import validate_file

if TYPE_CHECKING:
    from datetime import date
    from pathlib import Path

    from kzcn.stays import Crossing
    from kzcn.validation import InputFormat

__all__ = ["StayFormat", "StayGroup", "StaysInFile", "render_stays", "stays_in_file"]

StayFormat = Literal["text", "md", "json"]
_HIDDEN = "…"


@dataclass(frozen=True, slots=True)
class StayGroup:
    """The stays of one message, or of one person across messages."""

    #: `message N` (the record's line) or `person N` (in order of first appearance).
    label: str
    #: Lines of the messages counted.
    lines: tuple[int, ...]
    #: The violations those messages report (`overstay`, ...).
    violations: tuple[str, ...]
    report: StayReport


@dataclass(frozen=True, slots=True)
class StaysInFile:
    """Every group, and how many records were read and left out."""

    groups: tuple[StayGroup, ...]
    records: int
    #: Records left out: invalid, or not a violation message.
    skipped: int


def _person_key(message: EntryStayExitViolation) -> str:
    subject = message.subject
    numbers = sorted(d.number for d in subject.documents)
    return subject.personal_number or (numbers[0] if numbers else message.message_id)


def stays_in_file(
    path: str | Path, *, by_person: bool = False, input_format: InputFormat | None = None
) -> StaysInFile:
    """The stays of each violation message in `path` (or of each person, `by_person`)."""
    records = skipped = 0
    per_key: dict[str, list[tuple[int, EntryStayExitViolation]]] = {}
    for result in validate_file(path, input_format=input_format):
        if result.role != "record":
            continue
        records += 1
        message = result.message
        if not isinstance(message, EntryStayExitViolation):
            skipped += 1
            continue
        key = _person_key(message) if by_person else f"{result.line}:{records}"
        per_key.setdefault(key, []).append((result.line or records, message))
    groups = tuple(
        _group(f"person {n}" if by_person else f"message {found[0][0]}", found)
        for n, found in enumerate(per_key.values(), 1)
    )
    return StaysInFile(groups, records, skipped)


def _group(label: str, found: list[tuple[int, EntryStayExitViolation]]) -> StayGroup:
    # One person's crossings from every message, each once; read on the last detection.
    crossings: dict[tuple[str, date], Crossing] = {}
    for _, message in found:
        for crossing in message.crossings:
            crossings.setdefault(
                (crossing.direction, crossing.crossed_on), crossing.as_stay_crossing()
            )
    as_of = max(message.detected_on for _, message in found)
    return StayGroup(
        label=label,
        lines=tuple(line for line, _ in found),
        violations=tuple(message.violation for _, message in found),
        report=compute_stays(crossings.values(), as_of),
    )


def _day(value: date | None, show_values: bool) -> str | None:
    if value is None:
        return None
    return value.isoformat() if show_values else _HIDDEN


def _group_json(group: StayGroup, show_values: bool) -> dict[str, object]:
    report = group.report
    return {
        "label": group.label,
        "lines": list(group.lines),
        "violations": list(group.violations),
        "as_of": _day(report.as_of, show_values),
        "days_used": report.days_used,
        "overstayed": report.overstayed,
        "stays": [
            {
                "entered_on": _day(stay.entered_on, show_values),
                "exited_on": _day(stay.exited_on, show_values),
                "basis": stay.basis,
                "days": stay.days,
                "last_permitted_day": _day(stay.last_permitted_day, show_values),
                "most_days_used": stay.most_days_used,
            }
            for stay in report.stays
        ],
        "breaches": [
            {
                "rule": breach.rule,
                "stay": breach.stay + 1,
                "on": _day(breach.on, show_values),
                "day_of_stay": _day_of_stay(report, breach.stay, breach.on),
            }
            for breach in report.breaches
        ],
    }


def _day_of_stay(report: StayReport, index: int, on: date) -> int | None:
    if index >= len(report.stays):
        return None
    return (on - report.stays[index].entered_on).days + 1


_RULE_WORDS = {
    "single_stay": "more than 30 days in one stay",
    "cumulative": "more than 90 days in 180",
    "visa_validity": "beyond the visa's validity",
    "crossing_order": "crossings out of order",
}


def _text_lines(group: dict[str, object], md: bool) -> list[str]:
    stays = group["stays"]
    breaches = group["breaches"]
    assert isinstance(stays, list)  # noqa: S101 - built just above
    assert isinstance(breaches, list)  # noqa: S101
    noun = "stay" if len(stays) == 1 else "stays"
    head = (
        f"{group['label']}: {len(stays)} {noun}, {group['days_used']} days used in the 180 "
        f"ending {group['as_of']}, {'overstayed' if group['overstayed'] else 'no overstay'}"
    )
    bullet = "- " if md else "  "
    lines = [f"## {head}" if md else head]
    for number, stay in enumerate(stays, 1):
        lines.append(
            f"{bullet}stay {number} ({stay['basis']}): {stay['entered_on']} to "
            f"{stay['exited_on'] or 'open'}, {stay['days']} days, permitted to "
            f"{stay['last_permitted_day']}, at most {stay['most_days_used']} of 90 used"
        )
    lines += [
        f"{bullet}breach in stay {b['stay']}: {_RULE_WORDS[b['rule']]}, from {b['on']} "
        f"(day {b['day_of_stay']})"
        for b in breaches
    ]
    return [*lines, ""] if md else lines


def render_stays(result: StaysInFile, fmt: StayFormat, *, show_values: bool = False) -> str:
    """The stays as text, Markdown or JSON; dates hidden unless `show_values`."""
    groups = [_group_json(group, show_values) for group in result.groups]
    summary = (
        f"{len(groups)} {'groups' if len(groups) != 1 else 'group'} from {result.records} "
        f"records ({result.skipped} not valid violation messages), "
        f"{sum(1 for g in groups if g['overstayed'])} overstayed"
    )
    if fmt == "json":
        body = {"records": result.records, "skipped": result.skipped, "groups": groups}
        return json.dumps(body, ensure_ascii=False, indent=2) + "\n"
    lines = [line for group in groups for line in _text_lines(group, md=fmt == "md")]
    return "\n".join([*lines, f"summary: {summary}"]) + "\n"
