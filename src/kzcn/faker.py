"""A Faker community provider for the exchange's people, documents and messages.

    from faker import Faker
    from kzcn.faker import KzcnProvider

    fake = Faker()
    fake.add_provider(KzcnProvider)
    fake.seed_instance(7)
    fake.kzcn_message(kind="citizenship_acquisition")   # a JSON-ready dict
    fake.kzcn_person(as_model=True)                       # a kzcn.person.PersonRecord
    fake.kzcn_messages(10_000)                            # many at once, far faster

The provider draws from Faker's own seeded random source
(`self.generator.random`), so `seed_instance` makes it reproducible, and it
shares its tables and rules with the bulk generator (`kzcn.synth`): what Faker
users get validates exactly as `kzcn generate` output does.
"""

from __future__ import annotations

from typing import Any, Literal, overload

import orjson
from faker.providers import BaseProvider

from kzcn.messages import Message, MessageAdapter
from kzcn.person import IdentityDocument, PersonRecord
from kzcn.synth.generator import DATA_END, DATA_START, Generator
from kzcn.synth.people import POPULATIONS

__all__ = ["KzcnProvider"]

JsonDict = dict[str, Any]
_POPULATION_OF = {"KAZ": "kaz_kazakh", "CHN": "chn_han"}
_ATTEMPTS = 50


class KzcnProvider(BaseProvider):
    """Faker provider: `kzcn_person`, `kzcn_document` and `kzcn_message`."""

    def _synth(self) -> Generator:
        # Faker may replace its Random on `seed_instance`: look it up on every call.
        return Generator(self.generator.random)

    def _as_of(self, synth: Generator) -> int:
        return synth.people.between(DATA_START, DATA_END)

    @overload
    def kzcn_person(
        self, population: str | None = None, *, as_model: Literal[False] = False
    ) -> JsonDict: ...

    @overload
    def kzcn_person(
        self, population: str | None = None, *, as_model: Literal[True]
    ) -> PersonRecord: ...

    def kzcn_person(
        self, population: str | None = None, *, as_model: bool = False
    ) -> JsonDict | PersonRecord:
        """A person record (the exchanged personal data) of an adult.

        Args:
            population: one of `kzcn.synth.POPULATIONS` (e.g. "kandas_kazakh",
                "chn_han"); drawn at random when None.
            as_model: return a validated `PersonRecord` instead of a dict.
        """
        synth = self._synth()
        if population is None:
            population = synth.people.pick(sorted(POPULATIONS))
        elif population not in POPULATIONS:
            raise ValueError(
                f"unknown population {population!r}; choose from {', '.join(sorted(POPULATIONS))}"
            )
        as_of = self._as_of(synth)
        former = "CHN" if population.startswith("kandas") else None
        record = synth.people.person(
            population, as_of, naturalised_on=as_of - 60 if former else None, former=former
        )
        return PersonRecord.model_validate(record) if as_model else record

    @overload
    def kzcn_document(
        self,
        document_type: str = "passport",
        issuing_state: str = "KAZ",
        *,
        as_model: Literal[False] = False,
    ) -> JsonDict: ...

    @overload
    def kzcn_document(
        self,
        document_type: str = "passport",
        issuing_state: str = "KAZ",
        *,
        as_model: Literal[True],
    ) -> IdentityDocument: ...

    def kzcn_document(
        self,
        document_type: str = "passport",
        issuing_state: str = "KAZ",
        *,
        as_model: bool = False,
    ) -> JsonDict | IdentityDocument:
        """An identity document in the real format of `issuing_state` ("KAZ" or "CHN").

        Args:
            document_type: "passport" (TD3 MRZ) or "identity_card" (KAZ: TD1 MRZ;
                CHN: the resident ID number).
            issuing_state: "KAZ" or "CHN".
            as_model: return a validated `IdentityDocument` instead of a dict.
        """
        if issuing_state not in _POPULATION_OF or document_type not in (
            "passport",
            "identity_card",
        ):
            raise ValueError("kzcn_document makes KAZ or CHN passports and identity cards")
        synth = self._synth()
        for _ in range(_ATTEMPTS):
            record = synth.people.person(
                _POPULATION_OF[issuing_state],
                self._as_of(synth),
                traveller=document_type == "passport",
            )
            found = [d for d in record["documents"] if d["document_type"] == document_type]
            if found:
                document: JsonDict = found[0]
                if as_model:
                    return IdentityDocument.model_validate(document)
                return document
        raise RuntimeError("no document of that type drawn")  # pragma: no cover - p < 1e-50

    @overload
    def kzcn_message(
        self,
        kind: str | None = None,
        sender: str | None = None,
        *,
        as_model: Literal[False] = False,
    ) -> JsonDict: ...

    @overload
    def kzcn_message(
        self, kind: str | None = None, sender: str | None = None, *, as_model: Literal[True]
    ) -> Message: ...

    def kzcn_message(
        self, kind: str | None = None, sender: str | None = None, *, as_model: bool = False
    ) -> JsonDict | Message:
        """A message of the exchange, marked `synthetic: true`.

        Args:
            kind: one of `kzcn.messages.MESSAGE_KINDS`; drawn from the default mix when None.
            sender: "KAZ" or "CHN"; drawn when None.
            as_model: return the validated message model instead of a dict.
        """
        _check_sender(sender)
        message = self._synth().message(kind, sender)
        return MessageAdapter.validate_python(message) if as_model else message

    def kzcn_messages(
        self, count: int, kind: str | None = None, sender: str | None = None
    ) -> list[JsonDict]:
        """`count` messages as JSON-ready dicts, built together.

        One call for many messages: the generator builds a message a column at
        a time, so `kzcn_message` costs about a millisecond a call while this
        costs some 20 µs a message. Same arguments as `kzcn_message`.
        """
        _check_sender(sender)
        return [orjson.loads(line) for line in self._synth().lines(count, kind, sender)]


def _check_sender(sender: str | None) -> None:
    if sender is not None and sender not in ("KAZ", "CHN"):
        raise ValueError("sender must be KAZ or CHN")
