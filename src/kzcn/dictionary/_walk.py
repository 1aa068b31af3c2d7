"""The field dictionary: every field of every message kind, read from the models.

Nothing here is a second list kept by hand. The walk goes through the
pydantic models of the `Message` union: a field's privacy role and legal
categories come from its `x-kzcn-privacy` annotation (`kzcn.privacy`), its
English description from the model, its enum values from its `Literal` type,
and the kinds that carry it from where the walk found it. A field inside an
annotated field (the `latin` form of an annotated name, the `country` of an
annotated place) inherits the annotation of the field that holds it.
"""

from __future__ import annotations

import inspect
import types
import typing
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from typing import Any, Literal

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from kzcn.authorities import AUTHORITIES, CompetentAuthorityCode, Party
from kzcn.messages import MESSAGE_KINDS, MESSAGE_MODELS
from kzcn.privacy import PRIVACY_KEY, PrivacyRole
from kzcn.provenance import field_source
from kzcn.sources import Basis
from kzcn.types import CountryCode

__all__ = [
    "PARTIES",
    "Direction",
    "FieldDictionary",
    "FieldEntry",
    "field_dictionary",
    "person_fields",
]

#: The two parties; every kind may be sent either way (the models only require
#: that sender and recipient states differ).
PARTIES: tuple[str, ...] = typing.get_args(Party)

FieldType = Literal[
    "string", "date", "boolean", "integer", "country_code", "enum", "const", "object", "list"
]

# `CountryCode` is `Annotated[str, AfterValidator(...), Field(...)]`; a field is a
# country code when its metadata holds that very validator object.
_COUNTRY_VALIDATOR = typing.get_args(CountryCode)[1]


@dataclass(frozen=True, slots=True)
class Direction:
    """One way a kind may travel: sender state and authorities to recipient's."""

    sender: str
    recipient: str
    sender_authorities: tuple[str, ...]
    recipient_authorities: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class FieldEntry:
    """One field at one place in the messages.

    Attributes:
        path: Dotted path from the message root; a list's items are marked
            `[]` (`subject.documents[].number`).
        owner: The label key: defining model and field name.
        name: The field's own name.
        description: English description, from the model.
        type: A coarse type for readers (`enum`, `date`, `object`...).
        required: Whether every message of the kinds must carry it.
        values: The allowed values of an enum.
        personal: Whether it carries personal data (annotated, inherited, or
            an object or list holding such fields).
        role: The privacy role, or None when the field is not personal data
            (or is a container whose own fields carry the roles).
        categories: Legal category codes (`kzcn.privacy.LEGAL_CATEGORIES`).
        inherited: The annotation comes from an enclosing field.
        kinds: The message kinds that carry it, in the order of `MESSAGE_KINDS`.
        basis: What the field rests on (`kzcn.provenance`): agreement, official
            statement, press report, standard, national law or assumption.
        refs: The ids of its sources (`kzcn sources`).
    """

    path: str
    owner: str
    name: str
    description: str
    type: FieldType
    required: bool
    values: tuple[str, ...]
    personal: bool
    role: PrivacyRole | None
    categories: tuple[str, ...]
    inherited: bool
    kinds: tuple[str, ...]
    basis: Basis
    refs: tuple[str, ...]

    @property
    def depth(self) -> int:
        """How deep the field is nested (0 for a top-level field)."""
        return self.path.count(".")


@dataclass(frozen=True, slots=True)
class FieldDictionary:
    """Every field of every kind, and the directions each kind travels."""

    fields: tuple[FieldEntry, ...]
    directions: dict[str, tuple[Direction, ...]] = field(default_factory=dict)

    def personal(self) -> tuple[FieldEntry, ...]:
        """The fields that carry personal data."""
        return tuple(f for f in self.fields if f.personal)

    def by_path(self, path: str) -> tuple[FieldEntry, ...]:
        """Entries at `path` (one per defining model; `kind` has one per kind)."""
        return tuple(f for f in self.fields if f.path == path)

    def owners(self) -> tuple[str, ...]:
        """Every owner key, once, in catalogue order."""
        return tuple(dict.fromkeys(f.owner for f in self.fields))

    def enums(self) -> dict[str, tuple[str, ...]]:
        """Owner key → enum values, for every enum field."""
        return {f.owner: f.values for f in self.fields if f.type == "enum"}


# --- walking the models ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Privacy:
    role: PrivacyRole
    categories: tuple[str, ...]


def _annotation_privacy(info: FieldInfo) -> _Privacy | None:
    extra = info.json_schema_extra
    if not isinstance(extra, dict):
        return None
    raw = extra.get(PRIVACY_KEY)
    if not isinstance(raw, dict):
        return None
    role = typing.cast("PrivacyRole", raw["role"])
    categories = raw.get("categories", [])
    assert isinstance(categories, list)  # noqa: S101 - `privacy()` always writes a list
    return _Privacy(role, tuple(str(c) for c in categories))


