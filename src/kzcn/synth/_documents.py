"""Identity documents by the column: passports, identity cards, their MRZ, and photos.

`mrz_lines` rebuilds one document's MRZ with the reference `kzcn.mrz`, for a
document changed after it was built (the corruption step).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date

import numpy as np
import orjson

from kzcn import mrz as reference_mrz
from kzcn.eras import number_eras
from kzcn.person import IdentityDocument
from kzcn.synth._checks import (
    DIGITS,
    number_sum7,
    number_sum8,
    number_sum9,
)
from kzcn.synth._columns import (
    Flags,
    Floats,
    Ints,
    Texts,
    fixed,
    hex_digits,
    join_rows,
    texts,
)
from kzcn.synth._days import FIRST, add_years, days
from kzcn.synth._person_tables import _Columns, authorities, missions
from kzcn.synth._population import YEAR, JsonDict
from kzcn.synth._regime import keys, opening
from kzcn.synth._stream import Draws
from kzcn.synth._view import Coded, Items, Json, Record, Text, View
from kzcn.types import PhotoReference


def _era_start(name: str) -> int:
    """The first day of issue of a Chinese passport-number format (data/document_eras.tsv)."""
    return next(
        e.start
        for e in number_eras()
        if (e.state, e.document_type, e.name) == ("CHN", "passport", name)
    )


_CHN_PASSPORT_E = _era_start("E")  # e-passports: E + 8 digits
_CHN_PASSPORT_EX = _era_start("E+letter")  # E + letter + 7 digits
#: Share of Chinese passports issued by a mission in Kazakhstan (renewed there; Passport
#: Law 2006 Art. 4), and of those, the consulate general in Almaty's share (illustrative).
_ABROAD_SHARE, _CONSULATE_SHARE = 0.08, 0.7
_PASSPORT_LETTERS = np.array([ord(c) - 65 for c in "ABCDEFGHJKLMNPQRSTUVWXYZ"])  # no I, no O
_MEDIA = texts(["image/jpeg"] * 7 + ["image/jp2"] * 2 + ["image/png"])
_EXTENSIONS = texts(["jpg"] * 7 + ["jp2"] * 2 + ["png"])

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


def _issued(earliest: Ints, as_of: Ints, years: int, draw: Floats) -> Ints:
    """Issue days such that each document is still valid on its `as_of`."""
    high = as_of - 1
    low = np.minimum(np.maximum(as_of - years * YEAR + 30, earliest), high)
    return low + (draw * (high - low + 1)).astype(np.int64)


_FILLER = b"<" * 39


def _name_fields(c: _Columns, surname: Ints, given: Ints) -> Texts:
    """MRZ name fields, padded with `<` to at least 39: `_cut` gives a document's width."""
    return c.name_mrz[surname] + b"<<" + c.name_mrz[given] + _FILLER


def _cut(fields: Texts, width: int) -> Texts:
    """Padded MRZ name fields cut to `width` (numpy's fixed-width bytes truncate)."""
    return fields.astype(f"S{width}").astype(object)


#: The keys of documents and photo references, read from the models (checked at import).
_DOCUMENT = keys(
    IdentityDocument,
    "document_type",
    "issuing_state",
    "series",
    "number",
    "date_of_issue",
    "date_of_expiry",
    "issuing_authority",
    "mrz",
)
_PHOTO = keys(PhotoReference, "sha256", "media_type", "uri")


@dataclass(frozen=True, slots=True)
class Documents:
    """A column of documents of one kind: as JSON objects, and viewed by field."""

    json: Texts
    view: Record


