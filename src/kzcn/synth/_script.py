"""Writing one name in another script: passport Latin and Palladius Cyrillic.

- `cyrillic_to_latin`: ICAO Doc 9303 Part 3 for the Russian letters, with the
  Kazakh letters folded to their Russian counterparts first (Ә→A, Ғ→G, Қ→K,
  Ң→N, Ө→O, Ұ/Ү→U, Һ→H, І→I), as Kazakh passports print them (ICAO has no
  table for these letters).
- `pinyin_to_latin`: pinyin as Chinese passports print it: upper case, no
  spaces or apostrophes, ü as YU.
- `palladius`: the Palladius system (Chinese → Russian Cyrillic), with its
  rules: -ng → н, -n → нь, ъ between н and a following vowel, w → в (wu → у).
"""

from __future__ import annotations

from functools import cache

__all__ = ["cyrillic_to_latin", "palladius", "pinyin_to_latin"]

_ICAO = {
    "А": "A",
    "Б": "B",
    "В": "V",
    "Г": "G",
    "Д": "D",
    "Е": "E",
    "Ё": "E",
    "Ж": "ZH",
    "З": "Z",
    "И": "I",
    "Й": "I",
    "К": "K",
    "Л": "L",
    "М": "M",
    "Н": "N",
    "О": "O",
    "П": "P",
    "Р": "R",
    "С": "S",
    "Т": "T",
    "У": "U",
    "Ф": "F",
    "Х": "KH",
    "Ц": "TS",
    "Ч": "CH",
    "Ш": "SH",
    "Щ": "SHCH",
    "Ъ": "IE",
    "Ы": "Y",
    "Ь": "",
    "Э": "E",
    "Ю": "IU",
    "Я": "IA",
    # Kazakh letters, folded (no ICAO table has them).
    "Ә": "A",
    "Ғ": "G",
    "Қ": "K",
    "Ң": "N",
    "Ө": "O",
    "Ұ": "U",
    "Ү": "U",
    "Һ": "H",
    "І": "I",
}
_ICAO_TABLE = str.maketrans(_ICAO | {k.lower(): v for k, v in _ICAO.items()})


def cyrillic_to_latin(text: str) -> str:
    """A Russian or Kazakh Cyrillic name as a Kazakh passport prints it in Latin."""
    return text.translate(_ICAO_TABLE)


def pinyin_to_latin(pinyin: str) -> str:
    """Pinyin syllables (space-separated, `v` for ü) as a Chinese passport prints them."""
    return pinyin.replace(" ", "").replace("v", "yu").upper()


_INITIALS = (
    ("zh", "чж"),
    ("ch", "ч"),
    ("sh", "ш"),
    ("b", "б"),
    ("p", "п"),
    ("m", "м"),
    ("f", "ф"),
    ("d", "д"),
    ("t", "т"),
    ("n", "н"),
    ("l", "л"),
    ("g", "г"),
    ("k", "к"),
    ("h", "х"),
    ("j", "цз"),
    ("q", "ц"),
    ("x", "с"),
    ("r", "ж"),
    ("z", "цз"),
    ("c", "ц"),
    ("s", "с"),
)
_FINALS = {
    "a": "а",
    "o": "о",
    "e": "э",
    "ai": "ай",
    "ei": "эй",
    "ao": "ао",
    "ou": "оу",
    "an": "ань",
    "en": "энь",
    "ang": "ан",
    "eng": "эн",
    "ong": "ун",
    "er": "эр",
    "i": "и",
    "ia": "я",
    "iao": "яо",
    "ie": "е",
    "iu": "ю",
    "ian": "янь",
    "in": "инь",
    "iang": "ян",
    "ing": "ин",
    "iong": "юн",
    "u": "у",
    "ua": "уа",
    "uo": "о",
    "uai": "уай",
    "ui": "уй",
    "uan": "уань",
    "un": "унь",
    "uang": "уан",
    "v": "юй",
    "ve": "юэ",
    "van": "юань",
    "vn": "юнь",
}
# Syllables the initial + final composition gets wrong.
_WHOLE = {
    "zi": "цзы",
    "ci": "цы",
    "si": "сы",
    "zhi": "чжи",
    "chi": "чи",
    "shi": "ши",
    "ri": "жи",
    "hui": "хуэй",
    "ya": "я",
    "yan": "янь",
    "yang": "ян",
    "yao": "яо",
    "ye": "е",
    "yi": "и",
    "yin": "инь",
    "ying": "ин",
    "yong": "юн",
    "you": "ю",
    "yu": "юй",
    "yuan": "юань",
    "yue": "юэ",
    "yun": "юнь",
    "wa": "ва",
    "wai": "вай",
    "wan": "вань",
    "wang": "ван",
    "wei": "вэй",
    "wen": "вэнь",
    "weng": "вэн",
    "wo": "во",
    "wu": "у",
}
_VOWELS = frozenset("аеёиоуэюя")


@cache  # the name tables repeat a few hundred syllables thousands of times
def _syllable(pinyin: str) -> str:
    if pinyin in _WHOLE:
        return _WHOLE[pinyin]
    for initial, cyrillic in _INITIALS:
        if pinyin.startswith(initial):
            final = pinyin[len(initial) :]
            # After j, q and x a written u is ü (ju = jü).
            if initial in "jqx" and final.startswith("u"):
                final = "v" + final[1:]
            return cyrillic + _FINALS[final]
    return _FINALS[pinyin]


def palladius(pinyin: str) -> str:
    """Space-separated pinyin syllables as one capitalised Palladius word.

    Raises KeyError for a syllable that is not pinyin.
    """
    out = ""
    for syllable in pinyin.split():
        cyrillic = _syllable(syllable)
        if out.endswith("н") and cyrillic[0] in _VOWELS:
            out += "ъ"
        out += cyrillic
    return out[:1].upper() + out[1:]
