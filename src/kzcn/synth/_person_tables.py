"""The name, place and authority tables as numpy columns, built once per process."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np

from kzcn.eras import ABROAD
from kzcn.mrz import encode_name
from kzcn.synth._checks import (
    rid_code_sum,
)
from kzcn.synth._columns import (
    Flags,
    Floats,
    Ints,
    Texts,
    texts,
)
from kzcn.synth._population import _CHN_WEIGHT, _KAZ_WEIGHT, POPULATIONS, JsonDict, _json
from kzcn.synth._tables import NamePart, Tables, tables

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

    def pick(self, male: Flags, draw: Floats) -> Ints:
        """One name per row, of the row's sex."""
        size = len(self.ids)
        picked: Ints = np.where(
            male,
            (draw * self.women).astype(np.int64),
            self.women + (draw * (size - self.women)).astype(np.int64),
        )
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
    cumulative: Floats

    def pick(self, draw: Floats) -> Ints:
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
    # Resident-ID address codes: the code table, its weighted sums, and its row for each
    # (place, year of birth - ADDRESS_FIRST_YEAR).
    address_code: Texts
    address_code_sum: Ints
    address_code_row: Ints
    place_police: Texts
    places: dict[str, _Weighted]  # by population
    authority: dict[str, Texts]  # JSON text by state, indexed by era (0 before, 1 from)


def _given(names: _Names, parts: dict[str, tuple[NamePart, ...]]) -> _Given:
    rows = parts["M"] + parts["F"]
    return _Given(
        names.ids(p.biscript for p in rows),
        names.ids(p.han_biscript for p in rows),
        texts(p.han for p in rows),
        len(parts["M"]),
    )


def _family(names: _Names, men: tuple[NamePart, ...]) -> _Family:
    families = [p.family for p in men]
    assert all(f is not None for f in families)  # noqa: S101 - every male name has them
    return _Family(
        *(
            np.array(
                [
                    [names.id(getattr(f, form)[0]), names.id(getattr(f, form)[1])]
                    for f in families
                    if f is not None
                ],
                dtype=np.int64,
            )
            for form in ("surname", "clan", "russian")
        )
    )


def _places(t: Tables) -> tuple[list[Any], dict[str, _Weighted]]:
    rows = list(t.places_kaz) + list(t.places_chn)
    weighted = {}
    for key, population in POPULATIONS.items():
        if population.born_in == "KAZ":
            column, start, part = _KAZ_WEIGHT[population.ethnic], 0, t.places_kaz
        else:
            column, start, part = _CHN_WEIGHT[population.ethnic], len(t.places_kaz), t.places_chn
        kept = [(start + i, p.weights[column]) for i, p in enumerate(part) if p.weights[column]]
        weighted[key] = _Weighted(
            np.array([i for i, _ in kept]), np.cumsum([w for _, w in kept]).astype(np.float64)
        )
    return rows, weighted


#: Years of birth the address-code table spans (earlier and later years are clipped to it).
ADDRESS_FIRST_YEAR, ADDRESS_LAST_YEAR = 1900, 2100


def _address_codes(rows: list[Any]) -> dict[str, Any]:
    """Each place's resident-ID address code by year of birth, as one table of codes."""
    codes: dict[str, int] = {}
    sums: list[int] = []
    table = np.zeros((len(rows), ADDRESS_LAST_YEAR - ADDRESS_FIRST_YEAR + 1), dtype=np.int64)
    for i, place in enumerate(rows):
        for code, start, end in place.address_codes or ((place.code, 0, 9999),):
            if code not in codes:
                codes[code] = len(codes)
                sums.append(rid_code_sum(code) if place.police else 0)
            first = max(start, ADDRESS_FIRST_YEAR) - ADDRESS_FIRST_YEAR
            last = min(end, ADDRESS_LAST_YEAR) - ADDRESS_FIRST_YEAR
            table[i, first : last + 1] = codes[code]
    return {
        "address_code": texts(codes),
        "address_code_sum": np.array(sums, dtype=np.int64),
        "address_code_row": table,
    }


# Issuing authorities by era: the eras and printed names are in data/authorities.tsv.
_CHN_NIA_FROM = next(e.start for e in tables().authorities if e.state == "CHN" and e.start > 0)
_KAZ_MIA_FROM = next(e.start for e in tables().authorities if e.state == "KAZ" and e.start > 0)
_ERA_START = {"KAZ": _KAZ_MIA_FROM, "CHN": _CHN_NIA_FROM}


def authorities(state: str, issued: Ints) -> Texts:
    """The authority printed on passports of `state` issued on those days, as JSON text."""
    return _columns().authority[state][(issued >= _ERA_START[state]).astype(np.int64)]


@cache
def missions(state: str) -> Texts:
    """The missions abroad that issue `state`'s passports, as JSON text (consulate first)."""
    printed = sorted(
        (e.printed for e in tables().authorities if (e.state, e.document_type) == (state, ABROAD)),
        key=lambda name: "Consulate" not in name,
    )
    return texts(_json(name) for name in printed)


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
    given = {
        "kazakh": _given(names, t.kazakh),
        "uyghur": _given(names, t.uyghur),
        "russian": _given(names, {"M": russian.male, "F": russian.female}),
        # A Han name has one Latin form, on every document.
        "han": _Given(
            names.ids(g.biscript for g in han_given),
            names.ids(g.biscript for g in han_given),
            texts(g.han for g in han_given),
            len(t.han_given["M"]),
        ),
    }
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
        kazakh=given["kazakh"],
        kazakh_family=family["kazakh"],
        uyghur=given["uyghur"],
        uyghur_family=family["uyghur"],
        russian=given["russian"],
        russian_patronymic=patronymic,
        russian_surname=surname,
        han_surname=han_surname,
        han_surname_han=texts(s.han for s in t.han_surnames),
        han_given=given["han"],
        place_json=texts(_json(p.place) for p in rows),
        place_code=texts(p.code for p in rows),
        place_code_sum=np.array([rid_code_sum(p.code) if p.police else 0 for p in rows]),
        **_address_codes(rows),
        place_police=texts(_json(p.police) for p in rows),
        places=weighted,
        authority={"KAZ": _eras("KAZ", _KAZ_MIA_FROM), "CHN": _eras("CHN", _CHN_NIA_FROM)},
    )
