"""The nine message kinds of the regime, as one discriminated union `Message`.

Rules a message breaks are errors (raised by the models). Deadlines are not
errors: a late message is still a message. They come back from
`message_warnings()` as `(location, code)` pairs of warning severity.
"""

from __future__ import annotations

import calendar
import datetime as dt
from datetime import date, timedelta
from typing import Annotated, Literal, get_args

from pydantic import BeforeValidator, ConfigDict, Field, JsonValue, TypeAdapter, model_validator
from pydantic.config import JsonDict

from kzcn._base import KzcnModel, RedactingAdapter, schema_rule
from kzcn._version import SchemaVersion
from kzcn.authorities import AUTHORITIES, CarrierCode, CompetentAuthorityCode, Party
from kzcn.errors import RuleBreach, kzcn_error, raise_errors
from kzcn.identifiers import OTHER_DOCUMENT_NUMBER_PATTERN
from kzcn.person import DocumentType, PersonRecord
from kzcn.privacy import privacy
from kzcn.stays import Crossing, StayReport, compute_stays, out_of_order
from kzcn.types import CountryCode

__all__ = [
    "ENTRY_INTO_FORCE",
    "MESSAGE_KINDS",
    "MESSAGE_MODELS",
    "PRIOR_CHANGES_DUE",
    "BorderCrossing",
    "CitizenshipAcquisition",
    "CitizenshipStatusReply",
    "DocumentReference",
    "EntryStayExitViolation",
    "EvidenceItem",
    "FormerCitizenship",
    "InformationRequest",
    "Message",
    "MessageAdapter",
    "PartyAuthority",
    "PriorChangeItem",
    "PriorChangeList",
    "PriorCitizenshipChange",
    "RequestRefusal",
    "RequestedPerson",
    "StatisticsRow",
    "SuspensionNotice",
    "VisaFreeStatistics",
    "message_warnings",
]


#: The agreement entered into force on 10 November 2023.
ENTRY_INTO_FORCE = date(2023, 11, 10)
#: Lists of changes decided before then were due within 6 months of it.
PRIOR_CHANGES_DUE = date(2024, 5, 10)
#: A status reply is due within 2 months of receiving the list.
STATUS_REPLY_MONTHS = 2
#: Days within which a reply is in time whatever the months (two months hold at least 59).
_SURELY_IN_TIME = 59
#: A suspension is notified no later than 72 hours after the decision.
SUSPENSION_NOTICE_DAYS = 3

_UUID_PATTERN = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
MessageId = Annotated[str, Field(pattern=_UUID_PATTERN, json_schema_extra={"format": "uuid"})]
ListId = Annotated[str, Field(pattern=r"^[A-Z0-9][A-Z0-9-]{0,39}$")]

Channel = Literal["diplomatic", "competent_authority"]
Acquisition = Literal["admission", "restoration"]
FormerCitizenshipStatus = Literal[
    "terminated",
    "retained",
    "termination_requested",
    "termination_refused",
    "lost_by_law_unconfirmed",
    "unknown",
]
EndedBy = Literal["renunciation_approved", "automatic_by_law", "deprivation"]
EvidenceType = Literal[
    "renunciation_certificate_chn",
    "termination_certificate_kaz",
    "hukou_cancellation",
    "passport_cancelled",
    "renunciation_application",
]
ReplyStatus = Literal["retained", "terminated", "termination_pending", "no_record", "refused"]
Violation = Literal[
    "illegal_entry",
    "illegal_exit",
    "overstay",
    "failure_to_register",
    "purpose_of_stay_violation",
    "invalid_document",
    "other",
]
Measure = Literal[
    "warning", "fine", "administrative_detention", "deportation", "entry_ban", "criminal_case"
]
#: Road and rail crossings; Nur Zholy (KZ) and Khorgos (CN) are the two sides of one road
#: crossing (inalmaty.kz), so it is listed once.
CrossingPoint = Literal[
    "nur_zholy",
    "dostyk_alashankou",
    "altynkol_khorgos_rail",
    "bakhty_baketu",
    "maikapshagai_jimunai",
    "kolzhat_dulata",
    "other",
]
Purpose = Literal[
    "tourism",
    "business",
    "private",
    "study",
    "work",
    "medical",
    "transit",
    "international_transport",
    "official",
    "other",
]
#: The purposes the visa-exemption agreement covers (visa_exemption_2023); work, study and
#: official trips need a visa, so their rows count no visa-free travel.
VISA_FREE_PURPOSES: frozenset[str] = frozenset(
    {"private", "business", "tourism", "medical", "international_transport", "transit", "other"}
)
RequestPurpose = Literal[
    "citizenship_status",
    "citizenship_acquisition",
    "prior_citizenship_change",
    "entry_stay_exit_violation",
    "other",
]
RefusalGrounds = Literal["sovereignty", "security", "public_order", "contrary_to_law", "other"]
Area = Literal[
    "visa_free_statistics",
    "citizenship_acquisition",
    "prior_citizenship_change",
    "entry_stay_exit_violation",
]
Grounds = Literal["national_security", "public_order", "public_health"]
Scope = Literal["full", "partial"]
SuspensionAction = Literal["adopted", "cancelled"]


