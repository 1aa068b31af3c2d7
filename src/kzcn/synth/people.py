"""Synthetic people: names, places, personal numbers, documents and photos, by the column.

`person_columns` builds a whole column of person records at once: every draw
is a numpy column (`kzcn.synth._stream`), every check digit a table look-up
for the column (`kzcn.synth._checks`, `kzcn.synth._days`), and each record
comes out as its JSON text, assembled from fragments serialised once (names,
places, authorities). A per-record builder spent most of its time in the
interpreter; by the column the work per record is a few string joins.

`People` is the record-at-a-time face of the same builder (a column of one),
for the Faker provider and the Hypothesis strategies. Dates are day ordinals
(`date.toordinal()`); nothing is derived from today's date.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import orjson

from kzcn.person import PersonRecord
from kzcn.synth._checks import (
    DIGITS,
    iin_numbers,
    resident_id_tails,
)
from kzcn.synth._columns import (
    Flags,
    Floats,
    Ints,
    Pieces,
    Texts,
    commas,
    join_rows,
    texts,
)
from kzcn.synth._days import FIRST, days
from kzcn.synth._documents import (
    Documents,
    _chn_cards,
    _Holders,
    _kaz_cards,
    _name_fields,
    _passports,
    _photos,
    mrz_lines,
    photo_columns,
)
from kzcn.synth._names import _groups, _NameIds, _names
from kzcn.synth._person_tables import (
    ADDRESS_FIRST_YEAR,
    ADDRESS_LAST_YEAR,
    _Columns,
    _columns,
    authorities,
)
from kzcn.synth._population import (
    _POP_STATE,
    _STATE_TEXT,
    CHN,
    KAZ,
    POPULATION_CODE,
    POPULATIONS,
    STATE_CODE,
    YEAR,
    JsonDict,
    Population,
)
from kzcn.synth._regime import keys, opening
from kzcn.synth._stream import Draws, RandomSource
from kzcn.synth._view import Coded, Items, Pick, Record, Text, offsets

__all__ = [
    "CHN",
    "KAZ",
    "POPULATIONS",
    "POPULATION_CODE",
    "STATE_CODE",
    "YEAR",
    "People",
    "PersonColumns",
    "Population",
    "RandomSource",
    "authorities",
    "mrz_lines",
    "person_columns",
]


# --- people ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PersonColumns:
    """A column of person records as JSON fragments, and each one's first passport number.

    `pieces` joined row by row (`join_rows(*pieces)`, or inside a message's own
    join, which saves copying each record twice) are the records' JSON objects.
    """

    pieces: Pieces
    passport: Texts  # b"" where the person has no passport of their current state
    view: Record  # the records by field (`kzcn.synth._view`)

    def json(self) -> Texts:
        """The records as JSON objects."""
        return join_rows(*self.pieces)


# Rows of the person builder's draws (a (rows, n) block of uniforms).
_SEX, _BIRTH, _BIRTH2, _PLACE, _NAMES = 0, 1, 2, 3, 4  # names take 4 rows
_SERIAL, _SEQUENCE, _HAS_PASSPORT, _HAS_CARD, _OLD_PASSPORT, _HAS_PHOTO, _PHOTO = range(8, 15)
_PASSPORT, _CARD, _OLD_CARD, _OLD = 15, 18, 20, 21  # 3, 2, 1 and 3 rows
_DRAWS = 24
#: The record's keys, read from the model (a field renamed there fails here, at import).
_PERSON = keys(
    PersonRecord,
    "surname",
    "given_names",
    "patronymic",
    "name_national",
    "sex",
    "date_of_birth",
    "place_of_birth",
    "citizenship",
    "ethnic_nationality",
    "personal_number",
    "documents",
    "photo",
)


def person_columns(  # noqa: PLR0913 - the options are keyword-only and documented
    draws: Draws,
    population: Ints,
    as_of: Ints,
    *,
    born_before: Ints | None = None,
    naturalised_on: Ints | None = None,
    former: Ints | int = 0,
    traveller: Any = False,
    citizenship: Ints | int = 0,
    with_number: Any = True,
) -> PersonColumns:
    """Person records valid on the days `as_of`, one per row of `population`.

    Args:
        draws: the random stream.
        population: codes of `POPULATIONS` (`POPULATION_CODE`).
        as_of: the day each record describes (a message's sending day).
        born_before: the latest birth day allowed (default: 18 years before `as_of`).
        naturalised_on: for new citizens, the day of the decision; the current
            state's documents are issued after it and the former state's before it.
        former: the state (`KAZ`, `CHN`) of the former citizenship, whose old
            documents the record also lists; 0 for none.
        traveller: the person crossed a border, so holds a passport.
        citizenship: overrides the population's current citizenship (a record
            kept by the former state of someone who left it); 0 for none.
        with_number: include the personal number (IIN or resident ID).
    """
    c, d = _columns(), days()
    n = len(population)
    u = draws.uniform((_DRAWS, n))
    male = u[_SEX] < 0.5
    latest = as_of - 18 * YEAR - 5
    if born_before is not None:
        latest = np.minimum(latest, born_before)
    birth = (
        latest
        - (u[_BIRTH] * 40 * YEAR).astype(np.int64)
        - (u[_BIRTH2] * 12 * YEAR).astype(np.int64)
    )
    place = np.zeros(n, dtype=np.int64)
    for key, rows in _groups(population):
        place[rows] = c.places[key].pick(u[_PLACE, rows])
    names = _names(c, population, male, u[_NAMES : _NAMES + 4])
    holders = _holders(c, birth - FIRST, male, place=place, names=names, u=u)
    state = _POP_STATE[population]
    naturalised = np.zeros(n, np.int64) if naturalised_on is None else naturalised_on
    documents, passport, documents_view = _documents(
        c,
        holders,
        state,
        window=_Window(birth, as_of, naturalised),
        former=np.broadcast_to(former, n),
        has_passport=np.asarray(traveller) | (u[_HAS_PASSPORT] < 0.4),
        u=u,
    )
    number = np.where(state == KAZ, holders.iin, holders.resident_id)
    current = np.where(np.asarray(citizenship) != 0, citizenship, state)
    photo, photo_view = photo_columns(draws, u[_PHOTO], u[_HAS_PHOTO] < 0.85)
    k = _PERSON
    pieces = (
        opening(k["surname"]),
        c.name_json[names.surname],
        k["given_names"],
        c.name_json[names.given],
        k["patronymic"],
        c.name_json[names.patronymic],
        k["name_national"],
        names.national,
        k["sex"] + b'"',
        holders.sex,
        b'"' + k["date_of_birth"],
        d.quoted[holders.birth],
        k["place_of_birth"],
        c.place_json[place],
        k["citizenship"] + b'"',
        _STATE_TEXTS[current],
        b'"' + k["ethnic_nationality"] + b'"',
        _ETHNIC[population],
        b'"' + k["personal_number"],
        np.where(with_number, b'"' + number + b'"', b"null"),
        k["documents"] + b"[",
        *documents,
        b"]" + k["photo"],
        photo,
        b"}",
    )
    view = Record(
        n,
        {
            "surname": Coded(c.name_json, names.surname, json=True),
            "given_names": Coded(c.name_json, names.given, json=True),
            "patronymic": Coded(c.name_json, names.patronymic, json=True),
            "name_national": Text(
                names.national, np.not_equal(names.national, b"null"), quoted=True
            ),
            "sex": Text(holders.sex),
            "date_of_birth": Coded(d.iso, holders.birth),
            "place_of_birth": Coded(c.place_json, place, json=True),
            "citizenship": Coded(_STATE_TEXTS, current),
            "ethnic_nationality": Coded(_ETHNIC, population),
            "personal_number": Text(number, np.broadcast_to(with_number, n)),
            "documents": documents_view,
            "photo": photo_view,
        },
    )
    return PersonColumns(pieces, passport, view)


def _holders(  # noqa: PLR0913 - the people's columns so far
    c: _Columns,
    b: Ints,
    male: Flags,
    *,
    place: Ints,
    names: _NameIds,
    u: Floats,
) -> _Holders:
    """Sex, name fields and personal numbers of people born on the days `b` (from FIRST)."""
    d = days()
    # IINs: YYMMDD, the century/sex digit (3/4 before 2000, 5/6 after), serial, check.
    century = np.where(d.year[b] < 2000, 3, 5) + (~male)
    iin, iin_mrz0, iin_mrz1 = iin_numbers(
        d.yymmdd[b] + DIGITS[century],
        d.iin_w1[b] + 7 * century,
        d.iin_w2[b] + 9 * century,
        (d.iin_mrz0[b] + 7 * century, d.iin_mrz1[b] + 3 * century),
        (u[_SERIAL] * 10_000).astype(np.int64),
    )
    # Resident IDs: address code, birth day, sequence (odd for men), check.
    sequence = (u[_SEQUENCE] * 500).astype(np.int64) * 2 + male
    # The address code in force in the year of birth (first registration), not today's.
    year = np.clip(d.year[b], ADDRESS_FIRST_YEAR, ADDRESS_LAST_YEAR) - ADDRESS_FIRST_YEAR
    address = c.address_code_row[place, year]
    resident_id = (
        c.address_code[address]
        + d.ymd[b]
        + resident_id_tails(c.address_code_sum[address], d.rid[b], sequence)
    )
    return _Holders(
        b,
        _SEX_TEXTS[(~male).astype(np.int64)],
        _name_fields(c, names.surname, names.given),
        iin,
        iin_mrz0,
        iin_mrz1,
        resident_id,
        place,
    )


@dataclass(frozen=True, slots=True)
class _Window:
    """The days that bound people's documents: birth, the record's day, naturalisation (or 0)."""

    birth: Ints
    as_of: Ints
    naturalised: Ints


#: A person's documents in list order: the current passport, card, old card, old passport.
_SLOTS = 4
_CURRENT, _CARD_SLOT, _OLD_CARD_SLOT, _OLD_PASSPORT_SLOT = range(_SLOTS)


class _Slots:
    """Each person's documents, made a kind (and a subset of people) at a time."""

    def __init__(self, n: int) -> None:
        self.json = [np.full(n, b"", dtype=object) for _ in range(_SLOTS)]
        self._parts: list[tuple[int, Ints, Record]] = []

    def put(self, slot: int, rows: Ints, documents: Documents) -> None:
        self.json[slot][rows] = documents.json
        self._parts.append((slot, rows, documents.view))

    def view(self, n: int) -> Items:
        """Every person's documents as lists, in slot order."""
        if not self._parts:
            return Items(np.zeros(n + 1, dtype=np.int64), Record(0, {}))
        person = np.concatenate([rows for _, rows, _ in self._parts])
        slot = np.concatenate([np.full(len(rows), s) for s, rows, _ in self._parts])
        order = np.argsort(person * _SLOTS + slot, kind="stable")
        sizes = np.bincount(person, minlength=n)
        return Items(offsets(sizes), Pick(tuple(view for _, _, view in self._parts), order))


