"""The linkage lesson: how many exchanged people a public list names.

An outsider holds a list of profiles with a birth date, sex and home town
(`kzcn generate --outside-list`, or any CSV with those columns). Each person
of the dataset is keyed the same way (birth date, sex, birthplace locality in
Latin form). A person is *re-identified* when their key is unique in the
dataset and matches exactly one profile: the outsider can put a name from the
list on that person's record, and nobody else fits.

ARX's journalist model takes the list as the population the dataset was drawn
from: F is the number of profiles with a class's key, f the class's size in
the dataset. A class whose key is not in the list cannot be linked (risk 0).
Highest risk = 1/min F over linkable classes; records at risk = share of
people with 1/F > τ; success rate = Σ f/F over linkable classes, divided by
the people in the dataset (the expected share of correct links). ARX
assumes the population holds the sample, so F is at least f.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import polars as pl

__all__ = ["LINK_COLUMNS", "LinkageError", "LinkageResult", "compute_linkage"]

#: The list's columns the link is made on.
LINK_COLUMNS = ("date_of_birth", "sex", "home_town")


class LinkageError(ValueError):
    """The outside list cannot be read or lacks a column."""


@dataclass(frozen=True, slots=True)
class LinkageResult:
    """What linking the dataset to an outside list gives.

    Attributes:
        source: The list's file name.
        profiles: Profiles in the list.
        people: People in the dataset.
        matched: People whose key appears in the list at all.
        reidentified: People unique in the dataset whose key matches exactly
            one profile.
        journalist_highest: 1 / min F over linkable classes (0 when none).
        journalist_records_at_risk: Share of people with 1/F > τ.
        journalist_success: Σ f/F over linkable classes / people.
        threshold: τ.
    """

    source: str
    profiles: int
    people: int
    matched: int
    reidentified: int
    journalist_highest: float
    journalist_records_at_risk: float
    journalist_success: float
    threshold: float

    @property
    def share(self) -> float:
        """Re-identified people as a share of the dataset's people."""
        return self.reidentified / self.people if self.people else 0.0

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (the `linkage` key of the JSON report)."""
        return {**asdict(self), "reidentified_share": self.share}


def _read_list(path: Path) -> pl.DataFrame:
    try:
        table = pl.read_csv(path, infer_schema=False)
    except (OSError, pl.exceptions.PolarsError) as error:
        raise LinkageError(f"{path}: cannot be read as CSV ({type(error).__name__})") from None
    missing = [c for c in LINK_COLUMNS if c not in table.columns]
    if missing:
        raise LinkageError(f"{path}: the list has no column {', '.join(missing)}")
    return table.select(
        pl.col("date_of_birth").str.strip_chars(),
        pl.col("sex").str.strip_chars().str.to_uppercase(),
        pl.col("home_town").str.strip_chars().str.to_uppercase(),
    )


def compute_linkage(persons: pl.DataFrame, path: Path, threshold: float) -> LinkageResult:
    """Link the dataset's people (`ExposureResult.persons`) to the list at `path`.

    Raises:
        LinkageError: the list cannot be read or lacks a column.
    """
    profiles = _read_list(path)
    keys = list(LINK_COLUMNS)
    sample = (
        persons.select(
            pl.col("date_of_birth"),
            pl.col("sex"),
            pl.col("place_locality").str.to_uppercase().alias("home_town"),
        )
        .group_by(keys)
        .agg(pl.len().alias("f"))
    )
    population = profiles.group_by(keys).agg(pl.len().alias("F"))
    # The population holds at least the sample's own people (ARX assumes F >= f).
    linked = sample.join(population, on=keys, how="inner").with_columns(
        pl.max_horizontal("F", "f").alias("F")
    )
    people = int(sample["f"].sum() or 0)
    at_risk = linked.filter(1.0 / pl.col("F") > threshold)["f"].sum()
    min_f = linked["F"].min() if linked.height else None
    return LinkageResult(
        source=path.name,
        profiles=profiles.height,
        people=people,
        matched=int(linked["f"].sum() or 0),
        reidentified=linked.filter((pl.col("f") == 1) & (pl.col("F") == 1)).height,
        journalist_highest=1.0 / float(min_f) if min_f else 0.0,  # type: ignore[arg-type]
        journalist_records_at_risk=int(at_risk or 0) / people if people else 0.0,
        journalist_success=float((linked["f"] / linked["F"]).sum()) / people if people else 0.0,
        threshold=threshold,
    )