def _not_version_1(value: object) -> object:
    """A 1.0 message is named as such, with the way to migrate it, not as a wrong value."""
    if value == "1.0":
        raise kzcn_error("structure.schema_1_0")
    return value


#: The version, with a 1.0 message reported as one.
_Version = Annotated[SchemaVersion, BeforeValidator(_not_version_1)]


def add_months(day: date, months: int) -> date:
    """`day` plus whole calendar months, clamped to the month's last day."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _codes_of(state: str, among: object = CompetentAuthorityCode) -> list[JsonValue]:
    """The codes of `state`'s authorities that are among the literal type `among`."""
    allowed = get_args(among)
    return [a.code for a in AUTHORITIES.values() if a.state == state and a.code in allowed]


def _authority_rules() -> list[JsonValue]:
    return [
        schema_rule(
            "message.authority_state",
            {
                "if": {"properties": {"state": {"const": state}}, "required": ["state"]},
                "then": {"properties": {"authority": {"enum": _codes_of(state)}}},
            },
        )
        for state in get_args(Party)
    ]


class PartyAuthority(KzcnModel):
    """A party to the agreement and the authority acting for it."""

    model_config = ConfigDict(json_schema_extra={"allOf": _authority_rules()})

    state: Party = Field(description="The party: KAZ or CHN.")
    authority: CompetentAuthorityCode = Field(
        description="The competent authority; belongs to `state`. A foreign ministry that only "
        "carries the message is its `carrier`, not its authority."
    )

    @model_validator(mode="after")
    def _authority_of_state(self) -> PartyAuthority:
        if AUTHORITIES[self.authority].state != self.state:
            raise_errors("PartyAuthority", [(("authority",), "message.authority_state")])
        return self


def _different_parties() -> list[JsonValue]:
    return [
        schema_rule(
            "message.same_state",
            {
                "if": {"properties": {"sender": {"properties": {"state": {"const": state}}}}},
                "then": {"properties": {"recipient": {"properties": {"state": {"const": other}}}}},
            },
        )
        for state, other in (("KAZ", "CHN"), ("CHN", "KAZ"))
    ]


def _carrier_rules() -> list[JsonValue]:
    """`message.carrier` as the schema says it: the sender's foreign ministry, or nothing.

    Each `if` requires the fields it looks at, so that a record missing one is
    told only that (as the models tell it), not also of a carrier.
    """
    diplomatic: list[JsonValue] = [
        schema_rule(
            "message.carrier",
            {
                "if": {
                    "properties": {
                        "channel": {"const": "diplomatic"},
                        "sender": {
                            "properties": {"state": {"const": state}},
                            "required": ["state"],
                        },
                    },
                    "required": ["channel", "sender"],
                },
                "then": {
                    "properties": {"carrier": {"enum": _codes_of(state, among=CarrierCode)}},
                    "required": ["carrier"],
                },
            },
        )
        for state in get_args(Party)
    ]
    direct: list[JsonValue] = [
        schema_rule(
            "message.carrier",
            {
                "if": {"properties": {"channel": {"const": channel}}, "required": ["channel"]},
                "then": {"properties": {"carrier": {"type": "null"}}},
            },
        )
        for channel in get_args(Channel)
        if channel != "diplomatic"
    ]
    return diplomatic + direct


def _diplomatic_only() -> JsonValue:
    """`message.channel`: the kind travels through the diplomatic channel only."""
    return schema_rule("message.channel", {"properties": {"channel": {"const": "diplomatic"}}})


def _kind_schema(*kind_rules: JsonValue) -> JsonDict:
    """The envelope's rules, and the kind's own, as the schema says them (`allOf`)."""
    return {"allOf": [*_different_parties(), *_carrier_rules(), *kind_rules]}


