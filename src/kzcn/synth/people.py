"""Synthetic people: names, places, personal numbers, documents and photos.

Everything is built as JSON-ready dicts (dates as ISO strings) from a
`random.Random`-like source, so the bulk generator never constructs a model.
Dates are day ordinals internally (`date.toordinal()`); nothing is derived from
today's date.
"""

from __future__ import annotations

from bisect import bisect
from dataclasses import dataclass
from datetime import date
from itertools import accumulate
from typing import Any, Protocol

from kzcn import mrz as reference_mrz
from kzcn.synth._checks import (
    DIGITS4,
    iin_from,
    iin_head,
    number_sum7,
    number_sum8,
    number_sum9,
    resident_id_check,
    td1,
    td3,
)
from kzcn.synth._tables import NamePart, PlaceRow, Tables, tables

__all__ = [
    "POPULATIONS",
    "People",
    "Population",
    "RandomSource",
    "add_years",
    "iso",
    "iso_table",
    "mrz_lines",
]

JsonDict = dict[str, Any]

YEAR = 365
_FIRST = date(1900, 1, 1).toordinal()
_LAST = date(2100, 12, 31).toordinal()
_ISO: list[str] = []


def iso_table() -> list[str]:
    """ISO dates of every day 1900-2100, indexed by `ordinal - date(1900, 1, 1).toordinal()`."""
    if not _ISO:
        _ISO.extend(date.fromordinal(o).isoformat() for o in range(_FIRST, _LAST + 1))
    return _ISO


def iso(ordinal: int) -> str:
    """The ISO date of a day ordinal (from the table: no date object per call)."""
    return iso_table()[ordinal - _FIRST]


def add_years(ordinal: int, years: int) -> int:
    """The same calendar day `years` later (29 February becomes 28 February)."""
    day = date.fromordinal(ordinal)
    try:
        return day.replace(year=day.year + years).toordinal()
    except ValueError:
        return day.replace(year=day.year + years, day=28).toordinal()


_PLUS: dict[tuple[int, int], int] = {}


def _plus_years(ordinal: int, years: int) -> int:
    # Issue days repeat across records: each (day, term) is computed once.
    key = (ordinal, years)
    found = _PLUS.get(key)
    if found is None:
        found = _PLUS[key] = add_years(ordinal, years)
    return found


class RandomSource(Protocol):
    """What the generator needs of a random source: `random.Random` has it."""

    def random(self) -> float:
        """A float in [0, 1)."""

    def getrandbits(self, k: int, /) -> int:
        """An integer of `k` random bits."""


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

# Column of the place tables' weights for each ethnic group.
_KAZ_WEIGHT = {"kazakh": 0, "russian": 1, "uyghur": 0}
_CHN_WEIGHT = {"kazakh": 0, "uyghur": 1, "han": 2}
_CHN_PASSPORT_E = date(2012, 5, 15).toordinal()  # e-passports: E + 8 digits
_CHN_PASSPORT_EX = date(2017, 4, 5).toordinal()  # E + letter + 7 digits
_PASSPORT_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"  # no I, no O
_MEDIA = ("image/jpeg",) * 7 + ("image/jp2",) * 2 + ("image/png",)
_EXTENSIONS = {"image/jpeg": "jpg", "image/jp2": "jp2", "image/png": "png"}
# Issuing authorities by era: the eras and printed names are in data/authorities.tsv.
_T = tables()
_CHN_NIA_FROM = next(e.start for e in _T.authorities if e.state == "CHN" and e.start > 0)
_KAZ_MIA_FROM = next(e.start for e in _T.authorities if e.state == "KAZ" and e.start > 0)
_CHN_MPS = _T.authority("CHN", "passport", _CHN_NIA_FROM - 1)
_CHN_NIA = _T.authority("CHN", "passport", _CHN_NIA_FROM)
_KAZ_MOJ = _T.authority("KAZ", "passport", _KAZ_MIA_FROM - 1)
_KAZ_MIA = _T.authority("KAZ", "passport", _KAZ_MIA_FROM)


class _Weighted:
    """Weighted choice by bisection over cumulative weights."""

    __slots__ = ("cumulative", "items", "total")

    def __init__(self, items: list[PlaceRow], weights: list[int]) -> None:
        kept = [(item, w) for item, w in zip(items, weights, strict=True) if w > 0]
        self.items = [item for item, _ in kept]
        self.cumulative = list(accumulate(w for _, w in kept))
        self.total = self.cumulative[-1]

    def pick(self, r: float) -> PlaceRow:
        return self.items[bisect(self.cumulative, r * self.total)]


