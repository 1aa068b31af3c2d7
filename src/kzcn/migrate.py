"""Schema 1.0 messages to 2.0: every value kept where 2.0 has a place for it.

What 1.0 did not record and 2.0 requires is filled with the most likely value
and reported as an `Assumption` (where, and what was assumed), so that a
migrated file says which of its values are the sender's and which are ours.
A message that is already 2.0, or that is not a 1.0 message, passes unchanged.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

import orjson

from kzcn._version import SCHEMA_VERSION
from kzcn.validation.readers import units_for_stream

__all__ = ["Assumption", "MigratedRecord", "migrate_message", "migrate_stream"]

JsonDict = dict[str, Any]
OLD_VERSION = "1.0"

#: 1.0 former-citizenship statuses that 2.0 names differently.
_FORMER_STATUS = {"termination_pending": "termination_requested"}
#: The certificate a 1.0 `termination_evidence` was, by the state that issued it.
_CERTIFICATE = {"CHN": "renunciation_certificate_chn", "KAZ": "termination_certificate_kaz"}
_MFA = {"KAZ": "KAZ_MFA", "CHN": "CHN_MFA"}


@dataclass(frozen=True, slots=True)
class Assumption:
    """A value the migration had to supply: where it went, and why."""

    path: str
    note: str


@dataclass(frozen=True, slots=True)
class MigratedRecord:
    """One input record: its 2.0 form (or None if unreadable) and what was assumed."""

    line: int
    message: JsonDict | None
    assumptions: tuple[Assumption, ...]
    unreadable: str | None = None


class _Notes:
    def __init__(self) -> None:
        self.found: list[Assumption] = []

    def add(self, path: str, note: str) -> None:
        self.found.append(Assumption(path, note))


def _party(doc: JsonDict, role: str, notes: _Notes) -> None:
    party = doc.get(role)
    if isinstance(party, dict) and party.get("authority") == "KAZ_MFA":
        party["authority"] = "KAZ_MIA"
        notes.add(
            f"$.{role}.authority",
            "KAZ_MFA is a carrier, not a competent authority: "
            "assumed KAZ_MIA (the ministry carries the message, see `carrier`)",
        )


def _carrier(doc: JsonDict, notes: _Notes) -> None:
    state = (doc.get("sender") or {}).get("state")
    if doc.get("channel") == "diplomatic" and state in _MFA:
        doc["carrier"] = _MFA[state]
        notes.add(
            "$.carrier",
            f"the sender's foreign ministry {_MFA[state]} carried the diplomatic message",
        )
    else:
        doc["carrier"] = None


def _former(doc: JsonDict, notes: _Notes) -> None:
    state = doc.pop("former_citizenship", None)
    old_status = doc.pop("former_citizenship_status", None)
    certificate = doc.pop("termination_evidence", None)
    status = _FORMER_STATUS.get(old_status, old_status)
    if status != old_status:
        notes.add(
            "$.former_citizenship.status",
            f"1.0 {old_status} read as {status} (an application lodged, no answer)",
        )
    block: JsonDict = {
        "state": state,
        "status": status,
        "ended_by": None,
        "ended_on": None,
        "evidence": [],
    }
    if isinstance(certificate, dict):
        block["evidence"].append(
            {
                "type": _CERTIFICATE.get(str(state), "renunciation_certificate_chn"),
                "number": certificate.get("certificate_number"),
                "date": certificate.get("issued_on"),
                "issuer": certificate.get("issuer"),
            }
        )
        notes.add(
            "$.former_citizenship.evidence[0].type",
            f"the 1.0 certificate assumed to be the {state} certificate of termination",
        )
    if status == "terminated":
        block["ended_by"] = "renunciation_approved" if certificate else "automatic_by_law"
        notes.add(
            "$.former_citizenship.ended_by",
            f"1.0 did not say how it ended: {block['ended_by']} "
            + ("(a certificate was given)" if certificate else "(no certificate)"),
        )
    doc["former_citizenship"] = block


def _reply(doc: JsonDict, notes: _Notes) -> None:
    doc["list_received_on"] = doc.pop("request_received_on", None)
    cited = str(doc.get("in_reply_to") or "UNKNOWN")
    doc["list_id"] = f"MIGRATED-{cited[:8].upper()}"
    doc["list_item"] = 1
    notes.add("$.list_id", "1.0 replies did not cite a list: list id made from in_reply_to")
    notes.add("$.list_item", "1.0 replies did not cite an item: item 1")


def _suspension(doc: JsonDict, notes: _Notes) -> None:
    doc["action"] = "adopted"
    doc["cancels"] = None
    notes.add("$.action", "1.0 notices were adoptions: adopted")


def _crossings(doc: JsonDict, notes: _Notes) -> None:
    """1.0 listed the Nur Zholy road crossing twice: `khorgos_khorgos` is `nur_zholy`."""
    for index, crossing in enumerate(doc.get("crossings") or []):
        if isinstance(crossing, dict) and crossing.get("crossing_point") == "khorgos_khorgos":
            doc["crossings"][index] = {**crossing, "crossing_point": "nur_zholy"}
            notes.add(
                f"$.crossings[{index}].crossing_point",
                "khorgos_khorgos is the Nur Zholy - Khorgos road crossing: nur_zholy",
            )


_KINDS = {
    "entry_stay_exit_violation": _crossings,
    "citizenship_acquisition": _former,
    "prior_citizenship_change": _former,
    "citizenship_status_reply": _reply,
    "suspension_notice": _suspension,
}


def migrate_message(message: JsonDict) -> tuple[JsonDict, list[Assumption]]:
    """`message` in schema 2.0 and what was assumed; anything not 1.0 comes back as it is."""
    if message.get("schema_version") != OLD_VERSION:
        return message, []
    doc = dict(message)
    if isinstance(doc.get("crossings"), list):
        doc["crossings"] = list(doc["crossings"])
    notes = _Notes()
    doc["schema_version"] = SCHEMA_VERSION
    for role in ("sender", "recipient"):
        if isinstance(doc.get(role), dict):
            doc[role] = dict(doc[role])
            _party(doc, role, notes)
    _carrier(doc, notes)
    step = _KINDS.get(str(doc.get("kind")))
    if step is not None:
        step(doc, notes)
    return doc, notes.found


def migrate_stream(source: IO[bytes], *, name: str) -> Iterator[MigratedRecord]:
    """Migrate every record of a JSON, JSONL or CSV input (as `kzcn validate` reads it)."""
    for unit in units_for_stream(source, name=name):
        if unit.role != "record":
            continue
        if unit.found:
            yield MigratedRecord(unit.line, None, (), unit.found[0][0])
            continue
        try:
            value = unit.obj if unit.obj is not None else orjson.loads(unit.text or b"")
        except orjson.JSONDecodeError:
            yield MigratedRecord(unit.line, None, (), "input.not_json")
            continue
        if not isinstance(value, dict):
            yield MigratedRecord(unit.line, None, (), "input.not_object")
            continue
        migrated, assumed = migrate_message(value)
        yield MigratedRecord(unit.line, migrated, tuple(assumed))