class _Envelope(KzcnModel):
    """Fields every message carries."""

    model_config = ConfigDict(json_schema_extra=_kind_schema())

    schema_version: _Version = Field(description="Version of the kzcn message schema.")
    message_id: MessageId = Field(description="Unique identifier of this message (UUID).")
    sender: PartyAuthority = Field(description="Sending party and authority.")
    recipient: PartyAuthority = Field(description="Receiving party and authority.")
    sent_on: date = Field(description="Date the message was sent; on or after 2023-11-10.")
    channel: Channel = Field(description="Diplomatic channels or competent authorities directly.")
    carrier: CarrierCode | None = Field(
        default=None,
        description="Who carries a message through the diplomatic channel: the sender's "
        "foreign ministry; null for a message sent between competent authorities directly.",
    )
    in_reply_to: MessageId | None = Field(
        default=None, description="The message this one answers, if any."
    )
    synthetic: bool = Field(description="True for generated data; kzcn always writes true.")

    @model_validator(mode="after")
    def _message_rules(self) -> _Envelope:
        raise_errors(type(self).__name__, self.problems())
        return self

    def problems(self) -> list[RuleBreach]:
        """Rule violations: the envelope's, then the kind's."""
        found: list[RuleBreach] = []
        if self.sender.state == self.recipient.state:
            found.append((("recipient", "state"), "message.same_state"))
        if self.sent_on < ENTRY_INTO_FORCE:
            found.append((("sent_on",), "message.sent_before_force"))
        if self._carrier_wrong():
            found.append((("carrier",), "message.carrier"))
        return found + self.kind_problems()

    def _accepts(self) -> bool:
        """Whether `problems()` finds nothing, without saying what: the fast accept path's rule.

        Held to `problems()` by tests/test_fast_rules.py.
        """
        return (
            self.sender.state != self.recipient.state
            and self.sent_on >= ENTRY_INTO_FORCE
            and not self._carrier_wrong()
            and self._kind_accepts()
        )

    def _kind_accepts(self) -> bool:
        """Whether `kind_problems()` finds nothing; a kind whose rules cost much says it cheaper."""
        return not self.kind_problems()

    def _carrier_wrong(self) -> bool:
        if self.channel != "diplomatic":
            return self.carrier is not None
        return self.carrier is None or AUTHORITIES[self.carrier].state != self.sender.state

    def kind_problems(self) -> list[RuleBreach]:
        """Rules of the kind; overridden by each kind."""
        return []

    def warnings(self) -> list[RuleBreach]:
        """Deadline warnings of the kind; overridden where a deadline applies."""
        return []

    def _not_after_sending(self, *fields: str) -> list[RuleBreach]:
        return [
            ((name,), "message.date_order")
            for name in fields
            if (value := getattr(self, name)) is not None and value > self.sent_on
        ]


class EvidenceItem(KzcnModel):
    """One piece of evidence that a former citizenship ended, or that its end was sought."""

    type: EvidenceType = Field(
        description="What it is: certificate of renunciation of Chinese nationality "
        "(退出中国国籍证书), Kazakhstan certificate of termination of citizenship, cancellation "
        "of household registration (hukou), passport cancelled or clipped, or a renunciation "
        "application lodged at a consulate."
    )
    number: str | None = Field(
        default=None,
        pattern=OTHER_DOCUMENT_NUMBER_PATTERN,
        description="Its number (certificate, passport or application), where it has one.",
    )
    date: dt.date = Field(description="Date of issue, cancellation or lodging.")
    issuer: str | None = Field(
        default=None,
        min_length=1,
        max_length=100,
        description="Who issued or received it (an authority, a consulate and its city).",
    )


class FormerCitizenship(KzcnModel):
    """The citizenship held before, as the sender records it, and how (or whether) it ended."""

    state: CountryCode = Field(
        description="The citizenship held before: the recipient's state.",
        json_schema_extra=privacy("quasi_identifier", "pipl.specific_identity"),
    )
    status: FormerCitizenshipStatus = Field(
        description="Terminated; retained; termination requested (applied, no answer); "
        "termination refused; lost by law but not confirmed by the other state; unknown.",
        json_schema_extra=privacy("sensitive", "pipl.specific_identity"),
    )
    ended_by: EndedBy | None = Field(
        default=None,
        description="How it ended: approved renunciation, automatic loss by law, or "
        "deprivation; given when terminated or claimed lost by law, null otherwise.",
        json_schema_extra=privacy("sensitive", "pipl.specific_identity"),
    )
    ended_on: date | None = Field(
        default=None,
        description="Date it ended, where known; only with `ended_by`.",
        json_schema_extra=privacy("quasi_identifier", "pipl.specific_identity"),
    )
    evidence: tuple[EvidenceItem, ...] = Field(
        default_factory=tuple,
        description="Evidence of the termination, or of the attempt to end it, in date order. "
        "Each item (its type, number, date and issuer) is sensitive: it tells how a person's "
        "citizenship ended, or that they tried to end it.",
        json_schema_extra=privacy("sensitive", "pipl.specific_identity"),
    )

    def problems(self) -> list[RuleBreach]:
        """How it ended fits the status, and certificates only prove a termination."""
        found: list[RuleBreach] = []
        ends = self.status in _ENDING
        if ends != (self.ended_by is not None) or (
            self.status == "lost_by_law_unconfirmed" and self.ended_by != "automatic_by_law"
        ):
            found.append((("ended_by",), "message.ended_by"))
        if self.ended_on is not None and self.ended_by is None:
            found.append((("ended_on",), "message.ended_by"))
        certified = any(item.type in _CERTIFICATES for item in self.evidence)
        if certified and self.status != "terminated":
            found.append((("evidence",), "message.termination_evidence"))
        return found

    def fine_until(self, day: date) -> bool:
        """Whether `problems()` and `dates_after(day)` find nothing (the fast accept path's).

        The same conditions in one pass over the evidence, and no list.
        """
        status, ended_by = self.status, self.ended_by
        if (status in _ENDING) != (ended_by is not None) or (
            status == "lost_by_law_unconfirmed" and ended_by != "automatic_by_law"
        ):
            return False
        if self.ended_on is not None and (ended_by is None or self.ended_on > day):
            return False
        terminated = status == "terminated"
        return all(
            item.date <= day and (terminated or item.type not in _CERTIFICATES)
            for item in self.evidence
        )

    def dates_after(self, day: date) -> list[RuleBreach]:
        """Evidence, or the end, dated after `day` (the sending date)."""
        found: list[RuleBreach] = [
            (("evidence", i, "date"), "message.date_order")
            for i, item in enumerate(self.evidence)
            if item.date > day
        ]
        if self.ended_on is not None and self.ended_on > day:
            found.append((("ended_on",), "message.date_order"))
        return found


