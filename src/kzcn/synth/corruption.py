"""Realistic faults with ground truth: each turns a valid message into an invalid one.

A fault changes one thing, the way records go wrong in practice (a Cyrillic
letter typed into a Latin name, a copied zero-width space, a mistyped check
digit, swapped dates …), and returns the error codes the validator must then
report, exactly: `kzcn.validation.validate_message` on the corrupted message
gives those codes and no others (`tests/test_synth_corruption.py` proves it
over thousands of records). A fault that does not fit a message (no person in
it, no MRZ …) returns None, and `corrupt` tries the next one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, get_args

import orjson

from kzcn._deprecated import deprecated_attributes
from kzcn.authorities import AUTHORITIES, CompetentAuthorityCode
from kzcn.eras import issuer_out_of_era, number_out_of_era
from kzcn.errors import Code
from kzcn.identifiers import iin_check_digit
from kzcn.messages import CitizenshipAcquisition, EntryStayExitViolation
from kzcn.person import PersonRecord
from kzcn.synth._regime import fields_of, kinds
from kzcn.synth.people import RandomSource, mrz_lines

__all__ = ["FAULTS", "Corruption", "PlantedFault", "corrupt"]

JsonDict = dict[str, Any]
Apply = Callable[[JsonDict, RandomSource], "list[Code] | None"]

# Latin capitals and the Cyrillic letters that look the same.
_TO_CYRILLIC = {
    "A": "А",
    "B": "В",
    "E": "Е",
    "K": "К",
    "M": "М",
    "H": "Н",
    "O": "О",
    "P": "Р",
    "C": "С",
    "T": "Т",
    "X": "Х",
    "Y": "У",
}
_TO_LATIN = {
    "а": "a",
    "е": "e",
    "о": "o",
    "р": "p",
    "с": "c",
    "у": "y",
    "х": "x",
    "А": "A",
    "В": "B",
    "Е": "E",
    "К": "K",
    "М": "M",
    "Н": "H",
    "О": "O",
    "Р": "P",
    "С": "C",
    "Т": "T",
    "Х": "X",
}
# Kazakh letters left untransliterated in a Latin name (none of them a look-alike).
_KAZAKH_LETTERS = {"A": "Ә", "U": "Ұ", "K": "Қ", "N": "Ң", "O": "Ө", "G": "Ғ"}
_ZERO_WIDTH_SPACE = "\u200b"
_DATA_URI = "data:image/jpeg;base64,/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAgGBgcGBQgHBwcJCQgKDBQN"


def _authorities_not_of(state: str, order: Sequence[str]) -> tuple[str, ...]:
    """Every authority of the other state, in draw order (the draw picks an index)."""
    # Competent authorities only: a foreign ministry that only carries is no sender.
    others = {code for code in get_args(CompetentAuthorityCode) if AUTHORITIES[code].state != state}
    if set(order) != others:
        raise ValueError(f"the authorities not of {state} are {sorted(others)}")
    return tuple(order)


_OTHER_AUTHORITY = {
    "KAZ": _authorities_not_of("KAZ", ("CHN_MFA", "CHN_NIA")),
    "CHN": _authorities_not_of("CHN", ("KAZ_MIA", "KAZ_MLSPP")),
}
_IMPOSSIBLE_DAYS = ("02-30", "02-31", "04-31", "06-31", "09-31", "11-31")


def _index(rng: RandomSource, size: int) -> int:
    return int(rng.random() * size)


def _replace_one(text: str, table: dict[str, str], rng: RandomSource) -> str | None:
    """`text` with one of its characters found in `table` replaced, or None if none is."""
    positions = [i for i, ch in enumerate(text) if ch in table]
    if not positions:
        return None
    i = positions[_index(rng, len(positions))]
    return text[:i] + table[text[i]] + text[i + 1 :]


def _name_fault(field: str, script: str, table: dict[str, str], code: Code) -> Apply:
    def apply(message: JsonDict, rng: RandomSource) -> list[Code] | None:
        subject = message.get("subject")
        if subject is None:
            return None
        changed = _replace_one(subject[field][script], table, rng)
        if changed is None:
            return None
        subject[field][script] = changed
        return [code]

    return apply


def _invisible_character(message: JsonDict, rng: RandomSource) -> list[Code] | None:
    subject = message.get("subject")
    if subject is None:
        return None
    name = subject["surname"]["cyrillic"]
    i = 1 + _index(rng, max(len(name) - 1, 1))
    subject["surname"]["cyrillic"] = name[:i] + _ZERO_WIDTH_SPACE + name[i:]
    return ["name.invisible_character"]


def _lowercase_latin(message: JsonDict, rng: RandomSource) -> list[Code] | None:
    del rng
    subject = message.get("subject")
    if subject is None:
        return None
    subject["given_names"]["latin"] = subject["given_names"]["latin"].title()
    return ["name.lowercase"]


def _personal_number(message: JsonDict, length: int) -> str | None:
    subject = message.get("subject")
    number = subject.get("personal_number") if subject else None
    return number if number is not None and len(number) == length else None


def _iin_check_digit(message: JsonDict, rng: RandomSource) -> list[Code] | None:
    iin = _personal_number(message, 12)
    if iin is None or message["subject"]["citizenship"] != "KAZ":
        return None
    wrong = (int(iin[11]) + 1 + _index(rng, 9)) % 10
    message["subject"]["personal_number"] = iin[:11] + str(wrong)
    return ["iin.checksum"]


def _iin_sex_mismatch(message: JsonDict, rng: RandomSource) -> list[Code] | None:
    del rng
    iin = _personal_number(message, 12)
    if iin is None or message["subject"]["citizenship"] != "KAZ":
        return None
    # Digit 7 is century and sex: 3/4, 5/6. Flip the sex, keep the check digit valid.
    flipped = iin[:6] + str(int(iin[6]) + (1 if int(iin[6]) % 2 else -1)) + iin[7:11]
    check = iin_check_digit(flipped)
    if check is None:
        return None
    message["subject"]["personal_number"] = flipped + str(check)
    return ["iin.sex_mismatch"]


def _resident_id_check(message: JsonDict, rng: RandomSource) -> list[Code] | None:
    number = _personal_number(message, 18)
    if number is None or message["subject"]["citizenship"] != "CHN":
        return None
    choices = [c for c in "0123456789X" if c != number[17]]
    message["subject"]["personal_number"] = number[:17] + choices[_index(rng, len(choices))]
    return ["resident_id.checksum"]


def _pick_document(
    message: JsonDict, rng: RandomSource, test: Callable[[JsonDict], bool] = lambda _: True
) -> JsonDict | None:
    """One of the subject's documents that pass `test`, drawn from `rng`; None if none does."""
    subject = message.get("subject")
    documents = [d for d in subject["documents"] if test(d)] if subject else []
    return documents[_index(rng, len(documents))] if documents else None


