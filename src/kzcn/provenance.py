"""Provenance: what each field, message kind and rule of the regime rests on.

The agreement's full text is not public; most of what kzcn models comes from
a press paraphrase of Article 1, officials' statements, standards and national
laws, and the rest is kzcn's own design. Each entry says which (`basis`) and
names its sources (`refs`, ids of `kzcn.sources`). The models carry these
tables into the JSON Schema as `x-kzcn-source` (see `KzcnModel`), so there is
one place to read them and one test that every property and kind has one.

Fields are keyed by the model that declares them; a subclass inherits its
bases' entries (the envelope's fields are given once, under `_Envelope`).
"""

from __future__ import annotations

import typing
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kzcn.sources import Basis

if TYPE_CHECKING:
    from pydantic import BaseModel

__all__ = [
    "DATA_PROTECTION",
    "ENUM_SOURCES",
    "ENUM_SOURCE_KEY",
    "KIND_SOURCES",
    "RULE_SOURCES",
    "SOURCE_KEY",
    "DataProtection",
    "Provenance",
    "Statement",
    "data_protection",
    "enum_sources",
    "field_source",
    "kind_source",
    "rule_source",
]

#: The JSON Schema keyword that carries a provenance.
SOURCE_KEY = "x-kzcn-source"


@dataclass(frozen=True, slots=True)
class Provenance:
    """Where something comes from: a basis and the ids of its sources."""

    basis: Basis
    refs: tuple[str, ...]

    def as_json(self) -> dict[str, Any]:
        """The `x-kzcn-source` value."""
        return {"basis": self.basis, "refs": list(self.refs)}


def _p(basis: Basis, *refs: str) -> Provenance:
    return Provenance(basis, refs)


_OURS = _p("assumption", "kzcn_design")
_ITEMS = _p("press_report", "ghroona")  # the paraphrased list of exchanged data items
_ART1_3 = _p("press_report", "ghroona")
_SUSPENSION = _p("press_report", "ghroona")
_AUTHORITIES = _p("official_statement", "katyk_170737")
_REQUESTS = _p("official_statement", "katyk_170737")
_REFUSAL = _p("official_statement", "inform_144341")

