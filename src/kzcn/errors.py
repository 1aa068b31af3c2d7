"""The error-code catalogue: every problem kzcn reports has a stable code from here.

Codes are dotted slugs (`family.specific`), so a caller can filter by family
(`name.*`, `iin.*`). Titles and descriptions never contain record values: a
problem message is built from the catalogue and the field path only, which is
what keeps reports redacted by default.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, TypeGuard

from pydantic_core import InitErrorDetails, PydanticCustomError, ValidationError

if TYPE_CHECKING:
    from kzcn.provenance import Provenance

Severity = Literal["error", "warning"]

#: Every code kzcn reports, in catalogue order (the test checks both agree).
Code = Literal[
    "structure.missing_field",
    "structure.extra_field",
    "structure.wrong_type",
    "structure.not_allowed",
    "structure.pattern",
    "structure.length",
    "structure.range",
    "structure.unknown_kind",
    "structure.not_unique",
    "structure.invalid",
    "date.invalid",
    "date.future",
    "name.homoglyph",
    "name.wrong_script",
    "name.invisible_character",
    "name.not_nfc",
    "name.whitespace",
    "name.lowercase",
    "name.invalid_character",
    "name.national_script",
    "country.unknown",
    "place.admin_code",
    "photo.data_uri",
    "document.number_format",
    "document.issued_before_birth",
    "document.expiry_before_issue",
    "document.number_era",
    "document.issuer_era",
    "iin.format",
    "iin.checksum",
    "iin.birth_date_mismatch",
    "iin.sex_mismatch",
    "resident_id.format",
    "resident_id.checksum",
    "resident_id.birth_date_mismatch",
    "resident_id.sex_mismatch",
    "personal_number.format",
    "mrz.format",
    "mrz.check_digit",
    "mrz.mismatch",
    "message.same_state",
    "message.sent_before_force",
    "message.authority_state",
    "message.subject_citizenship",
    "message.former_citizenship",
    "message.decided_before_force",
    "message.decided_after_force",
    "message.date_order",
    "message.channel",
    "message.reply_required",
    "message.terminated_on",
    "message.termination_evidence",
    "message.entry_ban",
    "message.crossing_document",
    "message.overstay",
    "message.partial_scope",
    "deadline.prior_change",
    "deadline.status_reply",
    "deadline.suspension",
    "input.not_utf8",
    "input.bom",
    "input.not_json",
    "input.truncated",
    "input.not_object",
    "input.too_large",
    "input.too_deep",
    "input.empty",
    "input.blank_line",
    "input.csv_column",
    "input.csv_row",
    "input.compression",
    "structure.duplicate_key",
    "input.number_too_large",
    # schema 2.0
    "structure.schema_1_0",
    "message.carrier",
    "message.ended_by",
    "message.visa_free_purpose",
    "message.cancels",
    "message.request_identifier",
    "message.duplicate_item",
    # the stay calculator
    "stay.crossing_order",
    "stay.overstay_not_shown",
    "stay.permitted_until",
    # spreadsheets
    "input.csv_delimiter",
    "date.day_first",
]

#: Where a rule points inside a model: field names and list indices.
Location = tuple[str | int, ...]
#: One broken rule, before pydantic turns it into an error: where, and which code.
RuleBreach = tuple[Location, Code]

__all__ = [
    "CATALOGUE",
    "Code",
    "ErrorCode",
    "Location",
    "RuleBreach",
    "Severity",
    "is_code",
    "kzcn_error",
    "raise_errors",
    "redacted",
]


@dataclass(frozen=True, slots=True)
class ErrorCode:
    """One entry of the catalogue."""

    code: Code
    title: str
    description: str
    severity: Severity = "error"

    @property
    def source(self) -> Provenance:
        """What the rule rests on: its basis and sources (`kzcn sources`)."""
        from kzcn.provenance import rule_source  # noqa: PLC0415 - provenance imports the models' base

        return rule_source(self.code)


def _entries() -> tuple[ErrorCode, ...]:
    e = ErrorCode
    w: Severity = "warning"
    return (
        # --- structure (pydantic's and JSON Schema's own checks, renamed) ---
        e("structure.missing_field", "Missing field", "A required field is absent."),
        e("structure.extra_field", "Unknown field", "A field that the schema does not define."),
        e("structure.wrong_type", "Wrong type", "The value has the wrong JSON type."),
        e("structure.not_allowed", "Value not allowed", "The value is not one of the allowed."),
        e("structure.pattern", "Wrong format", "The text does not have the required format."),
        e("structure.length", "Wrong length", "The text or list is too short or too long."),
        e("structure.range", "Out of range", "The number is outside the allowed range."),
        e("structure.unknown_kind", "Unknown message kind", "`kind` is missing or unknown."),
        e("structure.not_unique", "Repeated item", "A list holds the same item twice."),
        e("structure.invalid", "Invalid value", "The value fails a structural check."),
        e("date.invalid", "Invalid date", "Not a real calendar date in YYYY-MM-DD form."),
        e("date.future", "Date in the future", "A date of birth lies after today."),
        # --- names ---
        e(
            "name.homoglyph",
            "Homoglyph",
            "A letter from the other script that looks like one of "
            "this script (Cyrillic А in a Latin name, Latin A in a Cyrillic one).",
        ),
        e("name.wrong_script", "Wrong script", "A letter from a script this field does not take."),
        e(
            "name.invisible_character",
            "Invisible character",
            "A zero-width, bidirectional-control or byte-order-mark character.",
        ),
        e("name.not_nfc", "Not NFC", "The text is not in Unicode Normalization Form C."),
        e(
            "name.whitespace",
            "Bad spacing",
            "Leading, trailing or doubled spaces, or a tab or line break.",
        ),
        e(
            "name.lowercase",
            "Lower case in Latin name",
            "Latin names are upper case, as printed on documents.",
        ),
        e(
            "name.invalid_character",
            "Character not allowed",
            "A digit or punctuation other than space, hyphen (and apostrophe in Latin).",
        ),
        e(
            "name.national_script",
            "Not national characters",
            "`name_national` holds Latin or Cyrillic letters instead of the issuing "
            "state's script.",
        ),
        # --- places, countries, photos ---
        e("country.unknown", "Unknown country", "Not an assigned ISO 3166-1 alpha-3 code."),
        e(
            "place.admin_code",
            "Bad administrative code",
            "A GB/T 2260 code is 6 digits, a KATO code 9 digits.",
        ),
        e(
            "photo.data_uri",
            "Image inside the record",
            "A `data:` URI embeds the image; records carry a reference only.",
        ),
        # --- documents ---
        e(
            "document.number_format",
            "Document number format",
            "The number does not have the format of this state's document of this type.",
        ),
        e(
            "document.issued_before_birth",
            "Issued before birth",
            "The document's date of issue is before the holder's date of birth.",
        ),
        e(
            "document.expiry_before_issue",
            "Expiry not after issue",
            "The date of expiry is on or before the date of issue.",
        ),
        e(
            "document.number_era",
            "Number of another era",
            "The number has the format of another era than the date of issue (Chinese "
            "passports: G + 8 digits before 15 May 2012, E + 8 digits to 4 April 2017, then E "
            "+ a letter + 7 digits; a city police bureau's statement).",
        ),
        e(
            "document.issuer_era",
            "Issuer before its time",
            "The issuing authority is one that did not issue this document yet on the date of "
            "issue (the Chinese National Immigration Administration from 10 April 2018; the "
            "Kazakh Ministry of Internal Affairs from 2012; issuers from official statements "
            "and orders).",
        ),
        # --- Kazakhstan IIN ---
        e("iin.format", "IIN format", "An IIN is 12 digits; digit 7 is 1-6 (century and sex)."),
        e("iin.checksum", "IIN check digit", "The IIN's check digit is wrong."),
        e(
            "iin.birth_date_mismatch",
            "IIN and birth date disagree",
            "The IIN's first six digits and century digit do not give the date of birth.",
        ),
        e(
            "iin.sex_mismatch",
            "IIN and sex disagree",
            "The IIN's digit 7 is odd for men, even for women.",
        ),
        # --- Chinese resident ID number ---
        e(
            "resident_id.format",
            "Resident ID format",
            "A resident ID number is 17 digits and a digit or X (GB 11643).",
        ),
        e(
            "resident_id.checksum",
            "Resident ID check digit",
            "The ISO 7064 MOD 11-2 check character is wrong.",
        ),
        e(
            "resident_id.birth_date_mismatch",
            "Resident ID and birth date disagree",
            "Characters 7-14 of the resident ID number do not give the date of birth.",
        ),
        e(
            "resident_id.sex_mismatch",
            "Resident ID and sex disagree",
            "The sequence code (characters 15-17) is odd for men, even for women.",
        ),
        e(
            "personal_number.format",
            "Personal number format",
            "For citizens of other states the personal number is 5-20 of A-Z and 0-9.",
        ),
        # --- machine-readable zone ---
        e(
            "mrz.format",
            "MRZ layout",
            "MRZ lines must be TD3 (2 x 44) for a passport, TD2 "
            "(2 x 36) or TD1 (3 x 30) for a card, of A-Z, 0-9 and <, with the right document "
            "code.",
        ),
        e("mrz.check_digit", "MRZ check digit", "A 7-3-1 check digit of the MRZ is wrong."),
        e(
            "mrz.mismatch",
            "MRZ disagrees with record",
            "A field the MRZ repeats differs from the record.",
        ),
        # --- messages: the regime's rules ---
        e("message.same_state", "Same state", "Sender and recipient must be different parties."),
        e(
            "message.sent_before_force",
            "Sent before entry into force",
            "The agreement applies to messages sent from 2023-11-10 (the date of entry into force "
            "is from press reports).",
        ),
        e(
            "message.authority_state",
            "Authority of another state",
            "The authority does not belong to the state it is given for (the competent authorities "
            "are known from a senator's statement only).",
        ),
        e(
            "message.subject_citizenship",
            "Whose citizen",
            "The subject's citizenship does not fit the kind and direction of the message (the "
            "directions are from a press paraphrase of Article 1).",
        ),
        e(
            "message.former_citizenship",
            "Former citizenship",
            "The former citizenship must be the recipient's state (press paraphrase of Article "
            "1(2)-(3)).",
        ),
        e(
            "message.decided_before_force",
            "Decided before entry into force",
            "Acquisitions notified as current must be decided on or after 2023-11-10 (press "
            "paraphrase of Article 1(2)-(3)).",
        ),
        e(
            "message.decided_after_force",
            "Decided after entry into force",
            "Prior citizenship changes are those decided before 2023-11-10 (press paraphrase of "
            "Article 1(3)).",
        ),
        e(
            "message.date_order",
            "Dates out of order",
            "A date that must follow another comes before it.",
        ),
        e(
            "message.channel",
            "Wrong channel",
            "This kind goes through diplomatic channels (a "
            "press paraphrase and a senator's statement; the text is not public).",
        ),
        e(
            "message.reply_required",
            "Reply without request",
            "A status reply names the request it answers in `in_reply_to`.",
        ),
        e(
            "message.terminated_on",
            "Termination date",
            "`terminated_on` is given when, and only when, the status is terminated.",
        ),
        e(
            "message.termination_evidence",
            "Termination evidence",
            "A certificate of renunciation or termination accompanies a terminated former "
            "citizenship only.",
        ),
        e(
            "message.entry_ban",
            "Entry ban date",
            "`entry_ban_until` is given when, and only when, an entry ban is among the measures.",
        ),
        e(
            "message.crossing_document",
            "Crossing document",
            "A crossing's document number is not one of the subject's documents.",
        ),
        e(
            "message.overstay",
            "Overstay without a limit",
            "An overstay needs a permitted-stay date before its detection.",
        ),
        e(
            "message.partial_scope",
            "Partial suspension without areas",
            "A partial suspension names the areas it suspends; a full one names none (suspension "
            "in whole or in part: press paraphrase).",
        ),
        # --- deadlines: warnings ---
        e(
            "deadline.prior_change",
            "Late historical list",
            "Changes decided before the agreement "
            "were due within 6 months of entry into force (by 2024-05-10; press paraphrase).",
            w,
        ),
        e(
            "deadline.status_reply",
            "Late status reply",
            "A status reply is due within 2 months of receiving the list (press paraphrase).",
            w,
        ),
        e(
            "deadline.suspension",
            "Late suspension notice",
            "A suspension is notified no later than 72 hours after the decision (press "
            "paraphrase).",
            w,
        ),
        # --- input: reading files (reported per line by the validator) ---
        e("input.not_utf8", "Not UTF-8", "The line is not valid UTF-8."),
        e(
            "input.bom",
            "Byte-order mark",
            "The file starts with a UTF-8 byte-order mark (as Excel writes); it is skipped.",
            w,
        ),
        e("input.not_json", "Not JSON", "The line is not a JSON document."),
        e("input.truncated", "Truncated line", "The last line ends in the middle of a document."),
        e("input.not_object", "Not an object", "A message must be a JSON object."),
        e("input.too_large", "Line too large", "The line is larger than the limit."),
        e("input.too_deep", "Nested too deep", "The document nests deeper than the limit."),
        e("input.empty", "Empty input", "The file holds no records."),
        e("input.blank_line", "Blank line", "A blank line between records.", w),
        e(
            "input.csv_column",
            "Unknown CSV column",
            "A CSV column that maps to no field, repeats one or spells one another way "
            "(it is named by its number, never by its header).",
        ),
        e("input.csv_row", "Bad CSV row", "A CSV row with more or fewer cells than the header."),
        e(
            "input.compression",
            "Damaged compressed input",
            "The gzip stream is corrupt or cut short; nothing after this point can be read.",
        ),
        # hostile input
        e(
            "structure.duplicate_key",
            "Repeated key",
            "An object names the same key twice; which value counts is not defined.",
        ),
        e(
            "input.number_too_large",
            "Number too large",
            "A number beyond the range of a double (about 1.8e308, so never more than "
            "4300 digits); no field of a message holds one.",
        ),
        # schema 2.0
        e(
            "structure.schema_1_0",
            "Schema 1.0 message",
            "This message is schema 1.0; convert it with `kzcn migrate IN -o OUT`.",
        ),
        e(
            "message.carrier",
            "Carrier and channel",
            "A message through the diplomatic channel "
            "names the sender's foreign ministry as its carrier; a direct one names none (the "
            "diplomatic channel is from a senator's statement).",
        ),
        e(
            "message.ended_by",
            "How citizenship ended",
            "`ended_by` is given when, and only "
            "when, the former citizenship is terminated or claimed lost by law (then "
            "`automatic_by_law`); `ended_on` only with it.",
        ),
        e(
            "message.visa_free_purpose",
            "Visa-free travel for a visa purpose",
            "Work, study and official trips need a visa: their rows count no visa-free entries or "
            "exits (purposes from the Chinese foreign ministry's statement).",
        ),
        e(
            "message.cancels",
            "Cancellation without the notice it lifts",
            "A cancelled suspension cites the notice it lifts in `cancels`; an adopted one cites "
            "none (adoption or cancellation: press paraphrase).",
        ),
        e(
            "message.request_identifier",
            "Person without an identifier",
            "A person asked about is named by a personal number, a document, or both.",
        ),
        e(
            "message.duplicate_item",
            "Item numbered twice",
            "Two items of a list, or two persons of a request, have the same number.",
        ),
        # --- stays: the crossings computed as stays (kzcn.stays) ---
        e(
            "stay.crossing_order",
            "Crossings out of order",
            "Two entries without an exit between them, or two exits without an entry: no one "
            "enters a state they are in.",
        ),
        e(
            "stay.overstay_not_shown",
            "Overstay the crossings do not show",
            "An overstay whose crossings, counted as stays (30 days a stay, 90 in any 180, both "
            "ends counted), stay within every limit on the day of detection; earlier stays may "
            "be missing from the list (limits from the Chinese foreign ministry's statement).",
            w,
        ),
        e(
            "stay.permitted_until",
            "Permitted stay differs from the rules",
            "`permitted_stay_until` differs from the last day the visa-free rules allow for "
            "the last entry (30 days a stay, 90 in any 180); earlier stays may be missing from "
            "the list (limits from the Chinese foreign ministry's statement).",
            w,
        ),
        # spreadsheets
        e(
            "input.csv_delimiter",
            "Other CSV separator",
            "The header reads as columns of the regime only when split by another separator, "
            "named in the location; pass --delimiter with it.",
        ),
        e(
            "date.day_first",
            "Day-first date",
            "A date written day first (DD.MM.YYYY or DD/MM/YYYY); write it year first, "
            "YYYY-MM-DD (05.03.1980 is 1980-03-05).",
        ),
    )


#: Every code kzcn can report, by code.
CATALOGUE: dict[Code, ErrorCode] = {entry.code: entry for entry in _entries()}


def is_code(value: str) -> TypeGuard[Code]:
    """Whether `value` is a catalogue code (pydantic error types arrive as `str`)."""
    return value in CATALOGUE


def kzcn_error(code: Code) -> PydanticCustomError:
    """A pydantic error carrying a catalogue code; its message is the entry's title.

    The message deliberately names no value: values stay out of `msg`.
    """
    entry = CATALOGUE[code]
    return PydanticCustomError(code, f"{entry.title}: {entry.description}")


def raise_errors(title: str, found: list[RuleBreach]) -> None:
    """Raise one ValidationError holding every `(location, code)` found, if any.

    Raised inside a model validator, pydantic prefixes each location with the
    model's own, so cross-field rules can point at the exact field.
    """
    if not found:
        return
    raise ValidationError.from_exception_data(
        title,
        [InitErrorDetails(type=kzcn_error(code), loc=loc, input=None) for loc, code in found],
    )


def redacted(error: ValidationError) -> ValidationError:
    """The same errors with nothing of the input: what `str()` and `repr()` may show.

    pydantic's own text echoes input three ways: `input_value=...`, a key in
    the location (`subject.N77665544`), and some messages (a bad union tag is
    quoted). Here every message is the catalogue's, every key not defined by
    the regime is `<unknown key>`, and the input is hidden; the error types
    stay as pydantic gave them. Only failures pay for this.
    """
    # Imported here: the problems module imports the models, which import this one.
    from kzcn.messages import MESSAGE_KINDS  # noqa: PLC0415
    from kzcn.validation.problems import (  # noqa: PLC0415
        UNKNOWN_KEY,
        code_for_pydantic_type,
        known_keys,
    )

    known = known_keys() | frozenset(MESSAGE_KINDS)  # a tagged union's errors start at the tag
    details = [
        InitErrorDetails(
            type=PydanticCustomError(
                detail["type"], _message(code_for_pydantic_type(detail["type"]))
            ),
            loc=tuple(
                item if isinstance(item, int) or item in known else UNKNOWN_KEY
                for item in detail["loc"]
            ),
            input=None,
        )
        for detail in error.errors(include_url=False, include_context=False, include_input=False)
    ]
    return ValidationError.from_exception_data(error.title, details, hide_input=True)


def _message(code: Code) -> str:
    entry = CATALOGUE[code]
    return f"{entry.title}: {entry.description}"
