"""The nine kinds of message, each built for a whole column of messages at once.

Each builder takes the random stream, a count and the sending state, draws
the messages' columns and returns them as `Built`: rendered as UTF-8 JSON,
or viewed by field for the Parquet writer (`kzcn.synth._view`), from the
same columns; `BUILDERS` maps each kind to its builder.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import numpy as np
import orjson

from kzcn.authorities import Party
from kzcn.messages import (
    Area,
    BorderCrossing,
    CitizenshipStatusReply,
    CrossingPoint,
    DocumentReference,
    EndedBy,
    EntryStayExitViolation,
    EvidenceItem,
    EvidenceType,
    FormerCitizenship,
    FormerCitizenshipStatus,
    Grounds,
    InformationRequest,
    Measure,
    PriorChangeItem,
    PriorChangeList,
    PriorCitizenshipChange,
    Purpose,
    RefusalGrounds,
    ReplyStatus,
    RequestedPerson,
    RequestPurpose,
    RequestRefusal,
    StatisticsRow,
    SuspensionAction,
    SuspensionNotice,
    Violation,
    VisaFreeStatistics,
)
from kzcn.synth._checks import DIGITS4
from kzcn.synth._columns import Flags, Floats, Ints, Pieces, Texts, commas, join_rows, texts
from kzcn.synth._days import add_years, month_starts
from kzcn.synth._envelope import (
    DATA_END,
    DATA_START,
    FIRST_PRIOR,
    FULL,
    NUMBERS,
    OTHER,
    PARTIAL,
    PARTY,
    PRIOR_DUE,
    JsonDict,
    Route,
    category,
    channels,
    competent_route,
    cumulative_shares,
    dates_view,
    diplomatic_route,
    envelopes,
    json_texts,
    null_or,
    quoted_dates,
    uuids,
    year_texts,
)
from kzcn.synth._recurring import (
    REQUEST_SHARE,
    listed_again,
    listed_records,
    recurring,
    recurring_stays,
    subjects_view,
)
from kzcn.synth._regime import fields_of, in_draw_order, key, keys, opening, shares, values_of
from kzcn.synth._stays import StayColumns, draw_stays
from kzcn.synth._stream import Draws
from kzcn.synth._view import Built, Coded, Items, Json, Number, Pick, Record, Text, View, offsets
from kzcn.synth.people import (
    POPULATION_CODE,
    STATE_CODE,
    YEAR,
    PersonColumns,
    authorities,
    person_columns,
)

# The keys each kind writes, read from the models: a field renamed or removed there
# fails here, at import, instead of writing bytes the models no longer accept.
_EVIDENCE_KEY = keys(EvidenceItem, "type", "number", "date", "issuer")
_CHANGE = keys(
    PriorChangeItem, "subject", "acquisition", "decided_on", "decision_reference",
    "former_citizenship",
)  # fmt: skip
_FORMER = keys(FormerCitizenship, "state", "status", "ended_by", "ended_on", "evidence")
_NO_LIST = key(PriorCitizenshipChange, "list_id") + b"null"
_NO_LIST += key(PriorCitizenshipChange, "list_item") + b"null"
_LIST_ID = key(PriorChangeList, "list_id")
_ITEMS = key(PriorChangeList, "items")
_ITEM = opening(key(PriorChangeItem, "item"))
_REPLY = keys(
    CitizenshipStatusReply, "subject", "list_id", "list_item", "list_received_on", "status",
    "terminated_on",
)  # fmt: skip
_CROSSING = keys(
    BorderCrossing, "direction", "crossed_on", "crossing_point", "document_number", "basis",
    "visa_valid_until",
)  # fmt: skip
_VIOLATION_KEY = keys(
    EntryStayExitViolation, "subject", "violation", "occurred_on", "detected_on", "crossings",
    "permitted_stay_until", "measures", "entry_ban_until", "legal_provision",
)  # fmt: skip
_STATISTICS = keys(VisaFreeStatistics, "citizens_of", "period_start", "period_end", "rows")
_ROW_KEYS = fields_of(
    StatisticsRow, ("purpose", "visa_free_entries", "visa_free_exits", "visas_issued")
)
_SUSPENSION = keys(
    SuspensionNotice, "action", "cancels", "grounds", "scope", "suspended_areas", "decided_on",
    "effective_from",
)  # fmt: skip
_REQUEST = keys(InformationRequest, "purpose", "legal_basis", "persons")
# A request names one person, by passport: item 1, no personal number.
_ONE_PERSON = (
    opening(key(RequestedPerson, "item")) + b"1" + key(RequestedPerson, "personal_number")
    + b"null" + key(RequestedPerson, "document")
)  # fmt: skip
_ASKED_DOCUMENT = keys(DocumentReference, "issuing_state", "document_type", "number")
_REFUSAL = keys(RequestRefusal, "grounds", "refused_items")

_VIOLATIONS = shares(
    Violation,
    (
        ("overstay", 40),
        ("failure_to_register", 15),
        ("purpose_of_stay_violation", 15),
        ("illegal_entry", 8),
        ("illegal_exit", 5),
        ("invalid_document", 7),
        ("other", 10),
    ),
)
_VIOLATION_INDEX = {violation: index for index, (violation, _) in enumerate(_VIOLATIONS)}
_OVERSTAY = _VIOLATION_INDEX["overstay"]
_UNREGISTERED = _VIOLATION_INDEX["failure_to_register"]
_PURPOSE = _VIOLATION_INDEX["purpose_of_stay_violation"]
_ILLEGAL_ENTRY = _VIOLATION_INDEX["illegal_entry"]
_ILLEGAL_EXIT = _VIOLATION_INDEX["illegal_exit"]
_INVALID_DOCUMENT = _VIOLATION_INDEX["invalid_document"]
_CROSSING_POINTS = shares(
    CrossingPoint,
    (
        ("nur_zholy", 55),  # the Nur Zholy - Khorgos road crossing
        ("dostyk_alashankou", 12),
        ("altynkol_khorgos_rail", 8),
        ("bakhty_baketu", 10),
        ("maikapshagai_jimunai", 5),
        ("kolzhat_dulata", 5),
        ("other", 5),
    ),
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
_MEASURES = tuple(
    list(in_draw_order(Measure, measures))
    for measures in (
        ("criminal_case", "deportation"),
        ("warning",),
        ("fine",),
        ("fine", "deportation"),
        ("fine", "deportation", "entry_ban"),
    )
)
_CRIMINAL, _WARNING, _FINE, _DEPORTED, _BANNED = range(len(_MEASURES))
_PURPOSES = values_of(Purpose)
# Visa-free travel covers short stays; study, work and official trips need visas.
_VISA_ONLY = frozenset(in_draw_order(Purpose, ("study", "work", "official")))
_SCALE = dict(
    shares(
        Purpose,
        (
            ("tourism", 90_000),
            ("business", 15_000),
            ("private", 8_000),
            ("transit", 5_000),
        ),
    )
)
_AREAS = values_of(Area)
# Former citizenship status by the shares 42/35/15/4/2/2 (the thresholds in `_change_fields`):
# the limbo the reporting describes (renunciations unanswered or refused, a loss by law the
# other state does not record) is a few in a hundred, enough to be seen in a workshop sample
# without claiming a rate nobody has published.
_CHANGE_STATUS = in_draw_order(
    FormerCitizenshipStatus,
    (
        "termination_requested",
        "terminated",
        "unknown",
        "retained",
        "termination_refused",
        "lost_by_law_unconfirmed",
    ),
)
_CHANGE_REQUESTED = _CHANGE_STATUS.index("termination_requested")
_CHANGE_TERMINATED = _CHANGE_STATUS.index("terminated")
_CHANGE_LOST = _CHANGE_STATUS.index("lost_by_law_unconfirmed")
_RENOUNCED, _BY_LAW = (
    f'"{v}"'.encode() for v in in_draw_order(EndedBy, ("renunciation_approved", "automatic_by_law"))
)
_EVIDENCE = {
    name: opening(_EVIDENCE_KEY["type"]) + orjson.dumps(name)
    for name in in_draw_order(
        EvidenceType,
        (
            "renunciation_certificate_chn",
            "termination_certificate_kaz",
            "renunciation_application",
            "passport_cancelled",
            "hukou_cancellation",
        ),
    )
}
#: Where a former citizen applies: the other state's mission in the sender's country.
_MISSION = {
    "CHN": b'"Consulate General of the PRC in Almaty"',
    "KAZ": b'"Embassy of the Republic of Kazakhstan in Beijing"',
}
# Reply status by the shares 38/43/14/3/2 (the thresholds in `_status_replies`).
_REPLY_STATUS = in_draw_order(
    ReplyStatus, ("retained", "terminated", "no_record", "termination_pending", "refused")
)
_REPLY_TERMINATED = _REPLY_STATUS.index("terminated")
_REPLY_NO_RECORD = _REPLY_STATUS.index("no_record")
_GROUNDS = in_draw_order(Grounds, ("public_health", "public_order", "national_security"))


_VIOLATION_TEXT = json_texts([v for v, _ in _VIOLATIONS])
_VIOLATION_SHARES = cumulative_shares(_VIOLATIONS)
# A stay drawn for an overstay that the calculator finds within the rules is reported
# as one of the other violations, at their shares.
_NOT_OVERSTAY = np.array([i for i in range(len(_VIOLATIONS)) if i != _OVERSTAY])
_NOT_OVERSTAY_SHARES = cumulative_shares(tuple(_VIOLATIONS[i] for i in _NOT_OVERSTAY))
_POINT_TEXT = json_texts([p for p, _ in _CROSSING_POINTS])
_POINT_SHARES = cumulative_shares(_CROSSING_POINTS)
_MEASURE_TEXT = json_texts(_MEASURES)
_PROVISION_TEXT = {
    state: json_texts([table.get(v, table["default"]) for v, _ in _VIOLATIONS])
    for state, table in _PROVISIONS.items()
}


def _citizenship_parties(state: Party, channel_draw: Floats, sender_draw: Floats) -> Route:
    """Sender and recipient authorities, channel and carrier of citizenship notices."""
    sender: Texts | bytes
    if state == "KAZ":
        sender = np.where(sender_draw < 0.15, PARTY["KAZ_MLSPP"], PARTY["KAZ_MIA"])
        recipient = PARTY["CHN_NIA"]
    else:
        sender, recipient = PARTY["CHN_NIA"], PARTY["KAZ_MIA"]
    return (sender, recipient, *channels(state, channel_draw < 0.6))


def _subjects_of_change(
    draws: Draws, state: Party, sent: Ints, decided: Ints, draw: Floats
) -> PersonColumns:
    """People who became citizens of `state` on `decided`, formerly of the other."""
    if state == "KAZ":
        population = np.where(
            draw < 0.93, POPULATION_CODE["kandas_kazakh"], POPULATION_CODE["kandas_uyghur"]
        )
    else:
        population = np.full(len(sent), POPULATION_CODE["chn_kazakh"])
    return person_columns(
        draws,
        population,
        sent,
        born_before=decided - 18 * YEAR,
        naturalised_on=decided,
        former=STATE_CODE[OTHER[state]],
    )


#: A kind's fields by name, computed when the view is asked for (the JSON route skips it).
LazyFields = Callable[[], dict[str, View]]


def _change_fields(
    draws: Draws, state: Party, decided: Ints, sent: Ints
) -> tuple[Pieces, LazyFields]:
    """The fields of a citizenship change after the subject: as JSON pieces, and by name."""
    n = len(decided)
    restoration_draw, status_draw, evidence_draw = draws.uniform((3, n))
    recipient = OTHER[state]
    status = np.searchsorted([0.42, 0.77, 0.92, 0.96, 0.98], status_draw, side="right")
    issued = np.minimum(sent - 1, decided - draws.between(0, 365, n))
    certified = (status == _CHANGE_TERMINATED) & (evidence_draw < 0.7)
    certificate_type = (
        "renunciation_certificate_chn" if recipient == "CHN" else "termination_certificate_kaz"
    )
    certificate_number: Pieces = (
        b"T" if recipient == "CHN" else b"K",
        year_texts(issued),
        NUMBERS[draws.below(1_000_000, n) // 100],
        DIGITS4[draws.below(100, n)],
    )
    certificate_issuer = authorities(recipient, issued)
    certificate = join_rows(
        _EVIDENCE[certificate_type],
        _EVIDENCE_KEY["number"] + b'"' + certificate_number[0],
        *certificate_number[1:],
        b'"' + _EVIDENCE_KEY["date"],
        quoted_dates(issued),
        _EVIDENCE_KEY["issuer"],
        certificate_issuer,
        b"}",
    )
    # An application at the other state's mission after the decision; a passport cancelled
    # (clipped) there, or, for some, a household registration cancelled at home.
    lodged = np.minimum(sent - 1, decided + draws.between(10, 400, n))
    application = join_rows(
        _EVIDENCE["renunciation_application"],
        _EVIDENCE_KEY["number"] + b"null" + _EVIDENCE_KEY["date"],
        quoted_dates(lodged),
        _EVIDENCE_KEY["issuer"],
        _MISSION[recipient],
        b"}",
    )
    passport_cancelled = evidence_draw < 0.6
    cancelled = join_rows(
        np.where(
            passport_cancelled, _EVIDENCE["passport_cancelled"], _EVIDENCE["hukou_cancellation"]
        ).astype(object),
        _EVIDENCE_KEY["number"] + b"null" + _EVIDENCE_KEY["date"],
        quoted_dates(lodged),
        _EVIDENCE_KEY["issuer"],
        _MISSION[recipient],
        b"}",
    )
    which = np.select(
        [certified, (status == _CHANGE_REQUESTED) & (evidence_draw < 0.5), status == _CHANGE_LOST],
        [0, 1, 2],
        -1,
    )
    evidence = np.select(
        [which == 0, which == 1, which == 2], [certificate, application, cancelled], b""
    ).astype(object)
    ended_by = np.select(
        [certified, (status == _CHANGE_TERMINATED) | (status == _CHANGE_LOST)],
        [_RENOUNCED, _BY_LAW],
        b"null",
    ).astype(object)
    # The decision's reference, without its JSON quotes.
    reference: Pieces
    if state == "KAZ":
        reference = ("ПР-".encode(), year_texts(decided), b"-", DIGITS4[draws.between(1, 9999, n)])
    else:
        reference = (
            "国移管〔".encode(),
            year_texts(decided),
            "〕".encode(),
            NUMBERS[draws.between(1, 999, n)],
            "号".encode(),
        )
    acquisition = np.where(
        restoration_draw < (0.05 if state == "KAZ" else 0.7), b'"restoration"', b'"admission"'
    )
    pieces = (
        _CHANGE["acquisition"],
        acquisition,
        _CHANGE["decided_on"],
        quoted_dates(decided),
        _CHANGE["decision_reference"] + b'"',
        *reference,
        b'"'
        + _CHANGE["former_citizenship"]
        + opening(_FORMER["state"])
        + orjson.dumps(recipient)
        + _FORMER["status"]
        + b'"',
        _CHANGE_TEXT[status],
        b'"' + _FORMER["ended_by"],
        ended_by,
        _FORMER["ended_on"] + b"null" + _FORMER["evidence"] + b"[",
        evidence,
        b"]}",
    )

    def fields() -> dict[str, View]:
        mission = Json(_MISSION[recipient])
        kinds = (
            Record(n, {
                "type": Json(orjson.dumps(certificate_type)),
                "number": Text(join_rows(*certificate_number)),
                "date": dates_view(issued),
                "issuer": Json(certificate_issuer),
            }),
            Record(n, {
                "type": Json(b'"renunciation_application"'), "number": Json(b"null"),
                "date": dates_view(lodged), "issuer": mission,
            }),
            Record(n, {
                "type": Text(np.where(passport_cancelled, b"passport_cancelled",
                                      b"hukou_cancellation")),
                "number": Json(b"null"), "date": dates_view(lodged), "issuer": mission,
            }),
        )  # fmt: skip
        held = which >= 0
        evidence = Pick(kinds, (which * n + np.arange(n))[held])
        former = Record(n, {
            "state": Json(orjson.dumps(recipient)),
            "status": Coded(_CHANGE_TEXT, status),
            "ended_by": Json(ended_by),
            "ended_on": Json(b"null"),
            "evidence": Items(offsets(held.astype(np.int64)), evidence),
        })  # fmt: skip
        return {
            "acquisition": Text(acquisition, quoted=True),
            "decided_on": dates_view(decided),
            "decision_reference": Text(join_rows(*reference)),
            "former_citizenship": former,
        }

    return pieces, fields


_CHANGE_TEXT = texts(_CHANGE_STATUS)


def _acquisitions(draws: Draws, n: int, state: Party) -> Built:
    decided = draws.between(DATA_START, DATA_END - 120, n)
    sent = decided + draws.between(14, 120, n)
    channel_draw, sender_draw, population_draw = draws.uniform((3, n))
    route = _citizenship_parties(state, channel_draw, sender_draw)
    envelope = envelopes(draws, "citizenship_acquisition", route, sent)
    subject = _subjects_of_change(draws, state, sent, decided, population_draw)
    change, change_fields = _change_fields(draws, state, decided, sent)
    return Built(
        lambda: join_rows(*envelope.pieces, _CHANGE["subject"], *subject.pieces, *change, b"}"),
        lambda: Record(n, {**envelope.fields(), "subject": subject.view, **change_fields()}),
    )


def _prior_sent(draws: Draws, n: int) -> Ints:
    """Sending days of historical notices and lists."""
    on_time_draw = draws.uniform(n)
    # Most lists arrived by the 6-month deadline; some late (a warning, still valid).
    return np.where(
        on_time_draw < 0.9,
        draws.between(DATA_START, PRIOR_DUE, n),
        draws.between(PRIOR_DUE + 1, PRIOR_DUE + 240, n),
    )


def _prior_change(
    draws: Draws, state: Party, sent: Ints
) -> tuple[Callable[[], Pieces], LazyFields]:
    """Subjects with their changes, decided before entry into force, told on `sent`.

    Either a notice of its own or the item of a list: the same people and changes.
    """
    n = len(sent)
    decided = draws.between(FIRST_PRIOR, DATA_START - 1, n)
    population_draw = draws.uniform(n)
    # Half name someone of the run's listed people, with the day their change was decided.
    again, records, listed_on, sources = listed_again(
        draws, state, draws.uniform((2, n)), _subjects_of_change
    )
    decided = np.where(again, listed_on, decided)
    fresh = _subjects_of_change(draws, state, sent, decided, population_draw)
    change, change_fields = _change_fields(draws, state, decided, sent)

    def pieces() -> Pieces:
        subject = np.where(again, records, join_rows(*fresh.pieces))
        return (_CHANGE["subject"], subject, *change)

    def fields() -> dict[str, View]:
        return {"subject": subjects_view(fresh.view, sources), **change_fields()}

    return pieces, fields


def _prior_changes(draws: Draws, n: int, state: Party) -> Built:
    sent = _prior_sent(draws, n)
    envelope = envelopes(draws, "prior_citizenship_change", diplomatic_route(state), sent)
    change, fields = _prior_change(draws, state, sent)
    # A notice of its own: the list it belongs to, if any, is not known.
    return Built(
        lambda: join_rows(*envelope.pieces, _NO_LIST, *change(), b"}"),
        lambda: Record(n, {**envelope.fields(), **_NO_LIST_FIELDS, **fields()}),
    )


_NO_LIST_FIELDS: dict[str, View] = {"list_id": Json(b"null"), "list_item": Json(b"null")}

#: Persons a historical list names: 1 to this many (kzcn's assumption; lists are by
#: definition of several people, and a workshop dataset needs them to stay readable).
_MOST_LISTED = 6


def _prior_change_lists(draws: Draws, n: int, state: Party) -> Built:
    sent = _prior_sent(draws, n)
    envelope = envelopes(draws, "prior_change_list", diplomatic_route(state), sent)
    list_id = (f"{state}-2024-".encode(), DIGITS4[draws.between(1, 9999, n)])
    sizes = draws.between(1, _MOST_LISTED, n)
    first = np.cumsum(sizes) - sizes
    item_of = np.repeat(np.arange(n), sizes)
    number = np.arange(len(item_of)) - first[item_of] + 1
    change, fields = _prior_change(draws, state, sent[item_of])

    def json() -> Texts:
        items = join_rows(_ITEM, NUMBERS[number], *change(), b"}")
        joined = np.array(
            [b",".join(items[a : a + k]) for a, k in zip(first, sizes, strict=True)], dtype=object
        )
        return join_rows(
            *envelope.pieces, _LIST_ID + b'"' + list_id[0], list_id[1],
            b'"' + _ITEMS + b"[", joined, b"]}",
        )  # fmt: skip

    def view() -> Record:
        items = Record(len(item_of), {"item": Number(number), **fields()})
        return Record(
            n,
            {
                **envelope.fields(),
                "list_id": Text(join_rows(*list_id)),
                "items": Items(offsets(sizes), items),
            },
        )

    return Built(json, view)


def _status_replies(draws: Draws, n: int, state: Party) -> Built:
    """`state` answers whether people on the other's list kept its citizenship."""
    received = draws.between(DATA_START + 10, DATA_END - 90, n)
    late_draw, channel_draw, status_draw = draws.uniform((3, n))
    sent = received + np.where(late_draw < 0.05, draws.between(62, 90, n), draws.between(5, 55, n))
    other = OTHER[state]
    competent = ("CHN_NIA", "KAZ_MIA") if state == "CHN" else ("KAZ_MIA", "CHN_NIA")
    route = (PARTY[competent[0]], PARTY[competent[1]], *channels(state, channel_draw < 0.7))
    envelope = envelopes(draws, "citizenship_status_reply", route, sent, uuids(draws, n))
    # Retained, terminated, no record; then the limbo: pending, refused.
    status = np.searchsorted([0.38, 0.81, 0.95, 0.98], status_draw, side="right")
    terminated = status == _REPLY_TERMINATED
    no_record = status == _REPLY_NO_RECORD
    # No record: nobody by that name in the answering state, the record is the
    # list's; otherwise the answering state's record of its (former) citizen.
    listed = "kandas_kazakh" if other == "KAZ" else "chn_kazakh"
    own = "chn_kazakh" if state == "CHN" else "kaz_kazakh"
    subject = person_columns(
        draws,
        np.where(no_record, POPULATION_CODE[listed], POPULATION_CODE[own]),
        sent,
        citizenship=np.where(terminated, STATE_CODE[other], 0),
        with_number=~terminated,
    )
    ended = received - draws.between(30, 5 * YEAR, n)
    # No record: the reply sends back the list's own record of a person the other listed.
    records, _, listed_view = listed_records(draws.population_seed, other, _subjects_of_change)
    who = (draws.uniform(n) * len(records)).astype(np.int64)
    list_id = (f"{other}-".encode(), year_texts(received), b"-", DIGITS4[draws.between(1, 9999, n)])
    list_item = draws.between(1, 9999, n)

    def json() -> Texts:
        record = np.where(no_record, records[who], join_rows(*subject.pieces))
        return join_rows(
            *envelope.pieces,
            _REPLY["subject"],
            record,
            _REPLY["list_id"] + b'"' + list_id[0],
            *list_id[1:],
            b'"' + _REPLY["list_item"],
            NUMBERS[list_item],
            _REPLY["list_received_on"],
            quoted_dates(received),
            _REPLY["status"] + b'"',
            _REPLY_TEXT[status],
            b'"' + _REPLY["terminated_on"],
            null_or(terminated, quoted_dates(ended)),
            b"}",
        )

    def view() -> Record:
        rows = np.flatnonzero(no_record)
        return Record(
            n,
            {
                **envelope.fields(),
                "subject": subjects_view(subject.view, [(rows, listed_view, who[rows])]),
                "list_id": Text(join_rows(*list_id)),
                "list_item": Number(list_item),
                "list_received_on": dates_view(received),
                "status": Coded(_REPLY_TEXT, status),
                "terminated_on": dates_view(ended, terminated),
            },
        )

    return Built(json, view)