#: Field provenance by declaring model, then field.
FIELD_SOURCES: dict[str, dict[str, Provenance]] = {
    "_Envelope": {
        "schema_version": _OURS,
        "message_id": _p("assumption", "kzcn_design", "rfc_9562"),
        "sender": _AUTHORITIES,
        "recipient": _AUTHORITIES,
        "sent_on": _p("assumption", "kzcn_design", "iso_8601"),
        "channel": _p("official_statement", "katyk_170737", "ghroona"),
        "carrier": _p("official_statement", "katyk_170737"),
        "in_reply_to": _OURS,
        "synthetic": _OURS,
    },
    "PartyAuthority": {
        "state": _p("agreement", "ratification_law", "resolution_368"),
        "authority": _AUTHORITIES,
    },
    "EvidenceItem": {
        "type": _p("press_report", "rfa", "scmp_draft", "redcensor_dual", "seed_000_blog"),
        "number": _p("national_law", "prc_nationality_law", "kz_citizenship_law"),
        "date": _p("press_report", "redcensor_dual", "seed_000_blog"),
        "issuer": _p("national_law", "prc_nationality_law", "kz_citizenship_law"),
    },
    "FormerCitizenship": {
        "state": _ART1_3,
        "status": _p("press_report", "ghroona", "scmp_draft", "seed_000_blog"),
        "ended_by": _p("national_law", "prc_nationality_law", "kz_citizenship_law"),
        "ended_on": _p("national_law", "prc_nationality_law", "kz_citizenship_law"),
        "evidence": _p("press_report", "rfa", "scmp_draft", "chinaaid_hukou"),
    },
    "_CitizenshipChange": {
        "subject": _ITEMS,
        "acquisition": _p("press_report", "ghroona", "azh_94218"),
        "decided_on": _OURS,
        "decision_reference": _OURS,
        "former_citizenship": _p("press_report", "ghroona", "scmp_draft"),
    },
    "PriorChangeItem": {"item": _ART1_3},
    "PriorChangeList": {"list_id": _ART1_3, "items": _ART1_3},
    "DocumentReference": {
        "issuing_state": _p("assumption", "kzcn_design", "icao_9303"),
        "document_type": _p("assumption", "kzcn_design", "visa_exemption_2023"),
        "number": _ITEMS,
    },
    "RequestedPerson": {
        "item": _OURS,
        "personal_number": _p("assumption", "kzcn_design", "kz_iin_law", "gb_11643"),
        "document": _ITEMS,
    },
    "InformationRequest": {
        "purpose": _REQUESTS,
        "legal_basis": _OURS,
        "persons": _REQUESTS,
    },
    "RequestRefusal": {
        "grounds": _REFUSAL,
        "refused_items": _OURS,
    },
    "PriorCitizenshipChange": {
        "list_id": _ART1_3,
        "list_item": _ART1_3,
    },
    "CitizenshipStatusReply": {
        "subject": _ART1_3,
        "list_id": _ART1_3,
        "list_item": _ART1_3,
        "list_received_on": _ART1_3,
        "status": _ART1_3,
        "terminated_on": _OURS,
    },
    "BorderCrossing": {
        "direction": _p("press_report", "scmp_draft"),
        "crossed_on": _p("press_report", "scmp_draft"),
        "crossing_point": _OURS,
        "document_number": _OURS,
        "basis": _p("official_statement", "visa_exemption_2023"),
        "visa_valid_until": _p("standard", "eu_ees_2017_2226"),
    },
    "EntryStayExitViolation": {
        "subject": _p("press_report", "ghroona", "rfa"),
        "violation": _p("assumption", "kzcn_design", "kz_admin_offences_code"),
        "occurred_on": _OURS,
        "detected_on": _OURS,
        "crossings": _p("press_report", "scmp_draft"),
        "permitted_stay_until": _p("assumption", "kzcn_design", "visa_exemption_2023"),
        "measures": _p("assumption", "kzcn_design", "kz_admin_offences_code"),
        "entry_ban_until": _OURS,
        "legal_provision": _p("assumption", "kzcn_design", "kz_admin_offences_code"),
    },
    "StatisticsRow": {
        "purpose": _p("press_report", "ghroona", "uyghurcongress_art1"),
        "visa_free_entries": _p("press_report", "ghroona", "uyghurcongress_art1"),
        "visa_free_exits": _p("press_report", "ghroona", "uyghurcongress_art1"),
        "visas_issued": _p("press_report", "ghroona", "uyghurcongress_art1"),
    },
    "VisaFreeStatistics": {
        "citizens_of": _p("press_report", "ghroona", "uyghurcongress_art1"),
        "period_start": _OURS,
        "period_end": _OURS,
        "rows": _p("press_report", "ghroona", "uyghurcongress_art1"),
    },
    "SuspensionNotice": {
        "action": _SUSPENSION,
        "cancels": _OURS,
        "grounds": _SUSPENSION,
        "scope": _SUSPENSION,
        "suspended_areas": _OURS,
        "decided_on": _SUSPENSION,
        "effective_from": _SUSPENSION,
    },
    "PersonRecord": {
        "surname": _ITEMS,
        "given_names": _ITEMS,
        "patronymic": _ITEMS,
        "name_national": _OURS,
        "sex": _p("press_report", "ghroona", "icao_9303"),
        "date_of_birth": _ITEMS,
        "place_of_birth": _ITEMS,
        "citizenship": _ITEMS,
        "ethnic_nationality": _ITEMS,
        "personal_number": _p("assumption", "kzcn_design", "kz_iin_law", "gb_11643"),
        "documents": _ITEMS,
        "photo": _ITEMS,
    },
    "IdentityDocument": {
        "document_type": _p("assumption", "kzcn_design", "visa_exemption_2023"),
        "issuing_state": _p("assumption", "kzcn_design", "icao_9303"),
        "series": _ITEMS,
        "number": _ITEMS,
        "date_of_issue": _ITEMS,
        "date_of_expiry": _p("standard", "icao_9303"),
        "issuing_authority": _ITEMS,
        "mrz": _p("standard", "icao_9303"),
    },
    "BiscriptName": {
        "cyrillic": _ITEMS,
        "latin": _p("press_report", "ghroona", "icao_9303"),
    },
    "Place": {
        "country": _p("standard", "iso_3166"),
        "region": _OURS,
        "locality": _OURS,
        "admin_code": _p("standard", "gb_t_2260", "kato"),
    },
    "PhotoReference": {
        "sha256": _OURS,
        "media_type": _OURS,
        "uri": _OURS,
    },
}