def _document(  # noqa: PLR0913 - the fields of one document column
    kind: str,
    state: str,
    *,
    number: Texts,
    issued: Ints,
    expiry: Texts,
    authority: Texts,
    mrz: Texts | bytes,
) -> Documents:
    """Documents as JSON objects (`expiry` quoted dates or null, `mrz` JSON lists or null)."""
    k = _DOCUMENT
    json = join_rows(
        opening(k["document_type"]) + orjson.dumps(kind) + k["issuing_state"]
        + orjson.dumps(state) + k["series"] + b"null" + k["number"] + b'"',
        number,
        b'"' + k["date_of_issue"],
        days().quoted[issued - FIRST],
        k["date_of_expiry"],
        expiry,
        k["issuing_authority"],
        authority,
        k["mrz"],
        mrz,
        b"}",
    )  # fmt: skip
    view = Record(
        len(number),
        {
            "document_type": Json(orjson.dumps(kind)),
            "issuing_state": Json(orjson.dumps(state)),
            "series": Json(b"null"),
            "number": Text(number),
            "date_of_issue": Coded(days().iso, issued - FIRST),
            "date_of_expiry": Text(expiry, np.not_equal(expiry, b"null"), quoted=True),
            "issuing_authority": Json(authority),
            "mrz": Json(mrz) if isinstance(mrz, bytes) else _mrz_view(mrz),
        },
    )
    return Documents(json, view)


#: The MRZ as a builder renders it: TD3 two lines of 44, TD1 three lines of 30.
_MRZ_SHAPES = {2: 44, 3: 30}


def _mrz_view(lines: Texts) -> Items:
    """MRZ lines rendered as JSON lists (`["…","…"]`) as lists of texts, cut at their places.

    The lines have a fixed width and nothing to escape, so each is at a known offset.
    """
    n = len(lines)
    width = len(lines[0]) if n else 2 + 44 + 3 + 44 + 2
    count = next(k for k, w in _MRZ_SHAPES.items() if width == k * (w + 3) + 1)
    line = _MRZ_SHAPES[count]
    chars = np.asarray(lines, dtype=f"S{width}").view("S1").reshape(n, width)
    cut = [chars[:, 2 + i * (line + 3) : 2 + i * (line + 3) + line] for i in range(count)]
    return Items(
        np.arange(0, count * n + 1, count, dtype=np.int64),
        Text(fixed(np.stack(cut, axis=1).reshape(count * n, line))),
    )


def _passports(  # noqa: PLR0913 - holders, state, window, MRZ or not, draws
    h: _Holders,
    state: str,
    earliest: Ints,
    as_of: Ints,
    *,
    mrz: bool,
    draw: Floats,
) -> tuple[Documents, Texts]:
    """Passports of `state` valid on `as_of` (TD3 MRZ if `mrz`), and their numbers."""
    d = days()
    issued = _issued(earliest, as_of, 10, draw[0])
    value = (draw[1] * 100_000_000).astype(np.int64)
    abroad: Floats | None = None
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
        # What is left of the letter's draw decides who renewed at a mission abroad.
        abroad = (draw[2] * len(_PASSPORT_LETTERS)) % 1 / _ABROAD_SHARE
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
        composite = (
            total + check * 7 + d.mrz_birth[h.birth] + d.mrz_expiry[expiry] + optional_sum
        ) % 10
        lines = join_rows(
            code,
            _cut(h.names, 39),
            b'","',
            number,
            DIGITS[check],
            state.encode(),
            d.mrz_field[h.birth],
            h.sex,
            d.mrz_field[expiry],
            optional,
            DIGITS[composite],
            b'"]',
        )
    return (
        _document(
            "passport",
            state,
            number=number,
            issued=issued,
            expiry=d.quoted[expiry],
            authority=_passport_authorities(state, issued, abroad),
            mrz=lines,
        ),
        number,
    )


def _passport_authorities(state: str, issued: Ints, abroad: Floats | None) -> Texts:
    """Issuers by era; a Chinese passport renewed abroad names the mission (`abroad` < 1)."""
    at_home = authorities(state, issued)
    if abroad is None:
        return at_home
    mission = missions(state)[(abroad >= _CONSULATE_SHARE).astype(np.int64)]
    return np.where(abroad < 1, mission, at_home)


