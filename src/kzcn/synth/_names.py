"""Names by the column: each population's naming practice (surname, patronymic, Han names)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from kzcn.synth._columns import (
    Flags,
    Floats,
    Ints,
    Texts,
)
from kzcn.synth._person_tables import _Columns
from kzcn.synth._population import _POPULATION_KEYS, POPULATIONS, Population

# --- names -------------------------------------------------------------------


def _groups(population: Ints) -> Iterator[tuple[str, Ints]]:
    """Each population present in the column, and its rows."""
    for code in np.unique(population).tolist():
        yield _POPULATION_KEYS[code], np.flatnonzero(population == code)


@dataclass(slots=True)
class _NameIds:
    """The chosen names of a column of people, as ids, and the national-script form."""

    surname: Ints
    given: Ints
    patronymic: Ints
    national: Texts  # JSON: a quoted string or null


def _names(c: _Columns, population: Ints, male: Flags, draw: Floats) -> _NameIds:
    """Surname, given names, patronymic and national-script name of each person."""
    n = len(population)
    chosen = _NameIds(
        np.zeros(n, np.int64),
        np.zeros(n, np.int64),
        np.full(n, c.null_name, np.int64),
        np.full(n, b"null", dtype=object),
    )
    for key, rows in _groups(population):
        _names_of(c, POPULATIONS[key], chosen, rows, male=male[rows], draw=draw[:, rows])
    return chosen


def _names_of(  # noqa: PLR0913 - one population's slice of every column
    c: _Columns,
    pop: Population,
    chosen: _NameIds,
    rows: Ints,
    *,
    male: Flags,
    draw: Floats,
) -> None:
    sex = (~male).astype(np.int64)  # 0 for the male form, 1 for the female
    if pop.ethnic == "han":
        surname = (draw[0] * len(c.han_surname)).astype(np.int64)
        given = c.han_given.pick(male, draw[1])
        chosen.surname[rows] = c.han_surname[surname]
        chosen.given[rows] = c.han_given.ids[given]
        chosen.national[rows] = b'"' + c.han_surname_han[surname] + c.han_given.han[given] + b'"'
        return
    if pop.ethnic == "russian":
        table = c.russian
        father = (draw[0] * table.women).astype(np.int64)
        surname = (draw[2] * len(c.russian_surname)).astype(np.int64)
        chosen.surname[rows] = c.russian_surname[surname, sex]
        chosen.given[rows] = table.ids[table.pick(male, draw[1])]
        chosen.patronymic[rows] = c.russian_patronymic[father, sex]
        return
    kazakh = pop.ethnic == "kazakh"
    table, family = (c.kazakh, c.kazakh_family) if kazakh else (c.uyghur, c.uyghur_family)
    own = table.pick(male, draw[0])
    father = (draw[1] * table.women).astype(np.int64)
    national = b'"' + table.han[own] + "·".encode() + table.han[father] + b'"'
    if pop.citizenship == "CHN":
        # Personal name · father's name, no surname; the personal name is printed
        # first, as the primary identifier (as Chinese documents print it).
        chosen.surname[rows] = table.han_ids[own]
        chosen.given[rows] = table.han_ids[father]
        chosen.national[rows] = national
        return
    roll = draw[2]
    chosen.given[rows] = table.ids[own]
    clan = family.clan[father, sex]
    if pop.born_in == "CHN":
        # Repatriates usually take the father's name as surname (Халимов, or Халимұлы).
        chosen.surname[rows] = np.where(kazakh & (roll < 0.3), clan, family.surname[father, sex])
        chosen.patronymic[rows] = np.where(
            kazakh & (roll >= 0.3) & (roll < 0.75), clan, c.null_name
        )
        chosen.national[rows] = national
        return
    grandfather = (draw[3] * table.women).astype(np.int64)
    surname = family.surname[grandfather, sex]
    if kazakh:
        surname = np.where(roll < 0.12, clan, surname)
    chosen.surname[rows] = surname
    chosen.patronymic[rows] = np.select(
        [kazakh & (roll < 0.12), kazakh & (roll < 0.55), roll < 0.93],
        [c.null_name, clan, family.russian[father, sex]],
        c.null_name,
    )