_VISA_FREE = _p("official_statement", "visa_exemption_2023")
_PRC_LAW = _p("national_law", "prc_nationality_law")

#: Enum values whose basis differs from their field's, by model, field and value.
ENUM_SOURCES: dict[str, dict[str, dict[str, Provenance]]] = {
    "StatisticsRow": {
        "purpose": {
            **dict.fromkeys(
                (
                    "private",
                    "business",
                    "tourism",
                    "medical",
                    "international_transport",
                    "transit",
                    "study",
                    "work",
                ),
                _VISA_FREE,
            ),
            "official": _OURS,
            "other": _OURS,
        }
    },
    "FormerCitizenship": {
        "status": {
            "terminated": _ART1_3,
            "retained": _ART1_3,
            "termination_requested": _p("press_report", "seed_000_blog"),
            "termination_refused": _PRC_LAW,
            "lost_by_law_unconfirmed": _p("national_law", "prc_nationality_law", "redcensor_dual"),
            "unknown": _OURS,
        },
        "ended_by": {
            "renunciation_approved": _PRC_LAW,
            "automatic_by_law": _p("national_law", "prc_nationality_law", "kz_citizenship_law"),
            "deprivation": _OURS,
        },
    },
    "EvidenceItem": {
        "type": {
            "renunciation_certificate_chn": _PRC_LAW,
            "termination_certificate_kaz": _p("national_law", "kz_citizenship_law"),
            "hukou_cancellation": _p("press_report", "redcensor_dual", "chinaaid_hukou"),
            "passport_cancelled": _p("press_report", "redcensor_dual", "rfa"),
            "renunciation_application": _p("press_report", "seed_000_blog"),
        }
    },
    "CitizenshipStatusReply": {
        "status": {
            "retained": _ART1_3,
            "terminated": _ART1_3,
            "termination_pending": _p("press_report", "seed_000_blog"),
            "no_record": _OURS,
            "refused": _PRC_LAW,
        }
    },
    "RequestRefusal": {
        "grounds": {
            "sovereignty": _REFUSAL,
            "security": _REFUSAL,
            "contrary_to_law": _REFUSAL,
            "public_order": _OURS,
            "other": _OURS,
        }
    },
    "_Envelope": {
        "channel": {
            "diplomatic": _p("official_statement", "katyk_170737", "ghroona"),
            "competent_authority": _OURS,
        }
    },
}
#: The JSON Schema keyword that carries the provenance of enum values.
ENUM_SOURCE_KEY = "x-kzcn-enum-source"

#: Each message kind: the part of the agreement (as reported) it carries.
KIND_SOURCES: dict[str, Provenance] = {
    "citizenship_acquisition": _p("press_report", "ghroona", "azh_94218"),
    "prior_citizenship_change": _ART1_3,
    "citizenship_status_reply": _ART1_3,
    "entry_stay_exit_violation": _p("press_report", "ghroona", "rfa"),
    "visa_free_statistics": _p("press_report", "ghroona", "uyghurcongress_art1"),
    "suspension_notice": _SUSPENSION,
    "prior_change_list": _ART1_3,
    "information_request": _REQUESTS,
    "request_refusal": _REFUSAL,
}