def _mrz_check_digit(message: JsonDict, rng: RandomSource) -> list[Code] | None:
    document = _pick_document(message, rng, lambda d: d["mrz"] is not None)
    if document is None:
        return None
    lines = document["mrz"]
    # The birth-date check digit: it shares its line with the composite check,
    # so the validator reports one problem at that line.
    line, position = (1, 19) if len(lines) == 2 else (1, 6)
    text = lines[line]
    digit = str((int(text[position]) + 1 + _index(rng, 9)) % 10)
    lines[line] = text[:position] + digit + text[position + 1 :]
    return ["mrz.check_digit"]


def _rewrite_mrz(message: JsonDict, document: JsonDict) -> None:
    if document["mrz"] is not None:
        document["mrz"] = mrz_lines(message["subject"], document)


def _swapped_issue_expiry(message: JsonDict, rng: RandomSource) -> list[Code] | None:
    document = _pick_document(message, rng, lambda d: d["date_of_expiry"] is not None)
    if document is None:
        return None
    document["date_of_issue"], document["date_of_expiry"] = (
        document["date_of_expiry"],
        document["date_of_issue"],
    )
    _rewrite_mrz(message, document)  # the MRZ repeats the expiry: keep it in step
    return sorted(["document.expiry_before_issue", *_era_codes(document)])


