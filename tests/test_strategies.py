"""`kzcn.strategies`: valid by construction, and invalid with the right codes."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from hypothesis import given, settings

from kzcn import strategies as kst
from kzcn.messages import MESSAGE_KINDS, MessageAdapter
from kzcn.person import IdentityDocument, PersonRecord
from kzcn.synth import FAULTS
from kzcn.types import BiscriptName, PhotoReference, Place
from kzcn.validation import validate_message


@given(kst.messages())
def test_messages_validate(message: dict[str, Any]) -> None:
    assert validate_message(orjson.dumps(message)).valid


@pytest.mark.parametrize("kind", MESSAGE_KINDS)
def test_messages_of_a_kind(kind: str) -> None:
    @given(kst.message_models(kind=kind))
    @settings(max_examples=15)
    def check(message: Any) -> None:
        assert message.kind == kind
        assert MessageAdapter.validate_json(MessageAdapter.dump_json(message)) == message

    check()


@given(kst.person_records())
def test_person_records(person: PersonRecord) -> None:
    assert person.documents


@given(kst.identity_documents(), kst.biscript_names(), kst.places(), kst.photo_references())
def test_every_model_has_a_strategy(
    document: IdentityDocument, name: BiscriptName, place: Place, photo: PhotoReference
) -> None:
    assert document.number
    assert name.latin.upper() == name.latin
    assert place.admin_code is not None
    assert not (photo.uri or "").startswith("data:")


@given(kst.invalid_messages())
def test_invalid_messages_give_exactly_their_codes(case: tuple[str, Any, Any]) -> None:
    fault, message, codes = case
    assert fault in FAULTS
    result = validate_message(orjson.dumps(message))
    assert tuple(sorted(p.code for p in result.problems if p.severity == "error")) == codes


@given(kst.invalid_messages(faults=["latin_homoglyph"], kind="citizenship_acquisition"))
def test_invalid_messages_can_be_narrowed(case: tuple[str, Any, Any]) -> None:
    assert case[0] == "latin_homoglyph"
    assert case[2] == ("name.homoglyph",)


@pytest.mark.parametrize(
    "call",
    [
        lambda: kst.messages(kind="nope"),
        lambda: kst.messages(sender="RUS"),
        lambda: kst.persons(population="martians"),
        lambda: kst.invalid_messages(faults=["nope"]),
    ],
)
def test_bad_arguments_are_refused(call: Any) -> None:
    with pytest.raises(ValueError, match="unknown"):
        call()
