"""The exchanged personal data: `PersonRecord` and its `IdentityDocument`s."""

from __future__ import annotations

import re
from datetime import date
from functools import cached_property
from typing import Annotated, Literal

from pydantic import ConfigDict, Field, JsonValue, model_validator

from kzcn._base import KzcnModel
from kzcn.eras import dated_document_kinds, first_issue_days, issuer_out_of_era, number_out_of_era
from kzcn.errors import RuleBreach, raise_errors
from kzcn.identifiers import (
    DOCUMENT_NUMBER_PATTERNS,
    OTHER_DOCUMENT_NUMBER_PATTERN,
    RESIDENT_ID_PATTERN,
    document_number_pattern,
    iin_fine,
    iin_problems,
    resident_id_fine,
    resident_id_matches,
    resident_id_number_problem,
    resident_id_problems,
    yymmdd,
)
from kzcn.mrz import (
    MrzFields,
    check_digit_problems,
    holder_agrees,
    holder_names,
    mrz_date,
    name_field,
    parse_mrz,
    verified_part,
)
from kzcn.privacy import privacy
from kzcn.types import BiscriptName, CountryCode, NationalCharacters, PhotoReference, Place

__all__ = [
    "DocumentType",
    "EthnicNationality",
    "IdentityDocument",
    "PersonRecord",
    "Sex",
]


DocumentType = Literal[
    "passport", "identity_card", "residence_permit", "travel_document", "certificate_of_return"
]
Sex = Literal["F", "M"]
EthnicNationality = Literal[
    "kazakh",
    "uyghur",
    "han",
    "hui",
    "kyrgyz",
    "dungan",
    "russian",
    "uzbek",
    "tatar",
    "xibe",
    "mongol",
    "other",
    "not_stated",
]

#: The day this process started: a date of birth before it is not in the future, whatever
#: the day now (the fast accept path's shortcut; `date.today()` costs a microsecond).
_STARTED_ON = date.today()  # noqa: DTZ011 - a calendar date

_OTHER_NUMBER = re.compile(OTHER_DOCUMENT_NUMBER_PATTERN)
#: A Chinese identity card: its number is a resident ID number, checked as one.
_RESIDENT_ID_CARD = ("CHN", "identity_card")
#: The documents whose number format is dated (`number_out_of_era` judges no other).
_DATED = dated_document_kinds()
#: `first_issue_day` by (state, document type, issuer as printed); None for any other.
_FIRST_ISSUE = first_issue_days()
#: `document_number_pattern(state, kind).fullmatch` by (state, kind), and for any other.
_NUMBER_MATCHES = {key: document_number_pattern(*key).fullmatch for key in DOCUMENT_NUMBER_PATTERNS}
_OTHER_MATCHES = _OTHER_NUMBER.fullmatch

_MRZ_LINE = Annotated[str, Field(pattern=r"^[A-Z0-9<]{30}$|^[A-Z0-9<]{36}$|^[A-Z0-9<]{44}$")]


def _number_rules() -> list[JsonValue]:
    rules: list[JsonValue] = []
    for (state, kind), pattern in DOCUMENT_NUMBER_PATTERNS.items():
        rules.append(
            {
                "if": {
                    "properties": {
                        "issuing_state": {"const": state},
                        "document_type": {"const": kind},
                    },
                    "required": ["issuing_state", "document_type"],
                },
                "then": {"properties": {"number": {"pattern": pattern}}},
            }
        )
    return rules


