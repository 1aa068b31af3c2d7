"""The field dictionary comes from the models' annotations, with nothing kept by hand."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel

from kzcn.dictionary import PARTIES, field_dictionary, person_fields
from kzcn.messages import MESSAGE_KINDS
from kzcn.person import IdentityDocument, PersonRecord
from kzcn.privacy import LEGAL_CATEGORIES, PRIVACY_KEY

PERSON_KINDS = {
    "citizenship_acquisition",
    "prior_citizenship_change",
    "citizenship_status_reply",
    "entry_stay_exit_violation",
}


def _annotation(model: type[BaseModel], name: str) -> dict[str, Any] | None:
    extra = model.model_fields[name].json_schema_extra
    return extra.get(PRIVACY_KEY) if isinstance(extra, dict) else None  # type: ignore[return-value]


@pytest.mark.parametrize("model", [PersonRecord, IdentityDocument])
def test_roles_and_categories_are_the_annotations(model: type[BaseModel]) -> None:
    prefix = "" if model is PersonRecord else "documents[]."
    fields = person_fields()
    for name in model.model_fields:
        entry = fields[prefix + name]
        annotation = _annotation(model, name)
        if annotation is None:
            assert not entry.inherited
            continue
        assert entry.role == annotation["role"]
        assert list(entry.categories) == annotation["categories"]


def test_parts_of_an_annotated_field_inherit_it() -> None:
    fields = person_fields()
    assert fields["surname.latin"].role == "direct_identifier"
    assert fields["surname.latin"].inherited
    assert fields["place_of_birth.locality"].role == "quasi_identifier"
    assert "gdpr.biometric" in fields["photo.sha256"].categories


def test_legal_categories_of_the_sensitive_fields() -> None:
    fields = person_fields()
    assert "gdpr.ethnic_origin" in fields["ethnic_nationality"].categories
    assert {"gdpr.biometric", "pipl.biometric", "kz94v.biometric"} <= set(
        fields["photo"].categories
    )
    assert all(c in LEGAL_CATEGORIES for f in field_dictionary().fields for c in f.categories)


def test_subject_fields_ride_in_the_four_person_kinds() -> None:
    for path, entry in person_fields().items():
        assert set(entry.kinds) == PERSON_KINDS, path
    crossings = field_dictionary().by_path("crossings[].crossing_point")
    assert [e.kinds for e in crossings] == [("entry_stay_exit_violation",)]
    assert "pipl.whereabouts" in crossings[0].categories


def test_every_kind_travels_both_ways_between_its_states_authorities() -> None:
    book = field_dictionary()
    assert set(book.directions) == set(MESSAGE_KINDS)
    for directions in book.directions.values():
        assert {(d.sender, d.recipient) for d in directions} == {("KAZ", "CHN"), ("CHN", "KAZ")}
        for d in directions:
            assert all(code.startswith(d.sender) for code in d.sender_authorities)
            assert d.sender in PARTIES


def test_statistics_carry_no_personal_field() -> None:
    for entry in field_dictionary().fields:
        if entry.kinds == ("visa_free_statistics",):
            assert not entry.personal, entry.path


def test_enums_come_from_the_literals() -> None:
    enums = field_dictionary().enums()
    assert enums["PersonRecord.sex"] == ("F", "M")
    assert "xibe" in enums["PersonRecord.ethnic_nationality"]
    assert "nur_zholy" in enums["BorderCrossing.crossing_point"]
