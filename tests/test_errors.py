"""The error catalogue: typed codes, one entry each, and every code raised by something.

A code that nothing raises is either dead or untested; either way a user reads
about a check that may not exist. Each code is raised here by a change to a
valid example, by a few bytes of input, or by an example file whose sidecar
names it (`tests/test_examples.py` checks those).
"""

from __future__ import annotations

import gzip
import io
import json
from typing import Any, get_args

import pytest
from pydantic import BaseModel, Field, ValidationError

from conftest import EXAMPLES, example_files
from kzcn.errors import CATALOGUE, Code, ErrorCode, is_code, kzcn_error, raise_errors
from kzcn.validation import (
    MAX_RECORD_BYTES,
    InputFormat,
    problems_from_error,
    validate_message,
    validate_stream,
)

Loc = tuple[str | int, ...]

_CROSSING = {
    "direction": "entry",
    "crossed_on": "2024-07-21",
    "crossing_point": "nur_zholy",
    "document_number": "EA1234567",
}

#: A valid example (by kind) and the changes that make the models report the code.
RECORD_TRIGGERS: dict[Code, tuple[str, dict[Loc, Any]]] = {
    "date.future": ("citizenship_acquisition", {("subject", "date_of_birth"): "2999-01-01"}),
    "iin.birth_date_mismatch": (
        "citizenship_acquisition",
        {("subject", "date_of_birth"): "1979-11-04"},
    ),
    "iin.format": ("citizenship_acquisition", {("subject", "personal_number"): "79110330123"}),
    "message.decided_after_force": ("prior_citizenship_change", {("decided_on",): "2023-12-01"}),
    "message.former_citizenship": (
        "citizenship_acquisition",
        {("former_citizenship", "state"): "RUS"},
    ),
    "message.termination_evidence": (
        "citizenship_acquisition",
        {
            ("former_citizenship", "evidence"): [
                {
                    "type": "renunciation_certificate_chn",
                    "number": "T20190001",
                    "date": "2024-02-02",
                    "issuer": "Ministry of Public Security, PRC",
                }
            ]
        },
    ),
    "mrz.format": (  # a TD1 (card) zone on a passport
        "citizenship_acquisition",
        {
            ("subject", "documents", 0, "mrz"): [
                "I<CHNEA12345676<<<<<<<<<<<<<<<",
                "7911037M2908144CHN<<<<<<<<<<<6",
                "NUERLAN<<HALIMU<<<<<<<<<<<<<<<",
            ]
        },
    ),
    "mrz.mismatch": (
        "citizenship_acquisition",
        {
            ("subject", "documents", 0, "mrz", 1): "EA12345676CHN7911037M2908144<<<<<<<<<<<<<<<6",
            ("subject", "documents", 0, "number"): "EA7654321",
        },
    ),
    "name.invalid_character": ("citizenship_acquisition", {("subject", "surname", "latin"): "N1"}),
    "name.national_script": ("citizenship_acquisition", {("subject", "name_national"): "NUR"}),
    "personal_number.format": (
        "citizenship_acquisition",
        {("subject", "citizenship"): "RUS", ("subject", "personal_number"): "1-2"},
    ),
    "place.admin_code": (
        "citizenship_acquisition",
        {("subject", "place_of_birth", "admin_code"): "65400"},
    ),
    "resident_id.format": (
        "citizenship_status_reply",
        {("subject", "citizenship"): "CHN", ("subject", "personal_number"): "65400219791103123"},
    ),
    "resident_id.sex_mismatch": ("citizenship_status_reply", {("subject", "sex"): "F"}),
    "structure.not_allowed": ("citizenship_acquisition", {("subject", "sex"): "X"}),
    "structure.not_unique": ("entry_stay_exit_violation", {("measures",): ["fine", "fine"]}),
    "structure.pattern": ("citizenship_acquisition", {("message_id",): "not-a-uuid"}),
    "date.day_first": ("citizenship_acquisition", {("subject", "date_of_birth"): "05.03.1980"}),
    "structure.range": ("visa_free_statistics", {("rows", 0, "visa_free_entries"): -1}),
    "structure.schema_1_0": ("suspension_notice", {("schema_version",): "1.0"}),
    "document.number_era": (  # an E + letter number issued in 2014
        "entry_stay_exit_violation",
        {
            ("subject", "documents", 0, "date_of_issue"): "2014-06-01",
            ("subject", "documents", 0, "issuing_authority"): (
                "Exit & Entry Administration, Ministry of Public Security"
            ),
        },
    ),
    "document.issuer_era": (  # the NIA a year before it was founded
        "entry_stay_exit_violation",
        {("subject", "documents", 0, "date_of_issue"): "2017-06-01"},
    ),
    "stay.crossing_order": (  # two entries, no exit between them
        "entry_stay_exit_violation",
        {("crossings",): [_CROSSING, {**_CROSSING, "crossed_on": "2024-07-25"}]},
    ),
    "stay.overstay_not_shown": (  # entered 15 Aug, detected 2 Sep: day 19 of 30
        "entry_stay_exit_violation",
        {("crossings",): [{**_CROSSING, "crossed_on": "2024-08-15"}]},
    ),
    "stay.permitted_until": (  # entered 21 Jul: 30 days end on 19 Aug, not 25 Aug
        "entry_stay_exit_violation",
        {("permitted_stay_until",): "2024-08-25"},
    ),
}

