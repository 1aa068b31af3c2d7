"""What every message shares: dates, parties, routes, identifier and envelope, as JSON text.

An envelope is also viewed by field (`Envelopes.fields`, see `kzcn.synth._view`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import orjson

from kzcn._version import SCHEMA_VERSION
from kzcn.authorities import AUTHORITIES, CarrierCode, CompetentAuthorityCode, Party
from kzcn.messages import (
    ENTRY_INTO_FORCE,
    PRIOR_CHANGES_DUE,
    Channel,
    InformationRequest,
    PartyAuthority,
    Scope,
    _Envelope,
)
from kzcn.synth._columns import Flags, Floats, Ints, Pieces, Texts, fixed, hex_digits, texts
from kzcn.synth._days import FIRST, days
from kzcn.synth._regime import fields_of, in_draw_order, key, keys, opening, values_of
from kzcn.synth._stream import Draws
from kzcn.synth._view import Coded, Json, Text, View

JsonDict = dict[str, Any]

#: Messages are dated from the agreement's entry into force …
DATA_START = ENTRY_INTO_FORCE.toordinal()
#: … to this fixed day (not today, so that output never changes with the date).
DATA_END = date(2025, 12, 31).toordinal()
PRIOR_DUE = PRIOR_CHANGES_DUE.toordinal()
FIRST_PRIOR = date(1995, 1, 1).toordinal()

_STATE_KEY, _AUTHORITY_KEY = fields_of(PartyAuthority, ("state", "authority"))
_PARTIES = {
    code: {_STATE_KEY: AUTHORITIES[code].state, _AUTHORITY_KEY: code}
    for code in values_of(CompetentAuthorityCode)
}
#: The carrier of a diplomatic message: the sending state's foreign ministry (as JSON).
CARRIER: dict[Party, bytes] = {
    AUTHORITIES[code].state: orjson.dumps(code) for code in values_of(CarrierCode)
}
_KAZ: Party = "KAZ"
_CHN: Party = "CHN"
OTHER: dict[Party, Party] = {_KAZ: _CHN, _CHN: _KAZ}
#: A sending state given as text (a `Mix` entry, an argument), as the party it names.
SENDERS: dict[str, Party] = {party: party for party in OTHER}
DIPLOMATIC, COMPETENT = (
    v.encode() for v in in_draw_order(Channel, ("diplomatic", "competent_authority"))
)
FULL, PARTIAL = (v.encode() for v in in_draw_order(Scope, ("full", "partial")))


def json_texts(values: Sequence[Any]) -> Texts:
    """Each value as JSON, in a column indexed like `values`."""
    return texts(orjson.dumps(v) for v in values)


def cumulative_shares(pairs: tuple[tuple[str, int], ...]) -> Floats:
    return np.cumsum([w for _, w in pairs]).astype(np.float64)


def category(draw: Floats, cumulative: Floats) -> Ints:
    """A weighted choice per row: the index of the draw's bracket in `cumulative`."""
    return np.searchsorted(cumulative, draw * cumulative[-1], side="right")  # type: ignore[no-any-return]


PARTY = {code: orjson.dumps(party) for code, party in _PARTIES.items()}
NUMBERS = texts(str(n) for n in range(10_000))
_DASH = np.full((1, 1), b"-", dtype="S1")


def null_or(present: Flags | bool, json: Texts) -> Texts:
    """`json` where `present`, JSON null elsewhere."""
    return np.where(present, json, b"null")


def uuids(draws: Draws, n: int) -> Texts:
    """Version-4 UUIDs drawn from the stream (so seeded), quoted for JSON."""
    words = draws.words(2 * n).reshape(n, 2)
    # The version nibble set to 4, the variant bits to 10.
    words[:, 0] = words[:, 0] & np.uint64(~0xF000 & 0xFFFF_FFFF_FFFF_FFFF) | np.uint64(0x4000)
    words[:, 1] = words[:, 1] & np.uint64(0x3FFF_FFFF_FFFF_FFFF) | np.uint64(0x8000_0000_0000_0000)
    digits = hex_digits(words)
    dash, quote = np.repeat(_DASH, n, axis=0), np.repeat(_QUOTES, n, axis=0)
    return fixed(
        np.concatenate(
            [
                quote,
                digits[:, :8],
                dash,
                digits[:, 8:12],
                dash,
                digits[:, 12:16],
                dash,
                digits[:, 16:20],
                dash,
                digits[:, 20:],
                quote,
            ],
            axis=1,
        )
    )