_REPLY_TEXT = texts(_REPLY_STATUS)


@dataclass(frozen=True, slots=True)
class _Violation:
    """What happened, in which stay, when, and what followed (a column each)."""

    violation: Ints  # index into _VIOLATIONS
    stay: StayColumns
    occurred: Ints
    detected: Ints
    measures: Ints  # index into _MEASURES
    deported: Flags


def _violation_columns(draws: Draws, violation: Ints, stay: StayColumns, u: Floats) -> _Violation:
    """Violations with dates that agree with their stay: the act, detection, leaving.

    `u` holds four uniform draws a row: whether a criminal case, a warning, a
    deportation or an entry ban follows. An overstay begins the day after the
    calculator's last permitted day; the others happen between entry and exit.
    """
    n = len(violation)
    criminal_draw, warning_draw, deport_draw, ban_draw = u
    entered, left = stay.entered, stay.left
    occurred = np.select(
        [violation == _OVERSTAY, _no_stay(violation), violation == _UNREGISTERED,
         violation == _ILLEGAL_EXIT],
        [stay.limit + 1, entered, np.minimum(entered + 5, left), left],
        np.minimum(entered + draws.between(1, 25, n), left),
    )  # fmt: skip
    crossed = (violation == _ILLEGAL_ENTRY) | (violation == _ILLEGAL_EXIT)
    criminal = crossed & (criminal_draw < 0.3)
    warning = ~criminal & (warning_draw < 0.15)
    deported = (
        ~criminal
        & ~warning
        & (deport_draw < 0.4)
        & np.isin(violation, [_OVERSTAY, _PURPOSE, _ILLEGAL_ENTRY])
        & (left > occurred)  # found before leaving, and made to leave: the exit is the deportation
    )
    measures = np.select(
        [criminal, warning, deported & (ban_draw < 0.6), deported],
        [_CRIMINAL, _WARNING, _BANNED, _DEPORTED],
        _FINE,
    )
    # A criminal case also deports.
    deported |= criminal
    # At the border, found on the day; a deportee found a few days before leaving; the
    # others any day of the stay from the act to the exit.
    at_border = (violation == _ILLEGAL_EXIT) | (violation == _INVALID_DOCUMENT)
    detected = np.select(
        [at_border, deported],
        [occurred, np.maximum(occurred, left - draws.between(1, 10, n))],
        occurred + draws.below(left - occurred + 1, n),
    )
    return _Violation(violation, stay, occurred, detected, measures, deported)