_CERTIFICATES = frozenset({"renunciation_certificate_chn", "termination_certificate_kaz"})
#: The statuses of a citizenship that ended (or is claimed to have): they say how.
_ENDING = frozenset({"terminated", "lost_by_law_unconfirmed"})


class _CitizenshipChange(KzcnModel):
    """A citizen of the recipient's state admitted to or restored in the sender's citizenship.

    The fields of a change, without an envelope: a notice carries one (with its envelope), a
    prior-change list carries many (as items).
    """

    subject: PersonRecord = Field(
        description="The person; `citizenship` is the citizenship the sender records: its own."
    )
    acquisition: Acquisition = Field(
        description="Admission to, or restoration of, the sender's citizenship.",
        json_schema_extra=privacy("sensitive", "pipl.specific_identity"),
    )
    decided_on: date = Field(
        description="Date of the decision on citizenship.",
        json_schema_extra=privacy("quasi_identifier", "pipl.specific_identity"),
    )
    decision_reference: str = Field(
        min_length=1,
        max_length=100,
        description="Reference of the decision (decree or order number).",
        json_schema_extra=privacy("direct_identifier"),
    )
    former_citizenship: FormerCitizenship = Field(
        description="The citizenship held before (the recipient's state) as the sender records "
        "it: whether and how it ended, and the evidence."
    )

    def change_fine(self, sender: str, recipient: str, sent_on: date) -> bool:
        """Whether `change_problems(...)` finds nothing (the fast accept path's question)."""
        former = self.former_citizenship
        return (
            self.subject.citizenship == sender
            and former.state == recipient
            and self.decided_on <= sent_on
            and former.fine_until(sent_on)
        )

    def change_problems(self, sender: str, recipient: str, sent_on: date) -> list[RuleBreach]:
        """Whose citizen, which former citizenship, which dates, for a change sent by `sender`."""
        found: list[RuleBreach] = []
        if self.subject.citizenship != sender:
            found.append((("subject", "citizenship"), "message.subject_citizenship"))
        former = self.former_citizenship
        if former.state != recipient:
            found.append((("former_citizenship", "state"), "message.former_citizenship"))
        found += [
            (("former_citizenship", *loc), code)
            for loc, code in former.problems() + former.dates_after(sent_on)
        ]
        if self.decided_on > sent_on:
            found.append((("decided_on",), "message.date_order"))
        return found


class _ChangeNotice(_CitizenshipChange, _Envelope):
    """A change of citizenship in a message of its own."""

    def _kind_accepts(self) -> bool:
        return (
            self.change_fine(self.sender.state, self.recipient.state, self.sent_on)
            and not self._decision_date_problems()
        )

    def kind_problems(self) -> list[RuleBreach]:
        """The change's rules, then the kind's rules on its decision date."""
        return (
            self.change_problems(self.sender.state, self.recipient.state, self.sent_on)
            + self._decision_date_problems()
        )

    def _decision_date_problems(self) -> list[RuleBreach]:
        return []


class CitizenshipAcquisition(_ChangeNotice):
    """Article 1(2): a current admission to or restoration of citizenship."""

    kind: Literal["citizenship_acquisition"] = Field(description="Message kind.")

    def _decision_date_problems(self) -> list[RuleBreach]:
        if self.decided_on < ENTRY_INTO_FORCE:
            return [(("decided_on",), "message.decided_before_force")]
        return []


class PriorCitizenshipChange(_ChangeNotice):
    """Article 1(3): a change of citizenship decided before the agreement entered into force."""

    model_config = ConfigDict(json_schema_extra=_kind_schema(_diplomatic_only()))

    kind: Literal["prior_citizenship_change"] = Field(description="Message kind.")
    list_id: ListId | None = Field(
        default=None, description="The Article 1(3) list this change was sent in, if known."
    )
    list_item: int | None = Field(
        default=None, ge=1, description="Its item number in that list, if known."
    )

    def _decision_date_problems(self) -> list[RuleBreach]:
        found: list[RuleBreach] = []
        if self.decided_on >= ENTRY_INTO_FORCE:
            found.append((("decided_on",), "message.decided_after_force"))
        if self.channel != "diplomatic":
            found.append((("channel",), "message.channel"))
        return found

    def warnings(self) -> list[RuleBreach]:
        """Due within 6 months of entry into force."""
        return [(("sent_on",), "deadline.prior_change")] if self.sent_on > PRIOR_CHANGES_DUE else []


