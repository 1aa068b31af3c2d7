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
    IinParts,
    MrzDate,
    iin_from,
    name_line,
    number_sum7,
    number_sum8,
    number_sum9,
    rid_code_sum,
    rid_date_sum,
    rid_tail,
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
    return (_ISO or iso_table())[ordinal - _FIRST]


def add_years(ordinal: int, years: int) -> int:
    """The same calendar day `years` later (29 February becomes 28 February)."""
    day = date.fromordinal(ordinal)
    try:
        return day.replace(year=day.year + years).toordinal()
    except ValueError:
        return day.replace(year=day.year + years, day=28).toordinal()


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
    """Weighted choice by bisection over cumulative weights (inlined where drawn)."""

    __slots__ = ("cumulative", "items", "total")

    def __init__(self, items: list[PlaceRow], weights: list[int]) -> None:
        kept = [(item, w) for item, w in zip(items, weights, strict=True) if w > 0]
        self.items = [item for item, _ in kept]
        self.cumulative = list(accumulate(w for _, w in kept))
        self.total = self.cumulative[-1]


class _Born:
    """Everything derived from a birth day, computed once per day (birth days repeat)."""

    __slots__ = ("iin", "iso", "mrz", "ordinal", "rid_sum", "ymd")

    def __init__(self, ordinal: int) -> None:
        day = iso_table()[ordinal - _FIRST]
        self.ordinal = ordinal
        self.iso = day
        self.mrz = MrzDate(day)
        self.ymd = day[0:4] + day[5:7] + day[8:10]
        self.rid_sum = rid_date_sum(self.ymd)
        # IIN heads: YYMMDD and the century/sex digit (3/4 before 2000, 5/6 after).
        yymmdd = self.ymd[2:]
        if day < "2000":
            self.iin = {"M": IinParts(yymmdd + "3"), "F": IinParts(yymmdd + "4")}
        else:
            self.iin = {"M": IinParts(yymmdd + "5"), "F": IinParts(yymmdd + "6")}


_BORN: dict[int, _Born] = {}


def _born(ordinal: int) -> _Born:
    found = _BORN.get(ordinal)
    if found is None:
        found = _BORN[ordinal] = _Born(ordinal)
    return found


# Expiry of a document by its issue day (issue days repeat), as ISO text and
# MRZ form; one cache per term: Kazakh documents run 10 years less a day,
# Chinese passports 10 years to the day, Chinese cards 5, 10 or 20 years.
_Expiry = tuple[str, MrzDate]
_KAZ_TERM: dict[int, _Expiry] = {}
_CHN_TERM: dict[int, _Expiry] = {}
_CARD_TERMS: dict[int, dict[int, str]] = {5: {}, 10: {}, 20: {}}  # no MRZ: ISO text only


def _expiry(cache: dict[int, _Expiry], issued: int, years: int, back: int) -> _Expiry:
    """Compute and cache the expiry of a document issued on `issued` (callers look first)."""
    text = iso(add_years(issued, years) - back)
    found = cache[issued] = (text, MrzDate(text))
    return found


class _Holder:
    """What the document builders need to know of the holder (one per person)."""

    __slots__ = ("born", "given", "iin", "iin_mrz0", "iin_mrz1", "place", "resident_id",
                 "sex", "surname")

    def __init__(self, born: _Born, sex: str, place: PlaceRow, surname: str,
                 given: str) -> None:
        self.born = born
        self.sex = sex
        self.place = place
        self.surname = surname  # Latin, for the MRZ
        self.given = given
        self.iin = ""
        self.iin_mrz0 = 0  # MRZ weighted sums of the IIN at positions ≡ 0 and 1 (mod 3)
        self.iin_mrz1 = 0
        self.resident_id: str | None = None


def _weighted_places(t: Tables) -> dict[tuple[str, str], _Weighted]:
    return {
        ("KAZ", ethnic): _Weighted(list(t.places_kaz), [p.weights[col] for p in t.places_kaz])
        for ethnic, col in _KAZ_WEIGHT.items()
    } | {
        ("CHN", ethnic): _Weighted(list(t.places_chn), [p.weights[col] for p in t.places_chn])
        for ethnic, col in _CHN_WEIGHT.items()
    }