@dataclass(slots=True)
class _Person:
    """What the document builders need to know of the holder."""

    record: JsonDict
    birth: int
    sex: str
    place: PlaceRow
    iin: str = ""
    iin_mrz0: int = 0  # MRZ weighted sums of the IIN at positions ≡ 0 and 1 (mod 3)
    iin_mrz1: int = 0
    resident_id: str | None = None


class People:
    """Builds person records and documents from a random source."""

    def __init__(self, rng: RandomSource, table: Tables | None = None) -> None:
        self.rng = rng
        self._random = rng.random
        self._bits = rng.getrandbits
        self._iso = iso_table()
        self.tables = table or tables()
        t = self.tables
        self._places = {
            ("KAZ", ethnic): _Weighted(list(t.places_kaz), [p.weights[col] for p in t.places_kaz])
            for ethnic, col in _KAZ_WEIGHT.items()
        } | {
            ("CHN", ethnic): _Weighted(list(t.places_chn), [p.weights[col] for p in t.places_chn])
            for ethnic, col in _CHN_WEIGHT.items()
        }

    # --- small draws ---------------------------------------------------------

    def between(self, low: int, high: int) -> int:
        """A whole number in [low, high]."""
        return low + int(self._random() * (high - low + 1))

    def chance(self, p: float) -> bool:
        """True with probability p."""
        return self._random() < p

    def pick(self, items: Any) -> Any:
        """One element of a sequence."""
        return items[int(self._random() * len(items))]

    def digits(self, count: int) -> str:
        """`count` random decimal digits."""
        return str(self.between(0, 10**count - 1)).zfill(count)

    # --- people --------------------------------------------------------------

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
        """A person record valid on day `as_of`.

        Args:
            population: a key of `POPULATIONS`.
            as_of: the day the record describes (a message's sending day).
            born_before: the latest birth day allowed (default: 18 years before `as_of`).
            naturalised_on: for a new citizen, the day of the decision; the
                current state's documents are issued after it and the former
                state's before it.
            former: the state of the former citizenship, whose old documents
                the record also lists.
            traveller: the person crossed a border, so holds a passport.
            citizenship: overrides the population's current citizenship (a
                record kept by the former state of someone who left it).
            with_number: include the personal number (IIN or resident ID).
        """
        pop = POPULATIONS[population]
        sex = "M" if self._random() < 0.5 else "F"
        latest = min(as_of - 18 * YEAR - 5, born_before or as_of)
        birth = latest - int(self._random() * 40 * YEAR) - int(self._random() * 12 * YEAR)
        place = self._places[(pop.born_in, pop.ethnic)].pick(self._random())
        record = self._names(pop, sex)
        record["sex"] = sex
        record["date_of_birth"] = self._iso[birth - _FIRST]
        record["place_of_birth"] = place.place
        holder = _Person(record, birth, sex, place)
        if pop.citizenship == "KAZ" or former == "KAZ":
            holder.iin, holder.iin_mrz0, holder.iin_mrz1 = self.iin(birth, sex)
        if pop.citizenship == "CHN" or pop.born_in == "CHN":
            holder.resident_id = self.resident_id(place.code, birth, sex)
        record["citizenship"] = citizenship or pop.citizenship
        record["ethnic_nationality"] = pop.ethnic
        number = holder.iin if pop.citizenship == "KAZ" else holder.resident_id
        record["personal_number"] = number if with_number else None
        record["documents"] = self._documents(holder, pop, as_of, naturalised_on, former,
                                              traveller=traveller)
        record["photo"] = self.photo() if self._random() < 0.85 else None
        return record

    def _names(self, pop: Population, sex: str) -> JsonDict:
        if pop.ethnic == "han":
            return self._han_names(sex)
        if pop.ethnic == "russian":
            return self._russian_names(sex)
        table = self.tables.kazakh if pop.ethnic == "kazakh" else self.tables.uyghur
        own: NamePart = self.pick(table[sex])
        father: NamePart = self.pick(table["M"])
        if pop.citizenship == "CHN":
            return self._chinese_minority_names(own, father)
        return self._kazakhstan_names(own, father, pop, sex)

    def _chinese_minority_names(self, own: NamePart, father: NamePart) -> JsonDict:
        # Personal name · father's name, no surname; the personal name is printed
        # first, as the primary identifier (reference sheet §5).
        return {
            "surname": own.han_biscript,
            "given_names": father.han_biscript,
            "patronymic": None,
            "name_national": own.han + "·" + father.han,
        }

    def _kazakhstan_names(
        self, own: NamePart, father: NamePart, pop: Population, sex: str
    ) -> JsonDict:
        family = father.family
        assert family is not None  # noqa: S101 - every male table name has derived forms
        index = 0 if sex == "M" else 1
        kazakh = pop.ethnic == "kazakh"
        roll = self._random()
        if pop.born_in == "CHN":
            # Repatriates usually take the father's name as surname (Халимов, or Халимұлы).
            surname = family.clan[index] if kazakh and roll < 0.3 else family.surname[index]
            patronymic = family.clan[index] if kazakh and 0.3 <= roll < 0.75 else None
            national: str | None = own.han + "·" + father.han
        else:
            grandfather: NamePart = self.pick(self.tables.kazakh["M"] if kazakh
                                              else self.tables.uyghur["M"])
            assert grandfather.family is not None  # noqa: S101 - male table name
            surname = grandfather.family.surname[index]
            if kazakh and roll < 0.12:
                surname, patronymic = family.clan[index], None
            elif kazakh and roll < 0.55:
                patronymic = family.clan[index]
            elif roll < 0.93:
                patronymic = family.russian[index]
            else:
                patronymic = None
            national = None
        return {
            "surname": surname,
            "given_names": own.biscript,
            "patronymic": patronymic,
            "name_national": national,
        }

    def _russian_names(self, sex: str) -> JsonDict:
        names = self.tables.russian
        index = 0 if sex == "M" else 1
        father = self.between(0, len(names.male) - 1)
        own: NamePart = self.pick(names.male if sex == "M" else names.female)
        return {
            "surname": self.pick(names.surnames)[index],
            "given_names": own.biscript,
            "patronymic": names.patronymics[father][index],
            "name_national": None,
        }

    def _han_names(self, sex: str) -> JsonDict:
        surname = self.pick(self.tables.han_surnames)
        given = self.pick(self.tables.han_given[sex])
        return {
            "surname": surname.biscript,
            "given_names": given.biscript,
            "patronymic": None,
            "name_national": surname.han + given.han,
        }

    # --- identifiers ---------------------------------------------------------

    def iin(self, birth: int, sex: str) -> tuple[str, int, int]:
        """A valid IIN for that birth day and sex, with its MRZ sums at shifts 0 and 1."""
        day = self._iso[birth - _FIRST]
        century = (3 if day < "2000" else 5) + (0 if sex == "M" else 1)
        parts = iin_head(day[2:4] + day[5:7] + day[8:10] + str(century))
        serial = int(self._random() * 10_000)
        while True:
            found = iin_from(parts, serial)
            if found is not None:
                return found
            serial = (serial + 1) % 10_000  # both weightings give 10: the serial is unusable

    def resident_id(self, code: str, birth: int, sex: str) -> str:
        """An 18-character resident ID number: address code, birth day, sequence, check."""
        day = self._iso[birth - _FIRST]
        ymd = day[0:4] + day[5:7] + day[8:10]
        sequence = int(self._random() * 500) * 2 + (1 if sex == "M" else 0)
        return code + ymd + DIGITS4[sequence][1:] + resident_id_check(code, ymd, sequence)

    def photo(self) -> JsonDict:
        """A reference to a photograph: a digest, a media type and a relative path or URN."""
        digest = f"{self._bits(256):064x}"
        roll = self._random()
        media = _MEDIA[int(roll * 10)]
        # Always a location: a reference that says where nothing is helps no one.
        if roll < 0.6:
            uri = f"photos/{digest[:16]}.{_EXTENSIONS[media]}"
        else:
            uri = f"urn:kzcn:photo:{digest[:32]}"
        return {"sha256": digest, "media_type": media, "uri": uri}

    # --- documents -----------------------------------------------------------

    def _documents(  # noqa: PLR0913 - the person's facts, passed through from `person`
        self,
        holder: _Person,
        pop: Population,
        as_of: int,
        naturalised_on: int | None,
        former: str | None,
        *,
        traveller: bool,
    ) -> list[JsonDict]:
        state = pop.citizenship
        # Documents of the current state are issued after naturalisation, if any.
        earliest = max(holder.birth + 16 * YEAR, (naturalised_on or 0) + 7)
        docs: list[JsonDict] = []
        if traveller or self._random() < 0.4:
            docs.append(self.passport(holder, state, self._issued(earliest, as_of, 10)))
        if not docs or self._random() < 0.9:
            docs.append(self.identity_card(holder, state, earliest, as_of))
        if former is not None and naturalised_on is not None:
            docs += self._former_documents(holder, former, naturalised_on)
        return docs

    def _former_documents(self, holder: _Person, former: str, decided: int) -> list[JsonDict]:
        # Old documents carry the name as the former state wrote it, which may
        # differ from the record's: their MRZ is left out rather than contradict it.
        earliest = holder.birth + 16 * YEAR
        docs = []
        if former == "CHN":
            docs.append(self.identity_card(holder, "CHN", earliest, decided - 30, mrz=False))
        if former == "KAZ" or self._random() < 0.4:
            docs.append(self.passport(holder, former, self._issued(earliest, decided - 30, 10),
                                      mrz=False))
        return docs

    def _issued(self, earliest: int, as_of: int, years: int) -> int:
        """An issue day such that the document is still valid on `as_of`."""
        low = max(earliest, as_of - years * YEAR + 30)
        high = as_of - 1
        low = min(low, high)
        return low + int(self._random() * (high - low + 1))

    def passport(self, holder: _Person, state: str, issued: int, *, mrz: bool = True) -> JsonDict:
        """A passport of `state` issued that day (TD3 MRZ unless `mrz` is False)."""
        iso_of = self._iso
        value = int(self._random() * 100_000_000)
        if state == "KAZ":
            number, total = number_sum8("N", value)
            expiry = _plus_years(issued, 10) - 1
            authority = _KAZ_MIA if issued >= _KAZ_MIA_FROM else _KAZ_MOJ
        else:
            if issued < _CHN_PASSPORT_E:
                number, total = number_sum8("G", value)
            elif issued < _CHN_PASSPORT_EX:
                number, total = number_sum8("E", value)
            else:
                letter = _PASSPORT_LETTERS[int(self._random() * 24)]
                number, total = number_sum7("E" + letter, value // 10)
            expiry = _plus_years(issued, 10)
            authority = _CHN_NIA if issued >= _CHN_NIA_FROM else _CHN_MPS
        expiry_iso = iso_of[expiry - _FIRST]
        lines = None
        if mrz:
            record = holder.record
            optional, optional_sum = (holder.iin, holder.iin_mrz0) if state == "KAZ" else ("", 0)
            lines = td3("P<" if state == "KAZ" else "PO", state, number, total,
                        record["date_of_birth"], holder.sex, expiry_iso, optional, optional_sum,
                        record["surname"]["latin"], record["given_names"]["latin"])
        return {
            "document_type": "passport",
            "issuing_state": state,
            "series": None,
            "number": number,
            "date_of_issue": iso_of[issued - _FIRST],
            "date_of_expiry": expiry_iso,
            "issuing_authority": authority,
            "mrz": lines,
        }

    def identity_card(
        self, holder: _Person, state: str, earliest: int, as_of: int, *, mrz: bool = True
    ) -> JsonDict:
        """A national identity card of `state` (KAZ cards carry a TD1 MRZ)."""
        iso_of = self._iso
        if state == "KAZ":
            issued = self._issued(earliest, as_of, 10)
            number, total = number_sum9(int(self._random() * 1_000_000_000))
            expiry_iso = iso_of[_plus_years(issued, 10) - 1 - _FIRST]
            lines = None
            if mrz:
                record = holder.record
                lines = td1("ID", "KAZ", number, total, record["date_of_birth"], holder.sex,
                            expiry_iso, holder.iin, holder.iin_mrz1,
                            record["surname"]["latin"], record["given_names"]["latin"])
            return {
                "document_type": "identity_card",
                "issuing_state": "KAZ",
                "series": None,
                "number": number,
                "date_of_issue": iso_of[issued - _FIRST],
                "date_of_expiry": expiry_iso,
                "issuing_authority": _KAZ_MIA if issued >= _KAZ_MIA_FROM else _KAZ_MOJ,
                "mrz": lines,
            }
        issued = self._issued(earliest, as_of, 20)
        return {
            "document_type": "identity_card",
            "issuing_state": "CHN",
            "series": None,
            "number": holder.resident_id,
            "date_of_issue": iso_of[issued - _FIRST],
            "date_of_expiry": _chn_card_expiry(issued, holder.birth),
            "issuing_authority": holder.place.police,
            "mrz": None,
        }


def _chn_card_expiry(issued: int, birth: int) -> str | None:
    """Terms of the resident identity card by age at issue: 5, 10, 20 years or long-term."""
    age = (issued - birth) // YEAR
    if age >= 46:
        return None
    years = 5 if age < 16 else 10 if age <= 25 else 20
    return iso(add_years(issued, years))


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
