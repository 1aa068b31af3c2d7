"""The data tables the generator draws from, read once from `kzcn/data/*.tsv`.

Each table file states its sources in its `#` header. Here the rows become
frozen, JSON-ready pieces (name and place dicts) so that the hot path only
picks from lists: no transliteration or formatting happens per record.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from kzcn.eras import AuthorityEra, authority_eras
from kzcn.identifiers import address_code_history
from kzcn.synth._checks import rid_code_sum
from kzcn.synth._script import cyrillic_to_latin, palladius, pinyin_to_latin

__all__ = [
    "AuthorityEra",
    "HanName",
    "HanSyllable",
    "NamePart",
    "PlaceRow",
    "Tables",
    "tables",
]

JsonDict = dict[str, Any]


def _rows(name: str) -> list[list[str]]:
    text = resources.files("kzcn.data").joinpath(name).read_text("utf-8")
    return [line.split("\t") for line in text.splitlines() if line and not line.startswith("#")]


_VOWELS = frozenset("аеиоуыэюяәөұүі")
_RUSSIFY = str.maketrans("ӘәҒғҚқҢңӨөҰұҮүҺһІі", "АаГгКкНнОоУуУуХхИи")


def _family_forms(name: str) -> tuple[str, str, str, str]:
    """Surname (male, female) from a man's name, and Russian-style patronymics (male, female).

    Surnames keep the Kazakh spelling (Серік → Серіков, Амантай → Амантаев);
    Russian-style patronymics fold the Kazakh letters first (Серік → Серикович),
    after the «Инструкция по русской передаче казахских антропонимов».
    """
    surname = _with_ov(name)
    stem = _with_ov(name.translate(_RUSSIFY))
    return surname, surname + "а", stem + "ич", stem + "на"


def _with_ov(name: str) -> str:
    """The name with -ев/-ов: -й becomes -ев, a vowel takes -ев, a consonant -ов."""
    if name.endswith("й"):
        return name[:-1] + "ев"
    return name + ("ев" if name[-1] in _VOWELS else "ов")


@dataclass(frozen=True, slots=True)
class Family:
    """Names derived from a man's name, each as `(male form, female form)` dicts.

    `surname`: Серіков / Серікова; `clan`: Серікұлы / Серікқызы (a Kazakh
    patronymic, also used as a surname since 1996); `russian`: Серикович /
    Сериковна.
    """

    surname: tuple[JsonDict, JsonDict]
    clan: tuple[JsonDict, JsonDict]
    russian: tuple[JsonDict, JsonDict]


def _family(name: str) -> Family:
    surname_m, surname_f, russian_m, russian_f = _family_forms(name)
    return Family(
        surname=(_biscript(surname_m), _biscript(surname_f)),
        clan=(_biscript(name + "ұлы"), _biscript(name + "қызы")),
        russian=(_biscript(russian_m), _biscript(russian_f)),
    )


@dataclass(frozen=True, slots=True)
class NamePart:
    """One name in every form the generator may print it.

    `biscript` is the shared JSON-ready `{"cyrillic", "latin"}` dict; `han` is
    the Han-character transcription ("" when the table has none).
    """

    sex: str
    cyrillic: str
    latin: str
    han: str
    han_latin: str
    biscript: JsonDict
    han_biscript: JsonDict
    family: Family | None


def _biscript(cyrillic: str) -> JsonDict:
    return {"cyrillic": cyrillic, "latin": cyrillic_to_latin(cyrillic)}


def _name_part(
    sex: str, cyrillic: str, han: str = "", pinyin: str = "", *, with_family: bool = True
) -> NamePart:
    latin = cyrillic_to_latin(cyrillic)
    han_latin = pinyin_to_latin(pinyin) if pinyin else ""
    return NamePart(
        sex=sex,
        cyrillic=cyrillic,
        latin=latin,
        han=han,
        han_latin=han_latin,
        biscript={"cyrillic": cyrillic, "latin": latin},
        # A Chinese document prints the pinyin of the Han form; the Cyrillic stays native.
        han_biscript={"cyrillic": cyrillic, "latin": han_latin or latin},
        family=_family(cyrillic) if sex == "M" and with_family else None,
    )


@dataclass(frozen=True, slots=True)
class HanSyllable:
    """A Han character with its pinyin, and the sex it is given to (M, F or U: both)."""

    char: str
    pinyin: str
    sex: str


@dataclass(frozen=True, slots=True)
class HanName:
    """A Han surname or given name: its characters and its `{"cyrillic", "latin"}` dict."""

    han: str
    biscript: JsonDict


def _han_name(syllables: tuple[HanSyllable, ...]) -> HanName:
    pinyin = " ".join(s.pinyin for s in syllables)
    return HanName(
        "".join(s.char for s in syllables),
        {"cyrillic": palladius(pinyin), "latin": pinyin_to_latin(pinyin)},
    )


@dataclass(frozen=True, slots=True)
class PlaceRow:
    """A place of birth: the JSON-ready `Place` dict and what else the generator needs."""

    place: JsonDict
    code: str
    police: str
    weights: tuple[int, ...]
    code_sum: int = 0  # the resident-ID weighted sum of `code` (Chinese places only)
    #: Resident-ID address codes by year of registration (code, first, last year); empty when
    #: the code never changed.
    address_codes: tuple[tuple[str, int, int], ...] = ()


@dataclass(frozen=True, slots=True)
class RussianNames:
    """Russian given names (male ones with both patronymic forms) and surnames by sex."""

    male: tuple[NamePart, ...]
    female: tuple[NamePart, ...]
    patronymics: tuple[tuple[JsonDict, JsonDict], ...]  # (male form, female form) per male name
    surnames: tuple[tuple[JsonDict, JsonDict], ...]


@dataclass(frozen=True, slots=True)
class Tables:
    """Every table, parsed."""

    kazakh: dict[str, tuple[NamePart, ...]]
    uyghur: dict[str, tuple[NamePart, ...]]
    russian: RussianNames
    han_surnames: tuple[HanName, ...]
    han_given: dict[str, tuple[HanName, ...]]
    places_kaz: tuple[PlaceRow, ...]
    places_chn: tuple[PlaceRow, ...]
    authorities: tuple[AuthorityEra, ...]

    def authority(self, state: str, document_type: str, issued: int) -> str:
        """The authority printed on a document of that state and type issued on `issued`."""
        for era in self.authorities:
            if (
                era.state == state
                and era.document_type == document_type
                and era.start <= issued < era.end
            ):
                return era.printed
        raise LookupError(f"no authority for {state} {document_type}")


def _by_sex(rows: list[list[str]]) -> dict[str, tuple[NamePart, ...]]:
    parts = [_name_part(sex, cyr, han, pinyin) for sex, cyr, han, pinyin in rows]
    return {sex: tuple(p for p in parts if p.sex == sex) for sex in ("M", "F")}


def _russian() -> RussianNames:
    male, female, patronymics, surnames = [], [], [], []
    for row in _rows("names_russian.tsv"):
        if row[0] == "given_m":
            male.append(_name_part("M", row[1], with_family=False))
            patronymics.append((_biscript(row[2]), _biscript(row[3])))
        elif row[0] == "given_f":
            female.append(_name_part("F", row[1]))
        else:
            surnames.append((_biscript(row[1]), _biscript(row[2])))
    return RussianNames(tuple(male), tuple(female), tuple(patronymics), tuple(surnames))


def _han() -> tuple[tuple[HanName, ...], dict[str, tuple[HanName, ...]]]:
    """Surnames, and every one- and two-character given name by sex, precomputed.

    A two-character name takes its last character from the sex's own list (or
    the shared one), so every name reads as that sex's.
    """
    surnames, given = [], []
    for row in _rows("names_han.tsv"):
        if row[0] == "surname":
            surnames.append(_han_name((HanSyllable(row[1], row[2], "U"),)))
        else:
            given.append(HanSyllable(row[1], row[2], row[3]))
    by_sex = {}
    for sex in ("M", "F"):
        own = [g for g in given if g.sex in (sex, "U")]
        names = [_han_name((g,)) for g in own]
        names += [_han_name((a, b)) for a in own for b in own if a != b]
        by_sex[sex] = tuple(names)
    return tuple(surnames), by_sex


def _places_kaz() -> tuple[PlaceRow, ...]:
    rows = []
    for region_cyr, region_lat, city_cyr, city_lat, kato, *weights in _rows("places_kaz.tsv"):
        place = {
            "country": "KAZ",
            "region": {"cyrillic": region_cyr, "latin": region_lat},
            "locality": {"cyrillic": city_cyr, "latin": city_lat},
            "admin_code": kato,
        }
        rows.append(PlaceRow(place, kato, "", tuple(int(w) for w in weights)))
    return tuple(rows)


def _places_chn() -> tuple[PlaceRow, ...]:
    rows = []
    for row in _rows("places_chn.tsv"):
        _, region_cyr, region_lat, _, county_cyr, county_lat, code, police, *weights = row
        place = {
            "country": "CHN",
            "region": {"cyrillic": region_cyr, "latin": region_lat},
            "locality": {"cyrillic": county_cyr, "latin": county_lat},
            "admin_code": code,
        }
        rows.append(
            PlaceRow(
                place,
                code,
                police,
                tuple(int(w) for w in weights),
                rid_code_sum(code),
                address_code_history().get(code, ()),
            )
        )
    return tuple(rows)


@cache
def tables() -> Tables:
    """All tables, parsed once per process."""
    surnames, given = _han()
    return Tables(
        kazakh=_by_sex(_rows("names_kazakh.tsv")),
        uyghur=_by_sex(_rows("names_uyghur.tsv")),
        russian=_russian(),
        han_surnames=surnames,
        han_given=given,
        places_kaz=_places_kaz(),
        places_chn=_places_chn(),
        authorities=authority_eras(),
    )