def _no_stay(violation: Ints) -> Flags:
    """Violations at the border itself, with no permitted stay."""
    return np.isin(violation, (_ILLEGAL_ENTRY, _INVALID_DOCUMENT))


def _violators(state: Party, draw: Floats) -> Ints:
    """Who breaks the rules in `state`: citizens of the other state, by population."""
    code = POPULATION_CODE
    if state == "KAZ":
        return np.select(
            [draw < 0.5, draw < 0.85], [code["chn_han"], code["chn_kazakh"]], code["chn_uyghur"]
        )
    return np.where(draw < 0.75, code["kaz_kazakh"], code["kaz_russian"])


def _crossings(v: _Violation, point: Texts, passport: Texts, sent: Ints) -> Pieces:
    """The border crossings of a violation's stay: the entry unless illegal, the exit if known.

    The exit is known when it came before the report was sent.
    """

    def crossing(direction: str, day: Ints, basis: Texts | bytes) -> Texts:
        k = _CROSSING
        return join_rows(
            opening(k["direction"]) + orjson.dumps(direction) + k["crossed_on"],
            quoted_dates(day),
            k["crossing_point"],
            point,
            k["document_number"] + b'"',
            passport,
            b'"' + k["basis"],
            basis,
            b"}",
        )

    # An entry on a visa says so, with the visa's last day: the stay calculator
    # (kzcn.stays) holds the stay to it.
    entry_basis = np.where(
        v.stay.on_visa,
        join_rows(b'"visa"' + _CROSSING["visa_valid_until"], quoted_dates(v.stay.visa_until)),
        b'"visa_free"' + _CROSSING["visa_valid_until"] + b"null",
    )
    entered_legally = v.violation != _ILLEGAL_ENTRY
    exited = v.stay.left <= sent
    return (
        np.where(entered_legally, crossing("entry", v.stay.entered, entry_basis), b""),
        commas(entered_legally & exited),
        np.where(
            exited,
            crossing("exit", v.stay.left, b"null" + _CROSSING["visa_valid_until"] + b"null"),
            b"",
        ),
    )