class IdentityDocument(KzcnModel):
    """An identity document: series, number, date of issue and issuing authority."""

    model_config = ConfigDict(
        json_schema_extra={
            "allOf": _number_rules(),
        }
    )

    document_type: DocumentType = Field(
        description="Kind of document.", json_schema_extra=privacy("other")
    )
    issuing_state: CountryCode = Field(
        description="State that issued the document; for a former passport, it reveals the "
        "former citizenship.",
        json_schema_extra=privacy("quasi_identifier", "pipl.specific_identity"),
    )
    series: str | None = Field(
        default=None,
        pattern=r"^[A-Z0-9]{1,4}$",
        description="Document series, where the state uses one.",
        json_schema_extra=privacy("direct_identifier", "kz94v.restricted"),
    )
    number: str = Field(
        description="Document number; format by issuing state and type: KAZ passport N + 8 "
        "digits, KAZ identity card 9 digits, CHN passport G or E + 8 digits or E + letter + 7 "
        "digits, CHN identity card the 18-character resident ID number; otherwise 5-20 of A-Z "
        "and 0-9.",
        json_schema_extra={
            "pattern": OTHER_DOCUMENT_NUMBER_PATTERN,
            **privacy("direct_identifier", "kz94v.restricted"),
        },
    )
    date_of_issue: date = Field(description="Date of issue.", json_schema_extra=privacy("other"))
    date_of_expiry: date | None = Field(
        default=None,
        description="Date of expiry, after the date of issue; null for documents without one.",
        json_schema_extra=privacy("other"),
    )
    issuing_authority: str = Field(
        min_length=1,
        max_length=100,
        description="Issuing authority as printed on the document.",
        json_schema_extra=privacy("quasi_identifier"),
    )
    mrz: tuple[_MRZ_LINE, ...] | None = Field(
        default=None,
        min_length=2,
        max_length=3,
        description=(
            "Machine-readable zone: TD3 (2 lines of 44), TD2 (2 lines of 36) or TD1 "
            "(3 lines of 30)."
        ),
        json_schema_extra=privacy("direct_identifier", "kz94v.restricted"),
    )

    @model_validator(mode="after")
    def _document_rules(self) -> IdentityDocument:
        raise_errors("IdentityDocument", self.problems())
        return self

    def problems(self) -> list[RuleBreach]:
        """Rule violations of the document alone (no holder data needed)."""
        found: list[RuleBreach] = []
        state, kind, number, issued = (
            self.issuing_state,
            self.document_type,
            self.number,
            self.date_of_issue,
        )
        if not document_number_pattern(state, kind).fullmatch(number):
            found.append((("number",), "document.number_format"))
        elif kind == "identity_card" and state == "CHN":
            found += [(("number",), c) for c in resident_id_problems(number, None, None)]
        if number_out_of_era(state, kind, number, issued):
            found.append((("number",), "document.number_era"))
        if issuer_out_of_era(state, kind, self.issuing_authority, issued):
            found.append((("issuing_authority",), "document.issuer_era"))
        if (expiry := self.date_of_expiry) is not None and expiry <= issued:
            found.append((("date_of_expiry",), "document.expiry_before_issue"))
        if self.mrz is not None and (wrong := self._mrz_problems()):
            found += [(("mrz", *loc), code) for loc, code in wrong]
        return found

    def _mrz_problems(self) -> list[RuleBreach]:
        fields = self.mrz_fields
        if fields is None or (self.document_type == "passport") != (fields.layout == "TD3"):
            return [((), "mrz.format")]
        found = check_digit_problems(fields)
        if (
            fields.issuing_state != self.issuing_state
            or fields.number.rstrip("<") != self._mrz_number(fields.layout)
            or fields.expiry != mrz_date(self.date_of_expiry)
            or (self.document_type == "passport" and fields.nationality != self.issuing_state)
        ):
            found.append(((fields.number_line,), "mrz.mismatch"))
        return found

    def _accepts(self) -> bool:
        """Whether `problems()` finds nothing, without saying what: the fast accept path's rule.

        The same conditions, minus the building of locations and codes, and the
        MRZ read by `verified_part` (no `MrzFields`). Held to `problems()` by
        tests/test_fast_rules.py.
        """
        state, kind, number, issued = (
            self.issuing_state,
            self.document_type,
            self.number,
            self.date_of_issue,
        )
        key = (state, kind)
        if key == _RESIDENT_ID_CARD:  # the number pattern is the resident ID's own format
            if resident_id_number_problem(number) is not None:
                return False
        elif not _NUMBER_MATCHES.get(key, _OTHER_MATCHES)(number):
            return False
        if key in _DATED and number_out_of_era(state, kind, number, issued):
            return False
        # `issuer_out_of_era`, its table asked here (no call at all on every document).
        first = _FIRST_ISSUE.get((state, kind, self.issuing_authority))
        if first is not None and issued.toordinal() < first:
            return False
        if (expiry := self.date_of_expiry) is not None and expiry <= issued:
            return False
        return self.mrz is None or self._mrz_accepts()

    def _mrz_accepts(self) -> bool:
        """Whether `_mrz_problems()` finds nothing (see `_accepts`)."""
        part = verified_part(self.mrz or ())
        if part is None:
            return False
        layout, state, number, nationality, expiry = part
        if self.document_type == "passport":  # a passport's MRZ is TD3, a card's is not
            if layout != "TD3" or nationality != state or number.rstrip("<") != self.number[:9]:
                return False
        elif layout == "TD3" or number.rstrip("<") != self.number:
            return False
        return state == self.issuing_state and expiry == mrz_date(self.date_of_expiry)

    def _mrz_number(self, layout: str) -> str:
        # A passport cuts a long number at 9; a card carries it whole (9303-5, note j).
        return self.number[:9] if layout == "TD3" else self.number

    @cached_property
    def mrz_fields(self) -> MrzFields | None:
        """The MRZ split into fields (None when absent or malformed); parsed once."""
        return parse_mrz(self.mrz) if self.mrz else None


