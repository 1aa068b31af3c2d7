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

from collections.abc import Iterator
from dataclasses import dataclass, fields
from datetime import date
from functools import cache
from typing import Any

import numpy as np
import orjson

from kzcn import mrz as reference_mrz
from kzcn.mrz import encode_name
from kzcn.synth._checks import (
    DIGITS,
    iin_numbers,
    number_sum7,
    number_sum8,
    number_sum9,
    resident_id_tails,
    rid_code_sum,
)
from kzcn.synth._columns import (
    Ints,
    Pieces,
    Texts,
    commas,
    fixed,
    hex_digits,
    join_rows,
    texts,
)
from kzcn.synth._days import FIRST, add_years, days
from kzcn.synth._stream import Draws, RandomSource
from kzcn.synth._tables import NamePart, Tables, tables

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

JsonDict = dict[str, Any]

YEAR = 365
#: States as column codes (0: none).
KAZ, CHN = 1, 2
STATE_CODE = {"KAZ": KAZ, "CHN": CHN}
_STATE_TEXT = ("", "KAZ", "CHN")


def _json(value: Any) -> bytes:
    return orjson.dumps(value)


@dataclass(frozen=True, slots=True)
class Population:
    """A group of people the exchange is about.

    `born_in` is where they were born; `citizenship` is what they hold now.
    People born in China who now hold Kazakhstan's citizenship are the
    кандас (ethnic Kazakh repatriates) the exchange is mostly about.
    """

    key: str
    ethnic: str
    citizenship: str
    born_in: str


POPULATIONS: dict[str, Population] = {
    p.key: p
    for p in (
        Population("kaz_kazakh", "kazakh", "KAZ", "KAZ"),
        Population("kaz_russian", "russian", "KAZ", "KAZ"),
        Population("chn_kazakh", "kazakh", "CHN", "CHN"),
        Population("chn_uyghur", "uyghur", "CHN", "CHN"),
        Population("chn_han", "han", "CHN", "CHN"),
        Population("kandas_kazakh", "kazakh", "KAZ", "CHN"),
        Population("kandas_uyghur", "uyghur", "KAZ", "CHN"),
    )
}
#: Populations as column codes: their index in `POPULATIONS`.
POPULATION_CODE = {key: i for i, key in enumerate(POPULATIONS)}
_POPULATION_KEYS = list(POPULATIONS)
_POP_STATE = np.array([STATE_CODE[p.citizenship] for p in POPULATIONS.values()])

# Column of the place tables' weights for each ethnic group.
_KAZ_WEIGHT = {"kazakh": 0, "russian": 1, "uyghur": 0}
_CHN_WEIGHT = {"kazakh": 0, "uyghur": 1, "han": 2}
_CHN_PASSPORT_E = date(2012, 5, 15).toordinal()  # e-passports: E + 8 digits
_CHN_PASSPORT_EX = date(2017, 4, 5).toordinal()  # E + letter + 7 digits
_PASSPORT_LETTERS = np.array([ord(c) - 65 for c in "ABCDEFGHJKLMNPQRSTUVWXYZ"])  # no I, no O
_MEDIA = texts(["image/jpeg"] * 7 + ["image/jp2"] * 2 + ["image/png"])
_EXTENSIONS = texts(["jpg"] * 7 + ["jp2"] * 2 + ["png"])


# --- the tables as columns ---------------------------------------------------


class _Names:
    """Every name form as an id: its JSON text and Latin form are columns indexed by id."""

    def __init__(self) -> None:
        self._ids: dict[tuple[str, str], int] = {}
        self.json: list[bytes] = []
        self.latin: list[str] = []

    def id(self, biscript: JsonDict) -> int:
        key = (biscript["cyrillic"], biscript["latin"])
        found = self._ids.get(key)
        if found is None:
            found = self._ids[key] = len(self.json)
            self.json.append(_json(biscript))
            self.latin.append(biscript["latin"])
        return found

    def ids(self, items: Any) -> Ints:
        return np.array([self.id(item) for item in items], dtype=np.int64)


