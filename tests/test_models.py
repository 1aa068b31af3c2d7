"""The models in Python: construction, strictness, immutability, rules beyond the examples."""

from __future__ import annotations

import copy
import json
from datetime import date, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from conftest import EXAMPLES
from kzcn import (
    BiscriptName,
    CitizenshipAcquisition,
    IdentityDocument,
    MessageAdapter,
    PersonRecord,
    Place,
    message_warnings,
)
from kzcn.messages import add_months


def _example(kind: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((EXAMPLES / "valid" / f"{kind}.json").read_text("utf-8"))
    return data


def _codes(data: dict[str, Any]) -> list[str]:
    try:
        MessageAdapter.validate_json(json.dumps(data))
    except ValidationError as error:
        return sorted(e["type"] for e in error.errors())
    return []


def test_build_a_person_by_hand() -> None:
    document = IdentityDocument(
        document_type="identity_card",
        issuing_state="KAZ",
        number="012345678",
        date_of_issue=date(2020, 1, 10),
        date_of_expiry=date(2030, 1, 9),
        issuing_authority="МВД РК",
    )
    person = PersonRecord(
        surname=BiscriptName(cyrillic="Қасымова", latin="KASYMOVA"),
        given_names=BiscriptName(cyrillic="Айгүл", latin="AIGUL"),
        sex="F",
        date_of_birth=date(1990, 7, 2),
        place_of_birth=Place(country="KAZ"),
        citizenship="KAZ",
        ethnic_nationality="kazakh",
        documents=(document,),
    )
    assert person.model_dump(mode="json")["date_of_birth"] == "1990-07-02"


def test_models_are_frozen() -> None:
    message = MessageAdapter.validate_json(json.dumps(_example("suspension_notice")))
    with pytest.raises(ValidationError):
        message.sent_on = date(2030, 1, 1)  # type: ignore[misc]


@pytest.mark.parametrize("kind", sorted(p.stem for p in (EXAMPLES / "valid").glob("*.json")))
def test_json_round_trip(kind: str) -> None:
    message = MessageAdapter.validate_json(json.dumps(_example(kind)))
    again = MessageAdapter.validate_json(MessageAdapter.dump_json(message))
    assert again == message
    assert json.loads(MessageAdapter.dump_json(message)) == _example(kind)


@pytest.mark.parametrize(
    "value", [5, "2024-01-01T00:00:00", "20240101", "2024-1-1", "1700006400", "2024-02-30"]
)
def test_dates_are_strict(value: object) -> None:
    data = _example("suspension_notice")
    # Strict: a number, a datetime or an integer string (a Unix time to pydantic) is not a date.
    data["decided_on"] = value
    codes = _codes(data)
    assert len(codes) == 1
    assert codes[0] in {"date.invalid", "date_from_datetime_parsing"}


@pytest.mark.parametrize(
    ("value", "codes"),
    [
        (1.5, ["int_type"]),
        ("1", ["int_type"]),
        (True, ["int_type"]),
        (-1, ["greater_than_equal"]),
        (-1.0, ["greater_than_equal"]),
        (48211.0, []),
        (2**70, []),
    ],
)
def test_counts_are_integers_as_json_schema_says(value: object, codes: list[str]) -> None:
    # JSON Schema's integer is a number with no fraction: 48211.0 is one, in both modes.
    data = _example("visa_free_statistics")
    data["rows"][0]["visas_issued"] = value
    assert _codes(data) == codes
    assert _python_codes(data) == codes


def _python_codes(data: dict[str, Any]) -> list[str]:
    try:
        MessageAdapter.validate_python(data)
    except ValidationError as error:
        return sorted(e["type"] for e in error.errors())
    return []


@pytest.mark.parametrize("kind", sorted(p.stem for p in (EXAMPLES / "valid").glob("*.json")))
def test_json_shaped_python_data_is_taken(kind: str) -> None:
    # What json.loads, a FastAPI body or kzcn.generate() hands over: ISO text dates, lists.
    data = _example(kind)
    assert MessageAdapter.validate_python(data) == MessageAdapter.validate_json(json.dumps(data))
    assert type(data).__name__ == "dict"


@pytest.mark.parametrize(
    "value",
    [
        5,
        5.0,
        "2024-01-01T00:00:00",
        "20240101",
        "2024-1-1",
        "1700006400",
        "2024-02-30",
        "0000-01-01",
        "2024-01-01\n",
        None,
        [2024, 1, 1],
    ],
)
def test_python_mode_dates_are_iso_text_or_dates(value: object) -> None:
    data = _example("suspension_notice")
    data["decided_on"] = value
    assert _python_codes(data) == ["date.invalid"]


def test_python_mode_takes_date_objects() -> None:
    data = _example("suspension_notice")
    text = data["decided_on"]
    data["decided_on"] = date.fromisoformat(text)
    message = MessageAdapter.validate_python(data)
    assert getattr(message, "decided_on", None) == date.fromisoformat(text)


def test_generated_messages_validate_in_python_mode() -> None:
    import kzcn  # noqa: PLC0415 (the public entry point, as a user calls it)

    for message in kzcn.generate(200, seed=17):
        MessageAdapter.validate_python(message)


@pytest.mark.parametrize("kind", sorted(p.stem for p in (EXAMPLES / "valid").glob("*.json")))
def test_models_are_deeply_frozen_and_hashable(kind: str) -> None:
    message = MessageAdapter.validate_python(_example(kind))
    assert hash(message) == hash(MessageAdapter.validate_json(json.dumps(_example(kind))))
    assert len({message, MessageAdapter.validate_python(_example(kind))}) == 1
    subject = getattr(message, "subject", None)
    if subject is not None:
        assert isinstance(subject.documents, tuple)
        with pytest.raises(AttributeError):
            subject.documents.append(subject.documents[0])  # type: ignore[attr-defined]


def _mutate(kind: str, path: list[Any], value: Any) -> dict[str, Any]:
    data = copy.deepcopy(_example(kind))
    node = data
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value
    return data


@pytest.mark.parametrize(
    ("kind", "path", "value", "codes"),
    [
        (
            "citizenship_acquisition",
            ["former_citizenship", "state"],
            "KGZ",
            ["message.former_citizenship"],
        ),
        # The IIN no longer fits a CHN citizen; the message rules wait for a valid subject.
        ("citizenship_acquisition", ["subject", "citizenship"], "CHN", ["resident_id.format"]),
        (
            "citizenship_acquisition",
            ["former_citizenship", "evidence"],
            [
                {
                    "type": "renunciation_certificate_chn",
                    "number": "T1234",
                    "date": "2024-01-20",
                    "issuer": "MPS",
                }
            ],
            ["message.termination_evidence"],
        ),
        (
            "citizenship_acquisition",
            ["former_citizenship", "ended_on"],
            "2024-01-01",
            ["message.ended_by"],
        ),
        # Without `ended_by`, both the terminated status and the `ended_on` date lack it.
        (
            "prior_citizenship_change",
            ["former_citizenship", "ended_by"],
            None,
            ["message.ended_by", "message.ended_by"],
        ),
        (
            "reported_spouse_annulled",
            ["former_citizenship", "ended_by"],
            "renunciation_approved",
            ["message.ended_by"],
        ),
        (
            "reported_passport_clipped",
            ["former_citizenship", "evidence", 1, "date"],
            "2024-05-01",
            ["message.date_order"],
        ),
        ("prior_citizenship_change", ["decided_on"], "2023-11-10", ["message.decided_after_force"]),
        (
            "prior_citizenship_change",
            ["former_citizenship", "evidence", 0, "date"],
            "2025-01-01",
            ["message.date_order"],
        ),
        ("citizenship_status_reply", ["list_received_on"], "2024-07-01", ["message.date_order"]),
        # China records a retained citizen as its own: a KAZ subject contradicts `retained`.
        (
            "citizenship_status_reply",
            ["status"],
            "retained",
            ["message.subject_citizenship", "message.terminated_on"],
        ),
        ("citizenship_status_reply", ["list_item"], 0, ["greater_than_equal"]),
        (
            "entry_stay_exit_violation",
            ["measures"],
            ["fine", "fine", "entry_ban"],
            ["structure.not_unique"],
        ),
        (
            "entry_stay_exit_violation",
            ["crossings", 0, "crossed_on"],
            "2024-12-01",
            ["message.date_order"],
        ),
        ("entry_stay_exit_violation", ["detected_on"], "2024-10-01", ["message.date_order"]),
        ("visa_free_statistics", ["period_end"], "2023-12-31", ["message.date_order"]),
        ("visa_free_statistics", ["rows", 1, "purpose"], "tourism", ["structure.not_unique"]),
        ("suspension_notice", ["effective_from"], "2025-01-01", ["message.date_order"]),
        (
            "suspension_notice",
            ["channel"],
            "competent_authority",
            ["message.channel", "message.carrier"],
        ),
        ("suspension_notice", ["carrier"], None, ["message.carrier"]),
        ("suspension_notice", ["carrier"], "CHN_MFA", ["message.carrier"]),
        ("suspension_notice", ["sender", "authority"], "KAZ_MFA", ["literal_error"]),
        ("suspension_notice", ["action"], "cancelled", ["message.cancels"]),
        (
            "suspension_notice",
            ["cancels"],
            "5b0c1f3e-7a2d-4c8e-9f1a-000000000001",
            ["message.cancels"],
        ),
        ("suspension_notice", ["schema_version"], "1.0", ["structure.schema_1_0"]),
        (
            "visa_free_statistics",
            ["rows", 1, "visa_free_entries"],
            5,
            ["message.visa_free_purpose"],
        ),
        ("suspension_notice", ["scope"], "full", ["message.partial_scope"]),
        (
            "citizenship_status_reply",
            ["subject", "place_of_birth", "admin_code"],
            "65400",
            ["place.admin_code"],
        ),
        ("citizenship_status_reply", ["subject", "personal_number"], "12345", ["iin.format"]),
        (
            "citizenship_status_reply",
            ["subject", "name_national"],
            "NUERLAN",
            ["name.national_script"],
        ),
        (
            "citizenship_status_reply",
            ["subject", "name_national"],
            "努尔兰\u200b",
            ["name.invisible_character"],
        ),
        (
            "citizenship_status_reply",
            ["subject", "name_national"],
            "努尔兰··哈",
            ["name.invalid_character"],
        ),
        (
            "citizenship_status_reply",
            ["subject", "documents", 0, "mrz"],
            ["P<CHN", "X"],
            ["string_pattern_mismatch", "string_pattern_mismatch"],
        ),
    ],
)
def test_rule_table(kind: str, path: list[Any], value: Any, codes: list[str]) -> None:
    assert _codes(_mutate(kind, path, value)) == sorted(codes)


def test_future_birth_date() -> None:
    data = _mutate("citizenship_acquisition", ["subject", "date_of_birth"], "2999-01-01")
    assert "date.future" in _codes(data)


def test_personal_number_of_other_citizens() -> None:
    person = _example("citizenship_status_reply")["subject"]
    person = {**person, "citizenship": "KGZ", "personal_number": "AN1234567"}
    PersonRecord.model_validate_json(json.dumps(person))
    person["personal_number"] = "an-1"
    with pytest.raises(ValidationError) as caught:
        PersonRecord.model_validate_json(json.dumps(person))
    assert [e["type"] for e in caught.value.errors()] == ["personal_number.format"]


def test_mrz_disagreeing_with_holder() -> None:
    data = _mutate("citizenship_status_reply", ["subject", "sex"], "F")
    assert set(_codes(data)) >= {"mrz.mismatch"}


def test_mrz_of_a_card_on_a_passport_is_a_layout_error() -> None:
    data = _example("citizenship_status_reply")
    data["subject"]["documents"][0]["mrz"] = ["I<CHN" + "<" * 25] * 3
    assert _codes(data) == ["mrz.format"]


def test_warnings_come_from_valid_messages_only_as_warnings() -> None:
    message = MessageAdapter.validate_json(json.dumps(_example("prior_citizenship_change")))
    assert message_warnings(message) == []
    late = MessageAdapter.validate_json(
        json.dumps(_mutate("prior_citizenship_change", ["sent_on"], "2024-05-11"))
    )
    assert message_warnings(late) == [(("sent_on",), "deadline.prior_change")]


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2024, 4, 25), 2, date(2024, 6, 25)),
        (date(2023, 12, 31), 2, date(2024, 2, 29)),
        (date(2024, 11, 30), 3, date(2025, 2, 28)),
    ],
)
def test_add_months(start: date, months: int, expected: date) -> None:
    assert add_months(start, months) == expected


def test_suspension_deadline_is_three_days() -> None:
    base = _example("suspension_notice")
    decided = date.fromisoformat(base["decided_on"])
    on_time = _mutate("suspension_notice", ["sent_on"], str(decided + timedelta(days=3)))
    late = _mutate("suspension_notice", ["sent_on"], str(decided + timedelta(days=4)))
    assert message_warnings(MessageAdapter.validate_json(json.dumps(on_time))) == []
    assert message_warnings(MessageAdapter.validate_json(json.dumps(late))) == [
        (("sent_on",), "deadline.suspension")
    ]


def test_acquisition_class_is_the_union_member() -> None:
    message = MessageAdapter.validate_json(json.dumps(_example("citizenship_acquisition")))
    assert isinstance(message, CitizenshipAcquisition)
