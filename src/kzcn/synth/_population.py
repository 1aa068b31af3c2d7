"""The populations the exchange is about, and the codes columns use for states and people."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import orjson

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
