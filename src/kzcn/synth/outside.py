"""A synthetic "public list" an outsider might hold, for the linkage lesson.

Think of a social network's export or a school-alumni page: one profile per
person, with a name, a birth date, sex and a home town. The list holds a
share of the people of a generated dataset (their real, synthetic, details)
and as many strangers drawn from the same population (an independent run),
shuffled, so that a participant can ask "how many of the exchanged people
can I find in it?" (`kzcn exposure --linkage`). Everything is synthetic and
seeded: the same arguments give the same bytes.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from typing import IO, Any

import numpy as np

from kzcn.synth.generator import DEFAULT_MIX, Mix, generate

__all__ = ["DEFAULT_OVERLAP", "OUTSIDE_COLUMNS", "outside_profiles", "write_outside_list"]

#: The list's columns; `date_of_birth`, `sex` and `home_town` are what it links on.
OUTSIDE_COLUMNS = ("profile", "name", "date_of_birth", "sex", "home_town")
#: Share of the dataset's people who have a profile in the list.
DEFAULT_OVERLAP = 0.3
# The strangers come from another run: a seed no dataset run uses by accident.
_STRANGERS_SEED = 0x5EED_0075


def _people(messages: Iterable[dict[str, Any]]) -> Iterator[dict[str, str]]:
    """One profile per distinct subject (name and birth date), in order of appearance."""
    seen: set[tuple[str, str]] = set()
    for message in messages:
        subject = message.get("subject")
        if not isinstance(subject, dict):
            continue
        names = [subject.get("surname"), subject.get("given_names")]
        name = " ".join(n["latin"] for n in names if isinstance(n, dict) and n.get("latin"))
        place = subject.get("place_of_birth") or {}
        locality = place.get("locality") if isinstance(place, dict) else None
        town = locality.get("latin", "") if isinstance(locality, dict) else ""
        key = (name, str(subject.get("date_of_birth", "")))
        if key in seen:
            continue
        seen.add(key)
        yield {
            "name": name,
            "date_of_birth": key[1],
            "sex": str(subject.get("sex", "")),
            "home_town": town,
        }


def outside_profiles(
    count: int, *, seed: int = 0, mix: Mix = DEFAULT_MIX, overlap: float = DEFAULT_OVERLAP
) -> list[dict[str, str]]:
    """The public list for the dataset `generate(count, seed, mix)`.

    Args:
        count: Messages of the dataset (as given to `kzcn generate`).
        seed: Its seed.
        mix: Its mix of kinds.
        overlap: Share of its people who have a profile (0-1).

    Raises:
        ValueError: `overlap` is outside 0-1 or `count` is negative.
    """
    if not 0.0 <= overlap <= 1.0:
        raise ValueError(f"overlap must be between 0 and 1, not {overlap}")
    insiders = list(_people(generate(count, seed, mix)))
    rng = np.random.default_rng([seed, _STRANGERS_SEED])
    chosen = [p for p, pick in zip(insiders, rng.random(len(insiders)) < overlap, strict=True)
              if pick]  # fmt: skip
    strangers = list(_people(generate(len(chosen), seed ^ _STRANGERS_SEED, mix)))
    profiles = chosen + strangers[: len(chosen)]
    order = rng.permutation(len(profiles))
    return [
        {"profile": f"P{index + 1:06d}", **profiles[position]}
        for index, position in enumerate(order.tolist())
    ]


def write_outside_list(
    out: IO[bytes], count: int, *, seed: int = 0, mix: Mix = DEFAULT_MIX,
    overlap: float = DEFAULT_OVERLAP,
) -> int:  # fmt: skip
    """Write the public list as CSV (UTF-8, a header row); return the profiles written."""
    rows = outside_profiles(count, seed=seed, mix=mix, overlap=overlap)
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=OUTSIDE_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    out.write(text.getvalue().encode("utf-8"))
    return len(rows)
