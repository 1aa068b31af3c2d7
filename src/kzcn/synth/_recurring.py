"""A population that lives across messages: people drawn once per run, who recur.

In the real exchange the same person is listed, answered, then perhaps
reported for a violation or asked about, with the same documents and names.
Each run (seed) draws, per population, a pool of travellers once; a share of
the violation subjects and of the persons asked about are taken from it, so
the same records recur across messages, kinds and years.

The pool depends on the run's seed only (not on the chunk), so a message is
the same whichever worker makes it (`--jobs`) and however many are made (the
prefix property).

Shares: no report gives how often the same person recurs in the exchange. The
shares below are kzcn's assumption for a workshop dataset: a third of the
violations are by people reported before (the EES keeps overstayers' records
longest, Reg. (EU) 2017/2226 Art. 34, because they recur), and half of the
persons asked about are people reported before.
"""

from __future__ import annotations

import hashlib
from functools import cache

import numpy as np

from kzcn.synth._columns import Flags, Floats, Ints, Texts, join_rows
from kzcn.synth._envelope import DATA_START
from kzcn.synth._stream import Draws
from kzcn.synth.people import person_columns

__all__ = ["POOL_SIZE", "REQUEST_SHARE", "VIOLATION_SHARE", "recurring"]

#: Travellers per population in a run's pool.
POOL_SIZE = 500
#: Shares of violation subjects and of persons asked about who come from the pool.
VIOLATION_SHARE = 1 / 3
REQUEST_SHARE = 1 / 2


@cache
def _pool(seed: int, population: int) -> tuple[Texts, Texts]:
    """The pool of `population` for the run seeded `seed`: records and passport numbers."""
    digest = hashlib.sha256(f"kzcn-population:{seed}:{population}".encode()).digest()
    draws = Draws(int.from_bytes(digest[:16], "big"))
    people = person_columns(
        draws,
        np.full(POOL_SIZE, population, dtype=np.int64),
        np.full(POOL_SIZE, DATA_START, dtype=np.int64),
        traveller=True,
    )
    return join_rows(*people.pieces), people.passport


def recurring(
    draws: Draws, population: Ints, share: float, u: Floats
) -> tuple[Flags, Texts, Texts]:
    """Which rows take a person from the pool, and those rows' records and passports.

    `u` holds two uniform draws a row: whether the row recurs, and whom it takes.
    Rows that do not recur hold b"" in the returned columns.
    """
    n = len(population)
    chosen = u[0] < share
    records = np.full(n, b"", dtype=object)
    passports = np.full(n, b"", dtype=object)
    who = (u[1] * POOL_SIZE).astype(np.int64)
    for code in np.unique(population[chosen]):
        rows = np.flatnonzero(chosen & (population == code))
        pool_records, pool_passports = _pool(draws.population_seed, int(code))
        records[rows] = pool_records[who[rows]]
        passports[rows] = pool_passports[who[rows]]
    return chosen, records, passports