def _unwrap(annotation: Any) -> tuple[Any, bool, bool]:
    """The annotation without `| None` and `list[...]`: (inner, optional, is_list)."""
    optional = False
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        optional = len(args) < len(typing.get_args(annotation))
        annotation = args[0] if len(args) == 1 else annotation
    is_list = typing.get_origin(annotation) in (list, tuple)  # arrays are tuples in the models
    if is_list:
        annotation = typing.get_args(annotation)[0]
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    return annotation, optional, is_list


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _scalar_type(annotation: Any, info: FieldInfo) -> tuple[FieldType, tuple[str, ...]]:
    if typing.get_origin(annotation) is Literal:
        values = tuple(str(v) for v in typing.get_args(annotation))
        return ("enum" if len(values) > 1 else "const"), values
    if _COUNTRY_VALIDATOR in info.metadata:
        return "country_code", ()
    simple: dict[Any, FieldType] = {date: "date", bool: "boolean", int: "integer"}
    return simple.get(annotation, "string"), ()


def _owner(model: type[BaseModel], name: str) -> str:
    """`Model.field` for the class that defines `name` (leading underscore dropped)."""
    for klass in model.__mro__:
        if name in inspect.get_annotations(klass):
            return f"{klass.__name__.lstrip('_')}.{name}"
    return (
        f"{model.__name__.lstrip('_')}.{name}"  # pragma: no cover - pydantic fields are annotated
    )


@dataclass(slots=True)
class _Walk:
    """Collects entries across kinds, merging the kinds of the same (path, owner)."""

    order: list[tuple[str, str]] = field(default_factory=list)
    entries: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)

    def add(self, kind: str, entry: dict[str, Any]) -> None:
        key = (entry["path"], entry["owner"])
        if key not in self.entries:
            self.order.append(key)
            self.entries[key] = {**entry, "kinds": []}
        self.entries[key]["kinds"].append(kind)

    def model(
        self,
        kind: str,
        model: type[BaseModel],
        prefix: str,
        inherited: _Privacy | None,
        *,
        required: bool = True,
    ) -> bool:
        """Walk `model`'s fields under `prefix`; True if any of them is personal."""
        any_personal = False
        for name, info in model.model_fields.items():
            inner, optional, is_list = _unwrap(info.annotation)
            path = f"{prefix}{name}"
            own = _annotation_privacy(info)
            privacy = own or inherited
            field_required = required and info.is_required() and not optional
            entry: dict[str, Any] = {
                "path": path,
                "owner": _owner(model, name),
                "name": name,
                "description": info.description or "",
                "required": field_required,
                "inherited": own is None and inherited is not None,
                "basis": field_source(model, name).basis,
                "refs": field_source(model, name).refs,
            }
            if _is_model(inner):
                child_prefix = f"{path}[]." if is_list else f"{path}."
                # Record the container before its children, so the order reads top-down.
                self.add(kind, entry)
                personal = self.model(kind, inner, child_prefix, privacy, required=field_required)
                entry.update(
                    type="list" if is_list else "object",
                    values=(),
                    personal=personal or bool(privacy),
                )
            else:
                field_type, values = _scalar_type(inner, info)
                entry.update(
                    type="list" if is_list and field_type == "string" else field_type,
                    values=values,
                    personal=privacy is not None,
                )
                self.add(kind, entry)
            entry.update(
                role=privacy.role if privacy else None,
                categories=privacy.categories if privacy else (),
            )
            self.entries[(path, entry["owner"])].update(
                {k: v for k, v in entry.items() if k != "kinds"}
            )
            any_personal = any_personal or bool(entry["personal"])
        return any_personal


def _directions() -> tuple[Direction, ...]:
    def authorities(state: str) -> tuple[str, ...]:
        # Competent authorities only: a foreign ministry that carries a message is its carrier.
        competent = typing.get_args(CompetentAuthorityCode)
        return tuple(
            a.code for a in AUTHORITIES.values() if a.state == state and a.code in competent
        )

    return tuple(
        Direction(s, r, authorities(s), authorities(r)) for s in PARTIES for r in PARTIES if s != r
    )


@cache
def field_dictionary() -> FieldDictionary:
    """Every field of every message kind, and the directions each kind travels (built once)."""
    walk = _Walk()
    for kind, model in MESSAGE_MODELS.items():
        walk.model(kind, model, "", None)
    fields = tuple(
        FieldEntry(**{**walk.entries[key], "kinds": tuple(walk.entries[key]["kinds"])})
        for key in walk.order
    )
    return FieldDictionary(fields, {kind: _directions() for kind in MESSAGE_KINDS})


@cache
def person_fields() -> dict[str, FieldEntry]:
    """The dictionary entries of the subject's person record, keyed by path below `subject.`."""
    prefix = "subject."
    fields = field_dictionary().fields
    return {f.path.removeprefix(prefix): f for f in fields if f.path.startswith(prefix)}