class CitizenshipStatusReply(_Envelope):
    """The answer to a list: whether a person kept or terminated the former citizenship."""

    kind: Literal["citizenship_status_reply"] = Field(description="Message kind.")
    subject: PersonRecord = Field(
        description="The person the list asked about: the same names, birth data and documents "
        "as on the list; `citizenship` is the citizenship the sender records."
    )
    list_id: ListId = Field(description="The list this reply answers (its `list_id`).")
    list_item: int = Field(ge=1, description="The item of the list this reply answers.")
    list_received_on: date = Field(
        description="Date the list being answered was received; the reply is due 2 months later."
    )
    status: ReplyStatus = Field(
        description="Retained; terminated; termination pending (an application not yet "
        "decided); no record of the person; or refused (the renunciation was refused).",
        json_schema_extra=privacy("sensitive", "pipl.specific_identity"),
    )
    terminated_on: date | None = Field(
        default=None,
        description="Date the citizenship ended; given only when terminated.",
        json_schema_extra=privacy("sensitive", "pipl.specific_identity"),
    )

    def kind_problems(self) -> list[RuleBreach]:
        """A reply answers something, and a termination has a date."""
        found: list[RuleBreach] = []
        if self.in_reply_to is None:
            found.append((("in_reply_to",), "message.reply_required"))
        if (self.terminated_on is not None) != (self.status == "terminated"):
            found.append((("terminated_on",), "message.terminated_on"))
        if self._citizenship_disagrees():
            found.append((("subject", "citizenship"), "message.subject_citizenship"))
        return found + self._not_after_sending("list_received_on", "terminated_on")

    def _citizenship_disagrees(self) -> bool:
        """The sender records its own citizen unless the citizenship ended (or no record)."""
        own = self.subject.citizenship == self.sender.state
        if self.status == "terminated":
            return own
        return self.status != "no_record" and not own

    def warnings(self) -> list[RuleBreach]:
        """Due within 2 months of receiving the list."""
        if (self.sent_on - self.list_received_on).days <= _SURELY_IN_TIME:  # most: no sum
            return []
        due = add_months(self.list_received_on, STATUS_REPLY_MONTHS)
        return [(("sent_on",), "deadline.status_reply")] if self.sent_on > due else []


class PriorChangeItem(_CitizenshipChange):
    """One person on an Article 1(3) list: the change of citizenship, numbered."""

    item: int = Field(ge=1, description="Number of the item in the list; replies cite it.")


class PriorChangeList(_Envelope):
    """Article 1(3): the list of changes decided before entry into force, as one envelope."""

    model_config = ConfigDict(json_schema_extra=_kind_schema(_diplomatic_only()))

    kind: Literal["prior_change_list"] = Field(description="Message kind.")
    list_id: ListId = Field(description="Identifier of the list; replies cite it.")
    items: tuple[PriorChangeItem, ...] = Field(
        min_length=1, description="The people on the list and their changes, each numbered once."
    )

    def kind_problems(self) -> list[RuleBreach]:
        """Diplomatic channel, numbered items, and each item's change rules."""
        found: list[RuleBreach] = []
        if self.channel != "diplomatic":
            found.append((("channel",), "message.channel"))
        numbers = [item.item for item in self.items]
        if len(set(numbers)) != len(numbers):
            found.append((("items",), "message.duplicate_item"))
        for index, item in enumerate(self.items):
            found += [
                (("items", index, *loc), code)
                for loc, code in item.change_problems(
                    self.sender.state, self.recipient.state, self.sent_on
                )
            ]
            if item.decided_on >= ENTRY_INTO_FORCE:
                found.append((("items", index, "decided_on"), "message.decided_after_force"))
        return found

    def warnings(self) -> list[RuleBreach]:
        """Due within 6 months of entry into force."""
        return [(("sent_on",), "deadline.prior_change")] if self.sent_on > PRIOR_CHANGES_DUE else []


class DocumentReference(KzcnModel):
    """An identity document named by its state, type and number only."""

    issuing_state: CountryCode = Field(description="State that issued the document.")
    document_type: DocumentType = Field(description="Kind of document.")
    number: str = Field(pattern=OTHER_DOCUMENT_NUMBER_PATTERN, description="Document number.")


class RequestedPerson(KzcnModel):
    """A person asked about, by identifiers only: a personal number, a document, or both."""

    item: int = Field(ge=1, description="Number of the person in the request.")
    personal_number: str | None = Field(
        default=None,
        pattern=OTHER_DOCUMENT_NUMBER_PATTERN,
        description="The person's IIN or resident ID number, if known.",
        json_schema_extra=privacy("direct_identifier", "kz94v.restricted"),
    )
    document: DocumentReference | None = Field(
        default=None,
        description="A document of the person, if known: its state, type and number identify "
        "them directly.",
        json_schema_extra=privacy("direct_identifier", "kz94v.restricted"),
    )