_QUOTES = np.full((1, 1), b'"', dtype="S1")


#: Sender, recipient, channel and carrier of messages (each a column or a constant).
Route = tuple[Texts | bytes, Texts | bytes, Texts | bytes, Texts | bytes]


#: The envelope's keys, read from the model every kind extends (checked at import).
_ENVELOPE = keys(
    _Envelope,
    "schema_version",
    "message_id",
    "sender",
    "recipient",
    "sent_on",
    "channel",
    "carrier",
    "in_reply_to",
    "synthetic",
)
_KIND = key(InformationRequest, "kind")  # every kind's model declares it
_ENVELOPE_START = (
    opening(_ENVELOPE["schema_version"]) + orjson.dumps(SCHEMA_VERSION) + _ENVELOPE["message_id"]
)


@dataclass(frozen=True, slots=True)
class Envelopes:
    """Message envelopes: the kind, identifiers, route, sending days and replies, drawn."""

    kind: str
    ids: Texts  # quoted UUIDs
    route: Route
    sent: Ints
    reply: Texts | bytes

    @property
    def pieces(self) -> Pieces:
        """The envelopes as the start of JSON objects (the kind's fields follow)."""
        sender, recipient, channel, carrier = self.route
        k = _ENVELOPE
        return (
            _ENVELOPE_START,
            self.ids,
            _KIND + orjson.dumps(self.kind) + k["sender"],
            sender,
            k["recipient"],
            recipient,
            k["sent_on"],
            quoted_dates(self.sent),
            k["channel"] + b'"',
            channel,
            b'"' + k["carrier"],
            carrier,
            k["in_reply_to"],
            self.reply,
            k["synthetic"] + b"true",
        )

    def fields(self) -> dict[str, View]:
        """The envelopes' fields by name (a kind's view adds its own)."""
        sender, recipient, channel, carrier = self.route
        return {
            "schema_version": Json(_SCHEMA_VERSION),
            "message_id": Text(self.ids, quoted=True),
            "kind": Json(orjson.dumps(self.kind)),
            "sender": Json(sender),
            "recipient": Json(recipient),
            "sent_on": dates_view(self.sent),
            "channel": Text(channel),
            "carrier": Json(carrier),
            "in_reply_to": Json(self.reply) if isinstance(self.reply, bytes)
            else Text(self.reply, quoted=True),
            "synthetic": Json(b"true"),
        }  # fmt: skip


_SCHEMA_VERSION = orjson.dumps(SCHEMA_VERSION)


def envelopes(
    draws: Draws, kind: str, route: Route, sent: Ints, reply: Texts | bytes = b"null"
) -> Envelopes:
    """Message envelopes of `kind` sent on the days `sent` (a new identifier each)."""
    return Envelopes(kind, uuids(draws, len(sent)), route, sent, reply)


def dates_view(ordinals: Ints, valid: Flags | None = None) -> Coded:
    """The days as ISO dates, for a view (null where not `valid`)."""
    return Coded(days().iso, ordinals - FIRST, valid)


def quoted_dates(ordinals: Ints) -> Texts:
    """The days as quoted JSON dates."""
    return days().quoted[ordinals - FIRST]


def year_texts(ordinals: Ints) -> Texts:
    return NUMBERS[days().year[ordinals - FIRST]]


def diplomatic_route(state: Party) -> Route:
    """Kazakhstan's MIA and China's MFA, through the diplomatic channel.

    China's foreign ministry is a competent authority; Kazakhstan's only carries.
    """
    sender, recipient = ("KAZ_MIA", "CHN_MFA") if state == _KAZ else ("CHN_MFA", "KAZ_MIA")
    return PARTY[sender], PARTY[recipient], DIPLOMATIC, CARRIER[state]


def competent_route(state: Party) -> Route:
    """Migration authority to migration authority (Kazakhstan's MIA, China's NIA)."""
    sender, recipient = ("KAZ_MIA", "CHN_NIA") if state == _KAZ else ("CHN_NIA", "KAZ_MIA")
    return PARTY[sender], PARTY[recipient], COMPETENT, b"null"


def channels(state: Party, diplomatic: Flags) -> tuple[Texts, Texts]:
    """Channel and carrier columns: the sender's foreign ministry carries diplomatic ones."""
    return (
        np.where(diplomatic, DIPLOMATIC, COMPETENT).astype(object),
        np.where(diplomatic, CARRIER[state], b"null").astype(object),
    )