def _issued_before_birth(message: JsonDict, rng: RandomSource) -> list[Code] | None:
    document = _pick_document(message, rng)
    if document is None:
        return None
    born = date.fromisoformat(message["subject"]["date_of_birth"]).toordinal()
    document["date_of_issue"] = date.fromordinal(born - 1 - _index(rng, 3650)).isoformat()
    # A document that breaks its own era fails alone: the holder's rules are not reached.
    return _era_codes(document) or ["document.issued_before_birth"]


def _era_codes(document: JsonDict) -> list[Code]:
    """What a document whose date of issue moved now also breaks: its number's or issuer's era."""
    issued = date.fromisoformat(document["date_of_issue"])
    state, kind = document["issuing_state"], document["document_type"]
    found: list[Code] = []
    if number_out_of_era(state, kind, document["number"], issued):
        found.append("document.number_era")
    if issuer_out_of_era(state, kind, document["issuing_authority"], issued):
        found.append("document.issuer_era")
    return found


def _letter_o_for_zero(message: JsonDict, rng: RandomSource) -> list[Code] | None:
    document = _pick_document(message, rng)
    if document is None:
        return None
    document["number"] = document["number"][:-1] + "O"
    _rewrite_mrz(message, document)
    return ["document.number_format"]


_RECIPIENT_FREE_KINDS = frozenset(
    kinds("citizenship_status_reply", "visa_free_statistics", "suspension_notice")
)


def _same_state(message: JsonDict, rng: RandomSource) -> list[Code] | None:
    del rng
    # Kinds whose other rules do not depend on the recipient, so one code results.
    if message["kind"] not in _RECIPIENT_FREE_KINDS:
        return None
    message["recipient"] = dict(message["sender"])
    return ["message.same_state"]


def _foreign_authority(message: JsonDict, rng: RandomSource) -> list[Code] | None:
    sender = message["sender"]
    choices = _OTHER_AUTHORITY[sender["state"]]
    message["sender"] = {"state": sender["state"], "authority": choices[_index(rng, len(choices))]}
    return ["message.authority_state"]


# Which field goes missing, in draw order; each checked to be required by the models.
_REQUIRED = fields_of(
    CitizenshipAcquisition, ("sent_on", "channel", "message_id", "synthetic"), required=True
)
_REQUIRED_PERSON = fields_of(
    PersonRecord, ("sex", "date_of_birth", "citizenship", "ethnic_nationality"), required=True
)


def _missing_field(message: JsonDict, rng: RandomSource) -> list[Code] | None:
    subject = message.get("subject")
    if subject is not None and rng.random() < 0.6:
        del subject[_REQUIRED_PERSON[_index(rng, len(_REQUIRED_PERSON))]]
    else:
        del message[_REQUIRED[_index(rng, len(_REQUIRED))]]
    return ["structure.missing_field"]


def _impossible_date(message: JsonDict, rng: RandomSource) -> list[Code] | None:
    subject = message.get("subject")
    target = subject if subject is not None and rng.random() < 0.5 else message
    field = "date_of_birth" if target is subject else "sent_on"
    target[field] = target[field][:5] + _IMPOSSIBLE_DAYS[_index(rng, len(_IMPOSSIBLE_DAYS))]
    return ["date.invalid"]


def _data_uri_photo(message: JsonDict, rng: RandomSource) -> list[Code] | None:
    subject = message.get("subject")
    if subject is None:
        return None
    photo = subject["photo"] or {
        "sha256": f"{rng.getrandbits(256):064x}",
        "media_type": "image/jpeg",
        "uri": None,
    }
    photo["uri"] = _DATA_URI
    subject["photo"] = photo
    return ["photo.data_uri"]


# A date that must not follow the sending, by kind.
_DATE_AFTER_SENDING = {
    "citizenship_acquisition": fields_of(CitizenshipAcquisition, ["decided_on"])[0],
    "entry_stay_exit_violation": fields_of(EntryStayExitViolation, ["detected_on"])[0],
}


def _dates_out_of_order(message: JsonDict, rng: RandomSource) -> list[Code] | None:
    field = _DATE_AFTER_SENDING.get(message["kind"])
    if field is None:
        return None
    sent = date.fromisoformat(message["sent_on"]).toordinal()
    message[field] = date.fromordinal(sent + 1 + _index(rng, 30)).isoformat()
    return ["message.date_order"]


