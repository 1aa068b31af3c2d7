"""The bulk generator: messages of every kind, seeded and fast.

`Generator(random.Random(seed)).lines(n)` draws `n` kinds and directions
from the mix and builds every message of a kind at once, a column at a time
(`kzcn.synth.people` explains how), as UTF-8 JSON that the models accept;
`.message()` gives one message as a JSON-ready dict. Same seed, same mix →
the same messages, in any process, on any day and with any numpy release:
dates come from fixed windows (`DATA_START` … `DATA_END`), never from today,
and random numbers from the raw PCG64 stream only (`kzcn.synth._stream`).

A run of `count` messages is cut into chunks of `CHUNK`; chunk `i` is drawn
from its own stream, seeded from (seed, i) by `chunk_rng`. Any chunk can thus
be made in any process, and a run's output is the same whether one process
makes every chunk or several share them (`write_dataset(..., jobs=N)`).
A chunk is always drawn whole and cut, so a shorter run is the start of a
longer one.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from typing import Any

import numpy as np
import orjson

from kzcn._version import SCHEMA_VERSION
from kzcn.messages import ENTRY_INTO_FORCE, MESSAGE_KINDS, PRIOR_CHANGES_DUE
from kzcn.synth._checks import DIGITS4
from kzcn.synth._columns import Ints, Pieces, Texts, commas, fixed, hex_digits, join_rows, texts
from kzcn.synth._days import FIRST, add_years, days, month_starts
from kzcn.synth._stream import Draws, RandomSource
from kzcn.synth.people import (
    POPULATION_CODE,
    STATE_CODE,
    YEAR,
    People,
    PersonColumns,
    authorities,
    person_columns,
)

__all__ = [
    "CHUNK",
    "DATA_END",
    "DEFAULT_MIX",
    "LIST_LIMITS",
    "Generator",
    "Mix",
    "MixError",
    "chunk_lines",
    "chunk_messages",
    "chunk_rng",
    "chunk_spans",
    "generate",
]

JsonDict = dict[str, Any]

#: Messages are dated from the agreement's entry into force …
DATA_START = ENTRY_INTO_FORCE.toordinal()
#: … to this fixed day (not today, so that output never changes with the date).
DATA_END = date(2025, 12, 31).toordinal()
_PRIOR_DUE = PRIOR_CHANGES_DUE.toordinal()
_FIRST_PRIOR = date(1995, 1, 1).toordinal()

#: The longest lists the generator writes, by dotted path (`*` for a list index):
#: the CSV header has a column for each position up to these.
LIST_LIMITS: dict[str, int] = {
    "subject.documents": 4,
    "subject.documents.*.mrz": 3,
    "crossings": 3,
    "former_citizenship.evidence": 2,
    "items": 1,
    "items.*.subject.documents": 4,
    "items.*.subject.documents.*.mrz": 3,
    "items.*.former_citizenship.evidence": 2,
    "persons": 1,
    "refused_items": 1,
    "measures": 4,
    "rows": 9,
    "suspended_areas": 4,
}

_PARTIES = {
    code: {"state": code[:3], "authority": code}
    for code in ("KAZ_MIA", "KAZ_MLSPP", "CHN_MFA", "CHN_NIA")
}
#: The carrier of a diplomatic message: the sending state's foreign ministry (JSON).
_CARRIER = {"KAZ": b'"KAZ_MFA"', "CHN": b'"CHN_MFA"'}
_OTHER = {"KAZ": "CHN", "CHN": "KAZ"}
# A version-4 UUID: the version nibble set to 4, the variant bits to 10.
_UUID_KEEP = ~(0xF000 << 64) & ~(0xC000 << 48)
_UUID_SET = (0x4000 << 64) | (0x8000 << 48)


class MixError(ValueError):
    """A mix specification that cannot be used (unknown kind, bad weight …)."""


@dataclass(frozen=True, slots=True)
class Mix:
    """Relative weights of (kind, sending state) pairs.

    The default follows the reporting: most messages are citizenship
    acquisitions of ethnic Kazakhs from Xinjiang, notified by Kazakhstan to
    China; violations go both ways.
    """

    entries: tuple[tuple[str, str, float], ...]

    def __post_init__(self) -> None:
        for kind, sender, weight in self.entries:
            if kind not in MESSAGE_KINDS:
                raise MixError(f"unknown kind {kind!r}; choose from {', '.join(MESSAGE_KINDS)}")
            if sender not in _OTHER:
                raise MixError(f"unknown sender {sender!r}; choose KAZ or CHN")
            if not weight >= 0:
                raise MixError(f"weight of {kind} must be a number >= 0")
        if sum(w for _, _, w in self.entries) <= 0:
            raise MixError("the mix has no kind with a positive weight")

    @classmethod
    def parse(cls, specs: Sequence[str]) -> Mix:
        """A mix from `KIND[:SENDER]=WEIGHT` items (comma-separated or repeated).

        Without a sender the weight is split between the directions as in the
        default mix. Example: `citizenship_acquisition=80,entry_stay_exit_violation:CHN=20`.
        """
        entries: list[tuple[str, str, float]] = []
        for spec in (item.strip() for text in specs for item in text.split(",")):
            if not spec:
                continue
            name, sep, weight_text = spec.partition("=")
            kind, _, sender = name.strip().partition(":")
            try:
                weight = float(weight_text) if sep else 1.0
            except ValueError:
                raise MixError(f"bad weight in {spec!r}: not a number") from None
            if sender:
                entries.append((kind, sender.strip().upper(), weight))
            else:
                entries += _split_by_direction(kind, weight)
        return cls(tuple(entries))

    def only(self, kinds: Sequence[str]) -> Mix:
        """The same mix restricted to `kinds` (each kind keeps its direction split)."""
        unknown = sorted(set(kinds) - set(MESSAGE_KINDS))
        if unknown:
            raise MixError(f"unknown kind {unknown[0]!r}; choose from {', '.join(MESSAGE_KINDS)}")
        kept = tuple(e for e in self.entries if e[0] in kinds and e[2] > 0)
        missing = [k for k in kinds if k not in {e[0] for e in kept}]
        return Mix(kept + tuple(e for k in missing for e in _split_by_direction(k, 1.0)))


def _split_by_direction(kind: str, weight: float) -> list[tuple[str, str, float]]:
    if kind not in MESSAGE_KINDS:
        raise MixError(f"unknown kind {kind!r}; choose from {', '.join(MESSAGE_KINDS)}")
    shares = [(s, w) for k, s, w in DEFAULT_MIX.entries if k == kind]
    total = sum(w for _, w in shares)
    return [(kind, sender, weight * w / total) for sender, w in shares]


#: Shares per 100 messages (illustrative; the reporting names citizenship
#: acquisitions by Xinjiang Kazakhs as the bulk, and violations both ways).
DEFAULT_MIX = Mix((
    ("citizenship_acquisition", "KAZ", 50.0),
    ("citizenship_acquisition", "CHN", 2.0),
    ("prior_citizenship_change", "KAZ", 15.0),
    ("prior_citizenship_change", "CHN", 1.0),
    ("citizenship_status_reply", "CHN", 8.0),
    ("citizenship_status_reply", "KAZ", 2.0),
    ("entry_stay_exit_violation", "KAZ", 9.0),
    ("entry_stay_exit_violation", "CHN", 9.0),
    ("visa_free_statistics", "KAZ", 1.5),
    ("visa_free_statistics", "CHN", 1.5),
    ("suspension_notice", "KAZ", 0.5),
    ("suspension_notice", "CHN", 0.5),
    # The flows officials describe: Kazakhstan's Article 1(3) lists as envelopes (a list of
    # one here), requests through diplomatic channels, and a few refused.
    ("prior_change_list", "KAZ", 3.0),
    ("prior_change_list", "CHN", 0.2),
    ("information_request", "KAZ", 1.0),
    ("information_request", "CHN", 1.0),
    ("request_refusal", "KAZ", 0.2),
    ("request_refusal", "CHN", 0.3),
))

_VIOLATIONS = (
    ("overstay", 40), ("failure_to_register", 15), ("purpose_of_stay_violation", 15),
    ("illegal_entry", 8), ("illegal_exit", 5), ("invalid_document", 7), ("other", 10),
)
_OVERSTAY, _UNREGISTERED, _PURPOSE, _ILLEGAL_ENTRY, _ILLEGAL_EXIT, _INVALID_DOCUMENT = range(6)
_CROSSING_POINTS = (
    ("khorgos_khorgos", 30), ("nur_zholy", 25), ("dostyk_alashankou", 12),
    ("altynkol_khorgos_rail", 8), ("bakhty_baketu", 10), ("maikapshagai_jimunai", 5),
    ("kolzhat_dulata", 5), ("other", 5),
)
# The provisions each state cites, by violation ([bg]: the Code of
# Administrative Offences of Kazakhstan, Art. 517 on foreigners' breaches of
# migration rules, Criminal Code Art. 392 on illegal border crossing; the PRC
# Exit and Entry Administration Law, Arts. 71, 76, 78 and 81).
_PROVISIONS = {
    "KAZ": {
        "illegal_entry": "Criminal Code of the Republic of Kazakhstan, Art. 392",
        "illegal_exit": "Criminal Code of the Republic of Kazakhstan, Art. 392",
        "default": "Code of Administrative Offences of the Republic of Kazakhstan, Art. 517",
    },
    "CHN": {
        "illegal_entry": "Exit and Entry Administration Law of the PRC, Art. 71",
        "illegal_exit": "Exit and Entry Administration Law of the PRC, Art. 71",
        "overstay": "Exit and Entry Administration Law of the PRC, Art. 78",
        "failure_to_register": "Exit and Entry Administration Law of the PRC, Art. 76",
        "default": "Exit and Entry Administration Law of the PRC, Art. 81",
    },
}
# Measures by code: a criminal case, a warning, a fine, and a fine with deportation
# (and an entry ban).
_MEASURES = (["criminal_case", "deportation"], ["warning"], ["fine"], ["fine", "deportation"],
             ["fine", "deportation", "entry_ban"])
_CRIMINAL, _WARNING, _FINE, _DEPORTED, _BANNED = range(5)
_PURPOSES = ("tourism", "business", "private", "study", "work", "medical", "transit",
             "official", "other")
# Visa-free travel covers short stays; study, work and official trips need visas.
_VISA_ONLY = frozenset({"study", "work", "official"})
_SCALE = {"tourism": 90_000, "business": 15_000, "private": 8_000, "transit": 5_000}
_AREAS = ("visa_free_statistics", "citizenship_acquisition", "prior_citizenship_change",
          "entry_stay_exit_violation")
_CHANGE_STATUS = ("termination_requested", "terminated", "unknown", "retained",
                  "termination_refused", "lost_by_law_unconfirmed")
_REPLY_STATUS = ("retained", "terminated", "no_record", "termination_pending", "refused")
_GROUNDS = ("public_health", "public_order", "national_security")


def _json_texts(values: Sequence[Any]) -> Texts:
    """Each value as JSON, in a column indexed like `values`."""
    return texts(orjson.dumps(v) for v in values)


def _cumulative(pairs: tuple[tuple[str, int], ...]) -> Any:
    return np.cumsum([w for _, w in pairs]).astype(np.float64)


def _category(draw: Any, cumulative: Any) -> Ints:
    """A weighted choice per row: the index of the draw's bracket in `cumulative`."""
    return np.searchsorted(cumulative, draw * cumulative[-1], side="right")  # type: ignore[no-any-return]


