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
from collections.abc import Iterator
from functools import cached_property

import numpy as np
import orjson

from kzcn.messages import MESSAGE_KINDS
from kzcn.synth._columns import Ints, Texts
from kzcn.synth._envelope import DATA_END, DATA_START, SENDERS, JsonDict, category
from kzcn.synth._kinds import BUILDERS
from kzcn.synth._stream import Draws, RandomSource
from kzcn.synth._view import Built
from kzcn.synth.mix import DEFAULT_MIX, Mix, MixError
from kzcn.synth.people import People

__all__ = [
    "CHUNK",
    "DATA_END",
    "DATA_START",
    "DEFAULT_MIX",
    "LIST_LIMITS",
    "Generator",
    "Mix",
    "MixError",
    "chunk_built",
    "chunk_lines",
    "chunk_messages",
    "chunk_rng",
    "chunk_spans",
    "generate",
]


#: The longest lists the generator writes, by dotted path (`*` for a list index):
#: the CSV header has a column for each position up to these.
LIST_LIMITS: dict[str, int] = {
    "subject.documents": 4,
    "subject.documents.*.mrz": 3,
    "crossings": 3,
    "former_citizenship.evidence": 2,
    "items": 6,  # _kinds._MOST_LISTED
    "items.*.subject.documents": 4,
    "items.*.subject.documents.*.mrz": 3,
    "items.*.former_citizenship.evidence": 2,
    "persons": 1,
    "refused_items": 1,
    "measures": 4,
    "rows": 10,
    "suspended_areas": 4,
}


class Generator:
    """Builds messages from a random source; see the module docstring.

    Args:
        rng: a `random.Random` (or anything with `random()` and
            `getrandbits()`); Faker's `generator.random` works. It seeds the
            column stream and draws kinds for single messages.
        mix: which kinds and directions to draw, with what weights.
        population_seed: draws the population whose people recur across messages
            (a run gives every chunk its seed, so one population serves the run).
    """

    def __init__(
        self, rng: RandomSource | None = None, mix: Mix = DEFAULT_MIX, *, population_seed: int = 0
    ) -> None:
        self.rng = rng if rng is not None else random.Random(0)  # noqa: S311 - not crypto
        self.draws = Draws.from_source(self.rng)
        self.draws.population_seed = population_seed
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
        elif kind not in BUILDERS:
            raise MixError(f"unknown kind {kind!r}; choose from {', '.join(MESSAGE_KINDS)}")
        if sender is None:
            sender = self._default_sender(kind)
        found: JsonDict = orjson.loads(BUILDERS[kind](self.draws, 1, SENDERS[sender]).json()[0])
        return found

    def lines(self, count: int, kind: str | None = None, sender: str | None = None) -> Texts:
        """`count` messages as UTF-8 JSON (the bulk path), in a numpy object array.

        Kinds and senders are drawn from the mix; `kind` asks for that kind
        only (from `sender`, or both states as the default mix shares them).
        """
        out = np.empty(count, dtype=object)
        for rows, built in self.built(count, kind, sender):
            out[rows] = built.json()
        return out

    def built(
        self, count: int, kind: str | None = None, sender: str | None = None
    ) -> list[tuple[Ints, Built]]:
        """`count` messages drawn as `lines` draws them: each kind's rows and its column.

        A column renders as JSON or gives its typed view (`kzcn.synth._view`).
        """
        if kind is None:
            choices, cumulative = self._choices, self._cumulative
        else:
            only = Mix(((kind, sender, 1.0),)) if sender else DEFAULT_MIX.only([kind])
            choices = [(k, s) for k, s, _ in only.entries]
            cumulative = np.cumsum([w for _, _, w in only.entries])
        entry = category(self.draws.uniform(count), cumulative)
        columns = []
        for index, (drawn, state) in enumerate(choices):
            rows = np.flatnonzero(entry == index)
            if len(rows):
                columns.append((rows, BUILDERS[drawn](self.draws, len(rows), SENDERS[state])))
        return columns

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


def chunk_lines(
    seed: int, index: int, size: int, mix: Mix = DEFAULT_MIX, chunk: int | None = None
) -> Texts:
    """The first `size` messages of chunk `index` of the run seeded with `seed`, as JSON text.

    The whole chunk is drawn (columns of `chunk` rows, default `CHUNK`) and
    cut, so a shorter run's last chunk is the start of a longer run's.
    """
    return Generator(chunk_rng(seed, index), mix, population_seed=seed).lines(chunk or CHUNK)[:size]


def chunk_built(
    seed: int, index: int, mix: Mix = DEFAULT_MIX, chunk: int | None = None
) -> list[tuple[Ints, Built]]:
    """Chunk `index` of the run seeded with `seed`, whole, as `Generator.built` gives it.

    Its first `size` rows are the messages of `chunk_lines(seed, index, size, ...)`.
    """
    return Generator(chunk_rng(seed, index), mix, population_seed=seed).built(chunk or CHUNK)


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