def _violations(draws: Draws, n: int, state: Party) -> Built:
    """Citizens of the other state broke entry, stay or exit rules in `state`.

    Each is about a stay, drawn (a share long) or taken from a recurring
    person's history (`_recurring`); the stay calculator decides which stays
    are overstays (`_stays`): a stay drawn long that it finds within the rules
    is reported as another violation.
    """
    u = draws.uniform((9, n))  # the violation, reporting, four measures, who, where, redraw
    kind_draw, report_draw = u[0], u[1]
    who_draw, point_draw, redraw = u[6], u[7], u[8]
    drawn = category(kind_draw, _VIOLATION_SHARES)
    overstay = drawn == _OVERSTAY
    entered = draws.between(DATA_START, DATA_END - 200, n)
    fresh_stay = draw_stays(draws, entered, long=overstay)
    violators = _violators(state, who_draw)
    fresh = person_columns(draws, violators, entered, traveller=True)
    # A third are people reported before (`_recurring`): one stay of their one history.
    # Who entered illegally left no entry record to link: never one of them.
    again, records, passports, pooled, sources = recurring_stays(
        draws, violators, overstay, draws.uniform((2, n))
    )
    again &= drawn != _ILLEGAL_ENTRY
    stay = pooled.where(again, fresh_stay)
    violation = np.where(
        overstay & ~stay.breached, _NOT_OVERSTAY[category(redraw, _NOT_OVERSTAY_SHARES)], drawn
    )
    v = _violation_columns(draws, violation, stay, u[2:6])
    passport = np.where(again, passports, fresh.passport)
    # The report follows detection; some wait for the person to leave, and so does every
    # report on someone reported before (their history is whole: every stay has its exit).
    after_exit = again | v.deported | (v.violation == _ILLEGAL_EXIT) | (report_draw < 0.5)
    sent = np.where(after_exit, np.maximum(stay.left, v.detected), v.detected) + draws.between(
        3, 40, n
    )
    envelope = envelopes(draws, "entry_stay_exit_violation", competent_route(state), sent)
    point = category(point_draw, _POINT_SHARES)
    banned = v.measures == _BANNED
    ban_until = add_years(v.detected, draws.between(1, 5, n))
    k = _VIOLATION_KEY

    def json() -> Texts:
        return join_rows(
            *envelope.pieces,
            k["subject"],
            np.where(again, records, join_rows(*fresh.pieces)),
            k["violation"],
            _VIOLATION_TEXT[v.violation],
            k["occurred_on"],
            quoted_dates(v.occurred),
            k["detected_on"],
            quoted_dates(v.detected),
            k["crossings"] + b"[",
            *_crossings(v, _POINT_TEXT[point], passport, sent),
            b"]" + k["permitted_stay_until"],
            null_or(~_no_stay(v.violation), quoted_dates(stay.limit)),
            k["measures"],
            _MEASURE_TEXT[v.measures],
            k["entry_ban_until"],
            null_or(banned, quoted_dates(ban_until)),
            k["legal_provision"],
            _PROVISION_TEXT[state][v.violation],
            b"}",
        )

    def view() -> Record:
        taken = [(rows[again[rows]], pool, who[again[rows]]) for rows, pool, who in sources]
        return Record(
            n,
            {
                **envelope.fields(),
                "subject": subjects_view(fresh.view, taken),
                "violation": Coded(_VIOLATION_TEXT, v.violation, json=True),
                "occurred_on": dates_view(v.occurred),
                "detected_on": dates_view(v.detected),
                "crossings": _crossings_view(v, point, passport, sent),
                "permitted_stay_until": dates_view(stay.limit, ~_no_stay(v.violation)),
                "measures": Coded(_MEASURE_TEXT, v.measures, json=True),
                "entry_ban_until": dates_view(ban_until, banned),
                "legal_provision": Coded(_PROVISION_TEXT[state], v.violation, json=True),
            },
        )

    return Built(json, view)


