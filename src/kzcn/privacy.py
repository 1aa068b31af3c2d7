"""Privacy annotations: the one place a field's privacy role and legal categories are set.

Every model field that carries personal data gets `json_schema_extra=privacy(...)`.
The JSON Schema, the data dictionary (`kzcn fields`) and the exposure report all
read these annotations back, so there is no second list to keep in step.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import JsonValue

__all__ = [
    "LEGAL_CATEGORIES",
    "PRIVACY_KEY",
    "LegalCategory",
    "PrivacyRole",
    "privacy",
]

#: The JSON Schema keyword that carries the annotation.
PRIVACY_KEY = "x-kzcn-privacy"

PrivacyRole = Literal["direct_identifier", "quasi_identifier", "sensitive", "other"]


@dataclass(frozen=True, slots=True)
class LegalCategory:
    """A category of personal data in one law, with the article that defines it."""

    code: str
    law: str
    article: str
    title: str


LEGAL_CATEGORIES: dict[str, LegalCategory] = {
    c.code: c
    for c in (
        LegalCategory("gdpr.personal", "GDPR", "Art. 4(1)", "personal data"),
        LegalCategory(
            "gdpr.ethnic_origin", "GDPR", "Art. 9(1)", "special category: racial or ethnic origin"
        ),
        LegalCategory(
            "gdpr.biometric",
            "GDPR",
            "Art. 9(1), Art. 4(14), Recital 51",
            "special category: biometric data for unique identification "
            "(a photograph only when processed by specific technical means)",
        ),
        LegalCategory(
            "gdpr.offences", "GDPR", "Art. 10", "personal data relating to offences and measures"
        ),
        LegalCategory("pipl.personal", "PIPL", "Art. 4", "personal information"),
        LegalCategory("pipl.biometric", "PIPL", "Art. 28", "sensitive: biometric identification"),
        LegalCategory(
            "pipl.specific_identity",
            "PIPL",
            "Art. 28",
            "sensitive: specific identity (an interpretation; no official definition found)",
        ),
        LegalCategory("pipl.whereabouts", "PIPL", "Art. 28", "sensitive: whereabouts and tracks"),
        LegalCategory("kz94v.personal", "Kazakhstan Law 94-V", "Art. 1(2)", "personal data"),
        LegalCategory(
            "kz94v.restricted",
            "Kazakhstan Law 94-V",
            "Art. 1, access categories",
            "restricted-access personal data (name, date of birth, nationality, IIN, "
            "document number in published summaries)",
        ),
        LegalCategory("kz94v.biometric", "Kazakhstan Law 94-V", "Art. 1(1)", "biometric data"),
    )
}

_BASE = ("gdpr.personal", "pipl.personal", "kz94v.personal")


def privacy(role: PrivacyRole, *categories: str) -> dict[str, JsonValue]:
    """The `json_schema_extra` of a personal-data field.

    Every personal field is personal data under all three laws; `categories`
    adds the special ones. An unknown category is a programming error.
    """
    unknown = [c for c in categories if c not in LEGAL_CATEGORIES]
    if unknown:
        raise ValueError(f"unknown legal categories: {unknown}")
    return {PRIVACY_KEY: {"role": role, "personal": True, "categories": [*_BASE, *categories]}}