# `between` draws 32 bits; wider spans (none in the generator) fall back to random().
_SPAN_BITS = 1 << 32


# Built once: a Faker provider or a Hypothesis strategy makes a `People` per draw.
_DEFAULT_PLACES = _weighted_places(_T)


class People:
    """Builds person records and documents from a random source."""

    def __init__(self, rng: RandomSource, table: Tables | None = None) -> None:
        self.rng = rng
        self._random = rng.random
        self._bits = rng.getrandbits
        self._iso = iso_table()
        self.tables = table or _T
        self._places = _DEFAULT_PLACES if self.tables is _T else _weighted_places(self.tables)
        self._by_population = {key: self._places[(p.born_in, p.ethnic)]
                               for key, p in POPULATIONS.items()}

    # --- small draws ---------------------------------------------------------

    def between(self, low: int, high: int) -> int:
        """A whole number in [low, high]."""
        span = high - low + 1
        if span > _SPAN_BITS:
            return low + int(self._random() * span)
        # 32 random bits scaled by a multiply and a shift: cheaper than int(random() * n).
        return low + (self._bits(32) * span >> 32)

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
        # The hot path of the bulk generator: one call builds the whole record
        # (names, numbers, documents, photo), with few calls and no date objects.
        pop = POPULATIONS[population]
        rnd = self._random
        sex = "M" if rnd() < 0.5 else "F"
        latest = min(as_of - 18 * YEAR - 5, born_before or as_of)
        birth = latest - int(rnd() * 40 * YEAR) - int(rnd() * 12 * YEAR)
        places = self._by_population[population]
        place = places.items[bisect(places.cumulative, rnd() * places.total)]
        surname, given, patronymic, national = self._names(pop, sex)
        born = _BORN.get(birth) or _born(birth)
        holder = _Holder(born, sex, place, surname["latin"], given["latin"])
        state = pop.citizenship
        if state == "KAZ" or former == "KAZ":
            holder.iin, holder.iin_mrz0, holder.iin_mrz1 = self._iin(born.iin[sex])
        if state == "CHN" or pop.born_in == "CHN":
            holder.resident_id = self._resident_id(place.code, place.code_sum, born, sex)
        number = holder.iin if state == "KAZ" else holder.resident_id
        # Documents of the current state are issued after naturalisation, if any.
        earliest = max(birth + 16 * YEAR, (naturalised_on or 0) + 7)
        docs: list[JsonDict] = []
        if traveller or rnd() < 0.4:
            docs.append(self._passport(holder, state, earliest, as_of, True))  # noqa: FBT003
        if not docs or rnd() < 0.9:
            docs.append(self._kaz_card(holder, earliest, as_of) if state == "KAZ"
                        else self._chn_card(holder, earliest, as_of))
        if former is not None and naturalised_on is not None:
            # Old documents carry the name as the former state wrote it, which may
            # differ from the record's: their MRZ is left out rather than contradict it.
            earliest = birth + 16 * YEAR
            if former == "CHN":
                docs.append(self._chn_card(holder, earliest, naturalised_on - 30))
            if former == "KAZ" or rnd() < 0.4:
                docs.append(self._passport(holder, former, earliest, naturalised_on - 30,
                                           False))  # noqa: FBT003
        return {
            "surname": surname,
            "given_names": given,
            "patronymic": patronymic,
            "name_national": national,
            "sex": sex,
            "date_of_birth": born.iso,
            "place_of_birth": place.place,
            "citizenship": citizenship or state,
            "ethnic_nationality": pop.ethnic,
            "personal_number": number if with_number else None,
            "documents": docs,
            "photo": self.photo() if rnd() < 0.85 else None,
        }

    def _names(self, pop: Population, sex: str) -> tuple[JsonDict, JsonDict, JsonDict | None,
                                                         str | None]:
        """Surname, given names, patronymic and national-script name."""
        rnd = self._random
        t = self.tables
        ethnic = pop.ethnic
        index = 0 if sex == "M" else 1
        if ethnic == "han":
            surnames, given_names = t.han_surnames, t.han_given[sex]
            first = surnames[int(rnd() * len(surnames))]
            second = given_names[int(rnd() * len(given_names))]
            return first.biscript, second.biscript, None, first.han + second.han
        if ethnic == "russian":
            names = t.russian
            father_index = int(rnd() * len(names.male))
            own_names = names.male if sex == "M" else names.female
            own: NamePart = own_names[int(rnd() * len(own_names))]
            return (names.surnames[int(rnd() * len(names.surnames))][index], own.biscript,
                    names.patronymics[father_index][index], None)
        table = t.kazakh if ethnic == "kazakh" else t.uyghur
        own_names, men = table[sex], table["M"]
        own = own_names[int(rnd() * len(own_names))]
        father: NamePart = men[int(rnd() * len(men))]
        if pop.citizenship == "CHN":
            # Personal name · father's name, no surname; the personal name is printed
            # first, as the primary identifier (reference sheet §5).
            return (own.han_biscript, father.han_biscript, None,
                    own.han + "·" + father.han)
        family = father.family
        assert family is not None  # noqa: S101 - every male table name has derived forms
        kazakh = ethnic == "kazakh"
        roll = rnd()
        if pop.born_in == "CHN":
            # Repatriates usually take the father's name as surname (Халимов, or Халимұлы).
            surname = family.clan[index] if kazakh and roll < 0.3 else family.surname[index]
            patronymic = family.clan[index] if kazakh and 0.3 <= roll < 0.75 else None
            return surname, own.biscript, patronymic, own.han + "·" + father.han
        grandfather: NamePart = self.pick(t.kazakh["M"] if kazakh else t.uyghur["M"])
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
        return surname, own.biscript, patronymic, None

    # --- identifiers ---------------------------------------------------------

    def _iin(self, parts: IinParts) -> tuple[str, int, int]:
        serial = int(self._random() * 10_000)
        while True:
            found = iin_from(parts, serial)
            if found is not None:
                return found
            serial = (serial + 1) % 10_000  # both weightings give 10: the serial is unusable

    def _resident_id(self, code: str, code_sum: int, born: _Born, sex: str) -> str:
        sequence = int(self._random() * 500) * 2 + (1 if sex == "M" else 0)
        return code + born.ymd + rid_tail(code_sum, born.rid_sum, sequence)

    def iin(self, birth: int, sex: str) -> tuple[str, int, int]:
        """A valid IIN for that birth day and sex, with its MRZ sums at shifts 0 and 1."""
        return self._iin(_born(birth).iin[sex])

    def resident_id(self, code: str, birth: int, sex: str) -> str:
        """An 18-character resident ID number: address code, birth day, sequence, check."""
        return self._resident_id(code, rid_code_sum(code), _born(birth), sex)

    def photo(self) -> JsonDict:
        """A reference to a photograph: a digest, a media type and a relative path or URN."""
        digest = self._bits(256).to_bytes(32, "big").hex()  # = f"{n:064x}", twice as fast
        roll = self._random()
        media = _MEDIA[int(roll * 10)]
        # Always a location: a reference that says where nothing is helps no one.
        if roll < 0.6:
            uri = f"photos/{digest[:16]}.{_EXTENSIONS[media]}"
        else:
            uri = f"urn:kzcn:photo:{digest[:32]}"
        return {"sha256": digest, "media_type": media, "uri": uri}

    # --- documents -----------------------------------------------------------

    def _issued(self, earliest: int, as_of: int, years: int) -> int:
        """An issue day such that the document is still valid on `as_of`."""
        # Comparisons rather than min/max calls: this runs for every document.
        high = as_of - 1
        low = as_of - years * YEAR + 30
        if earliest > low:  # noqa: PLR1730
            low = earliest
        if low > high:  # noqa: PLR1730
            low = high
        return low + (self._bits(32) * (high - low + 1) >> 32)  # as in `between`

    def _passport(  # hot path: positional arguments (kwargs calls cost more)
        self, holder: _Holder, state: str, earliest: int, as_of: int, mrz: bool,
    ) -> JsonDict:
        """A passport of `state` valid on `as_of` (TD3 MRZ unless `mrz` is False)."""
        rnd = self._random
        issued = self._issued(earliest, as_of, 10)
        value = int(rnd() * 100_000_000)
        if state == "KAZ":
            number, total = number_sum8("N", value)
            expiry, expiry_mrz = _KAZ_TERM.get(issued) or _expiry(_KAZ_TERM, issued, 10, 1)
            authority = _KAZ_MIA if issued >= _KAZ_MIA_FROM else _KAZ_MOJ
        else:
            if issued < _CHN_PASSPORT_E:
                number, total = number_sum8("G", value)
            elif issued < _CHN_PASSPORT_EX:
                number, total = number_sum8("E", value)
            else:
                letter = _PASSPORT_LETTERS[int(rnd() * 24)]
                number, total = number_sum7("E" + letter, value // 10)
            expiry, expiry_mrz = _CHN_TERM.get(issued) or _expiry(_CHN_TERM, issued, 10, 0)
            authority = _CHN_NIA if issued >= _CHN_NIA_FROM else _CHN_MPS
        lines = None
        if mrz:
            # TD3 (the text `kzcn.mrz.td3_lines` gives); Kazakhstan writes the IIN
            # into the 14-character optional field, China leaves it empty.
            born = holder.born.mrz
            if state == "KAZ":
                optional_check = holder.iin_mrz0 % 10
                optional = f"{holder.iin}<<{optional_check}"
                optional_sum = holder.iin_mrz0 + optional_check
                code = "P<KAZ"
            else:
                optional, optional_sum, code = "<<<<<<<<<<<<<<<", 0, "POCHN"
            check = total % 10
            composite = total + check * 7 + born.shift1 + expiry_mrz.shift2 + optional_sum
            lines = [code + name_line(holder.surname, holder.given, 39),
                     (f"{number}{check}{state}{born.field}{holder.sex}{expiry_mrz.field}"
                      f"{optional}{composite % 10}")]
        return {
            "document_type": "passport",
            "issuing_state": state,
            "series": None,
            "number": number,
            "date_of_issue": self._iso[issued - _FIRST],
            "date_of_expiry": expiry,
            "issuing_authority": authority,
            "mrz": lines,
        }

    def _kaz_card(self, holder: _Holder, earliest: int, as_of: int) -> JsonDict:
        """A Kazakh identity card valid on `as_of`, with its TD1 MRZ."""
        rnd = self._random
        issued = self._issued(earliest, as_of, 10)
        number, total = number_sum9(int(rnd() * 1_000_000_000))
        expiry, expiry_mrz = _KAZ_TERM.get(issued) or _expiry(_KAZ_TERM, issued, 10, 1)
        # TD1 (the text `kzcn.mrz.td1_lines` gives): the IIN in the 15-character
        # optional field; the composite skips the nationality (line 2, 16-18).
        born = holder.born.mrz
        check = total % 10
        composite = total + check * 7 + holder.iin_mrz1 + born.shift1 + expiry_mrz.shift2
        return {
            "document_type": "identity_card",
            "issuing_state": "KAZ",
            "series": None,
            "number": number,
            "date_of_issue": self._iso[issued - _FIRST],
            "date_of_expiry": expiry,
            "issuing_authority": _KAZ_MIA if issued >= _KAZ_MIA_FROM else _KAZ_MOJ,
            "mrz": [
                f"IDKAZ{number}{check}{holder.iin}<<<",
                f"{born.field}{holder.sex}{expiry_mrz.field}KAZ<<<<<<<<<<<{composite % 10}",
                name_line(holder.surname, holder.given, 30),
            ],
        }

    def _chn_card(self, holder: _Holder, earliest: int, as_of: int) -> JsonDict:
        """A Chinese resident identity card valid on `as_of` (no MRZ)."""
        issued = self._issued(earliest, as_of, 20)
        # Terms by age at issue: 5, 10, 20 years, or long-term from 46.
        age = (issued - holder.born.ordinal) // YEAR
        if age >= 46:
            expiry = None
        else:
            years = 5 if age < 16 else 10 if age <= 25 else 20
            cache = _CARD_TERMS[years]
            expiry = cache.get(issued)
            if expiry is None:
                expiry = cache[issued] = iso(add_years(issued, years))
        return {
            "document_type": "identity_card",
            "issuing_state": "CHN",
            "series": None,
            "number": holder.resident_id,
            "date_of_issue": self._iso[issued - _FIRST],
            "date_of_expiry": expiry,
            "issuing_authority": holder.place.police,
            "mrz": None,
        }


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
