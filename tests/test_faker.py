"""The Faker provider: seeded by Faker, valid, same rules as the bulk generator."""

from __future__ import annotations

import orjson
import pytest
from faker import Faker

from kzcn.faker import KzcnProvider
from kzcn.messages import MESSAGE_KINDS, MessageAdapter
from kzcn.person import IdentityDocument, PersonRecord
from kzcn.synth import POPULATIONS
from kzcn.validation import validate_message


@pytest.fixture
def fake() -> Faker:
    faker = Faker()
    faker.add_provider(KzcnProvider)
    faker.seed_instance(2024)
    return faker


@pytest.mark.parametrize("kind", MESSAGE_KINDS)
def test_messages_of_every_kind_validate(fake: Faker, kind: str) -> None:
    for _ in range(30):
        message = fake.kzcn_message(kind=kind)
        assert message["kind"] == kind
        assert message["synthetic"] is True
        assert validate_message(orjson.dumps(message)).valid


def test_seed_instance_makes_it_reproducible(fake: Faker) -> None:
    fake.seed_instance(5)
    first = [fake.kzcn_message() for _ in range(5)]
    fake.seed_instance(5)
    assert [fake.kzcn_message() for _ in range(5)] == first
    fake.seed_instance(6)
    assert [fake.kzcn_message() for _ in range(5)] != first


def test_many_messages_at_once_are_valid_and_reproducible(fake: Faker) -> None:
    fake.seed_instance(8)
    many = fake.kzcn_messages(300)
    assert len(many) == 300
    assert all(validate_message(orjson.dumps(m)).valid for m in many)
    assert len({m["kind"] for m in many}) >= 4
    fake.seed_instance(8)
    assert fake.kzcn_messages(300) == many
    violations = fake.kzcn_messages(50, "entry_stay_exit_violation", "CHN")
    assert {(m["kind"], m["sender"]["state"]) for m in violations} == {
        ("entry_stay_exit_violation", "CHN")
    }


def test_models_on_request(fake: Faker) -> None:
    assert isinstance(fake.kzcn_person(as_model=True), PersonRecord)
    assert isinstance(fake.kzcn_document(as_model=True), IdentityDocument)
    message = fake.kzcn_message(kind="entry_stay_exit_violation", sender="CHN", as_model=True)
    assert message.kind == "entry_stay_exit_violation"
    assert message.sender.state == "CHN"


@pytest.mark.parametrize("population", sorted(POPULATIONS))
def test_people_of_every_population_validate(fake: Faker, population: str) -> None:
    for _ in range(20):
        PersonRecord.model_validate_json(orjson.dumps(fake.kzcn_person(population)))


@pytest.mark.parametrize(
    ("document_type", "state", "pattern"),
    [
        ("passport", "KAZ", r"^N\d{8}$"),
        ("identity_card", "KAZ", r"^\d{9}$"),
        ("passport", "CHN", r"^(G\d{8}|E\d{8}|E[A-HJ-NP-Z]\d{7})$"),
        ("identity_card", "CHN", r"^\d{17}[\dX]$"),
    ],
)
def test_documents_in_the_real_formats(
    fake: Faker, document_type: str, state: str, pattern: str
) -> None:
    for _ in range(20):
        document = fake.kzcn_document(document_type, state)
        assert document["document_type"] == document_type
        assert document["issuing_state"] == state
        assert __import__("re").fullmatch(pattern, document["number"])
        IdentityDocument.model_validate_json(orjson.dumps(document))


@pytest.mark.parametrize(
    "call",
    [
        lambda f: f.kzcn_person("martians"),
        lambda f: f.kzcn_document("visa", "KAZ"),
        lambda f: f.kzcn_document("passport", "RUS"),
        lambda f: f.kzcn_message(sender="RUS"),
        lambda f: f.kzcn_messages(3, sender="RUS"),
        lambda f: f.kzcn_messages(3, kind="weather_report"),
    ],
)
def test_bad_arguments_are_refused(fake: Faker, call: object) -> None:
    with pytest.raises(ValueError, match=r"\w"):
        call(fake)  # type: ignore[operator]


def test_message_model_round_trips(fake: Faker) -> None:
    message = fake.kzcn_message(as_model=True)
    assert MessageAdapter.validate_json(MessageAdapter.dump_json(message)) == message
