"""The typed result of an exposure analysis, which every reporter renders.

`ExposureResult.to_dict()` is the JSON report. Its keys are stable (listed in
`JSON_KEYS` and documented on each class); shares are fractions in [0, 1].
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import polars as pl

__all__ = [
    "JSON_FORMAT",
    "Diversity",
    "ExposureResult",
    "ExposureSettings",
    "FieldFlow",
    "HistogramBin",
    "InputSummary",
    "KindFlow",
    "LadderRow",
    "RiskMetrics",
    "SubsetRow",
]

#: The `format` key of the JSON report; bumped when a key changes meaning.
JSON_FORMAT = "kzcn-exposure/1"


@dataclass(frozen=True, slots=True)
class ExposureSettings:
    """What was measured, and how.

    Attributes:
        qi: Quasi-identifier paths into the subject's person record.
        sensitive: The sensitive attribute's path.
        threshold: τ of "records at risk" (records whose risk 1/size exceeds it).
        candidates: Fields whose subsets up to `max_subset` are checked.
        max_subset: Largest subset size checked.
        keys: How each QI path becomes a grouping key.
        notes: How persons, nulls and skipped lines are treated.
    """

    qi: tuple[str, ...]
    sensitive: str
    threshold: float
    candidates: tuple[str, ...]
    max_subset: int
    keys: dict[str, str]
    notes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class InputSummary:
    """What was read.

    Attributes:
        source: File name, `-` for standard input, or `<records>`.
        positions: `line` (JSONL line numbers) or `item` (1-based array position).
        lines: Lines (or items) read.
        messages: Messages of a known kind that were analysed.
        skipped: Lines not analysed, by reason.
        messages_with_subject: Messages that carry a person.
        messages_without_subject: Statistics and suspension notices.
        persons: Distinct persons after deduplication.
        recurring_persons: Persons found in more than one message.
        recurring_messages: Messages about those persons: whoever finds such a
            person in one message finds them in all of these.
        invalid: Records the default screen rejected (`kzcn.exposure._screen`).
        invalid_included: Whether they were kept in the metrics
            (`include_invalid`); otherwise they are among `skipped`, as `invalid`.
    """

    source: str
    positions: str
    lines: int
    messages: int
    skipped: dict[str, int]
    messages_with_subject: int
    messages_without_subject: int
    persons: int
    recurring_persons: int = 0
    recurring_messages: int = 0
    invalid: int = 0
    invalid_included: bool = False


@dataclass(frozen=True, slots=True)
class KindFlow:
    """Messages of one kind from one authority to another."""

    kind: str
    sender_state: str | None
    sender_authority: str | None
    recipient_state: str | None
    recipient_authority: str | None
    messages: int


@dataclass(frozen=True, slots=True)
class FieldFlow:
    """How often one personal field crosses the border in this dataset.

    Attributes:
        path: Catalogue path from the message root.
        owner: Label key of the field.
        role: Privacy role.
        categories: Legal category codes.
        messages: Messages that carry a value for it.
        people: Distinct persons whose value crosses at least once.
    """

    path: str
    owner: str
    role: str | None
    categories: tuple[str, ...]
    messages: int
    people: int


@dataclass(frozen=True, slots=True)
class HistogramBin:
    """Equivalence classes whose size is in [low, high] (high None: no upper bound)."""

    low: int
    high: int | None
    classes: int
    records: int

    @property
    def label(self) -> str:
        """`1`, `5-9` or `100+`."""
        if self.high is None:
            return f"{self.low}+"
        return str(self.low) if self.low == self.high else f"{self.low}-{self.high}"


@dataclass(frozen=True, slots=True)
class RiskMetrics:
    """Equivalence classes and ARX's sample-based risks over one QI set.

    Attributes:
        records: People measured (one row per distinct person).
        classes: Equivalence classes (sets of people sharing every QI value).
        k: Size of the smallest class (None with no people).
        unique_records: People alone in their class.
        sample_uniqueness: unique_records / records.
        prosecutor_highest: 1 / k.
        prosecutor_average: classes / records (the mean over people of 1/size).
        records_at_risk: Share of people whose risk 1/size exceeds the threshold.
        marketer: ARX's marketer success rate, Σ f/F / n; without a population
            table F = f, so it equals classes / records.
        histogram: Classes and people by class size, in bins.
        class_sizes: Exact histogram: (class size, number of classes).
    """

    records: int
    classes: int
    k: int | None
    unique_records: int
    sample_uniqueness: float
    prosecutor_highest: float
    prosecutor_average: float
    records_at_risk: float
    records_at_risk_count: int
    marketer: float
    histogram: tuple[HistogramBin, ...]
    class_sizes: tuple[tuple[int, int], ...]


@dataclass(frozen=True, slots=True)
class Diversity:
    """l-diversity of the sensitive attribute within the QI classes.

    Attributes:
        sensitive: The attribute.
        distinct_l: Fewest distinct values in any class.
        entropy_l: Smallest exp(entropy) over classes (natural log), a float.
        classes_homogeneous: Classes whose people all share one value.
        records_homogeneous: People in such classes (their value is disclosed
            to anyone who knows their QI values).
    """

    sensitive: str
    distinct_l: int | None
    entropy_l: float | None
    classes_homogeneous: int
    records_homogeneous: int


@dataclass(frozen=True, slots=True)
class SubsetRow:
    """Uniqueness on one subset of the candidate fields."""

    fields: tuple[str, ...]
    classes: int
    k: int | None
    unique_records: int
    sample_uniqueness: float
    records_at_risk: float


@dataclass(frozen=True, slots=True)
class LadderRow:
    """Uniqueness after coarsening birth date and birthplace."""

    date_level: str
    place_level: str
    qi: tuple[str, ...]
    classes: int
    k: int | None
    unique_records: int
    sample_uniqueness: float
    records_at_risk: float


@dataclass(frozen=True, slots=True)
class ExposureResult:
    """Everything the reports show.

    Attributes:
        settings: What was measured and how.
        input: What was read.
        kind_flows: Messages per kind and authority → authority.
        field_flows: Per personal field, messages and people it crosses for.
        risk: Classes and risks over the QI set.
        diversity: l-diversity of the sensitive attribute.
        subsets: Uniqueness of every candidate subset, most identifying first.
        ladder: Uniqueness as birth date and place are coarsened.
        per_record: One row per input line, when asked for (not in `to_dict`).
        persons: One row per distinct person with the values read, when asked
            for (the explorer codes them; never in `to_dict`).
    """

    settings: ExposureSettings
    input: InputSummary
    kind_flows: tuple[KindFlow, ...]
    field_flows: tuple[FieldFlow, ...]
    risk: RiskMetrics
    diversity: Diversity
    subsets: tuple[SubsetRow, ...]
    ladder: tuple[LadderRow, ...]
    per_record: pl.DataFrame | None = field(default=None, compare=False, repr=False)
    persons: pl.DataFrame | None = field(default=None, compare=False, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """The JSON report: stable keys, plain JSON values."""
        body = {
            "format": JSON_FORMAT,
            "settings": asdict(self.settings),
            "input": asdict(self.input),
            "flows": {
                "kinds": [asdict(row) for row in self.kind_flows],
                "fields": [asdict(row) for row in self.field_flows],
            },
            "risk": {
                **asdict(self.risk),
                "histogram": [{**asdict(b), "label": b.label} for b in self.risk.histogram],
                "class_sizes": [
                    {"size": size, "classes": count} for size, count in self.risk.class_sizes
                ],
            },
            "diversity": asdict(self.diversity),
            "subsets": [asdict(row) for row in self.subsets],
            "ladder": [asdict(row) for row in self.ladder],
        }
        jsonable: dict[str, Any] = _jsonable(body)
        return jsonable


def _jsonable(value: Any) -> Any:
    """Tuples become lists, so the dict equals its JSON round trip."""
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(item) for item in value]
    return value