def _wrong_carrier(message: JsonDict, rng: RandomSource) -> list[Code] | None:
    del rng
    diplomatic = message["channel"] == "diplomatic"
    message["carrier"] = None if diplomatic else f"{message['sender']['state']}_MFA"
    return ["message.carrier"]


def _certificate_without_termination(message: JsonDict, rng: RandomSource) -> list[Code] | None:
    former = message.get("former_citizenship")
    if not isinstance(former, dict) or former["status"] == "terminated":
        return None
    issued = date.fromordinal(
        date.fromisoformat(message["sent_on"]).toordinal() - 1 - _index(rng, 300)
    )
    former["evidence"] = [
        *former["evidence"],
        {
            "type": "renunciation_certificate_chn",
            "number": f"T{rng.getrandbits(24):08d}",
            "date": issued.isoformat(),
            "issuer": "Ministry of Public Security",
        },
    ]
    former["evidence"].sort(key=lambda item: item["date"])
    return ["message.termination_evidence"]


def _end_without_how(message: JsonDict, rng: RandomSource) -> list[Code] | None:
    del rng
    former = message.get("former_citizenship")
    if not isinstance(former, dict) or former["ended_by"] is None or former["ended_on"]:
        return None
    former["ended_by"] = None
    return ["message.ended_by"]


def _visa_free_for_work(message: JsonDict, rng: RandomSource) -> list[Code] | None:
    rows = [r for r in message.get("rows", ()) if r["purpose"] in _VISA_ONLY]
    if not rows:
        return None
    rows[_index(rng, len(rows))]["visa_free_entries"] = 1 + _index(rng, 500)
    return ["message.visa_free_purpose"]


def _cancellation_citing_nothing(message: JsonDict, rng: RandomSource) -> list[Code] | None:
    del rng
    if message["kind"] != "suspension_notice" or message["action"] != "adopted":
        return None
    message["action"] = "cancelled"
    return ["message.cancels"]


_VISA_ONLY = ("study", "work", "official")


def _request_without_identifier(message: JsonDict, rng: RandomSource) -> list[Code] | None:
    persons = message.get("persons")
    if not persons:
        return None
    person = persons[_index(rng, len(persons))]
    person["personal_number"] = person["document"] = None
    return ["message.request_identifier"]


def _item_numbered_twice(message: JsonDict, rng: RandomSource) -> list[Code] | None:
    items = message.get("items")
    if message["kind"] != "prior_change_list" or not items or len(items) < 2:
        return None
    second = 1 + _index(rng, len(items) - 1)
    items[second]["item"] = items[0]["item"]
    return ["message.duplicate_item"]


def _terminated_yet_own_citizen(message: JsonDict, rng: RandomSource) -> list[Code] | None:
    del rng
    if message["kind"] != "citizenship_status_reply" or message["status"] != "terminated":
        return None
    # The reply says the citizenship ended, yet records the person as still its citizen.
    message["subject"]["citizenship"] = message["sender"]["state"]
    return ["message.subject_citizenship"]


@dataclass(frozen=True, slots=True)
class PlantedFault:
    """A named way a record goes wrong."""

    name: str
    description: str
    apply: Apply