#: Rule provenance by error-code family; `RULE_SOURCES` overrides per code.
_FAMILY_SOURCES: dict[str, Provenance] = {
    "structure": _p("standard", "json_schema"),
    "date": _p("standard", "iso_8601"),
    "name": _p("standard", "icao_9303", "unicode_nfc"),
    "country": _p("standard", "iso_3166"),
    "place": _p("standard", "gb_t_2260", "kato"),
    "photo": _OURS,
    "document": _OURS,
    "iin": _p("national_law", "kz_iin_law"),
    "resident_id": _p("standard", "gb_11643"),
    "personal_number": _OURS,
    "mrz": _p("standard", "icao_9303"),
    "message": _OURS,
    "deadline": _ART1_3,
    "input": _OURS,
    "stay": _p("official_statement", "visa_exemption_2023", "eu_ees_2017_2226"),
}

#: Rules whose basis differs from their family's.
RULE_SOURCES: dict[str, Provenance] = {
    "document.issued_before_birth": _p("standard", "icao_9303"),
    "document.expiry_before_issue": _p("standard", "icao_9303"),
    "document.number_era": _p("official_statement", "gz_psb_passport"),
    "document.issuer_era": _p("national_law", "prc_passport_law", "kz_mia_order_631"),
    "message.same_state": _p("agreement", "ratification_law"),
    "message.sent_before_force": _p("press_report", "remote_xuar", "vestikavkaza_164212"),
    "message.authority_state": _AUTHORITIES,
    "message.subject_citizenship": _p("press_report", "ghroona", "azh_94218"),
    "message.former_citizenship": _ART1_3,
    "message.decided_before_force": _p("press_report", "ghroona", "azh_94218"),
    "message.decided_after_force": _ART1_3,
    "message.channel": _p("official_statement", "katyk_170737", "ghroona"),
    "message.partial_scope": _SUSPENSION,
    "deadline.suspension": _SUSPENSION,
    "message.carrier": _AUTHORITIES,
    "message.ended_by": _p("national_law", "prc_nationality_law", "kz_citizenship_law"),
    "message.visa_free_purpose": _p("official_statement", "visa_exemption_2023"),
    "message.cancels": _SUSPENSION,
    "message.request_identifier": _OURS,
    "message.duplicate_item": _OURS,
    "stay.crossing_order": _OURS,
}


@dataclass(frozen=True, slots=True)
class Statement:
    """What a source says on one data-protection question, or `not_found`."""

    text: str
    source: Provenance | None  # None: no source says anything (`not_found`)

    @property
    def basis(self) -> str:
        """The basis, or `not_found` where no source says anything."""
        return self.source.basis if self.source else "not_found"

    def as_json(self) -> dict[str, Any]:
        """The statement with its basis and refs."""
        refs = list(self.source.refs) if self.source else []
        return {"text": self.text, "basis": self.basis, "refs": refs}


@dataclass(frozen=True, slots=True)
class DataProtection:
    """Data-protection metadata of a kind: purpose, recipients, onward transfer, retention."""

    purpose: Statement
    recipients: Statement
    onward_transfer: Statement
    retention: Statement

    def as_json(self) -> dict[str, Any]:
        """Each question with its statement."""
        return {
            name: getattr(self, name).as_json()
            for name in ("purpose", "recipients", "onward_transfer", "retention")
        }


_NOT_FOUND = "Not found: the agreement's text on this is not public."
_NO_ONWARD = Statement(_NOT_FOUND, None)
_NO_RETENTION = Statement(_NOT_FOUND, None)
_RECIPIENTS = Statement(
    "The competent authorities: Kazakhstan's Ministry of Internal Affairs and Ministry of "
    "Labour and Social Protection of Population; China's Ministry of Foreign Affairs and "
    "National Immigration Administration.",
    _AUTHORITIES,
)
_PROTECT_CITIZENS = Statement(
    "To protect the interests of citizens (as paraphrased for Article 1(3)); the preamble "
    "speaks of an information notification mechanism.",
    _p("press_report", "ghroona"),
)


def _dp(purpose: Statement) -> DataProtection:
    return DataProtection(purpose, _RECIPIENTS, _NO_ONWARD, _NO_RETENTION)


