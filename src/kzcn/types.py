"""Value types: country codes, names in two scripts, places and photo references."""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from importlib import resources
from typing import Annotated, Literal

from pydantic import AfterValidator, ConfigDict, Field, JsonValue, model_validator

from kzcn._base import KzcnModel
from kzcn.errors import Code, kzcn_error, raise_errors

__all__ = [
    "CYRILLIC_LETTERS",
    "BiscriptName",
    "CountryCode",
    "CyrillicName",
    "LatinName",
    "NationalCharacters",
    "PhotoReference",
    "Place",
    "assigned_country_codes",
    "name_problem",
]


@cache
def assigned_country_codes() -> frozenset[str]:
    """The 249 assigned ISO 3166-1 alpha-3 codes, from the packaged list."""
    text = resources.files("kzcn.data").joinpath("iso3166_alpha3.txt").read_text("utf-8")
    return frozenset(line for line in text.splitlines() if line and not line.startswith("#"))


class _OneOf:
    """A validator of text: exactly `accepted_values` are taken, any other raises `code`.

    A class, not a function, so that the set can be read: the fast accept path
    (`kzcn.validation._accept`) has its decoder check it, in C.
    """

    def __init__(self, accepted_values: frozenset[str], code: Code) -> None:
        self.accepted_values = accepted_values
        self.code = code

    def __call__(self, value: str) -> str:
        if value not in self.accepted_values:
            raise kzcn_error(self.code)
        return value


_check_country = _OneOf(assigned_country_codes(), "country.unknown")

CountryCode = Annotated[
    str,
    AfterValidator(_check_country),
    Field(
        description="ISO 3166-1 alpha-3 country code (KAZ, CHN, or any other assigned code).",
        json_schema_extra={"enum": sorted(assigned_country_codes())},
    ),
]

# --- names -------------------------------------------------------------------

#: Russian and Kazakh Cyrillic letters, upper and lower case.
CYRILLIC_LETTERS = "А-ЯЁа-яёӘәҒғҚқҢңӨөҰұҮүҺһІі"
_LATIN_LETTERS = "A-Z"
_HAN = "\u3400-\u4dbf\u4e00-\u9fff"

# `(?!\n)` after `$`: Python's `re` (used by the pure-Python jsonschema
# validator) lets `$` match before a final newline; the look-ahead closes that.
_CYRILLIC_PATTERN = f"^[{CYRILLIC_LETTERS}]+(?:[ -][{CYRILLIC_LETTERS}]+)*$(?!\\n)"
_LATIN_PATTERN = f"^[{_LATIN_LETTERS}]+(?:[ '-][{_LATIN_LETTERS}]+)*$(?!\\n)"
_NATIONAL_PATTERN = f"^[{_HAN}]+(?:·[{_HAN}]+)*$(?!\\n)"

_CYRILLIC_RE = re.compile(f"[{CYRILLIC_LETTERS}]+(?:[ -][{CYRILLIC_LETTERS}]+)*")
_LATIN_RE = re.compile(f"[{_LATIN_LETTERS}]+(?:[ '-][{_LATIN_LETTERS}]+)*")
_NATIONAL_RE = re.compile(f"[{_HAN}]+(?:·[{_HAN}]+)*")

_INVISIBLE = frozenset(
    [chr(c) for c in range(0x200B, 0x2010)]
    + [chr(c) for c in range(0x202A, 0x202F)]
    + [chr(c) for c in range(0x2060, 0x2065)]
    + ["\ufeff"]
)
# Letters of one script that a reader cannot tell from letters of the other.
_CYRILLIC_LOOKALIKES = frozenset("АВЕКМНОРСТУХЅІЈаеорсуххіјѕԁ")
_LATIN_LOOKALIKES = frozenset("ABCEHKMOPTXYIJSaceopxyijs")
_CYRILLIC_SET = frozenset(
    "АБВГДЕЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯЁабвгдежзийклмнопрстуфхцчшщъыьэюяёӘәҒғҚқҢңӨөҰұҮүҺһІі"
)

Script = Literal["cyrillic", "latin"]


def _is_letter_of_script(char: str, script: str) -> bool:
    return (
        unicodedata.category(char).startswith("L")
        and script in unicodedata.name(char, "").split(" ", 1)[0].lower()
    )


def _bad_spacing(value: str) -> bool:
    return (
        value != value.strip() or "  " in value or any(ch.isspace() and ch != " " for ch in value)
    )


def _has_native_letter(value: str, script: Script) -> bool:
    if script == "latin":
        return any(ch.isascii() and ch.isalpha() for ch in value)
    return any(ch in _CYRILLIC_SET for ch in value)


def _foreign_letter_code(value: str, script: Script) -> Code | None:
    # A look-alike hiding among this script's letters is a homoglyph; a name
    # with no letter of this script at all was typed in the wrong script.
    lookalikes = _CYRILLIC_LOOKALIKES if script == "latin" else _LATIN_LOOKALIKES
    if any(ch in lookalikes for ch in value) and _has_native_letter(value, script):
        return "name.homoglyph"
    if script == "latin":
        foreign = any(ch in _CYRILLIC_SET or _is_letter_of_script(ch, "cyrillic") for ch in value)
    else:
        foreign = any(ch.isascii() and ch.isalpha() for ch in value)
    if foreign or any(
        ch.isalpha()
        and not ch.isascii()
        and not _is_letter_of_script(ch, script)
        and ch not in _CYRILLIC_SET
        for ch in value
    ):
        return "name.wrong_script"
    return None