def _documents(  # noqa: PLR0913 - the people, their states and their draws
    c: _Columns,
    h: _Holders,
    state: Ints,
    *,
    window: _Window,
    former: Any,
    has_passport: Flags,
    u: Floats,
) -> tuple[Pieces, Texts, Items]:
    """Each person's documents as the inside of a JSON list (pieces), passport numbers, view."""
    n = len(state)
    # Documents of the current state are issued after naturalisation, if any.
    earliest = np.maximum(window.birth + 16 * YEAR, window.naturalised + 7)
    # The four kinds of document in list order, b"" where a person has none.
    slots = _Slots(n)
    passport = np.full(n, b"", dtype=object)
    has_card = ~has_passport | (u[_HAS_CARD] < 0.9)
    for code, text in ((KAZ, "KAZ"), (CHN, "CHN")):
        rows = np.flatnonzero(has_passport & (state == code))
        if len(rows):
            documents, passport[rows] = _passports(
                h.take(rows),
                text,
                earliest[rows],
                window.as_of[rows],
                mrz=True,
                draw=u[_PASSPORT : _PASSPORT + 3, rows],
            )
            slots.put(_CURRENT, rows, documents)
    rows = np.flatnonzero(has_card & (state == KAZ))
    if len(rows):
        slots.put(
            _CARD_SLOT,
            rows,
            _kaz_cards(
                h.take(rows), earliest[rows], window.as_of[rows], u[_CARD : _CARD + 2, rows]
            ),
        )
    rows = np.flatnonzero(has_card & (state == CHN))
    if len(rows):
        slots.put(
            _CARD_SLOT,
            rows,
            _chn_cards(
                c, h.take(rows), earliest[rows], window.as_of[rows], u[_CARD : _CARD + 1, rows]
            ),
        )
    # Old documents carry the name as the former state wrote it, which may
    # differ from the record's: their MRZ is left out rather than contradict it.
    old = (former != 0) & (window.naturalised != 0)
    before = window.naturalised - 30
    earliest = window.birth + 16 * YEAR
    rows = np.flatnonzero(old & (former == CHN))
    if len(rows):
        slots.put(
            _OLD_CARD_SLOT,
            rows,
            _chn_cards(
                c, h.take(rows), earliest[rows], before[rows], u[_OLD_CARD : _OLD_CARD + 1, rows]
            ),
        )
    for code, text in ((KAZ, "KAZ"), (CHN, "CHN")):
        rows = np.flatnonzero(old & (former == code) & ((code == KAZ) | (u[_OLD_PASSPORT] < 0.4)))
        if len(rows):
            documents, _ = _passports(
                h.take(rows),
                text,
                earliest[rows],
                before[rows],
                mrz=False,
                draw=u[_OLD : _OLD + 3, rows],
            )
            slots.put(_OLD_PASSPORT_SLOT, rows, documents)
    current, card, old_card, old_passport = slots.json
    # A person has a current passport or card or both: commas go before the others.
    return (
        (
            current,
            commas(has_passport & has_card),
            card,
            commas(old_card != b""),
            old_card,
            commas(old_passport != b""),
            old_passport,
        ),
        passport,
        slots.view(n),
    )