#: Per kind: what the sources say on purpose, recipients, onward transfer and retention.
#: The reported analogue (EU readmission agreements, the EU Entry/Exit System) limits
#: purpose, onward transfer and storage; nothing public says this agreement does.
DATA_PROTECTION: dict[str, DataProtection] = {
    "citizenship_acquisition": _dp(
        Statement(
            "Notification of citizens of the other party admitted to or restored in citizenship.",
            _p("press_report", "ghroona", "azh_94218"),
        )
    ),
    "prior_citizenship_change": _dp(_PROTECT_CITIZENS),
    "prior_change_list": _dp(_PROTECT_CITIZENS),
    "citizenship_status_reply": _dp(_PROTECT_CITIZENS),
    "entry_stay_exit_violation": _dp(
        Statement(
            "Notification of citizens of the other party who violated entry, stay or exit rules.",
            _p("press_report", "ghroona", "rfa"),
        )
    ),
    "visa_free_statistics": _dp(
        Statement(
            "Numbers of visa-free trips and visas issued, by purpose (no person).",
            _p("press_report", "ghroona", "uyghurcongress_art1"),
        )
    ),
    "suspension_notice": _dp(
        Statement(
            "Informing the other party of the adoption or cancellation of a suspension.",
            _SUSPENSION,
        )
    ),
    "information_request": _dp(
        Statement(
            "Citizenship information is given only through diplomatic channels, upon requests.",
            _REQUESTS,
        )
    ),
    "request_refusal": _dp(
        Statement(
            "A request may be refused for a threat to sovereignty or security, or contradiction "
            "of national law.",
            _REFUSAL,
        )
    ),
}


def data_protection(kind: str) -> DataProtection:
    """The data-protection metadata of a message kind."""
    return DATA_PROTECTION[kind]


def _declared(model: type[BaseModel], field: str) -> Provenance | None:
    for klass in model.__mro__:
        entry = FIELD_SOURCES.get(klass.__name__, {}).get(field)
        if entry is not None:
            return entry
    return None


def enum_sources(model: type[BaseModel], field: str) -> dict[str, Provenance]:
    """Provenance of the enum values of `model.field` that differ from the field's."""
    for klass in model.__mro__:
        found = ENUM_SOURCES.get(klass.__name__, {}).get(field)
        if found is not None:
            return found
    return {}


def field_source(model: type[BaseModel], field: str) -> Provenance:
    """The provenance of `model.field` (its own, or its nearest base's).

    Raises:
        KeyError: when the field has none (a test keeps this from happening).
    """
    found = _declared(model, field)
    if found is None and field == "kind" and "kind" in model.model_fields:
        found = kind_source(_kind_of(model))
    if found is None:
        raise KeyError(f"{model.__name__}.{field} has no provenance")
    return found


def _kind_of(model: type[BaseModel]) -> str:
    """The `kind` literal of a message model."""
    return str(typing.get_args(model.model_fields["kind"].annotation)[0])


def kind_source(kind: str) -> Provenance:
    """The provenance of a message kind."""
    return KIND_SOURCES[kind]


def rule_source(code: str) -> Provenance:
    """The provenance of the rule behind an error code."""
    return RULE_SOURCES.get(code) or _FAMILY_SOURCES[code.split(".", 1)[0]]


def annotate(model: type[BaseModel], schema: dict[str, Any]) -> None:
    """Add `x-kzcn-source` to the properties (and, for a kind, the model) of `schema`."""
    is_kind = "kind" in model.model_fields
    for name, prop in schema.get("properties", {}).items():
        found = (
            kind_source(_kind_of(model)) if name == "kind" and is_kind else _declared(model, name)
        )
        if found is not None:
            prop[SOURCE_KEY] = found.as_json()
            values = enum_sources(model, name)
            if values:
                prop[ENUM_SOURCE_KEY] = {v: p.as_json() for v, p in values.items()}
    if is_kind:
        schema[SOURCE_KEY] = kind_source(_kind_of(model)).as_json()