def _personal_number_rules() -> list[JsonValue]:
    return [
        {
            "if": {
                "properties": {
                    "citizenship": {"const": state},
                    "personal_number": {"type": "string"},
                },
                "required": ["citizenship"],
            },
            "then": {"properties": {"personal_number": {"pattern": pattern}}},
        }
        for state, pattern in (("KAZ", r"^[0-9]{12}$"), ("CHN", RESIDENT_ID_PATTERN))
    ]


class PersonRecord(KzcnModel):
    """The personal data the agreement exchanges about one person."""

    model_config = ConfigDict(
        json_schema_extra={
            "allOf": _personal_number_rules(),
        }
    )

    surname: BiscriptName = Field(
        description="Surname (ICAO primary identifier) in Cyrillic and Latin script.",
        json_schema_extra=privacy("direct_identifier", "kz94v.restricted"),
    )
    given_names: BiscriptName = Field(
        description="Given names (ICAO secondary identifier) in Cyrillic and Latin script.",
        json_schema_extra=privacy("direct_identifier", "kz94v.restricted"),
    )
    patronymic: BiscriptName | None = Field(
        default=None,
        description="Patronymic: Russian -ович/-овна or Kazakh -ұлы/-қызы; null if none.",
        json_schema_extra=privacy("direct_identifier", "kz94v.restricted"),
    )
    name_national: NationalCharacters | None = Field(
        default=None,
        description="The full name in Han characters, for citizens of China.",
        json_schema_extra=privacy("direct_identifier"),
    )
    sex: Sex = Field(
        description="Sex as on documents: F or M (ICAO 9303 codes; both states issue only these).",
        json_schema_extra=privacy("quasi_identifier"),
    )
    date_of_birth: date = Field(
        description="Date of birth; not in the future.",
        json_schema_extra=privacy("quasi_identifier", "kz94v.restricted"),
    )
    place_of_birth: Place = Field(
        description="Place of birth.", json_schema_extra=privacy("quasi_identifier")
    )
    citizenship: CountryCode = Field(
        description="Current citizenship.", json_schema_extra=privacy("quasi_identifier")
    )
    ethnic_nationality: EthnicNationality = Field(
        description="Ethnic nationality (национальность / 民族) as recorded by the state; "
        "not citizenship.",
        json_schema_extra=privacy(
            "sensitive", "gdpr.ethnic_origin", "pipl.specific_identity", "kz94v.restricted"
        ),
    )
    personal_number: str | None = Field(
        default=None,
        description="KAZ: the 12-digit IIN; CHN: the 18-character resident ID number; "
        "otherwise 5-20 of A-Z and 0-9.",
        json_schema_extra={
            "pattern": OTHER_DOCUMENT_NUMBER_PATTERN,
            **privacy("direct_identifier", "kz94v.restricted"),
        },
    )
    documents: tuple[IdentityDocument, ...] = Field(
        min_length=1, description="Identity documents; at least one."
    )
    photo: PhotoReference | None = Field(
        default=None,
        description="Reference to the photograph; never the image itself.",
        json_schema_extra=privacy(
            "direct_identifier", "gdpr.biometric", "pipl.biometric", "kz94v.biometric"
        ),
    )

    @model_validator(mode="after")
    def _person_rules(self) -> PersonRecord:
        raise_errors("PersonRecord", self.problems())
        return self

    def problems(self, today: date | None = None) -> list[RuleBreach]:
        """Cross-field rule violations of the record."""
        found: list[RuleBreach] = []
        if self.date_of_birth > (today or date.today()):  # noqa: DTZ011 - a calendar date
            found.append((("date_of_birth",), "date.future"))
        found += self._personal_number_problems()
        for index, document in enumerate(self.documents):
            if wrong := self._holder(document):
                found += [(("documents", index, *loc), code) for loc, code in wrong]
        return found

    def _personal_number_problems(self) -> list[RuleBreach]:
        number = self.personal_number
        if number is None:
            return []
        if self.citizenship == "KAZ":
            codes = iin_problems(number, self.date_of_birth, self.sex)
        elif self.citizenship == "CHN":
            codes = resident_id_problems(number, self.date_of_birth, self.sex)
        else:
            other_ok = _OTHER_NUMBER.fullmatch(number)
            codes = [] if other_ok else ["personal_number.format"]
        return [(("personal_number",), code) for code in codes]

    def _holder(self, document: IdentityDocument) -> list[RuleBreach]:
        """Where a document must agree with its holder."""
        found: list[RuleBreach] = []
        if document.date_of_issue < self.date_of_birth:
            found.append((("date_of_issue",), "document.issued_before_birth"))
        if (
            document.document_type == "identity_card"
            and document.issuing_state == "CHN"
            and (codes := resident_id_problems(document.number, self.date_of_birth, self.sex))
        ):
            found += [(("number",), code) for code in codes if code.endswith("_mismatch")]
        # Without an MRZ there are no fields: not asked for, nor kept (most documents).
        fields = None if document.mrz is None else document.mrz_fields
        if fields is not None and self._mrz_disagrees(fields):
            found.append((("mrz", fields.birth_line), "mrz.mismatch"))
        return found

    def _accepts(self) -> bool:
        """Whether `problems()` finds nothing, without saying what: the fast accept path's rule.

        Its documents are accepted already (their own rules run first), and the
        holder's MRZ name field is built once for all of them. Held to
        `problems()` by tests/test_fast_rules.py.
        """
        born, sex = self.date_of_birth, self.sex
        # A day before the day the process started is not in the future: most births.
        if born > _STARTED_ON and born > date.today():  # noqa: DTZ011 - a calendar date
            return False
        number = self.personal_number
        if number is not None and not self._personal_number_fine():
            return False
        # A Chinese citizen's number was just matched with the birth date and sex: their
        # identity card of the same number (most) need not be matched again.
        matched = number if self.citizenship == "CHN" else None
        holder: tuple[str, str, str] | None = None
        for document in self.documents:
            if document.date_of_issue < born:
                return False
            if (
                document.document_type == "identity_card"
                and document.issuing_state == "CHN"
                and document.number != matched
                # `resident_id_problems`' two mismatches: the number's own rules passed.
                and not resident_id_matches(document.number, born, sex)
            ):
                return False
            if (lines := document.mrz) is not None:
                if holder is None:
                    names = holder_names(self.surname.latin, self.given_names.latin)
                    holder = yymmdd(born), sex, names  # `mrz_date` of a date that is there
                if not holder_agrees(lines, *holder):
                    return False
        return True

    def _personal_number_fine(self) -> bool:
        """Whether `_personal_number_problems()` finds nothing, for a number given."""
        number = self.personal_number or ""
        if self.citizenship == "KAZ":
            return iin_fine(number, self.date_of_birth, self.sex)
        if self.citizenship == "CHN":
            return resident_id_fine(number, self.date_of_birth, self.sex)
        return _OTHER_NUMBER.fullmatch(number) is not None

    def _mrz_disagrees(self, fields: MrzFields) -> bool:
        return (
            fields.birth != mrz_date(self.date_of_birth)
            or fields.sex != self.sex
            or fields.names
            != name_field(self.surname.latin, self.given_names.latin, len(fields.names))
        )