_LINE = (EXAMPLES / "valid" / "suspension_notice.json").read_bytes().replace(b"\n", b"") + b"\n"

#: Input the readers report before any model sees it: the format and the bytes.
INPUT_TRIGGERS: dict[Code, tuple[InputFormat, bytes]] = {
    "input.not_utf8": ("jsonl", b'{"kind": "\xff"}\n'),
    "input.bom": ("jsonl", b"\xef\xbb\xbf" + _LINE),
    "input.not_json": ("jsonl", b"{kind\n" + _LINE),
    "input.truncated": ("jsonl", _LINE + b'{"kind": "susp'),
    "input.not_object": ("jsonl", b"[1, 2]\n"),
    "input.too_large": ("jsonl", b'{"kind": "' + b"x" * MAX_RECORD_BYTES + b'"}\n'),
    "input.too_deep": ("jsonl", b'{"a":' * 300 + b"1" + b"}" * 300 + b"\n"),
    "input.empty": ("jsonl", b""),
    "input.blank_line": ("jsonl", _LINE + b"\n" + _LINE),
    "input.csv_column": ("csv", b"kind,remarks\r\nsuspension_notice,x\r\n"),
    "input.csv_row": ("csv", b"kind,sent_on\r\nsuspension_notice\r\n"),
    "input.compression": ("jsonl", gzip.compress(_LINE * 200)[:300]),
    "structure.duplicate_key": ("jsonl", _LINE.replace(b"{", b'{"kind": "suspension_notice", ', 1)),
    "input.number_too_large": ("jsonl", _LINE.replace(b"{", b'{"n": ' + b"9" * 400 + b", ", 1)),
    # A comma-separated file read as TSV: the header names the separator it uses.
    "input.csv_delimiter": ("tsv", b"kind,sent_on\r\nsuspension_notice,2024-01-01\r\n"),
}


class _NotAKzcnRule(BaseModel):
    """A check no kzcn model makes: its pydantic error type has no code of its own."""

    count: int = Field(multiple_of=2)


def _fallback_codes() -> set[Code]:
    """`structure.invalid`: what a pydantic error without a catalogue code becomes."""
    try:
        _NotAKzcnRule(count=3)
    except ValidationError as error:
        return {p.code for p in problems_from_error(error)}
    return set()


def _example_codes() -> set[str]:
    sidecars = [p.with_suffix(".expected.json") for p in example_files("invalid")]
    sidecars += [p.with_suffix(".expected.json") for p in example_files("warnings")]
    return {
        problem["code"]
        for sidecar in sidecars
        for problem in json.loads(sidecar.read_text("utf-8"))["problems"]
    }


def _changed(kind: str, changes: dict[Loc, Any]) -> bytes:
    message = json.loads((EXAMPLES / "valid" / f"{kind}.json").read_text("utf-8"))
    for loc, value in changes.items():
        node = message
        for part in loc[:-1]:
            node = node[part]
        node[loc[-1]] = value
    return json.dumps(message, ensure_ascii=False).encode()


def test_the_code_type_and_the_catalogue_list_the_same_codes_in_order() -> None:
    assert tuple(CATALOGUE) == get_args(Code)


def test_each_entry_is_filed_under_its_own_code() -> None:
    assert all(entry.code == code for code, entry in CATALOGUE.items())
    assert all(isinstance(entry, ErrorCode) and entry.title for entry in CATALOGUE.values())


def test_every_code_is_raised_by_an_example_or_a_trigger_here() -> None:
    raised = _example_codes() | set(RECORD_TRIGGERS) | set(INPUT_TRIGGERS) | _fallback_codes()
    assert set(get_args(Code)) - raised == set(), "add an example or a trigger for these codes"


@pytest.mark.parametrize("code", sorted(RECORD_TRIGGERS))
def test_a_changed_example_raises_the_code(code: Code) -> None:
    kind, changes = RECORD_TRIGGERS[code]
    assert code in {p.code for p in validate_message(_changed(kind, changes)).problems}


@pytest.mark.parametrize("code", sorted(INPUT_TRIGGERS))
def test_input_bytes_raise_the_code(code: Code) -> None:
    input_format, data = INPUT_TRIGGERS[code]
    results = validate_stream(io.BytesIO(data), input_format=input_format)
    assert code in {p.code for result in results for p in result.problems}


def test_a_check_kzcn_has_no_code_for_is_reported_as_structure_invalid() -> None:
    assert _fallback_codes() == {"structure.invalid"}


def test_examples_name_only_catalogue_codes() -> None:
    assert all(is_code(code) for code in _example_codes())


def test_an_unknown_code_is_a_type_error_and_a_key_error() -> None:
    # mypy rejects the call (the ignore would be reported unused if it did not:
    # `warn_unused_ignores` is part of `strict`); at run time the look-up fails.
    with pytest.raises(KeyError):
        kzcn_error("iin.chekcsum")  # type: ignore[arg-type]


def test_raise_errors_carries_each_code_at_its_location() -> None:
    with pytest.raises(ValidationError) as caught:
        raise_errors("Rule", [(("a", 0), "iin.checksum"), (("b",), "date.future")])
    assert [(e["loc"], e["type"]) for e in caught.value.errors()] == [
        (("a", 0), "iin.checksum"),
        (("b",), "date.future"),
    ]


def test_is_code_tells_catalogue_codes_from_other_strings() -> None:
    assert is_code("iin.checksum")
    assert not is_code("int_type")