@dataclass(frozen=True, slots=True)
class _Given:
    """A table of given names, men's first (`women` is where women's start)."""

    ids: Ints  # the name as the table writes it
    han_ids: Ints  # … with the Latin of its Han transcription (a Chinese document's)
    han: Texts
    women: int

    def pick(self, male: Any, draw: Any) -> Ints:
        """One name per row, of the row's sex."""
        size = len(self.ids)
        picked: Ints = np.where(male, (draw * self.women).astype(np.int64),
                                self.women + (draw * (size - self.women)).astype(np.int64))
        return picked


@dataclass(frozen=True, slots=True)
class _Family:
    """Names derived from the men's names of a `_Given` table, as (male, female) id pairs."""

    surname: Ints
    clan: Ints
    russian: Ints


@dataclass(frozen=True, slots=True)
class _Weighted:
    """Places of birth with their weights for one population."""

    rows: Ints  # into `_Columns.place_*`
    cumulative: Any

    def pick(self, draw: Any) -> Ints:
        index = np.searchsorted(self.cumulative, draw * self.cumulative[-1], side="right")
        return self.rows[index]  # type: ignore[no-any-return]


@dataclass(frozen=True, slots=True)
class _Columns:
    """Every table the person builder draws from, as numpy columns."""

    name_json: Texts
    name_mrz: Texts  # the Latin form as the MRZ spells it
    null_name: int
    kazakh: _Given
    kazakh_family: _Family
    uyghur: _Given
    uyghur_family: _Family
    russian: _Given
    russian_patronymic: Ints  # (father, sex) → id
    russian_surname: Ints  # (row, sex) → id
    han_surname: Ints
    han_surname_han: Texts
    han_given: _Given
    place_json: Texts
    place_code: Texts
    place_code_sum: Ints
    place_police: Texts
    places: dict[str, _Weighted]  # by population
    authority: dict[str, Texts]  # JSON text by state, indexed by era (0 before, 1 from)


def _given(names: _Names, parts: dict[str, tuple[NamePart, ...]]) -> _Given:
    rows = parts["M"] + parts["F"]
    return _Given(names.ids(p.biscript for p in rows), names.ids(p.han_biscript for p in rows),
                  texts(p.han for p in rows), len(parts["M"]))


def _family(names: _Names, men: tuple[NamePart, ...]) -> _Family:
    families = [p.family for p in men]
    assert all(f is not None for f in families)  # noqa: S101 - every male name has them
    return _Family(*(
        np.array([[names.id(getattr(f, form)[0]), names.id(getattr(f, form)[1])]
                  for f in families if f is not None], dtype=np.int64)
        for form in ("surname", "clan", "russian")
    ))


def _places(t: Tables) -> tuple[list[Any], dict[str, _Weighted]]:
    rows = list(t.places_kaz) + list(t.places_chn)
    weighted = {}
    for key, population in POPULATIONS.items():
        if population.born_in == "KAZ":
            column, start, part = _KAZ_WEIGHT[population.ethnic], 0, t.places_kaz
        else:
            column, start, part = _CHN_WEIGHT[population.ethnic], len(t.places_kaz), t.places_chn
        kept = [(start + i, p.weights[column]) for i, p in enumerate(part) if p.weights[column]]
        weighted[key] = _Weighted(np.array([i for i, _ in kept]),
                                  np.cumsum([w for _, w in kept]).astype(np.float64))
    return rows, weighted


# Issuing authorities by era: the eras and printed names are in data/authorities.tsv.
_CHN_NIA_FROM = next(e.start for e in tables().authorities if e.state == "CHN" and e.start > 0)
_KAZ_MIA_FROM = next(e.start for e in tables().authorities if e.state == "KAZ" and e.start > 0)
_ERA_START = {"KAZ": _KAZ_MIA_FROM, "CHN": _CHN_NIA_FROM}