class InformationRequest(_Envelope):
    """A party asks the other about named persons (citizenship data goes "upon requests")."""

    model_config = ConfigDict(json_schema_extra=_kind_schema(_diplomatic_only()))

    kind: Literal["information_request"] = Field(description="Message kind.")
    purpose: RequestPurpose = Field(
        description="What the information is asked for: the area of Article 1 it concerns."
    )
    legal_basis: str = Field(
        min_length=1,
        max_length=200,
        description="The provision the request rests on, as the requesting party states it.",
    )
    persons: tuple[RequestedPerson, ...] = Field(
        min_length=1, max_length=100, description="The persons asked about, each numbered once."
    )

    def kind_problems(self) -> list[RuleBreach]:
        """Diplomatic channel; every person identified; numbered once."""
        found: list[RuleBreach] = []
        if self.channel != "diplomatic":
            found.append((("channel",), "message.channel"))
        numbers = [person.item for person in self.persons]
        if len(set(numbers)) != len(numbers):
            found.append((("persons",), "message.duplicate_item"))
        found += [
            (("persons", index), "message.request_identifier")
            for index, person in enumerate(self.persons)
            if person.personal_number is None and person.document is None
        ]
        return found


class RequestRefusal(_Envelope):
    """A request refused, in whole or for some persons, with the grounds."""

    model_config = ConfigDict(json_schema_extra=_kind_schema(_diplomatic_only()))

    kind: Literal["request_refusal"] = Field(description="Message kind.")
    grounds: RefusalGrounds = Field(
        description="Why: a threat to sovereignty or security, public order, contrary to the "
        "refusing party's law, or other."
    )
    refused_items: tuple[Annotated[int, Field(ge=1)], ...] = Field(
        default_factory=tuple,
        description="The persons of the request refused, by item; empty when all are.",
        json_schema_extra={"uniqueItems": True},
    )

    def kind_problems(self) -> list[RuleBreach]:
        """A refusal cites the request it refuses, through the diplomatic channel."""
        found: list[RuleBreach] = []
        if self.in_reply_to is None:
            found.append((("in_reply_to",), "message.reply_required"))
        if self.channel != "diplomatic":
            found.append((("channel",), "message.channel"))
        if len(set(self.refused_items)) != len(self.refused_items):
            found.append((("refused_items",), "structure.not_unique"))
        return found


class BorderCrossing(KzcnModel):
    """One entry or exit record."""

    direction: Literal["entry", "exit"] = Field(
        description="Entry into or exit from the sender's state.",
        json_schema_extra=privacy("quasi_identifier", "pipl.whereabouts"),
    )
    crossed_on: date = Field(
        description="Date of the crossing.",
        json_schema_extra=privacy("quasi_identifier", "pipl.whereabouts"),
    )
    crossing_point: CrossingPoint = Field(
        description="Border crossing point (Kazakhstan name - China name), or other.",
        json_schema_extra=privacy("quasi_identifier", "pipl.whereabouts"),
    )
    document_number: str = Field(
        pattern=OTHER_DOCUMENT_NUMBER_PATTERN,
        description="Number of the document shown; one of the subject's documents.",
        json_schema_extra=privacy("direct_identifier", "kz94v.restricted"),
    )
    basis: Literal["visa_free", "visa"] | None = Field(
        default=None,
        description="For an entry: the stay it opens is visa-free or on a visa; absent means "
        "visa-free.",
        json_schema_extra=privacy("quasi_identifier"),
    )
    visa_valid_until: date | None = Field(
        default=None,
        description="For an entry on a visa: the last day the visa allows a stay.",
        json_schema_extra=privacy("quasi_identifier", "pipl.whereabouts"),
    )

    def as_stay_crossing(self) -> Crossing:
        """This record as the stay calculator reads it (`kzcn.stays`)."""
        return Crossing(
            self.direction, self.crossed_on, self.basis or "visa_free", self.visa_valid_until
        )