_PARTY = {code: orjson.dumps(party) for code, party in _PARTIES.items()}
_VIOLATION_TEXT = _json_texts([v for v, _ in _VIOLATIONS])
_VIOLATION_SHARES = _cumulative(_VIOLATIONS)
_POINT_TEXT = _json_texts([p for p, _ in _CROSSING_POINTS])
_POINT_SHARES = _cumulative(_CROSSING_POINTS)
_MEASURE_TEXT = _json_texts(_MEASURES)
_PROVISION_TEXT = {state: _json_texts([table.get(v, table["default"]) for v, _ in _VIOLATIONS])
                   for state, table in _PROVISIONS.items()}
_NUMBERS = texts(str(n) for n in range(10_000))
_DASH = np.full((1, 1), b"-", dtype="S1")


def _null_or(present: Any, json: Texts) -> Texts:
    """`json` where `present`, JSON null elsewhere."""
    return np.where(present, json, b"null")


def _uuids(draws: Draws, n: int) -> Texts:
    """Version-4 UUIDs drawn from the stream (so seeded), quoted for JSON."""
    words = draws.words(2 * n).reshape(n, 2)
    # The version nibble set to 4, the variant bits to 10.
    words[:, 0] = words[:, 0] & np.uint64(~0xF000 & 0xFFFF_FFFF_FFFF_FFFF) | np.uint64(0x4000)
    words[:, 1] = (words[:, 1] & np.uint64(0x3FFF_FFFF_FFFF_FFFF)
                   | np.uint64(0x8000_0000_0000_0000))
    digits = hex_digits(words)
    dash, quote = np.repeat(_DASH, n, axis=0), np.repeat(_QUOTES, n, axis=0)
    return fixed(np.concatenate([quote, digits[:, :8], dash, digits[:, 8:12], dash,
                                  digits[:, 12:16], dash, digits[:, 16:20], dash,
                                  digits[:, 20:], quote], axis=1))