def _crossings_view(v: _Violation, point: Ints, passport: Texts, sent: Ints) -> Items:
    """The crossings of `_crossings`, by field: the entry unless illegal, the exit if known."""
    n = len(point)
    common: dict[str, View] = {
        "crossing_point": Coded(_POINT_TEXT, point, json=True), "document_number": Text(passport),
    }  # fmt: skip
    entry = Record(n, {
        "direction": Json(b'"entry"'), "crossed_on": dates_view(v.stay.entered), **common,
        "basis": Text(np.where(v.stay.on_visa, b"visa", b"visa_free")),
        "visa_valid_until": dates_view(v.stay.visa_until, v.stay.on_visa),
    })  # fmt: skip
    leaving = Record(n, {
        "direction": Json(b'"exit"'), "crossed_on": dates_view(v.stay.left), **common,
        "basis": Json(b"null"), "visa_valid_until": Json(b"null"),
    })  # fmt: skip
    entries = np.flatnonzero(v.violation != _ILLEGAL_ENTRY)
    exits = np.flatnonzero(v.stay.left <= sent)
    # Each row's entry, then its exit.
    order = np.argsort(np.concatenate([2 * entries, 2 * exits + 1]), kind="stable")
    index = np.concatenate([entries, n + exits])[order]
    sizes = np.bincount(np.concatenate([entries, exits]), minlength=n)
    return Items(offsets(sizes), Pick((entry, leaving), index))


