"""Labels of fields, values, kinds and report phrases in English, Russian, Kazakh and Chinese.

They live in `kzcn/data/labels_<lang>.json`, keyed by the field's *owner key*
(`PersonRecord.surname`, `Envelope.sent_on`: the model that defines the
field, without a leading underscore). English descriptions come from the
models themselves.
"""

from __future__ import annotations

import typing
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import orjson

from kzcn.authorities import AUTHORITIES, Language
from kzcn.dictionary._walk import FieldEntry
from kzcn.privacy import LEGAL_CATEGORIES

__all__ = ["LANGUAGES", "Labels", "labels"]

LANGUAGES: tuple[Language, ...] = typing.get_args(Language)


@dataclass(frozen=True, slots=True)
class Labels:
    """Labels of one language, read from `kzcn/data/labels_<lang>.json`."""

    language: Language
    raw: dict[str, Any]

    def _section(self, name: str) -> dict[str, Any]:
        section = self.raw.get(name, {})
        return section if isinstance(section, dict) else {}

    def field_label(self, owner: str) -> str:
        """The short label of a field (the owner key when missing)."""
        entry = self._section("fields").get(owner, {})
        return str(entry.get("label", owner))

    def field_description(self, entry: FieldEntry) -> str:
        """The description: the model's in English, the labels file's otherwise."""
        if self.language == "en":
            return entry.description
        found = self._section("fields").get(entry.owner, {})
        return str(found.get("description", entry.description))

    def value_label(self, owner: str, value: str) -> str:
        """The label of one enum value (authorities named from `kzcn.authorities`)."""
        if value in AUTHORITIES:
            return AUTHORITIES[value].names[self.language]
        return str(self._section("values").get(owner, {}).get(value, value))

    def kind(self, kind: str) -> str:
        """The name of a message kind."""
        return str(self._section("kinds").get(kind, kind))

    def role(self, role: str | None) -> str:
        """The name of a privacy role (`None` is "not personal data")."""
        return str(self._section("roles").get(role or "none", role or "none"))

    def category(self, code: str) -> str:
        """The title of a legal category (law and article are not translated)."""
        category = LEGAL_CATEGORIES[code]
        title = str(self._section("categories").get(code, category.title))
        return f"{category.law} {category.article}: {title}"

    def country(self, code: str) -> str:
        """The name of a party."""
        return str(self._section("countries").get(code, code))

    def basis(self, basis: str) -> str:
        """The name of a basis (agreement, press report ... or not found)."""
        return str(self._section("bases").get(basis, basis))

    def text(self, key: str) -> str:
        """A heading or phrase of the reports."""
        return str(self._section("ui").get(key, key))


@cache
def labels(language: Language) -> Labels:
    """The labels of `language` (en, ru, kk or zh)."""
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}; choose from {', '.join(LANGUAGES)}")
    name = f"labels_{language}.json"
    raw = orjson.loads(resources.files("kzcn.data").joinpath(name).read_bytes())
    return Labels(language, raw)