_STATE_TEXTS = texts(_STATE_TEXT)
_SEX_TEXTS = texts(["M", "F"])
_ETHNIC = texts(p.ethnic for p in POPULATIONS.values())


# --- one at a time -----------------------------------------------------------


class People:
    """Person records and photos one at a time, as JSON-ready dicts (a column of one)."""

    def __init__(self, rng: RandomSource) -> None:
        self.rng = rng
        self.draws = Draws.from_source(rng)

    def between(self, low: int, high: int) -> int:
        """A whole number in [low, high]."""
        return low + int(self.rng.random() * (high - low + 1))

    def pick(self, items: Any) -> Any:
        """One element of a sequence."""
        return items[int(self.rng.random() * len(items))]

    def person(  # noqa: PLR0913 - the options are keyword-only and documented
        self,
        population: str,
        as_of: int,
        *,
        born_before: int | None = None,
        naturalised_on: int | None = None,
        former: str | None = None,
        traveller: bool = False,
        citizenship: str | None = None,
        with_number: bool = True,
    ) -> JsonDict:
        """A person record valid on day `as_of`; see `person_columns` for the options."""

        def column(value: int | None) -> Ints | None:
            return None if value is None else np.array([value], dtype=np.int64)

        built = person_columns(
            self.draws,
            np.array([POPULATION_CODE[population]]),
            np.array([as_of]),
            born_before=column(born_before),
            naturalised_on=column(naturalised_on),
            former=STATE_CODE.get(former or "", 0),
            traveller=traveller,
            citizenship=STATE_CODE.get(citizenship or "", 0),
            with_number=with_number,
        )
        record: JsonDict = orjson.loads(built.json()[0])
        return record

    def photo(self) -> JsonDict:
        """A reference to a photograph: a digest, a media type and a relative path or URN."""
        found: JsonDict = orjson.loads(_photos(self.draws, self.draws.uniform(1))[0])
        return found