def _statistics(draws: Draws, n: int, state: Party) -> Built:
    quarter = draws.between(0, 7, n)  # 2024 Q1 … 2025 Q4 (and the first weeks in force)
    year, month = 2024 + quarter // 4, 1 + 3 * (quarter % 4)
    start = month_starts(year, month)
    end = month_starts(year, month + 3) - 1  # month 13 is January of the next year
    first_weeks = (quarter == 0) & (draws.uniform(n) < 0.2)
    start = np.where(first_weeks, DATA_START, start)
    end = np.where(first_weeks, date(2023, 12, 31).toordinal(), end)
    sent = end + draws.between(5, 45, n)
    envelope = envelopes(draws, "visa_free_statistics", competent_route(state), sent)
    shape = (len(_PURPOSES), n)
    kept = draws.uniform(shape) < 0.6
    kept[0] |= ~kept.any(axis=0)  # at least one row: tourism
    scale = np.array([_SCALE.get(p, 1_000) for p in _PURPOSES])[:, None]
    entries = draws.below(np.broadcast_to(scale + 1, shape).ravel(), n * len(_PURPOSES)).reshape(
        shape
    )
    exits = entries - (entries * draws.uniform(shape) * 0.1).astype(np.int64)
    visas = draws.below((entries // 50 + 1).ravel(), n * len(_PURPOSES)).reshape(shape)
    visa_only = draws.between(50, 4_000, n * len(_PURPOSES)).reshape(shape)
    head = _STATISTICS["citizens_of"] + orjson.dumps(OTHER[state]) + _STATISTICS["period_start"]

    def json() -> Texts:
        rows = texts(
            orjson.dumps(
                [
                    _statistics_row(
                        p, int(entries[i, j]), int(exits[i, j]), int(visas[i, j]),
                        int(visa_only[i, j]),
                    )
                    for i, p in enumerate(_PURPOSES)
                    if kept[i, j]
                ]
            )
            for j in range(n)
        )  # fmt: skip
        return join_rows(
            *envelope.pieces,
            head,
            quoted_dates(start),
            _STATISTICS["period_end"],
            quoted_dates(end),
            _STATISTICS["rows"],
            rows,
            b"}",
        )

    def view() -> Record:
        # Rows by message, then purpose, as `json` lists them; visa-only purposes count visas.
        message, purpose = np.nonzero(kept.T)
        visa_only_row = _VISA_ONLY_ROWS[purpose]
        counts = {
            name: Number(np.where(visa_only_row, other, column[purpose, message]))
            for name, column, other in (
                (_ROW_KEYS[1], entries, 0), (_ROW_KEYS[2], exits, 0),
                (_ROW_KEYS[3], visas, visa_only[purpose, message]),
            )
        }  # fmt: skip
        rows = Record(len(purpose), {_ROW_KEYS[0]: Coded(_PURPOSE_TEXTS, purpose), **counts})
        return Record(
            n,
            {
                **envelope.fields(),
                "citizens_of": Json(orjson.dumps(OTHER[state])),
                "period_start": dates_view(start),
                "period_end": dates_view(end),
                "rows": Items(offsets(kept.sum(axis=0)), rows),
            },
        )

    return Built(json, view)


_PURPOSE_TEXTS = texts(_PURPOSES)
_VISA_ONLY_ROWS = np.array([p in _VISA_ONLY for p in _PURPOSES])


def _statistics_row(purpose: str, entries: int, exits: int, visas: int, visa_only: int) -> JsonDict:
    if purpose in _VISA_ONLY:
        entries, exits, visas = 0, 0, visa_only
    return dict(zip(_ROW_KEYS, (purpose, entries, exits, visas), strict=True))


def _suspensions(draws: Draws, n: int, state: Party) -> Built:
    decided = draws.between(DATA_START, DATA_END - 30, n)
    late_draw, grounds_draw, scope_draw, *area_draws = draws.uniform((3 + len(_AREAS), n))
    # Due within 72 hours; a few late notices (a warning, still valid).
    sent = decided + np.where(late_draw < 0.95, draws.between(0, 3, n), draws.between(4, 10, n))
    envelope = envelopes(draws, "suspension_notice", diplomatic_route(state), sent)
    # One notice in five lifts an earlier one ("adoption or cancellation of such measures").
    cancelled = draws.uniform(n) < 0.2
    grounds = np.searchsorted([0.5, 0.8], grounds_draw, side="right")
    partial = scope_draw < 0.7
    # A partial suspension names the areas drawn, or the statistics if none was.
    named = (np.array(area_draws) < 0.4) & partial
    named[_AREAS.index("visa_free_statistics")] |= partial & ~named.any(axis=0)
    action = np.where(cancelled, _CANCELLED, _ADOPTED).astype(object)
    scope = np.where(partial, PARTIAL, FULL).astype(object)
    cancels = uuids(draws, n)
    effective = decided + draws.between(0, 14, n)

    def json() -> Texts:
        areas = texts(
            orjson.dumps([a for a, chosen in zip(_AREAS, named[:, j], strict=True) if chosen])
            for j in range(n)
        )
        k = _SUSPENSION
        return join_rows(
            *envelope.pieces,
            k["action"] + b'"',
            action,
            b'"' + k["cancels"],
            null_or(cancelled, cancels),
            k["grounds"] + b'"',
            _GROUNDS_TEXT[grounds],
            b'"' + k["scope"] + b'"',
            scope,
            b'"' + k["suspended_areas"],
            areas,
            k["decided_on"],
            quoted_dates(decided),
            k["effective_from"],
            quoted_dates(effective),
            b"}",
        )

    def view() -> Record:
        message, area = np.nonzero(named.T)
        return Record(
            n,
            {
                **envelope.fields(),
                "action": Text(action),
                "cancels": Text(cancels, cancelled, quoted=True),
                "grounds": Coded(_GROUNDS_TEXT, grounds),
                "scope": Text(scope),
                "suspended_areas": Items(
                    offsets(np.bincount(message, minlength=n)), Coded(_AREA_TEXTS, area)
                ),
                "decided_on": dates_view(decided),
                "effective_from": dates_view(effective),
            },
        )

    return Built(json, view)


_AREA_TEXTS = texts(_AREAS)
_GROUNDS_TEXT = texts(_GROUNDS)
_ADOPTED, _CANCELLED = (
    v.encode() for v in in_draw_order(SuspensionAction, ("adopted", "cancelled"))
)
_REQUEST_PURPOSES = shares(
    RequestPurpose,
    (
        ("citizenship_status", 50),
        ("entry_stay_exit_violation", 25),
        ("citizenship_acquisition", 10),
        ("prior_citizenship_change", 10),
        ("other", 5),
    ),
)
_PURPOSE_TEXT = texts(p for p, _ in _REQUEST_PURPOSES)
_PURPOSE_SHARES = cumulative_shares(_REQUEST_PURPOSES)
_LEGAL_BASIS_TEXT = texts(
    f"Agreement of 17 May 2023, Article 1{article}" for article in ("(3)", "(4)", "(2)", "(3)", "")
)
_REFUSAL_GROUNDS = shares(
    RefusalGrounds,
    (
        ("security", 35),
        ("contrary_to_law", 30),
        ("sovereignty", 15),
        ("public_order", 15),
        ("other", 5),
    ),
)
_REFUSAL_TEXT = texts(g for g, _ in _REFUSAL_GROUNDS)
_REFUSAL_SHARES = cumulative_shares(_REFUSAL_GROUNDS)


def _requests(draws: Draws, n: int, state: Party) -> Built:
    """`state` asks about a citizen of the other state, by passport number."""
    sent = draws.between(DATA_START, DATA_END, n)
    population_draw, purpose_draw = draws.uniform((2, n))
    envelope = envelopes(draws, "information_request", diplomatic_route(state), sent)
    asked = _violators(state, population_draw)
    person = person_columns(draws, asked, sent, traveller=True)
    # Half are people reported before: the run's population (`_recurring`).
    again, _, passports, _ = recurring(draws, asked, REQUEST_SHARE, draws.uniform((2, n)))
    purpose = category(purpose_draw, _PURPOSE_SHARES)
    passport = np.where(again, passports, person.passport)
    return Built(
        lambda: join_rows(
            *envelope.pieces,
            _REQUEST["purpose"] + b'"',
            _PURPOSE_TEXT[purpose],
            b'"' + _REQUEST["legal_basis"] + b'"',
            _LEGAL_BASIS_TEXT[purpose],
            b'"'
            + _REQUEST["persons"]
            + b"["
            + _ONE_PERSON
            + opening(_ASKED_DOCUMENT["issuing_state"])
            + orjson.dumps(OTHER[state])
            + _ASKED_DOCUMENT["document_type"]
            + b'"passport"'
            + _ASKED_DOCUMENT["number"]
            + b'"',
            passport,
            b'"}}]}',
        ),
        lambda: Record(
            n,
            {
                **envelope.fields(),
                "purpose": Coded(_PURPOSE_TEXT, purpose),
                "legal_basis": Coded(_LEGAL_BASIS_TEXT, purpose),
                "persons": Items(np.arange(n + 1), _asked_persons(state, passport)),
            },
        ),
    )


def _asked_persons(state: Party, passport: Texts) -> Record:
    """The one person each request names (`_ONE_PERSON`), by field."""
    n = len(passport)
    document = Record(n, {
        "issuing_state": Json(orjson.dumps(OTHER[state])), "document_type": Json(b'"passport"'),
        "number": Text(passport),
    })  # fmt: skip
    return Record(n, {"item": Json(b"1"), "personal_number": Json(b"null"), "document": document})


def _refusals(draws: Draws, n: int, state: Party) -> Built:
    """`state` refuses a request of the other, citing it."""
    sent = draws.between(DATA_START + 30, DATA_END, n)
    envelope = envelopes(draws, "request_refusal", diplomatic_route(state), sent, uuids(draws, n))
    grounds_draw, items_draw = draws.uniform((2, n))
    grounds = category(grounds_draw, _REFUSAL_SHARES)
    # Most refuse the whole request (no items); some only its first person.
    refused = np.where(items_draw < 0.3, b"[1]", b"[]").astype(object)
    return Built(
        lambda: join_rows(
            *envelope.pieces,
            _REFUSAL["grounds"] + b'"',
            _REFUSAL_TEXT[grounds],
            b'"' + _REFUSAL["refused_items"],
            refused,
            b"}",
        ),
        lambda: Record(
            n,
            {
                **envelope.fields(),
                "grounds": Coded(_REFUSAL_TEXT, grounds),
                "refused_items": Json(refused),
            },
        ),
    )


#: Each kind's builder: (stream, count, sending state) → the messages, drawn (`Built`):
#: rendered as JSON text, or viewed by field.
BUILDERS: dict[str, Callable[[Draws, int, Party], Built]] = {
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
