"""Hypothesis strategies for kzcn's models and messages, for other projects' tests.

Valid by construction: each strategy draws a seed (and, where it makes sense,
a kind, a sender or a population) and builds the value with the same
generator `kzcn generate` uses, so examples are realistic, fast and always
accepted by the models. `invalid_messages()` draws a valid message and breaks
it with one named fault, giving the codes the validator must report.

    from hypothesis import given
    from kzcn import strategies as kst

    @given(kst.messages(kind="entry_stay_exit_violation"))
    def test_my_importer(message: dict) -> None:
        my_importer(message)

    @given(kst.invalid_messages())
    def test_my_checker(case: tuple[str, dict, tuple[str, ...]]) -> None:
        fault, message, codes = case
        assert my_checker(message) == set(codes)

Requires the `strategies` extra (hypothesis).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import orjson
from hypothesis import strategies as st
from pydantic import BaseModel

from kzcn.messages import MESSAGE_KINDS, Message, MessageAdapter
from kzcn.person import IdentityDocument, PersonRecord
from kzcn.synth.corruption import FAULTS, corrupt
from kzcn.synth.generator import DATA_END, DATA_START, Generator
from kzcn.synth.people import POPULATIONS
from kzcn.types import BiscriptName, PhotoReference, Place

__all__ = [
    "biscript_names",
    "identity_documents",
    "invalid_messages",
    "message_models",
    "messages",
    "person_records",
    "persons",
    "photo_references",
    "places",
    "seeds",
]

JsonDict = dict[str, Any]
ModelT = TypeVar("ModelT", bound=BaseModel)
_SENDERS = ("KAZ", "CHN")


def seeds() -> st.SearchStrategy[int]:
    """Seeds for `random.Random`: every other strategy here is a function of one."""
    return st.integers(min_value=0, max_value=2**32 - 1)


def _generator(seed: int) -> Generator:
    return Generator(random.Random(seed))  # noqa: S311 - reproducible test data, not secret


def _one_of(value: str | None, choices: Sequence[str], what: str) -> st.SearchStrategy[str]:
    if value is None:
        return st.sampled_from(choices)
    if value not in choices:
        raise ValueError(f"unknown {what} {value!r}; choose from {', '.join(choices)}")
    return st.just(value)


def messages(kind: str | None = None, sender: str | None = None) -> st.SearchStrategy[JsonDict]:
    """Valid messages as JSON-ready dicts.

    Args:
        kind: only this kind (`kzcn.messages.MESSAGE_KINDS`); any kind when None.
        sender: only from this state ("KAZ" or "CHN"); either when None.
    """
    return st.builds(
        lambda seed, k, s: _generator(seed).message(k, s),
        seeds(),
        _one_of(kind, MESSAGE_KINDS, "kind"),
        _one_of(sender, _SENDERS, "sender"),
    )


def message_models(
    kind: str | None = None, sender: str | None = None
) -> st.SearchStrategy[Message]:
    """Valid messages as models (`CitizenshipAcquisition`, …)."""
    return messages(kind, sender).map(lambda m: MessageAdapter.validate_json(orjson.dumps(m)))


def _person(seed: int, population: str) -> JsonDict:
    people = _generator(seed).people
    as_of = people.between(DATA_START, DATA_END)
    former = "CHN" if population.startswith("kandas") else None
    return people.person(
        population, as_of, naturalised_on=as_of - 60 if former else None, former=former
    )


def persons(population: str | None = None) -> st.SearchStrategy[JsonDict]:
    """Valid person records as dicts; `population` is a key of `kzcn.synth.POPULATIONS`."""
    return st.builds(_person, seeds(), _one_of(population, sorted(POPULATIONS), "population"))


def _model(model: type[ModelT]) -> Callable[[Any], ModelT]:
    return lambda value: model.model_validate_json(orjson.dumps(value))


def person_records(population: str | None = None) -> st.SearchStrategy[PersonRecord]:
    """Valid `PersonRecord` models."""
    return persons(population).map(_model(PersonRecord))


def identity_documents() -> st.SearchStrategy[IdentityDocument]:
    """Valid `IdentityDocument` models: passports, identity cards, former documents."""
    return st.builds(
        lambda person, index: person["documents"][index % len(person["documents"])],
        persons(),
        st.integers(min_value=0, max_value=3),
    ).map(_model(IdentityDocument))


def biscript_names() -> st.SearchStrategy[BiscriptName]:
    """Valid `BiscriptName` models: surnames, given names and patronymics."""
    return st.builds(
        lambda person, field: person[field] or person["surname"],
        persons(),
        st.sampled_from(("surname", "given_names", "patronymic")),
    ).map(_model(BiscriptName))


def places() -> st.SearchStrategy[Place]:
    """Valid `Place` models: places of birth in Kazakhstan and China."""
    return persons().map(lambda person: person["place_of_birth"]).map(_model(Place))


def photo_references() -> st.SearchStrategy[PhotoReference]:
    """Valid `PhotoReference` models."""
    return seeds().map(lambda seed: _generator(seed).people.photo()).map(_model(PhotoReference))


def invalid_messages(
    faults: Sequence[str] | None = None, kind: str | None = None
) -> st.SearchStrategy[tuple[str, JsonDict, tuple[str, ...]]]:
    """`(fault name, broken message dict, expected error codes)` triples.

    The validator reports exactly `expected error codes` (errors, sorted) for
    the message. `faults` restricts the faults (names of
    `kzcn.synth.FAULTS`); a drawn message no fault fits is skipped.
    """
    names = list(faults) if faults is not None else list(FAULTS)
    unknown = [name for name in names if name not in FAULTS]
    if unknown:
        raise ValueError(f"unknown fault {unknown[0]!r}; choose from {', '.join(FAULTS)}")

    def build(message: JsonDict, seed: int) -> tuple[str, JsonDict, tuple[str, ...]] | None:
        try:
            broken = corrupt(message, random.Random(seed), names)  # noqa: S311 - test data
        except ValueError:
            return None
        return broken.fault, broken.message, broken.codes

    return st.builds(build, messages(kind), seeds()).filter(_present).map(_unwrap)


Case = tuple[str, JsonDict, tuple[str, ...]]


def _present(case: Case | None) -> bool:
    return case is not None


def _unwrap(case: Case | None) -> Case:
    if case is None:  # pragma: no cover - filtered out before
        raise ValueError("no case")
    return case