def authorities(state: str, issued: Ints) -> Texts:
    """The authority printed on passports of `state` issued on those days, as JSON text."""
    return _columns().authority[state][(issued >= _ERA_START[state]).astype(np.int64)]


def _eras(state: str, start: int) -> Texts:
    """The authority printed before and from `start`, as JSON text (index: issued >= start)."""
    return texts(_json(tables().authority(state, "passport", day)) for day in (start - 1, start))


@cache
def _columns() -> _Columns:
    """The tables as columns, built once per process."""
    t = tables()
    names = _Names()
    han_given = t.han_given["M"] + t.han_given["F"]
    russian = t.russian
    rows, weighted = _places(t)
    # Every table takes its name ids first; then "null" closes the registry.
    given = {"kazakh": _given(names, t.kazakh), "uyghur": _given(names, t.uyghur),
             "russian": _given(names, {"M": russian.male, "F": russian.female}),
             # A Han name has one Latin form, on every document.
             "han": _Given(names.ids(g.biscript for g in han_given),
                           names.ids(g.biscript for g in han_given),
                           texts(g.han for g in han_given), len(t.han_given["M"]))}
    family = {"kazakh": _family(names, t.kazakh["M"]), "uyghur": _family(names, t.uyghur["M"])}
    patronymic = np.array([[names.id(m), names.id(f)] for m, f in russian.patronymics])
    surname = np.array([[names.id(m), names.id(f)] for m, f in russian.surnames])
    han_surname = names.ids(s.biscript for s in t.han_surnames)
    names.json.append(b"null")
    names.latin.append("")
    return _Columns(
        name_json=texts(names.json),
        name_mrz=texts(encode_name(latin) for latin in names.latin),
        null_name=len(names.json) - 1,
        kazakh=given["kazakh"], kazakh_family=family["kazakh"],
        uyghur=given["uyghur"], uyghur_family=family["uyghur"],
        russian=given["russian"], russian_patronymic=patronymic, russian_surname=surname,
        han_surname=han_surname, han_surname_han=texts(s.han for s in t.han_surnames),
        han_given=given["han"],
        place_json=texts(_json(p.place) for p in rows),
        place_code=texts(p.code for p in rows),
        place_code_sum=np.array([rid_code_sum(p.code) if p.police else 0 for p in rows]),
        place_police=texts(_json(p.police) for p in rows),
        places=weighted,
        authority={"KAZ": _eras("KAZ", _KAZ_MIA_FROM), "CHN": _eras("CHN", _CHN_NIA_FROM)},
    )


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


def _names(c: _Columns, population: Ints, male: Any, draw: Any) -> _NameIds:
    """Surname, given names, patronymic and national-script name of each person."""
    n = len(population)
    chosen = _NameIds(np.zeros(n, np.int64), np.zeros(n, np.int64),
                      np.full(n, c.null_name, np.int64), np.full(n, b"null", dtype=object))
    for key, rows in _groups(population):
        _names_of(c, POPULATIONS[key], chosen, rows, male=male[rows], draw=draw[:, rows])
    return chosen


