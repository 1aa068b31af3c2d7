"""A population that lives across messages: people drawn once per run, who recur.

In the real exchange the same person is listed, answered, then perhaps
reported for a violation or asked about, with the same documents and names.
Each run (seed) draws, per population, a pool of travellers once; a share of
the violation subjects and of the persons asked about are taken from it, so
the same records recur across messages, kinds and years.

The pool depends on the run's seed only (not on the chunk), so a message is
the same whichever worker makes it (`--jobs`) and however many are made (the
prefix property).

People who changed citizenship before the agreement recur too: each run draws,
per sending state, the people its historical lists name (with the day their
change was decided); half of the historical notices and list items name one
of them, and a reply that finds no record of a listed person sends back the
list's own record of them.

Each pooled traveller also has one history of crossings for the run: stays
drawn from the run's seed and the person (`_timelines`), judged whole by the
stay calculator. Every violation message about them quotes one stay of that
history, so their crossings, read together across messages and years, are
one history in order; an `overstay` is about a stay the calculator found in
breach, any other violation about a stay it did not. Who entered illegally has
no entry record to link: those subjects are never taken from the pool.

Shares: no report gives how often the same person recurs in the exchange. The
shares below are kzcn's assumption for a workshop dataset: a third of the
violations are by people reported before (the EES keeps overstayers' records
longest, Reg. (EU) 2017/2226 Art. 34, because they recur), half of the
persons asked about are people reported before, and half of the historical
notices name someone another notice or list names too (a list and the notices
sent one by one cover the same people).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import numpy as np

from kzcn.authorities import Party
from kzcn.synth._columns import Flags, Floats, Ints, Texts, join_rows
from kzcn.synth._envelope import DATA_END, DATA_START, FIRST_PRIOR
from kzcn.synth._stays import GAP_DAYS, LONG_SHARE, StayColumns, draw_stays, judge_histories
from kzcn.synth._stream import Draws
from kzcn.synth._view import Pick, Record, take
from kzcn.synth.people import PersonColumns, person_columns

__all__ = [
    "LISTED_SHARE",
    "POOL_SIZE",
    "REQUEST_SHARE",
    "VIOLATION_SHARE",
    "listed_again",
    "listed_records",
    "recurring",
    "recurring_stays",
    "subjects_view",
]

#: Travellers per population in a run's pool.
POOL_SIZE = 500
#: Shares of violation subjects and of persons asked about who come from the pool.
VIOLATION_SHARE = 1 / 3
REQUEST_SHARE = 1 / 2
#: Share of historical notices and list items naming someone of the run's listed people.
LISTED_SHARE = 1 / 2

#: Builds the people who became citizens of a state: (draws, state, sent, decided, draw).
ChangeBuilder = Callable[[Draws, Party, Ints, Ints, Floats], PersonColumns]


def _stream(seed: int, name: str) -> Draws:
    digest = hashlib.sha256(f"kzcn-population:{seed}:{name}".encode()).digest()
    return Draws(int.from_bytes(digest[:16], "big"))


#: Where rows of a column took their records from: (those rows, a pool's records viewed by
#: field, the rows of the pool they took).
Sources = list[tuple[Ints, Record, Ints]]


def subjects_view(fresh: Record, sources: Sources) -> Pick:
    """Each row's record: from a pool where `sources` says so, `fresh`'s row otherwise."""
    index = np.arange(fresh.size)
    parts, start = [fresh], fresh.size
    for rows, pool, taken in sources:
        # Only the pool's people taken here: the writer converts what it picks from.
        people, picked = np.unique(taken, return_inverse=True)
        index[rows] = start + picked
        part = take(pool, people)
        assert isinstance(part, Record)  # noqa: S101 - the rows of a record are a record
        parts.append(part)
        start += part.size
    return Pick(tuple(parts), index)


@cache
def _pool(seed: int, population: int) -> tuple[Texts, Texts, Record]:
    """The pool of `population` for the run seeded `seed`: records, passport numbers, view."""
    draws = _stream(seed, str(population))
    people = person_columns(
        draws,
        np.full(POOL_SIZE, population, dtype=np.int64),
        np.full(POOL_SIZE, DATA_START, dtype=np.int64),
        traveller=True,
    )
    return join_rows(*people.pieces), people.passport, people.view


def recurring(
    draws: Draws, population: Ints, share: float, u: Floats
) -> tuple[Flags, Texts, Texts, Sources]:
    """Which rows take a person from the pool, and those rows' records and passports.

    `u` holds two uniform draws a row: whether the row recurs, and whom it takes.
    Rows that do not recur hold b"" in the returned columns; `Sources` says whom they took.
    """
    n = len(population)
    chosen = u[0] < share
    records = np.full(n, b"", dtype=object)
    passports = np.full(n, b"", dtype=object)
    who = (u[1] * POOL_SIZE).astype(np.int64)
    sources: Sources = []
    for code in np.unique(population[chosen]):
        rows = np.flatnonzero(chosen & (population == code))
        pool_records, pool_passports, pool = _pool(draws.population_seed, int(code))
        records[rows] = pool_records[who[rows]]
        passports[rows] = pool_passports[who[rows]]
        sources.append((rows, pool, who[rows]))
    return chosen, records, passports, sources


#: Stays a pooled traveller's history holds at most, and the days before the end of the
#: data a stay ends at the latest (so the report on it is sent within the data).
_MOST_STAYS = 8
_LAST_EXIT = DATA_END - 45


@dataclass(frozen=True, slots=True)
class _Timelines:
    """Every stay of a pool's travellers, grouped by person in order, judged whole."""

    person: Ints
    stays: StayColumns
    #: Rows of `stays` the calculator found in breach, and the others.
    breached: Ints
    clean: Ints