FAULTS: dict[str, PlantedFault] = {
    f.name: f
    for f in (
        PlantedFault(
            "latin_homoglyph",
            "A Cyrillic look-alike letter in the Latin surname.",
            _name_fault("surname", "latin", _TO_CYRILLIC, "name.homoglyph"),
        ),
        PlantedFault(
            "cyrillic_homoglyph",
            "A Latin look-alike letter in the Cyrillic given name.",
            _name_fault("given_names", "cyrillic", _TO_LATIN, "name.homoglyph"),
        ),
        PlantedFault(
            "invisible_character",
            "A zero-width space inside the Cyrillic surname.",
            _invisible_character,
        ),
        PlantedFault(
            "untransliterated_letter",
            "A Kazakh letter left in the Latin surname.",
            _name_fault("surname", "latin", _KAZAKH_LETTERS, "name.wrong_script"),
        ),
        PlantedFault(
            "lowercase_latin", "The Latin given name in title case, not capitals.", _lowercase_latin
        ),
        PlantedFault("iin_check_digit", "A mistyped IIN check digit.", _iin_check_digit),
        PlantedFault(
            "iin_sex_mismatch",
            "An IIN whose century/sex digit is of the other sex.",
            _iin_sex_mismatch,
        ),
        PlantedFault(
            "resident_id_check_digit", "A mistyped resident ID check character.", _resident_id_check
        ),
        PlantedFault("mrz_check_digit", "A mistyped MRZ check digit.", _mrz_check_digit),
        PlantedFault(
            "swapped_issue_expiry",
            "Date of issue and date of expiry swapped.",
            _swapped_issue_expiry,
        ),
        PlantedFault(
            "issued_before_birth",
            "A document dated before its holder's birth.",
            _issued_before_birth,
        ),
        PlantedFault(
            "letter_o_for_zero",
            "The letter O typed for a zero in a document number.",
            _letter_o_for_zero,
        ),
        PlantedFault("same_state", "The recipient is the sender's own state.", _same_state),
        PlantedFault(
            "foreign_authority",
            "The sender's authority belongs to the other state.",
            _foreign_authority,
        ),
        PlantedFault("missing_field", "A required field left out.", _missing_field),
        PlantedFault(
            "impossible_date", "A date that does not exist, such as 2023-02-30.", _impossible_date
        ),
        PlantedFault("data_uri_photo", "The photograph embedded as a data: URI.", _data_uri_photo),
        PlantedFault(
            "dates_out_of_order",
            "A decision or detection dated after sending.",
            _dates_out_of_order,
        ),
        PlantedFault(
            "wrong_carrier",
            "A diplomatic message without its carrier, or a direct one with one.",
            _wrong_carrier,
        ),
        PlantedFault(
            "certificate_without_termination",
            "A renunciation certificate for a citizenship not terminated.",
            _certificate_without_termination,
        ),
        PlantedFault(
            "end_without_how",
            "A terminated citizenship that does not say how it ended.",
            _end_without_how,
        ),
        PlantedFault(
            "visa_free_for_work",
            "Visa-free entries counted for a purpose that needs a visa.",
            _visa_free_for_work,
        ),
        PlantedFault(
            "cancellation_citing_nothing",
            "A cancelled suspension that cites no notice.",
            _cancellation_citing_nothing,
        ),
        PlantedFault(
            "request_without_identifier",
            "A person asked about by neither a personal number nor a document.",
            _request_without_identifier,
        ),
        PlantedFault(
            "item_numbered_twice",
            "Two items of a historical list with the same number.",
            _item_numbered_twice,
        ),
        PlantedFault(
            "terminated_yet_own_citizen",
            "A reply that says the citizenship ended, about its own citizen.",
            _terminated_yet_own_citizen,
        ),
    )
}


@dataclass(frozen=True, slots=True)
class Corruption:
    """A corrupted copy of a message, the fault applied and the codes it must raise."""

    message: JsonDict
    fault: str
    codes: tuple[Code, ...]


def corrupt(
    message: JsonDict, rng: RandomSource, faults: Sequence[str] | None = None
) -> Corruption:
    """Apply one fault, drawn from `faults` (default: all), to a copy of `message`.

    The original is not changed (its parts may be shared with other messages).
    Faults that do not fit the message are skipped; the draw is seeded by `rng`.

    Raises:
        KeyError: for an unknown fault name.
        ValueError: if none of `faults` fits the message.
    """
    names = list(faults) if faults is not None else list(FAULTS)
    remaining = [FAULTS[name] for name in names]
    while remaining:
        # Draw without replacement, so every fitting fault is equally likely.
        fault = remaining.pop(_index(rng, len(remaining)))
        copy = orjson.loads(orjson.dumps(message))
        codes = fault.apply(copy, rng)
        if codes is not None:
            return Corruption(copy, fault.name, tuple(sorted(codes)))
    raise ValueError(f"none of the faults {names} fits a {message.get('kind')} message")


# `Fault` was the name in 0.1.0: the schema engine has faults of its own (`SchemaFault`).
__getattr__ = deprecated_attributes(__name__, {"Fault": (__name__, "PlantedFault")})