def _names_of(  # noqa: PLR0913 - one population's slice of every column
    c: _Columns, pop: Population, chosen: _NameIds, rows: Ints, *, male: Any, draw: Any,
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
        chosen.patronymic[rows] = np.where(kazakh & (roll >= 0.3) & (roll < 0.75), clan,
                                           c.null_name)
        chosen.national[rows] = national
        return
    grandfather = (draw[3] * table.women).astype(np.int64)
    surname = family.surname[grandfather, sex]
    if kazakh:
        surname = np.where(roll < 0.12, clan, surname)
    chosen.surname[rows] = surname
    chosen.patronymic[rows] = np.select(
        [kazakh & (roll < 0.12), kazakh & (roll < 0.55), roll < 0.93],
        [c.null_name, clan, family.russian[father, sex]], c.null_name,
    )


# --- documents ---------------------------------------------------------------


@dataclass(slots=True)
class _Holders:
    """What the document builders need to know of their holders (a column each)."""

    birth: Ints  # day index (ordinal - FIRST)
    sex: Texts
    names: Texts  # the MRZ name field, padded (`_name_fields`)
    iin: Texts
    iin_mrz0: Ints  # MRZ weighted sums of the IIN at positions ≡ 0 and 1 (mod 3)
    iin_mrz1: Ints
    resident_id: Texts
    place: Ints

    def take(self, rows: Ints) -> _Holders:
        return _Holders(*(getattr(self, f.name)[rows] for f in fields(self)))


def _issued(earliest: Ints, as_of: Ints, years: int, draw: Any) -> Ints:
    """Issue days such that each document is still valid on its `as_of`."""
    high = as_of - 1
    low = np.minimum(np.maximum(as_of - years * YEAR + 30, earliest), high)
    return low + (draw * (high - low + 1)).astype(np.int64)  # type: ignore[no-any-return]


_FILLER = b"<" * 39


def _name_fields(c: _Columns, surname: Ints, given: Ints) -> Texts:
    """MRZ name fields, padded with `<` to at least 39: `_cut` gives a document's width."""
    return c.name_mrz[surname] + b"<<" + c.name_mrz[given] + _FILLER


def _cut(fields: Texts, width: int) -> Texts:
    """Padded MRZ name fields cut to `width` (numpy's fixed-width bytes truncate)."""
    return fields.astype(f"S{width}").astype(object)


def _document(  # noqa: PLR0913 - the fields of one document column
    kind: str, state: str, *, number: Texts, issued: Ints, expiry: Texts, authority: Texts,
    mrz: Texts | bytes,
) -> Texts:
    """Documents as JSON objects."""
    return join_rows(
        f'{{"document_type":"{kind}","issuing_state":"{state}","series":null,"number":"'
        .encode(), number, b'","date_of_issue":', days().quoted[issued - FIRST],
        b',"date_of_expiry":', expiry, b',"issuing_authority":', authority, b',"mrz":', mrz, b"}")


def _passports(  # noqa: PLR0913 - holders, state, window, MRZ or not, draws
    h: _Holders, state: str, earliest: Ints, as_of: Ints, *, mrz: bool, draw: Any,
) -> tuple[Texts, Texts]:
    """Passports of `state` valid on `as_of` (TD3 MRZ if `mrz`), and their numbers."""
    d = days()
    issued = _issued(earliest, as_of, 10, draw[0])
    value = (draw[1] * 100_000_000).astype(np.int64)
    if state == "KAZ":
        number, total = number_sum8("N", value)
        expiry = add_years(issued, 10) - 1 - FIRST
    else:
        number, total = number_sum8("G", value)
        e_number, e_total = number_sum8("E", value)
        letter = _PASSPORT_LETTERS[(draw[2] * len(_PASSPORT_LETTERS)).astype(np.int64)]
        x_number, x_total = number_sum7("E", letter, value // 10)
        era = np.searchsorted([_CHN_PASSPORT_E, _CHN_PASSPORT_EX], issued, side="right")
        number = np.select([era == 0, era == 1], [number, e_number], x_number)
        total = np.select([era == 0, era == 1], [total, e_total], x_total)
        expiry = add_years(issued, 10) - FIRST
    lines: Texts | bytes = b"null"
    if mrz:
        # TD3 (the text `kzcn.mrz.td3_lines` gives); Kazakhstan writes the IIN
        # into the 14-character optional field, China leaves it empty.
        if state == "KAZ":
            optional_check = h.iin_mrz0 % 10
            optional: Texts | bytes = h.iin + b"<<" + DIGITS[optional_check]
            optional_sum: Ints | int = h.iin_mrz0 + optional_check
            code = b'["P<KAZ'
        else:
            optional, optional_sum, code = b"<" * 15, 0, b'["POCHN'
        check = total % 10
        composite = (total + check * 7 + d.mrz_birth[h.birth] + d.mrz_expiry[expiry]
                     + optional_sum) % 10
        lines = join_rows(code, _cut(h.names, 39), b'","', number, DIGITS[check],
                          state.encode(), d.mrz_field[h.birth], h.sex, d.mrz_field[expiry],
                          optional, DIGITS[composite], b'"]')
    return (_document("passport", state, number=number, issued=issued, expiry=d.quoted[expiry],
                      authority=authorities(state, issued), mrz=lines), number)


def _kaz_cards(h: _Holders, earliest: Ints, as_of: Ints, draw: Any) -> Texts:
    """Kazakh identity cards valid on `as_of`, with their TD1 MRZ."""
    d = days()
    issued = _issued(earliest, as_of, 10, draw[0])
    number, total = number_sum9((draw[1] * 1_000_000_000).astype(np.int64))
    expiry = add_years(issued, 10) - 1 - FIRST
    # TD1 (the text `kzcn.mrz.td1_lines` gives): the IIN in the 15-character
    # optional field; the composite skips the nationality (line 2, 16-18).
    check = total % 10
    composite = (total + check * 7 + h.iin_mrz1 + d.mrz_birth[h.birth]
                 + d.mrz_expiry[expiry]) % 10
    lines = join_rows(b'["IDKAZ', number, DIGITS[check], h.iin, b'<<<","',
                      d.mrz_field[h.birth], h.sex, d.mrz_field[expiry], b"KAZ<<<<<<<<<<<",
                      DIGITS[composite], b'","', _cut(h.names, 30), b'"]')
    return _document("identity_card", "KAZ", number=number, issued=issued,
                     expiry=d.quoted[expiry], authority=authorities("KAZ", issued), mrz=lines)


def _chn_cards(c: _Columns, h: _Holders, earliest: Ints, as_of: Ints, draw: Any) -> Texts:
    """Chinese resident identity cards valid on `as_of` (no MRZ)."""
    issued = _issued(earliest, as_of, 20, draw[0])
    # Terms by age at issue: 5, 10, 20 years, or long-term from 46.
    age = (issued - FIRST - h.birth) // YEAR
    years = np.where(age < 16, 5, np.where(age <= 25, 10, 20))
    expiry = np.where(age >= 46, b"null", days().quoted[add_years(issued, years) - FIRST])
    return _document("identity_card", "CHN", number=h.resident_id, issued=issued,
                     expiry=expiry, authority=c.place_police[h.place], mrz=b"null")


def _photos(draws: Draws, roll: Any, present: Any = True) -> Texts:
    """References to photographs (digest, media type, path or URN), or null."""
    digits = hex_digits(draws.words(4 * len(roll)).reshape(len(roll), 4))  # 256 bits each
    media = (roll * 10).astype(np.int64)
    # Always a location: a reference that says where nothing is helps no one.
    uri = np.where(roll < 0.6, b"photos/" + fixed(digits[:, :16]) + b"." + _EXTENSIONS[media],
                   b"urn:kzcn:photo:" + fixed(digits[:, :32]))
    return np.where(present, join_rows(b'{"sha256":"', fixed(digits), b'","media_type":"',
                                       _MEDIA[media], b'","uri":"', uri, b'"}'), b"null")


# --- people ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PersonColumns:
    """A column of person records as JSON fragments, and each one's first passport number.

    `pieces` joined row by row (`join_rows(*pieces)`, or inside a message's own
    join, which saves copying each record twice) are the records' JSON objects.
    """

    pieces: Pieces
    passport: Texts  # b"" where the person has no passport of their current state

    def json(self) -> Texts:
        """The records as JSON objects."""
        return join_rows(*self.pieces)


# Rows of the person builder's draws (a (rows, n) block of uniforms).
_SEX, _BIRTH, _BIRTH2, _PLACE, _NAMES = 0, 1, 2, 3, 4  # names take 4 rows
_SERIAL, _SEQUENCE, _HAS_PASSPORT, _HAS_CARD, _OLD_PASSPORT, _HAS_PHOTO, _PHOTO = range(8, 15)
_PASSPORT, _CARD, _OLD_CARD, _OLD = 15, 18, 20, 21  # 3, 2, 1 and 3 rows
_DRAWS = 24


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
    birth = (latest - (u[_BIRTH] * 40 * YEAR).astype(np.int64)
             - (u[_BIRTH2] * 12 * YEAR).astype(np.int64))
    place = np.zeros(n, dtype=np.int64)
    for key, rows in _groups(population):
        place[rows] = c.places[key].pick(u[_PLACE, rows])
    names = _names(c, population, male, u[_NAMES:_NAMES + 4])
    holders = _holders(c, birth - FIRST, male, place=place, names=names, u=u)
    state = _POP_STATE[population]
    naturalised = np.zeros(n, np.int64) if naturalised_on is None else naturalised_on
    documents, passport = _documents(
        c, holders, state, window=_Window(birth, as_of, naturalised),
        former=np.broadcast_to(former, n),
        has_passport=np.asarray(traveller) | (u[_HAS_PASSPORT] < 0.4), u=u)
    number = np.where(state == KAZ, holders.iin, holders.resident_id)
    pieces = (
        b'{"surname":', c.name_json[names.surname], b',"given_names":',
        c.name_json[names.given], b',"patronymic":', c.name_json[names.patronymic],
        b',"name_national":', names.national, b',"sex":"', holders.sex,
        b'","date_of_birth":', d.quoted[holders.birth], b',"place_of_birth":',
        c.place_json[place], b',"citizenship":"',
        _STATE_TEXTS[np.where(np.asarray(citizenship) != 0, citizenship, state)],
        b'","ethnic_nationality":"', _ETHNIC[population], b'","personal_number":',
        np.where(with_number, b'"' + number + b'"', b"null"), b',"documents":[', *documents,
        b'],"photo":', _photos(draws, u[_PHOTO], u[_HAS_PHOTO] < 0.85), b"}",
    )
    return PersonColumns(pieces, passport)


def _holders(  # noqa: PLR0913 - the people's columns so far
    c: _Columns, b: Ints, male: Any, *, place: Ints, names: _NameIds, u: Any,
) -> _Holders:
    """Sex, name fields and personal numbers of people born on the days `b` (from FIRST)."""
    d = days()
    # IINs: YYMMDD, the century/sex digit (3/4 before 2000, 5/6 after), serial, check.
    century = np.where(d.year[b] < 2000, 3, 5) + (~male)
    iin, iin_mrz0, iin_mrz1 = iin_numbers(
        d.yymmdd[b] + DIGITS[century], d.iin_w1[b] + 7 * century, d.iin_w2[b] + 9 * century,
        (d.iin_mrz0[b] + 7 * century, d.iin_mrz1[b] + 3 * century),
        (u[_SERIAL] * 10_000).astype(np.int64),
    )
    # Resident IDs: address code, birth day, sequence (odd for men), check.
    sequence = (u[_SEQUENCE] * 500).astype(np.int64) * 2 + male
    resident_id = (c.place_code[place] + d.ymd[b]
                   + resident_id_tails(c.place_code_sum[place], d.rid[b], sequence))
    return _Holders(b, _SEX_TEXTS[(~male).astype(np.int64)],
                    _name_fields(c, names.surname, names.given), iin, iin_mrz0, iin_mrz1,
                    resident_id, place)


@dataclass(frozen=True, slots=True)
class _Window:
    """The days that bound people's documents: birth, the record's day, naturalisation (or 0)."""

    birth: Ints
    as_of: Ints
    naturalised: Ints


def _documents(  # noqa: PLR0913 - the people, their states and their draws
    c: _Columns, h: _Holders, state: Ints, *, window: _Window, former: Any, has_passport: Any,
    u: Any,
) -> tuple[Pieces, Texts]:
    """Each person's documents as the inside of a JSON list (pieces), and passport numbers."""
    n = len(state)
    # Documents of the current state are issued after naturalisation, if any.
    earliest = np.maximum(window.birth + 16 * YEAR, window.naturalised + 7)
    # The four kinds of document in list order, b"" where a person has none.
    current, card, old_card, old_passport = (np.full(n, b"", dtype=object) for _ in range(4))
    passport = np.full(n, b"", dtype=object)
    has_card = ~has_passport | (u[_HAS_CARD] < 0.9)
    for code, text in ((KAZ, "KAZ"), (CHN, "CHN")):
        rows = np.flatnonzero(has_passport & (state == code))
        if len(rows):
            current[rows], passport[rows] = _passports(
                h.take(rows), text, earliest[rows], window.as_of[rows], mrz=True,
                draw=u[_PASSPORT:_PASSPORT + 3, rows])
    rows = np.flatnonzero(has_card & (state == KAZ))
    if len(rows):
        card[rows] = _kaz_cards(h.take(rows), earliest[rows], window.as_of[rows],
                                u[_CARD:_CARD + 2, rows])
    rows = np.flatnonzero(has_card & (state == CHN))
    if len(rows):
        card[rows] = _chn_cards(c, h.take(rows), earliest[rows], window.as_of[rows],
                                u[_CARD:_CARD + 1, rows])
    # Old documents carry the name as the former state wrote it, which may
    # differ from the record's: their MRZ is left out rather than contradict it.
    old = (former != 0) & (window.naturalised != 0)
    before = window.naturalised - 30
    earliest = window.birth + 16 * YEAR
    rows = np.flatnonzero(old & (former == CHN))
    if len(rows):
        old_card[rows] = _chn_cards(c, h.take(rows), earliest[rows], before[rows],
                                    u[_OLD_CARD:_OLD_CARD + 1, rows])
    for code, text in ((KAZ, "KAZ"), (CHN, "CHN")):
        rows = np.flatnonzero(old & (former == code) & ((code == KAZ)
                                                        | (u[_OLD_PASSPORT] < 0.4)))
        if len(rows):
            old_passport[rows] = _passports(h.take(rows), text, earliest[rows], before[rows],
                                            mrz=False, draw=u[_OLD:_OLD + 3, rows])[0]
    # A person has a current passport or card or both: commas go before the others.
    return (current, commas(has_passport & has_card), card, commas(old_card != b""), old_card,
            commas(old_passport != b""), old_passport), passport


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
            self.draws, np.array([POPULATION_CODE[population]]), np.array([as_of]),
            born_before=column(born_before), naturalised_on=column(naturalised_on),
            former=STATE_CODE.get(former or "", 0), traveller=traveller,
            citizenship=STATE_CODE.get(citizenship or "", 0), with_number=with_number,
        )
        record: JsonDict = orjson.loads(built.json()[0])
        return record

    def photo(self) -> JsonDict:
        """A reference to a photograph: a digest, a media type and a relative path or URN."""
        found: JsonDict = orjson.loads(_photos(self.draws, self.draws.uniform(1))[0])
        return found


def mrz_lines(record: JsonDict, document: JsonDict) -> list[str]:
    """The MRZ of `document` for the holder `record`, by the reference `kzcn.mrz`.

    TD3 for passports, TD1 for cards; Kazakhstan writes the IIN into the
    optional-data field. Used where a document changes after it was built (the
    corruption step), so its MRZ stays consistent with it.
    """
    state = document["issuing_state"]
    expiry = document["date_of_expiry"]
    data = reference_mrz.MrzInput(
        document_code=("P" if state == "KAZ" else "PO") if document["document_type"] == "passport"
        else "ID",
        issuing_state=state,
        number=document["number"],
        nationality=state,
        birth=date.fromisoformat(record["date_of_birth"]),
        sex=record["sex"],
        expiry=date.fromisoformat(expiry) if expiry else None,
        optional=(record.get("personal_number") or "") if state == "KAZ" else "",
        surname=record["surname"]["latin"],
        given_names=record["given_names"]["latin"],
    )
    if document["document_type"] == "passport":
        return reference_mrz.td3_lines(data)
    return reference_mrz.td1_lines(data)