@cache
def _timelines(seed: int, population: int) -> _Timelines:
    """The crossing histories of `population`'s pool in the run seeded `seed`."""
    draws = _stream(seed, f"stays:{population}")
    shape = (POOL_SIZE, _MOST_STAYS)
    count = POOL_SIZE * _MOST_STAYS
    first = DATA_START + draws.below(150, POOL_SIZE)
    drawn = draw_stays(draws, np.zeros(count, dtype=np.int64), draws.uniform(count) < LONG_SHARE)
    gaps = draws.between(*GAP_DAYS, count).reshape(shape)
    lengths = (drawn.left - drawn.entered + 1).reshape(shape)
    # Each entry is the last exit plus a gap: a history in order by construction.
    before = np.cumsum(lengths + gaps, axis=1) - (lengths + gaps)
    offset = (first[:, None] + before).ravel()
    stays = StayColumns(
        drawn.entered + offset,
        drawn.left + offset,
        drawn.validity,
        drawn.limit + offset,
        drawn.breached,
    )
    kept = np.flatnonzero(stays.left <= _LAST_EXIT)
    person = np.repeat(np.arange(POOL_SIZE), _MOST_STAYS)[kept]
    judged = judge_histories(person, stays.take(kept))
    return _Timelines(
        person, judged, np.flatnonzero(judged.breached), np.flatnonzero(~judged.breached)
    )


def recurring_stays(
    draws: Draws, population: Ints, overstay: Flags, u: Floats
) -> tuple[Flags, Texts, Texts, StayColumns, Sources]:
    """Which violation rows take a traveller from the pool, with one stay of their history.

    `u` holds two uniform draws a row: whether the row recurs, and which stay
    it is about (an `overstay` row takes a stay in breach, any other a stay
    that is not). Returns the rows taken, their records, passports and stays
    (other rows hold b"" and zeros), and whom they took.
    """
    n = len(population)
    chosen = u[0] < VIOLATION_SHARE
    records = np.full(n, b"", dtype=object)
    passports = np.full(n, b"", dtype=object)
    stays = StayColumns.zeros(n)
    sources: Sources = []
    for code in np.unique(population[chosen]):
        pool_records, pool_passports, pool = _pool(draws.population_seed, int(code))
        lines = _timelines(draws.population_seed, int(code))
        for wanted, index in ((True, lines.breached), (False, lines.clean)):
            rows = np.flatnonzero(chosen & (population == code) & (overstay == wanted))
            picked = index[(u[1][rows] * len(index)).astype(np.int64)]
            records[rows] = pool_records[lines.person[picked]]
            passports[rows] = pool_passports[lines.person[picked]]
            stays.put(rows, lines.stays.take(picked))
            sources.append((rows, pool, lines.person[picked]))
    return chosen, records, passports, stays, sources


_LISTED: dict[tuple[int, Party], tuple[Texts, Ints, Record]] = {}


def listed_records(seed: int, state: Party, build: ChangeBuilder) -> tuple[Texts, Ints, Record]:
    """The people `state`'s historical lists name in the run seeded `seed`, and their days.

    Records (JSON text), the days their citizenship changed, and the records'
    view, drawn once per run and state with `build` (the kinds' `_subjects_of_change`).
    """
    key = (seed, state)
    if key not in _LISTED:
        draws = _stream(seed, f"listed:{state}")
        decided = draws.between(FIRST_PRIOR, DATA_START - 1, POOL_SIZE)
        sent = np.full(POOL_SIZE, DATA_START, dtype=np.int64)
        people = build(draws, state, sent, decided, draws.uniform(POOL_SIZE))
        _LISTED[key] = (join_rows(*people.pieces), decided, people.view)
    return _LISTED[key]


def listed_again(
    draws: Draws, state: Party, u: Floats, build: ChangeBuilder
) -> tuple[Flags, Texts, Ints, Sources]:
    """Which rows name one of `state`'s listed people, their records and decision days.

    `u` holds two uniform draws a row: whether the row recurs, and whom it names.
    """
    records, decided, view = listed_records(draws.population_seed, state, build)
    who = (u[1] * POOL_SIZE).astype(np.int64)
    again = u[0] < LISTED_SHARE
    rows = np.flatnonzero(again)
    return again, records[who], decided[who], [(rows, view, who[rows])]