_QUOTES = np.full((1, 1), b'"', dtype="S1")


#: Sender, recipient, channel and carrier of messages (each a column or a constant).
Route = tuple[Texts | bytes, Texts | bytes, Texts | bytes, Texts | bytes]


def _envelopes(draws: Draws, kind: str, route: Route, sent: Ints,
               reply: Texts | bytes = b"null") -> Pieces:
    """Message envelopes as the start of JSON objects (the kind's fields follow)."""
    sender, recipient, channel, carrier = route
    return (f'{{"schema_version":"{SCHEMA_VERSION}","message_id":'.encode(),
            _uuids(draws, len(sent)),
            f',"kind":"{kind}","sender":'.encode(), sender, b',"recipient":', recipient,
            b',"sent_on":', _dates(sent), b',"channel":"', channel, b'","carrier":', carrier,
            b',"in_reply_to":', reply, b',"synthetic":true')


def _dates(ordinals: Ints) -> Texts:
    """The days as quoted JSON dates."""
    return days().quoted[ordinals - FIRST]


def _years(ordinals: Ints) -> Texts:
    return _NUMBERS[days().year[ordinals - FIRST]]


# --- the six kinds -------------------------------------------------------


def _diplomatic(state: str) -> Route:
    """Kazakhstan's MIA and China's MFA, through the diplomatic channel.

    China's foreign ministry is a competent authority; Kazakhstan's only carries.
    """
    sender, recipient = ("KAZ_MIA", "CHN_MFA") if state == "KAZ" else ("CHN_MFA", "KAZ_MIA")
    return _PARTY[sender], _PARTY[recipient], b"diplomatic", _CARRIER[state]