class EntryStayExitViolation(_Envelope):
    """Article 1(4): a citizen of the recipient's state broke entry, stay or exit rules."""

    kind: Literal["entry_stay_exit_violation"] = Field(description="Message kind.")
    subject: PersonRecord = Field(description="The person; `citizenship` is the recipient's state.")
    violation: Violation = Field(
        description="What rule was broken.", json_schema_extra=privacy("sensitive", "gdpr.offences")
    )
    occurred_on: date = Field(
        description="Date of the violation.", json_schema_extra=privacy("quasi_identifier")
    )
    detected_on: date = Field(
        description="Date it was detected; not before it occurred.",
        json_schema_extra=privacy("quasi_identifier"),
    )
    crossings: tuple[BorderCrossing, ...] = Field(
        default_factory=tuple, description="Entry and exit records that bear on the violation."
    )
    permitted_stay_until: date | None = Field(
        default=None,
        description="Last day of permitted stay; required for an overstay.",
        json_schema_extra=privacy("quasi_identifier", "pipl.whereabouts"),
    )
    measures: tuple[Measure, ...] = Field(
        default_factory=tuple,
        description="Measures taken, each at most once.",
        json_schema_extra={"uniqueItems": True, **privacy("sensitive", "gdpr.offences")},
    )
    entry_ban_until: date | None = Field(
        default=None,
        description="End of the entry ban; given when, and only when, a ban is a measure.",
        json_schema_extra=privacy("sensitive", "gdpr.offences"),
    )
    legal_provision: str = Field(
        min_length=1,
        max_length=200,
        description="The provision of law that was broken, as cited by the sender.",
        json_schema_extra=privacy("sensitive", "gdpr.offences"),
    )

    def kind_problems(self) -> list[RuleBreach]:
        """Whose citizen, which dates, which documents, which measures."""
        found: list[RuleBreach] = []
        if self.subject.citizenship != self.recipient.state:
            found.append((("subject", "citizenship"), "message.subject_citizenship"))
        if self.detected_on < self.occurred_on:
            found.append((("detected_on",), "message.date_order"))
        if self.violation == "overstay" and (
            self.permitted_stay_until is None or self.permitted_stay_until >= self.detected_on
        ):
            found.append((("permitted_stay_until",), "message.overstay"))
        if len(set(self.measures)) != len(self.measures):
            found.append((("measures",), "structure.not_unique"))
        if (self.entry_ban_until is not None) != ("entry_ban" in self.measures):
            found.append((("entry_ban_until",), "message.entry_ban"))
        found += self._crossing_problems()
        if out_of_order((c.direction, c.crossed_on) for c in self.crossings):
            found.append((("crossings",), "stay.crossing_order"))
        return found + self._not_after_sending("detected_on")

    def _kind_accepts(self) -> bool:
        """Whether `kind_problems()` finds nothing: its conditions, no list built."""
        measures, sent_on, detected = self.measures, self.sent_on, self.detected_on
        until = self.permitted_stay_until
        if (
            self.subject.citizenship != self.recipient.state
            or detected < self.occurred_on
            or detected > sent_on  # `_not_after_sending("detected_on")`
            or (self.violation == "overstay" and (until is None or until >= detected))
            or len(set(measures)) != len(measures)
            or (self.entry_ban_until is not None) != ("entry_ban" in measures)
        ):
            return False
        crossings = self.crossings
        if not crossings:
            return True
        numbers = {document.number for document in self.subject.documents}
        if any(c.document_number not in numbers or c.crossed_on > sent_on for c in crossings):
            return False
        return not out_of_order((c.direction, c.crossed_on) for c in crossings)

    def stays(self, as_of: date | None) -> StayReport:
        """The stays the crossings show, read on `as_of` (all of them when None)."""
        return compute_stays((c.as_stay_crossing() for c in self.crossings), as_of)

    def warnings(self) -> list[RuleBreach]:
        """Where the crossings, computed as stays, disagree with what the sender states.

        Warnings, not errors: a sender lists the crossings that "bear on" the
        violation and may leave out earlier stays, which can only add days used;
        so a missing overstay or a different limit may be the list's gaps.
        """
        # Nothing to hold the stays against (most violations): they are not computed.
        claims = self.violation == "overstay" or self.permitted_stay_until is not None
        if not claims or not any(c.direction == "entry" for c in self.crossings):
            return []
        report = self.stays(as_of=self.detected_on)
        found: list[RuleBreach] = []
        if self.violation == "overstay" and not report.overstayed:
            found.append((("violation",), "stay.overstay_not_shown"))
        last = report.stays[-1] if report.stays else None
        if (
            last is not None
            and last.basis == "visa_free"
            and self.permitted_stay_until is not None
            and self.permitted_stay_until != last.last_permitted_day
        ):
            found.append((("permitted_stay_until",), "stay.permitted_until"))
        return found

    def _crossing_problems(self) -> list[RuleBreach]:
        numbers = {document.number for document in self.subject.documents}
        found: list[RuleBreach] = []
        for index, crossing in enumerate(self.crossings):
            if crossing.document_number not in numbers:
                found.append((("crossings", index, "document_number"), "message.crossing_document"))
            if crossing.crossed_on > self.sent_on:
                found.append((("crossings", index, "crossed_on"), "message.date_order"))
        return found


class StatisticsRow(KzcnModel):
    """Counts for one purpose of stay over the period."""

    purpose: Purpose = Field(
        description="Purpose of stay; visa-free travel counts only for private affairs, business, "
        "tourism, medical treatment, international transport, transit (and other)."
    )
    visa_free_entries: int = Field(ge=0, description="Visa-free entries.")
    visa_free_exits: int = Field(ge=0, description="Visa-free exits.")
    visas_issued: int = Field(ge=0, description="Visas issued.")


