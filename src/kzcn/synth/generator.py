"""The bulk generator: messages of every kind as JSON-ready dicts, seeded and fast.

`Generator(random.Random(seed)).message()` draws a kind and a direction from
the mix and builds a message that the models accept. Same seed, same mix →
the same messages, in any process and on any day: dates come from fixed
windows (`DATA_START` … `DATA_END`), never from today.

A run of `count` messages is cut into chunks of `CHUNK`; chunk `i` is drawn
from its own stream, seeded from (seed, i) by `chunk_rng`. Any chunk can thus
be made in any process, and a run's output is the same whether one process
makes every chunk or several share them (`write_dataset(..., jobs=N)`).
"""

from __future__ import annotations

import random
from bisect import bisect
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from itertools import accumulate
from typing import Any

from kzcn.messages import ENTRY_INTO_FORCE, MESSAGE_KINDS, PRIOR_CHANGES_DUE
from kzcn.synth.people import YEAR, People, RandomSource, add_years, iso

__all__ = [
    "CHUNK",
    "DATA_END",
    "DEFAULT_MIX",
    "LIST_LIMITS",
    "Generator",
    "Mix",
    "MixError",
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
    "measures": 4,
    "rows": 9,
    "suspended_areas": 4,
}

_PARTIES = {
    code: {"state": code[:3], "authority": code}
    for code in ("KAZ_MIA", "KAZ_MLSPP", "KAZ_MFA", "CHN_MFA", "CHN_NIA")
}
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
))

_VIOLATIONS = (
    ("overstay", 40), ("failure_to_register", 15), ("purpose_of_stay_violation", 15),
    ("illegal_entry", 8), ("illegal_exit", 5), ("invalid_document", 7), ("other", 10),
)
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
_PURPOSES = ("tourism", "business", "private", "study", "work", "medical", "transit",
             "official", "other")
# Visa-free travel covers short stays; study, work and official trips need visas.
_VISA_ONLY = frozenset({"study", "work", "official"})
_AREAS = ("visa_free_statistics", "citizenship_acquisition", "prior_citizenship_change",
          "entry_stay_exit_violation")


def _table(pairs: tuple[tuple[str, int], ...]) -> tuple[tuple[str, ...], list[int]]:
    return tuple(p for p, _ in pairs), list(accumulate(w for _, w in pairs))