def _competent(state: str) -> Route:
    """Migration authority to migration authority (Kazakhstan's MIA, China's NIA)."""
    sender, recipient = ("KAZ_MIA", "CHN_NIA") if state == "KAZ" else ("CHN_NIA", "KAZ_MIA")
    return _PARTY[sender], _PARTY[recipient], b"competent_authority", b"null"


def _channels(state: str, diplomatic: Any) -> tuple[Texts, Texts]:
    """Channel and carrier columns: the sender's foreign ministry carries diplomatic ones."""
    return (np.where(diplomatic, b"diplomatic", b"competent_authority").astype(object),
            np.where(diplomatic, _CARRIER[state], b"null").astype(object))


def _citizenship_parties(state: str, draw: Any) -> Route:
    """Sender and recipient authorities and channel of citizenship notices."""
    sender: Texts | bytes
    if state == "KAZ":
        sender = np.where(draw[1] < 0.15, _PARTY["KAZ_MLSPP"], _PARTY["KAZ_MIA"])
        recipient = _PARTY["CHN_NIA"]
    else:
        sender, recipient = _PARTY["CHN_NIA"], _PARTY["KAZ_MIA"]
    return (sender, recipient, *_channels(state, draw[0] < 0.6))


def _subjects_of_change(draws: Draws, state: str, sent: Ints, decided: Ints,
                        draw: Any) -> PersonColumns:
    """People who became citizens of `state` on `decided`, formerly of the other."""
    if state == "KAZ":
        population = np.where(draw < 0.93, POPULATION_CODE["kandas_kazakh"],
                              POPULATION_CODE["kandas_uyghur"])
    else:
        population = np.full(len(sent), POPULATION_CODE["chn_kazakh"])
    return person_columns(draws, population, sent, born_before=decided - 18 * YEAR,
                          naturalised_on=decided, former=STATE_CODE[_OTHER[state]])