def _kaz_cards(h: _Holders, earliest: Ints, as_of: Ints, draw: Floats) -> Documents:
    """Kazakh identity cards valid on `as_of`, with their TD1 MRZ."""
    d = days()
    issued = _issued(earliest, as_of, 10, draw[0])
    number, total = number_sum9((draw[1] * 1_000_000_000).astype(np.int64))
    expiry = add_years(issued, 10) - 1 - FIRST
    # TD1 (the text `kzcn.mrz.td1_lines` gives): the IIN in the 15-character
    # optional field; the composite skips the nationality (line 2, 16-18).
    check = total % 10
    composite = (total + check * 7 + h.iin_mrz1 + d.mrz_birth[h.birth] + d.mrz_expiry[expiry]) % 10
    lines = join_rows(
        b'["IDKAZ',
        number,
        DIGITS[check],
        h.iin,
        b'<<<","',
        d.mrz_field[h.birth],
        h.sex,
        d.mrz_field[expiry],
        b"KAZ<<<<<<<<<<<",
        DIGITS[composite],
        b'","',
        _cut(h.names, 30),
        b'"]',
    )
    return _document(
        "identity_card",
        "KAZ",
        number=number,
        issued=issued,
        expiry=d.quoted[expiry],
        authority=authorities("KAZ", issued),
        mrz=lines,
    )


def _chn_cards(c: _Columns, h: _Holders, earliest: Ints, as_of: Ints, draw: Floats) -> Documents:
    """Chinese resident identity cards valid on `as_of` (no MRZ)."""
    issued = _issued(earliest, as_of, 20, draw[0])
    # Terms by age at issue: 5, 10, 20 years, or long-term from 46.
    age = (issued - FIRST - h.birth) // YEAR
    years = np.where(age < 16, 5, np.where(age <= 25, 10, 20))
    expiry = np.where(age >= 46, b"null", days().quoted[add_years(issued, years) - FIRST])
    return _document(
        "identity_card",
        "CHN",
        number=h.resident_id,
        issued=issued,
        expiry=expiry,
        authority=c.place_police[h.place],
        mrz=b"null",
    )


def _photos(draws: Draws, roll: Floats, present: Flags | bool = True) -> Texts:
    """References to photographs (digest, media type, path or URN), or null."""
    return photo_columns(draws, roll, present)[0]


def photo_columns(draws: Draws, roll: Floats, present: Flags | bool = True) -> tuple[Texts, Record]:
    """References to photographs (digest, media type, path or URN), or null; and their view."""
    digits = hex_digits(draws.words(4 * len(roll)).reshape(len(roll), 4))  # 256 bits each
    media = (roll * 10).astype(np.int64)
    # Always a location: a reference that says where nothing is helps no one.
    uri = np.where(
        roll < 0.6,
        b"photos/" + fixed(digits[:, :16]) + b"." + _EXTENSIONS[media],
        b"urn:kzcn:photo:" + fixed(digits[:, :32]),
    )
    digest = fixed(digits)
    json = np.where(
        present,
        join_rows(
            opening(_PHOTO["sha256"]) + b'"',
            digest,
            b'"' + _PHOTO["media_type"] + b'"',
            _MEDIA[media],
            b'"' + _PHOTO["uri"] + b'"',
            uri,
            b'"}',
        ),
        b"null",
    )
    fields: dict[str, View] = {
        "sha256": Text(digest), "media_type": Coded(_MEDIA, media), "uri": Text(uri),
    }  # fmt: skip
    return json, Record(len(roll), fields, np.broadcast_to(present, len(roll)))


def mrz_lines(record: JsonDict, document: JsonDict) -> list[str]:
    """The MRZ of `document` for the holder `record`, by the reference `kzcn.mrz`.

    TD3 for passports, TD1 for cards; Kazakhstan writes the IIN into the
    optional-data field. Used where a document changes after it was built (the
    corruption step), so its MRZ stays consistent with it.
    """
    state = document["issuing_state"]
    expiry = document["date_of_expiry"]
    data = reference_mrz.MrzInput(
        document_code=("P" if state == "KAZ" else "PO")
        if document["document_type"] == "passport"
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