class Generator:
    """Builds messages from a random source; see the module docstring.

    Args:
        rng: a `random.Random` (or anything with `random()` and
            `getrandbits()`); Faker's `generator.random` works.
        mix: which kinds and directions to draw, with what weights.
    """

    def __init__(self, rng: RandomSource | None = None, mix: Mix = DEFAULT_MIX) -> None:
        self.rng = rng if rng is not None else random.Random(0)  # noqa: S311 - not crypto
        self.people = People(self.rng)
        self._random = self.rng.random
        self._bits = self.rng.getrandbits
        self._between = self.people.between
        self.mix = mix
        self._choices = [(kind, sender) for kind, sender, w in mix.entries if w > 0]
        self._cumulative = list(accumulate(w for _, _, w in mix.entries if w > 0))
        self._violations = _table(_VIOLATIONS)
        self._points = _table(_CROSSING_POINTS)
        self._builders = {
            "citizenship_acquisition": self._acquisition,
            "prior_citizenship_change": self._prior_change,
            "citizenship_status_reply": self._status_reply,
            "entry_stay_exit_violation": self._violation,
            "visa_free_statistics": self._statistics,
            "suspension_notice": self._suspension,
        }

    def __iter__(self) -> Iterator[JsonDict]:
        """An endless stream of messages."""
        while True:
            yield self.message()

    def message(self, kind: str | None = None, sender: str | None = None) -> JsonDict:
        """One message; `kind` and `sender` default to a draw from the mix."""
        if kind is None:
            r = self._random() * self._cumulative[-1]
            kind, drawn = self._choices[bisect(self._cumulative, r)]
            sender = sender or drawn
        elif kind not in self._builders:
            raise MixError(f"unknown kind {kind!r}; choose from {', '.join(MESSAGE_KINDS)}")
        if sender is None:
            sender = self._default_sender(kind)
        return self._builders[kind](sender)

    def _default_sender(self, kind: str) -> str:
        shares = [(s, w) for k, s, w in DEFAULT_MIX.entries if k == kind]
        r = self._random() * sum(w for _, w in shares)
        return shares[0][0] if r < shares[0][1] else shares[1][0]

    # --- shared pieces -------------------------------------------------------

    def uuid(self) -> str:
        """A version-4 UUID drawn from the random source (so seeded)."""
        h = (self._bits(128) & _UUID_KEEP | _UUID_SET).to_bytes(16, "big").hex()
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    def _envelope(self, kind: str, sender: str, recipient: str, sent: int,
                  channel: str) -> JsonDict:
        return {
            "schema_version": "1.0",
            "message_id": self.uuid(),
            "kind": kind,
            "sender": _PARTIES[sender],
            "recipient": _PARTIES[recipient],
            "sent_on": iso(sent),
            "channel": channel,
            "in_reply_to": None,
            "synthetic": True,
        }

    def _citizenship_parties(self, state: str) -> tuple[str, str, str]:
        """Sender and recipient authorities and channel of a citizenship notice."""
        if self._random() < 0.6:
            return f"{state}_MFA", f"{_OTHER[state]}_MFA", "diplomatic"
        if state == "KAZ":
            sender = "KAZ_MLSPP" if self._random() < 0.15 else "KAZ_MIA"
            return sender, "CHN_NIA", "competent_authority"
        return "CHN_NIA", "KAZ_MIA", "competent_authority"

    def _subject_of_change(self, state: str, sent: int, decided: int) -> JsonDict:
        """A person who became a citizen of `state` on `decided`, formerly of the other."""
        if state == "KAZ":
            population = "kandas_kazakh" if self._random() < 0.93 else "kandas_uyghur"
        else:
            population = "chn_kazakh"
        return self.people.person(population, sent, born_before=decided - 18 * YEAR,
                                  naturalised_on=decided, former=_OTHER[state])

    def _decision_reference(self, state: str, decided: int) -> str:
        year = iso(decided)[:4]
        if state == "KAZ":
            return f"ПР-{year}-{self._between(1, 9999):04d}"
        return f"国移管〔{year}〕{self._between(1, 999)}号"

    def _change_fields(self, state: str, decided: int, sent: int) -> JsonDict:
        recipient = _OTHER[state]
        r = self._random()
        restoration = r < (0.05 if state == "KAZ" else 0.7)
        roll = self._random()
        status = ("termination_pending" if roll < 0.45 else "terminated" if roll < 0.8
                  else "unknown" if roll < 0.95 else "retained")
        evidence = None
        if status == "terminated" and self._random() < 0.7:
            issued = min(sent - 1, decided - self._between(0, 365))
            evidence = {
                "certificate_number": f"{'T' if recipient == 'CHN' else 'K'}{iso(issued)[:4]}"
                f"{self.people.digits(6)}",
                "issued_on": iso(issued),
                "issuer": self.people.tables.authority(recipient, "passport", issued),
            }
        return {
            "acquisition": "restoration" if restoration else "admission",
            "decided_on": iso(decided),
            "decision_reference": self._decision_reference(state, decided),
            "former_citizenship": recipient,
            "former_citizenship_status": status,
            "termination_evidence": evidence,
        }

    # --- the six kinds -------------------------------------------------------

    def _acquisition(self, state: str) -> JsonDict:
        decided = self._between(DATA_START, DATA_END - 120)
        sent = decided + self._between(14, 120)
        sender, recipient, channel = self._citizenship_parties(state)
        message = self._envelope("citizenship_acquisition", sender, recipient, sent, channel)
        message["subject"] = self._subject_of_change(state, sent, decided)
        message.update(self._change_fields(state, decided, sent))
        return message

    def _prior_change(self, state: str) -> JsonDict:
        decided = self._between(_FIRST_PRIOR, DATA_START - 1)
        # Most lists arrived by the 6-month deadline; some late (a warning, still valid).
        if self._random() < 0.9:
            sent = self._between(DATA_START, _PRIOR_DUE)
        else:
            sent = self._between(_PRIOR_DUE + 1, _PRIOR_DUE + 240)
        message = self._envelope("prior_citizenship_change", f"{state}_MFA",
                                 f"{_OTHER[state]}_MFA", sent, "diplomatic")
        message["subject"] = self._subject_of_change(state, sent, decided)
        message.update(self._change_fields(state, decided, sent))
        return message

    def _status_reply(self, state: str) -> JsonDict:
        """`state` answers whether people on the other's list kept its citizenship."""
        received = self._between(DATA_START + 10, DATA_END - 90)
        late = self._random() < 0.05
        sent = received + (self._between(62, 90) if late else self._between(5, 55))
        other = _OTHER[state]
        channel = "diplomatic" if self._random() < 0.7 else "competent_authority"
        if channel == "diplomatic":
            sender, recipient = f"{state}_MFA", f"{other}_MFA"
        else:
            sender, recipient = ("CHN_NIA", "KAZ_MIA") if state == "CHN" else ("KAZ_MIA",
                                                                               "CHN_NIA")
        message = self._envelope("citizenship_status_reply", sender, recipient, sent, channel)
        message["in_reply_to"] = self.uuid()
        roll = self._random()
        status = "retained" if roll < 0.4 else "terminated" if roll < 0.85 else "no_record"
        own = "chn_kazakh" if state == "CHN" else "kaz_kazakh"
        if status == "no_record":
            # Nobody by that name in the answering state: the record is the list's.
            population = "kandas_kazakh" if other == "KAZ" else "chn_kazakh"
            subject = self.people.person(population, sent)
        else:
            # The answering state's record of its (former) citizen.
            subject = self.people.person(
                own, sent, citizenship=other if status == "terminated" else None,
                with_number=status != "terminated",
            )
        message["subject"] = subject
        message["request_received_on"] = iso(received)
        message["status"] = status
        message["terminated_on"] = (
            iso(received - self._between(30, 5 * YEAR)) if status == "terminated" else None
        )
        return message

    def _violation(self, state: str) -> JsonDict:
        """A citizen of the other state broke entry, stay or exit rules in `state`."""
        names, cumulative = self._violations
        violation = names[bisect(cumulative, self._random() * cumulative[-1])]
        entered = self._between(DATA_START, DATA_END - 200)
        occurred, permitted = self._violation_dates(violation, entered)
        detected = occurred + (0 if violation in ("illegal_exit", "invalid_document")
                               else self._between(0, 60))
        measures = self._measures(violation)
        left = detected + self._between(1, 10) if "deportation" in measures else None
        sent = max(detected, left or 0) + self._between(3, 40)
        if state == "KAZ":
            roll = self._random()
            population = "chn_han" if roll < 0.5 else "chn_kazakh" if roll < 0.85 else "chn_uyghur"
        else:
            population = "kaz_kazakh" if self._random() < 0.75 else "kaz_russian"
        subject = self.people.person(population, entered, traveller=True)
        message = self._envelope(
            "entry_stay_exit_violation", f"{state}_MIA" if state == "KAZ" else "CHN_NIA",
            "CHN_NIA" if state == "KAZ" else "KAZ_MIA", sent, "competent_authority",
        )
        passport = subject["documents"][0]["number"]
        message["subject"] = subject
        message["violation"] = violation
        message["occurred_on"] = iso(occurred)
        message["detected_on"] = iso(detected)
        message["crossings"] = self._crossings(violation, entered, occurred, left, passport)
        message["permitted_stay_until"] = iso(permitted) if permitted else None
        message["measures"] = measures
        message["entry_ban_until"] = (
            iso(add_years(detected, self._between(1, 5))) if "entry_ban" in measures else None
        )
        provisions = _PROVISIONS[state]
        message["legal_provision"] = provisions.get(violation, provisions["default"])
        return message

    def _violation_dates(self, violation: str, entered: int) -> tuple[int, int | None]:
        """When the violation happened and, for stays, the last permitted day."""
        permitted = entered + (29 if self._random() < 0.8 else 89)  # 30-day visa-free stay
        if violation == "overstay":
            return permitted + 1, permitted
        if violation in ("illegal_entry", "invalid_document"):
            return entered, None
        if violation == "failure_to_register":
            return entered + 5, permitted
        return entered + self._between(1, 25), permitted

    def _measures(self, violation: str) -> list[str]:
        if violation in ("illegal_entry", "illegal_exit") and self._random() < 0.3:
            return ["criminal_case", "deportation"]
        if self._random() < 0.15:
            return ["warning"]
        measures = ["fine"]
        if violation in ("overstay", "purpose_of_stay_violation", "illegal_entry") and (
            self._random() < 0.4
        ):
            measures.append("deportation")
            if self._random() < 0.6:
                measures.append("entry_ban")
        return measures

    def _crossings(self, violation: str, entered: int, occurred: int, left: int | None,
                   passport: str) -> list[JsonDict]:
        names, cumulative = self._points
        point = names[bisect(cumulative, self._random() * cumulative[-1])]
        crossings = []
        if violation != "illegal_entry":
            crossings.append({"direction": "entry", "crossed_on": iso(entered),
                              "crossing_point": point, "document_number": passport})
        if violation == "illegal_exit":
            crossings.append({"direction": "exit", "crossed_on": iso(occurred),
                              "crossing_point": point, "document_number": passport})
        elif left is not None:
            crossings.append({"direction": "exit", "crossed_on": iso(left),
                              "crossing_point": point, "document_number": passport})
        return crossings

    def _statistics(self, state: str) -> JsonDict:
        quarter = self._between(0, 7)  # 2024 Q1 … 2025 Q4 (and the first weeks in force)
        year, month = 2024 + quarter // 4, 1 + 3 * (quarter % 4)
        start = date(year, month, 1).toordinal()
        end = (date(year + (month == 10), 1 if month == 10 else month + 3, 1).toordinal() - 1)
        if quarter == 0 and self._random() < 0.2:
            start, end = DATA_START, date(2023, 12, 31).toordinal()
        sent = end + self._between(5, 45)
        other = _OTHER[state]
        message = self._envelope(
            "visa_free_statistics", f"{state}_MIA" if state == "KAZ" else "CHN_NIA",
            "CHN_NIA" if state == "KAZ" else "KAZ_MIA", sent, "competent_authority",
        )
        message["citizens_of"] = other
        message["period_start"] = iso(start)
        message["period_end"] = iso(end)
        message["rows"] = [self._statistics_row(p) for p in _PURPOSES if self._random() < 0.6] or [
            self._statistics_row("tourism")
        ]
        return message

    def _statistics_row(self, purpose: str) -> JsonDict:
        scale = {"tourism": 90_000, "business": 15_000, "private": 8_000, "transit": 5_000}
        if purpose in _VISA_ONLY:
            return {"purpose": purpose, "visa_free_entries": 0, "visa_free_exits": 0,
                    "visas_issued": self._between(50, 4_000)}
        entries = self._between(0, scale.get(purpose, 1_000))
        return {"purpose": purpose, "visa_free_entries": entries,
                "visa_free_exits": entries - int(entries * self._random() * 0.1),
                "visas_issued": self._between(0, entries // 50)}

    def _suspension(self, state: str) -> JsonDict:
        decided = self._between(DATA_START, DATA_END - 30)
        # Due within 72 hours; a few late notices (a warning, still valid).
        sent = decided + (self._between(0, 3) if self._random() < 0.95 else self._between(4, 10))
        message = self._envelope("suspension_notice", f"{state}_MFA", f"{_OTHER[state]}_MFA",
                                 sent, "diplomatic")
        roll = self._random()
        message["grounds"] = ("public_health" if roll < 0.5 else "public_order" if roll < 0.8
                              else "national_security")
        partial = self._random() < 0.7
        areas = [a for a in _AREAS if self._random() < 0.4] if partial else []
        message["scope"] = "partial" if partial else "full"
        message["suspended_areas"] = areas or (["visa_free_statistics"] if partial else [])
        message["decided_on"] = iso(decided)
        message["effective_from"] = iso(decided + self._between(0, 14))
        return message


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


def chunk_messages(seed: int, index: int, size: int, mix: Mix = DEFAULT_MIX) -> Iterator[JsonDict]:
    """The first `size` messages of chunk `index` of the run seeded with `seed`."""
    generator = Generator(chunk_rng(seed, index), mix)
    for _ in range(size):
        yield generator.message()


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