def _change_fields(draws: Draws, state: str, decided: Ints, sent: Ints) -> Pieces:
    """The fields of a citizenship change after the subject."""
    n = len(decided)
    u = draws.uniform((3, n))
    recipient = _OTHER[state]
    # The limbo the reporting describes (renunciations unanswered, refused, or a loss by
    # law the other state does not record) is a few in a hundred: see _CHANGE_STATUS.
    status = np.searchsorted([0.42, 0.77, 0.92, 0.96, 0.98], u[1], side="right")
    issued = np.minimum(sent - 1, decided - draws.between(0, 365, n))
    certified = (status == 1) & (u[2] < 0.7)
    certificate = join_rows(
        b'{"type":"renunciation_certificate_chn","number":"T' if recipient == "CHN"
        else b'{"type":"termination_certificate_kaz","number":"K',
        _years(issued), _NUMBERS[draws.below(1_000_000, n) // 100], DIGITS4[draws.below(100, n)],
        b'","date":', _dates(issued), b',"issuer":', authorities(recipient, issued), b"}")
    evidence = np.where(certified, certificate, b"")
    ended_by = np.select([certified, status == 1, status == 5],
                         [b'"renunciation_approved"', b'"automatic_by_law"',
                          b'"automatic_by_law"'], b"null").astype(object)
    if state == "KAZ":
        reference: Pieces = ('"ПР-'.encode(), _years(decided), b"-",
                             DIGITS4[draws.between(1, 9999, n)], b'"')
    else:
        reference = ('"国移管〔'.encode(), _years(decided), "〕".encode(),
                     _NUMBERS[draws.between(1, 999, n)], '号"'.encode())
    return (b',"acquisition":',
            np.where(u[0] < (0.05 if state == "KAZ" else 0.7), b'"restoration"', b'"admission"'),
            b',"decided_on":', _dates(decided), b',"decision_reference":', *reference,
            f',"former_citizenship":{{"state":"{recipient}","status":"'.encode(),
            _CHANGE_TEXT[status], b'","ended_by":', ended_by, b',"ended_on":null,"evidence":[',
            evidence, b"]}")


_CHANGE_TEXT = texts(_CHANGE_STATUS)


def _acquisitions(draws: Draws, n: int, state: str) -> Texts:
    decided = draws.between(DATA_START, DATA_END - 120, n)
    sent = decided + draws.between(14, 120, n)
    u = draws.uniform((3, n))
    envelope = _envelopes(draws, "citizenship_acquisition", _citizenship_parties(state, u), sent)
    subject = _subjects_of_change(draws, state, sent, decided, u[2])
    return join_rows(*envelope, b',"subject":', *subject.pieces,
                     *_change_fields(draws, state, decided, sent), b"}")


def _prior_change_parts(draws: Draws, n: int, state: str, kind: str) -> tuple[Pieces, Pieces]:
    """Envelopes, and subjects with their changes, of changes decided before entry into force.

    Either a notice of its own or the item of a list: the same people and changes.
    """
    decided = draws.between(_FIRST_PRIOR, DATA_START - 1, n)
    u = draws.uniform((2, n))
    # Most lists arrived by the 6-month deadline; some late (a warning, still valid).
    sent = np.where(u[0] < 0.9, draws.between(DATA_START, _PRIOR_DUE, n),
                    draws.between(_PRIOR_DUE + 1, _PRIOR_DUE + 240, n))
    envelope = _envelopes(draws, kind, _diplomatic(state), sent)
    subject = _subjects_of_change(draws, state, sent, decided, u[1])
    change = (b',"subject":', *subject.pieces, *_change_fields(draws, state, decided, sent))
    return envelope, change


def _prior_changes(draws: Draws, n: int, state: str) -> Texts:
    envelope, change = _prior_change_parts(draws, n, state, "prior_citizenship_change")
    return join_rows(*envelope, *change, b"}")


def _prior_change_lists(draws: Draws, n: int, state: str) -> Texts:
    envelope, change = _prior_change_parts(draws, n, state, "prior_change_list")
    list_id = (f',"list_id":"{state}-2024-'.encode(), DIGITS4[draws.between(1, 9999, n)], b'"')
    return join_rows(*envelope, *list_id, b',"items":[{"item":1', *change, b"}]}")


def _requests(draws: Draws, n: int, state: str) -> Texts:
    """`state` asks about a citizen of the other state, by passport number."""
    sent = draws.between(DATA_START, DATA_END, n)
    u = draws.uniform((2, n))
    envelope = _envelopes(draws, "information_request", _diplomatic(state), sent)
    person = person_columns(draws, _violators(state, u[0]), sent, traveller=True)
    purpose = np.searchsorted([0.6, 0.9], u[1], side="right")
    return join_rows(*envelope, b',"purpose":"', _PURPOSE_TEXT[purpose],
                     b'","legal_basis":"', _LEGAL_BASIS_TEXT[purpose],
                     b'","persons":[{"item":1,"personal_number":null,"document":{"issuing_state":'
                     + f'"{_OTHER[state]}","document_type":"passport","number":"'.encode(),
                     person.passport, b'"}}]}')


_REQUEST_PURPOSES = ("citizenship_status", "entry_stay_exit_violation", "other")
_PURPOSE_TEXT = texts(_REQUEST_PURPOSES)
_LEGAL_BASIS_TEXT = texts(f"Agreement of 17 May 2023, Article 1{article}" for article in
                          ("(3)", "(4)", ""))
_REFUSAL_GROUNDS = ("security", "contrary_to_law", "sovereignty", "public_order", "other")


def _refusals(draws: Draws, n: int, state: str) -> Texts:
    """`state` refuses a request of the other, citing it."""
    sent = draws.between(DATA_START + 30, DATA_END, n)
    envelope = _envelopes(draws, "request_refusal", _diplomatic(state), sent, _uuids(draws, n))
    grounds = np.searchsorted([0.35, 0.65, 0.8, 0.95], draws.uniform(n), side="right")
    return join_rows(*envelope, b',"grounds":"', _REFUSAL_TEXT[grounds],
                     b'","refused_items":[]}')


_REFUSAL_TEXT = texts(_REFUSAL_GROUNDS)


def _status_replies(draws: Draws, n: int, state: str) -> Texts:
    """`state` answers whether people on the other's list kept its citizenship."""
    received = draws.between(DATA_START + 10, DATA_END - 90, n)
    u = draws.uniform((3, n))
    sent = received + np.where(u[0] < 0.05, draws.between(62, 90, n), draws.between(5, 55, n))
    other = _OTHER[state]
    competent = ("CHN_NIA", "KAZ_MIA") if state == "CHN" else ("KAZ_MIA", "CHN_NIA")
    route = (_PARTY[competent[0]], _PARTY[competent[1]], *_channels(state, u[1] < 0.7))
    envelope = _envelopes(draws, "citizenship_status_reply", route, sent, _uuids(draws, n))
    # Retained, terminated, no record; then the limbo: pending, refused (see _REPLY_STATUS).
    status = np.searchsorted([0.38, 0.81, 0.95, 0.98], u[2], side="right")
    terminated = status == 1
    # No record: nobody by that name in the answering state, the record is the
    # list's; otherwise the answering state's record of its (former) citizen.
    listed = "kandas_kazakh" if other == "KAZ" else "chn_kazakh"
    own = "chn_kazakh" if state == "CHN" else "kaz_kazakh"
    subject = person_columns(
        draws, np.where(status == 2, POPULATION_CODE[listed], POPULATION_CODE[own]), sent,
        citizenship=np.where(terminated, STATE_CODE[other], 0), with_number=~terminated,
    )
    terminated_on = _null_or(terminated, _dates(received - draws.between(30, 5 * YEAR, n)))
    list_id: Pieces = (f'"{other}-'.encode(), _years(received), b"-",
                       DIGITS4[draws.between(1, 9999, n)], b'"')
    return join_rows(*envelope, b',"subject":', *subject.pieces, b',"list_id":', *list_id,
                     b',"list_item":', _NUMBERS[draws.between(1, 9999, n)],
                     b',"list_received_on":', _dates(received), b',"status":"',
                     _REPLY_TEXT[status],
                     b'","terminated_on":', terminated_on, b"}")


_REPLY_TEXT = texts(_REPLY_STATUS)


@dataclass(frozen=True, slots=True)
class _Violation:
    """What happened, when, and what followed (a column each)."""

    violation: Ints  # index into _VIOLATIONS
    entered: Ints
    permitted: Ints  # the last day of the permitted stay
    occurred: Ints
    detected: Ints
    measures: Ints  # index into _MEASURES
    left: Ints  # the day a deportee left (where `deported`)
    deported: Any


def _violation_columns(draws: Draws, n: int, u: Any) -> _Violation:
    """Violations with dates that agree: entry, permitted stay, the act, detection, leaving."""
    violation = _category(u[0], _VIOLATION_SHARES)
    entered = draws.between(DATA_START, DATA_END - 200, n)
    permitted = entered + np.where(u[1] < 0.8, 29, 89)  # a 30-day visa-free stay
    occurred = np.select(
        [violation == _OVERSTAY, _no_stay(violation), violation == _UNREGISTERED],
        [permitted + 1, entered, entered + 5], entered + draws.between(1, 25, n))
    detected = occurred + np.where(
        (violation == _ILLEGAL_EXIT) | (violation == _INVALID_DOCUMENT), 0,
        draws.between(0, 60, n))
    crossed = (violation == _ILLEGAL_ENTRY) | (violation == _ILLEGAL_EXIT)
    criminal = crossed & (u[2] < 0.3)
    warning = ~criminal & (u[3] < 0.15)
    deported = (~criminal & ~warning & (u[4] < 0.4)
                & np.isin(violation, [_OVERSTAY, _PURPOSE, _ILLEGAL_ENTRY]))
    measures = np.select([criminal, warning, deported & (u[5] < 0.6), deported],
                         [_CRIMINAL, _WARNING, _BANNED, _DEPORTED], _FINE)
    # A criminal case also deports.
    return _Violation(violation, entered, permitted, occurred, detected, measures,
                      detected + draws.between(1, 10, n), criminal | deported)


def _no_stay(violation: Ints) -> Any:
    """Violations at the border itself, with no permitted stay."""
    return (violation == _ILLEGAL_ENTRY) | (violation == _INVALID_DOCUMENT)


def _violators(state: str, draw: Any) -> Ints:
    """Who breaks the rules in `state`: citizens of the other state, by population."""
    code = POPULATION_CODE
    if state == "KAZ":
        return np.select([draw < 0.5, draw < 0.85], [code["chn_han"], code["chn_kazakh"]],
                         code["chn_uyghur"])
    return np.where(draw < 0.75, code["kaz_kazakh"], code["kaz_russian"])


def _crossings(v: _Violation, point: Texts, passport: Texts) -> Pieces:
    """The border crossings of each violation: an entry unless illegal, an exit if any."""
    def crossing(direction: str, day: Ints) -> Texts:
        return join_rows(f'{{"direction":"{direction}","crossed_on":'.encode(), _dates(day),
                         b',"crossing_point":', point, b',"document_number":"', passport, b'"}')

    entered_legally = v.violation != _ILLEGAL_ENTRY
    exited = (v.violation == _ILLEGAL_EXIT) | v.deported
    # Who left illegally is recorded leaving then; a deportee on the day of leaving.
    left = np.where(v.violation == _ILLEGAL_EXIT, v.occurred, v.left)
    return (np.where(entered_legally, crossing("entry", v.entered), b""),
            commas(entered_legally & exited), np.where(exited, crossing("exit", left), b""))


def _violations(draws: Draws, n: int, state: str) -> Texts:
    """Citizens of the other state broke entry, stay or exit rules in `state`."""
    u = draws.uniform((9, n))
    v = _violation_columns(draws, n, u)
    sent = np.where(v.deported, v.left, v.detected) + draws.between(3, 40, n)
    envelope = _envelopes(draws, "entry_stay_exit_violation", _competent(state), sent)
    subject = person_columns(draws, _violators(state, u[6]), v.entered, traveller=True)
    crossings = _crossings(v, _POINT_TEXT[_category(u[7], _POINT_SHARES)], subject.passport)
    ban_until = _null_or(v.measures == _BANNED,
                         _dates(add_years(v.detected, draws.between(1, 5, n))))
    return join_rows(*envelope, b',"subject":', *subject.pieces, b',"violation":',
                     _VIOLATION_TEXT[v.violation], b',"occurred_on":', _dates(v.occurred),
                     b',"detected_on":', _dates(v.detected), b',"crossings":[', *crossings,
                     b'],"permitted_stay_until":',
                     _null_or(~_no_stay(v.violation), _dates(v.permitted)),
                     b',"measures":', _MEASURE_TEXT[v.measures], b',"entry_ban_until":',
                     ban_until, b',"legal_provision":', _PROVISION_TEXT[state][v.violation],
                     b"}")


def _statistics(draws: Draws, n: int, state: str) -> Texts:
    quarter = draws.between(0, 7, n)  # 2024 Q1 … 2025 Q4 (and the first weeks in force)
    year, month = 2024 + quarter // 4, 1 + 3 * (quarter % 4)
    start = month_starts(year, month)
    end = month_starts(year, month + 3) - 1  # month 13 is January of the next year
    first_weeks = (quarter == 0) & (draws.uniform(n) < 0.2)
    start = np.where(first_weeks, DATA_START, start)
    end = np.where(first_weeks, date(2023, 12, 31).toordinal(), end)
    sent = end + draws.between(5, 45, n)
    envelope = _envelopes(draws, "visa_free_statistics", _competent(state), sent)
    shape = (len(_PURPOSES), n)
    kept = draws.uniform(shape) < 0.6
    kept[0] |= ~kept.any(axis=0)  # at least one row: tourism
    scale = np.array([_SCALE.get(p, 1_000) for p in _PURPOSES])[:, None]
    entries = draws.below(np.broadcast_to(scale + 1, shape).ravel(), n * len(_PURPOSES)).reshape(
        shape)
    exits = entries - (entries * draws.uniform(shape) * 0.1).astype(np.int64)
    visas = draws.below((entries // 50 + 1).ravel(), n * len(_PURPOSES)).reshape(shape)
    visa_only = draws.between(50, 4_000, n * len(_PURPOSES)).reshape(shape)
    rows = texts(
        orjson.dumps([_statistics_row(p, int(entries[i, j]), int(exits[i, j]), int(visas[i, j]),
                                      int(visa_only[i, j]))
                      for i, p in enumerate(_PURPOSES) if kept[i, j]])
        for j in range(n)
    )
    return join_rows(*envelope, f',"citizens_of":"{_OTHER[state]}","period_start":'.encode(),
                     _dates(start), b',"period_end":', _dates(end), b',"rows":', rows, b"}")


def _statistics_row(purpose: str, entries: int, exits: int, visas: int,
                    visa_only: int) -> JsonDict:
    if purpose in _VISA_ONLY:
        entries, exits, visas = 0, 0, visa_only
    return {"purpose": purpose, "visa_free_entries": entries, "visa_free_exits": exits,
            "visas_issued": visas}


def _suspensions(draws: Draws, n: int, state: str) -> Texts:
    decided = draws.between(DATA_START, DATA_END - 30, n)
    u = draws.uniform((3 + len(_AREAS), n))
    # Due within 72 hours; a few late notices (a warning, still valid).
    sent = decided + np.where(u[0] < 0.95, draws.between(0, 3, n), draws.between(4, 10, n))
    envelope = _envelopes(draws, "suspension_notice", _diplomatic(state), sent)
    grounds = np.searchsorted([0.5, 0.8], u[1], side="right")
    partial = u[2] < 0.7
    areas = texts(
        orjson.dumps([a for i, a in enumerate(_AREAS) if u[3 + i, j] < 0.4]
                     or ["visa_free_statistics"] if partial[j] else [])
        for j in range(n)
    )
    return join_rows(*envelope, b',"action":"adopted","cancels":null,"grounds":"',
                     _GROUNDS_TEXT[grounds], b'","scope":"',
                     np.where(partial, b"partial", b"full").astype(object),
                     b'","suspended_areas":', areas, b',"decided_on":', _dates(decided),
                     b',"effective_from":', _dates(decided + draws.between(0, 14, n)), b"}")


_GROUNDS_TEXT = texts(_GROUNDS)

#: Each kind's builder: (stream, count, sending state) → the messages as JSON text.
_BUILDERS: dict[str, Callable[[Draws, int, str], Texts]] = {
    "citizenship_acquisition": _acquisitions,
    "prior_citizenship_change": _prior_changes,
    "citizenship_status_reply": _status_replies,
    "entry_stay_exit_violation": _violations,
    "visa_free_statistics": _statistics,
    "suspension_notice": _suspensions,
    "prior_change_list": _prior_change_lists,
    "information_request": _requests,
    "request_refusal": _refusals,
}


class Generator:
    """Builds messages from a random source; see the module docstring.

    Args:
        rng: a `random.Random` (or anything with `random()` and
            `getrandbits()`); Faker's `generator.random` works. It seeds the
            column stream and draws kinds for single messages.
        mix: which kinds and directions to draw, with what weights.
    """

    def __init__(self, rng: RandomSource | None = None, mix: Mix = DEFAULT_MIX) -> None:
        self.rng = rng if rng is not None else random.Random(0)  # noqa: S311 - not crypto
        self.draws = Draws.from_source(self.rng)
        self.mix = mix
        self._choices = [(kind, sender) for kind, sender, w in mix.entries if w > 0]
        self._cumulative = np.cumsum([w for _, _, w in mix.entries if w > 0])

    @cached_property
    def people(self) -> People:
        """Person records one at a time, from the same random source."""
        return People(self.rng)

    def __iter__(self) -> Iterator[JsonDict]:
        """An endless stream of messages drawn from the mix (made `CHUNK` at a time)."""
        while True:
            yield from map(orjson.loads, self.lines(CHUNK))

    def message(self, kind: str | None = None, sender: str | None = None) -> JsonDict:
        """One message; `kind` and `sender` default to a draw from the mix."""
        if kind is None:
            r = self.rng.random() * self._cumulative[-1]
            kind, drawn = self._choices[int(np.searchsorted(self._cumulative, r, side="right"))]
            sender = sender or drawn
        elif kind not in _BUILDERS:
            raise MixError(f"unknown kind {kind!r}; choose from {', '.join(MESSAGE_KINDS)}")
        if sender is None:
            sender = self._default_sender(kind)
        found: JsonDict = orjson.loads(_BUILDERS[kind](self.draws, 1, sender)[0])
        return found

    def lines(self, count: int, kind: str | None = None, sender: str | None = None) -> Texts:
        """`count` messages as UTF-8 JSON (the bulk path), in a numpy object array.

        Kinds and senders are drawn from the mix; `kind` asks for that kind
        only (from `sender`, or both states as the default mix shares them).
        """
        if kind is None:
            choices, cumulative = self._choices, self._cumulative
        else:
            only = Mix(((kind, sender, 1.0),)) if sender else DEFAULT_MIX.only([kind])
            choices = [(k, s) for k, s, _ in only.entries]
            cumulative = np.cumsum([w for _, _, w in only.entries])
        entry = _category(self.draws.uniform(count), cumulative)
        out = np.empty(count, dtype=object)
        for index, (drawn, state) in enumerate(choices):
            rows = np.flatnonzero(entry == index)
            if len(rows):
                out[rows] = _BUILDERS[drawn](self.draws, len(rows), state)
        return out

    def _default_sender(self, kind: str) -> str:
        shares = [(s, w) for k, s, w in DEFAULT_MIX.entries if k == kind]
        r = self.rng.random() * sum(w for _, w in shares)
        return shares[0][0] if r < shares[0][1] else shares[1][0]


#: Messages per chunk (see the module docstring). Part of the output's
#: definition: changing it changes the messages of every seed. 5,000 messages
#: are about 9 MB of JSONL, so the few chunks in flight keep memory flat, yet
#: big enough that seeding and passing a chunk between processes cost nothing
#: next to making it.
CHUNK = 5_000


def chunk_rng(seed: int, index: int, stream: str = "kzcn") -> random.Random:
    """The random source of chunk `index` of the run seeded with `seed`.

    A string seed is hashed with SHA-512, not `hash()`, so the stream is the
    same in every process whatever `PYTHONHASHSEED` says; `stream` names
    independent streams of the same chunk (messages, corruption).
    """
    return random.Random(f"{stream}:{seed}:{index}")  # noqa: S311 - reproducible, not secret


def chunk_spans(count: int) -> Iterator[tuple[int, range]]:
    """Each chunk's index and the positions (from 0) of its messages in the run."""
    for index, start in enumerate(range(0, count, CHUNK)):
        yield index, range(start, min(start + CHUNK, count))


def chunk_lines(seed: int, index: int, size: int, mix: Mix = DEFAULT_MIX,
                chunk: int | None = None) -> Texts:
    """The first `size` messages of chunk `index` of the run seeded with `seed`, as JSON text.

    The whole chunk is drawn (columns of `chunk` rows, default `CHUNK`) and
    cut, so a shorter run's last chunk is the start of a longer run's.
    """
    return Generator(chunk_rng(seed, index), mix).lines(chunk or CHUNK)[:size]


def chunk_messages(seed: int, index: int, size: int, mix: Mix = DEFAULT_MIX) -> Iterator[JsonDict]:
    """The first `size` messages of chunk `index` of the run seeded with `seed`, as dicts."""
    return map(orjson.loads, chunk_lines(seed, index, size, mix))


def generate(count: int, seed: int = 0, mix: Mix = DEFAULT_MIX) -> Iterator[JsonDict]:
    """`count` messages of the run seeded with `seed`, one at a time (memory stays flat).

    The same messages, in the same order, as `kzcn generate --seed` writes.

    Raises:
        ValueError: if `count` is negative.
    """
    if count < 0:
        raise ValueError("count must be >= 0")
    for index, span in chunk_spans(count):
        yield from chunk_messages(seed, index, len(span), mix)