class VisaFreeStatistics(_Envelope):
    """Article 1(1): aggregate counts of visa-free travel and visas; no person in it."""

    kind: Literal["visa_free_statistics"] = Field(description="Message kind.")
    citizens_of: CountryCode = Field(description="Whose citizens the counts are of.")
    period_start: date = Field(description="First day of the period counted.")
    period_end: date = Field(description="Last day of the period counted.")
    rows: tuple[StatisticsRow, ...] = Field(
        min_length=1, description="One row per purpose of stay, each purpose at most once."
    )

    def kind_problems(self) -> list[RuleBreach]:
        """The period runs forward and ends before sending; purposes are not repeated."""
        found: list[RuleBreach] = []
        if self.period_end < self.period_start:
            found.append((("period_end",), "message.date_order"))
        purposes = [row.purpose for row in self.rows]
        if len(set(purposes)) != len(purposes):
            found.append((("rows",), "structure.not_unique"))
        found += [
            (("rows", index, "visa_free_entries"), "message.visa_free_purpose")
            for index, row in enumerate(self.rows)
            if row.purpose not in VISA_FREE_PURPOSES
            and (row.visa_free_entries or row.visa_free_exits)
        ]
        return found + self._not_after_sending("period_end")


def _partial_scope_rules() -> list[JsonValue]:
    """`message.partial_scope`: a partial suspension names its areas, any other scope none."""
    partial, others = "partial", [scope for scope in get_args(Scope) if scope != "partial"]
    return [
        schema_rule(
            "message.partial_scope",
            {
                "if": {"properties": {"scope": {"const": partial}}, "required": ["scope"]},
                "then": {
                    "properties": {"suspended_areas": {"type": "array", "minItems": 1}},
                    "required": ["suspended_areas"],
                },
            },
        ),
        schema_rule(
            "message.partial_scope",
            {
                "if": {"properties": {"scope": {"enum": others}}, "required": ["scope"]},
                "then": {"properties": {"suspended_areas": {"type": "array", "maxItems": 0}}},
            },
        ),
    ]


class SuspensionNotice(_Envelope):
    """A party suspends the agreement, fully or partly."""

    model_config = ConfigDict(
        json_schema_extra=_kind_schema(_diplomatic_only(), *_partial_scope_rules())
    )

    kind: Literal["suspension_notice"] = Field(description="Message kind.")
    action: SuspensionAction = Field(
        description="The adoption of a suspension, or its cancellation (lifting)."
    )
    cancels: MessageId | None = Field(
        default=None,
        description="For a cancellation, the `message_id` of the notice it lifts; null otherwise.",
    )
    grounds: Grounds = Field(description="Why the agreement is suspended.")
    scope: Scope = Field(description="The whole agreement or some areas.")
    suspended_areas: tuple[Area, ...] = Field(
        default_factory=tuple,
        description="For a partial suspension, the areas of Article 1 suspended.",
    )
    decided_on: date = Field(
        description="Date of the decision to suspend, or to cancel the suspension."
    )
    effective_from: date = Field(description="Date the suspension takes effect.")

    def kind_problems(self) -> list[RuleBreach]:
        """Diplomatic channel, a consistent scope, and dates in order."""
        found: list[RuleBreach] = []
        if self.channel != "diplomatic":
            found.append((("channel",), "message.channel"))
        if (self.scope == "partial") != bool(self.suspended_areas):
            found.append((("suspended_areas",), "message.partial_scope"))
        if self.effective_from < self.decided_on:
            found.append((("effective_from",), "message.date_order"))
        if (self.action == "cancelled") != (self.cancels is not None):
            found.append((("cancels",), "message.cancels"))
        return found + self._not_after_sending("decided_on")

    def warnings(self) -> list[RuleBreach]:
        """Due no later than 72 hours after the decision (days, as the dates are days)."""
        late = self.sent_on > self.decided_on + timedelta(days=SUSPENSION_NOTICE_DAYS)
        return [(("sent_on",), "deadline.suspension")] if late else []


Message = Annotated[
    CitizenshipAcquisition
    | PriorCitizenshipChange
    | CitizenshipStatusReply
    | EntryStayExitViolation
    | VisaFreeStatistics
    | SuspensionNotice
    | PriorChangeList
    | InformationRequest
    | RequestRefusal,
    Field(discriminator="kind"),
]
"""Any message of the regime, told apart by `kind`."""

#: Validates any message; its errors never echo input (see `kzcn.errors.redacted`).
MessageAdapter: TypeAdapter[Message] = RedactingAdapter(Message)

#: Each kind's model, in the order of the union above (the order the agreement lists them in).
MESSAGE_MODELS: dict[str, type[_Envelope]] = {
    get_args(model.model_fields["kind"].annotation)[0]: model
    for model in get_args(get_args(Message)[0])
}
#: The kinds, in the same order.
MESSAGE_KINDS: tuple[str, ...] = tuple(MESSAGE_MODELS)


def message_warnings(message: Message) -> list[RuleBreach]:
    """Deadline warnings of a valid message, as `(location, code)` pairs."""
    return message.warnings()