def name_problem(value: str, script: Script) -> Code | None:
    """The catalogue code of what is wrong with a name in `script`, or None.

    The checks run from the least visible problem to the most visible, so a
    zero-width space is reported as such, not as a bad character.
    """
    pattern = _LATIN_RE if script == "latin" else _CYRILLIC_RE
    if pattern.fullmatch(value):
        return None
    if any(ch in _INVISIBLE for ch in value):
        return "name.invisible_character"
    if not unicodedata.is_normalized("NFC", value):
        return "name.not_nfc"
    if _bad_spacing(value):
        return "name.whitespace"
    return _foreign_letter_code(value, script) or _letter_case_code(value, script)


def _letter_case_code(value: str, script: Script) -> Code:
    if script == "latin" and any("a" <= ch <= "z" for ch in value):
        return "name.lowercase"
    return "name.invalid_character"


def _checker(script: Script) -> AfterValidator:
    def check(value: str) -> str:
        code = name_problem(value, script)
        if code:
            raise kzcn_error(code)
        return value

    return AfterValidator(check)


CyrillicName = Annotated[
    str,
    Field(min_length=1, max_length=64),
    _checker("cyrillic"),
    Field(
        description="The name in Russian/Kazakh Cyrillic: letters, single spaces, hyphens.",
        json_schema_extra={"pattern": _CYRILLIC_PATTERN},
    ),
]
LatinName = Annotated[
    str,
    Field(min_length=1, max_length=64),
    _checker("latin"),
    Field(
        description="The name in Latin capitals A-Z as printed on documents: letters, single "
        "spaces, hyphens, apostrophes.",
        json_schema_extra={"pattern": _LATIN_PATTERN},
    ),
]


def _check_national(value: str) -> str:
    if _NATIONAL_RE.fullmatch(value):
        return value
    if any(ch in _INVISIBLE for ch in value):
        raise kzcn_error("name.invisible_character")
    if any(ch.isalpha() and (ch.isascii() or ch in _CYRILLIC_SET) for ch in value):
        raise kzcn_error("name.national_script")
    raise kzcn_error("name.invalid_character")


NationalCharacters = Annotated[
    str,
    Field(min_length=1, max_length=64),
    AfterValidator(_check_national),
    Field(
        description="The name in Han characters as on a Chinese document; the parts of a "
        "Kazakh or Uyghur name are joined by a middle dot (·), e.g. 努尔兰·哈力木.",
        json_schema_extra={"pattern": _NATIONAL_PATTERN},
    ),
]


class BiscriptName(KzcnModel):
    """A name as the agreement exchanges it: "in Russian and Latin spelling"."""

    cyrillic: CyrillicName
    latin: LatinName


# --- places ------------------------------------------------------------------

_ADMIN_CODE_RE = {"CHN": re.compile(r"[1-8][0-9]{5}"), "KAZ": re.compile(r"[0-9]{9}")}
_OTHER_ADMIN_CODE_RE = re.compile(r"[A-Z0-9-]{1,16}")


def _place_schema_rules() -> list[JsonValue]:
    return [
        {
            "if": {"properties": {"country": {"const": "CHN"}, "admin_code": {"type": "string"}}},
            "then": {"properties": {"admin_code": {"pattern": "^[1-8][0-9]{5}$"}}},
        },
        {
            "if": {"properties": {"country": {"const": "KAZ"}, "admin_code": {"type": "string"}}},
            "then": {"properties": {"admin_code": {"pattern": "^[0-9]{9}$"}}},
        },
    ]


class Place(KzcnModel):
    """A place of birth: country, region and locality in two scripts, and an admin code."""

    model_config = ConfigDict(json_schema_extra={"allOf": _place_schema_rules()})

    country: CountryCode
    region: BiscriptName | None = Field(default=None, description="Province, oblast or prefecture.")
    locality: BiscriptName | None = Field(default=None, description="City, county or village.")
    admin_code: str | None = Field(
        default=None,
        description="GB/T 2260 six-digit code for China, KATO nine-digit code for Kazakhstan, "
        "otherwise 1-16 of A-Z, 0-9 and hyphen.",
        json_schema_extra={"pattern": "^[A-Z0-9-]{1,16}$"},
    )

    @model_validator(mode="after")
    def _admin_code_format(self) -> Place:
        if self.admin_code is not None:
            pattern = _ADMIN_CODE_RE.get(self.country, _OTHER_ADMIN_CODE_RE)
            if not pattern.fullmatch(self.admin_code):
                raise_errors("Place", [(("admin_code",), "place.admin_code")])
        return self


# --- photographs -------------------------------------------------------------


def _check_photo_uri(value: str) -> str:
    if value.lstrip().lower().startswith("data:"):
        raise kzcn_error("photo.data_uri")
    return value


PhotoUri = Annotated[str, Field(min_length=1, max_length=2048), AfterValidator(_check_photo_uri)]


class PhotoReference(KzcnModel):
    """A reference to a photograph held elsewhere; never the image itself."""

    sha256: str = Field(
        pattern=r"^[0-9a-f]{64}$",
        description="SHA-256 of the image file, 64 lower-case hex digits.",
    )
    media_type: Literal["image/jpeg", "image/png", "image/jp2"] = Field(
        description="Media type of the image file."
    )
    uri: PhotoUri | None = Field(
        default=None,
        description="Where the image is held: a relative path or a `urn:`; never a `data:` URI.",
        json_schema_extra={"not": {"type": "string", "pattern": "^\\s*[Dd][Aa][Tt][Aa]:"}},
    )
