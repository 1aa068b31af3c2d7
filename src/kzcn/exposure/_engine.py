"""The metrics: columnar operations over one row per distinct person.

Measurements (`tests/benchmarks/bench_exposure.py`, and the anchors in
`shared/reference/exposure-anchors.md`) put columnar group-bys at about a
thousand times pycanon's speed on a million people, so every metric is a
group-by (polars) or, where the key space is small, a dense count over
integer codes (`numpy.bincount`, several times faster again); nothing loops
over classes in Python.

Definitions (ARX, `RiskModelSampleSummary`): f = class size, n = people,
C = classes, τ = threshold. Prosecutor highest = 1/min f; records at risk =
share of people with 1/f > τ; average = C/n. Marketer = Σ f/F / n, which is
C/n without a population table (F = f). Distinct l = fewest distinct
sensitive values in a class; entropy l = min over classes of exp(H),
H = ln s - Σ c ln c / s (natural log), reported as a float.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any, Protocol, cast

import numpy as np
import numpy.typing as npt
import polars as pl

from kzcn.exposure._qi import DATE_LEVELS, PLACE_LEVELS, ResolvedPath, date_expr, place_expr
from kzcn.exposure.result import Diversity, HistogramBin, LadderRow, RiskMetrics, SubsetRow

__all__ = [
    "HISTOGRAM_EDGES",
    "Classes",
    "CodedColumns",
    "Tally",
    "by_source",
    "diversity",
    "ladder",
    "minimal_unique_subsets",
    "person_rows",
    "risk_metrics",
    "subset_rows",
]

#: Lower edges of the class-size histogram's bins (the last is open).
HISTOGRAM_EDGES = (1, 2, 3, 4, 5, 10, 20, 50, 100)

# Integer keys are combined by mixed radix while the product of cardinalities
# stays below this; past it, the group-by runs on the code columns together.
_MAX_RADIX = 2**62
# Key spaces up to this size are counted densely (`numpy.bincount`, one int64
# per possible key: 128 MiB at most); larger ones by a hash group-by. On a
# million people the 30 subsets and the ladder of the default report all fit,
# and counting is about five times faster than grouping (bench_exposure.py).
_MAX_DENSE = 2**24

Codes = npt.NDArray[np.int64]
#: One key's codes per person: 64-bit, or 32-bit where they come from DuckDB (`from_codes`).
KeyCodes = npt.NDArray[np.int64] | npt.NDArray[np.int32]
#: The classes over a key set as a tally: the distinct class sizes (ascending) and how
#: many classes have each. Every metric is a sum over it, and it stays small (a few
#: hundred rows) however many people there are, so it is all an engine that keeps the
#: people elsewhere (`_indb.KeyTable`) hands back.
Tally = tuple[Codes, Codes]


class Classes(Protocol):
    """Where the class sizes and l-diversity over key sets come from."""

    def tally(self, names: Sequence[str]) -> Tally:
        """The classes over `names`, tallied by size (`Tally`)."""

    def diversity(self, qi: Sequence[str], sensitive: str, name: str) -> Diversity:
        """l-diversity of `sensitive` within the classes over `qi`."""


def tally(sizes: Codes) -> Tally:
    """The `Tally` of class sizes (a count by size: linear, no sort)."""
    counts = np.bincount(sizes) if sizes.size else np.zeros(0, dtype=np.int64)
    values = np.flatnonzero(counts).astype(np.int64)
    return values, counts[values].astype(np.int64)


# --- persons ---------------------------------------------------------------------


def occurrences(
    messages: pl.DataFrame, listed: pl.DataFrame, documents: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Every person a message carries, one row each, keyed by `occ`; and their documents.

    The subjects (slot 0) and the listed persons (slots from 1) of the
    readers' frames; `occ` = line × stride + slot grows in input order (the
    stride is 1 when nobody is listed, so `occ` is the line), and the
    documents get the `occ` of their person.
    """
    stride = int(cast("int", listed["slot"].max()) + 1) if listed.height else 1
    occ = (pl.col("line") * stride + pl.col("slot")).alias("occ")
    subjects = messages.filter(pl.col("has_subject"))
    if listed.height:
        kinds = messages.select("line", "kind").join(listed.select("line").unique(), on="line")
        # A listed person's `presence` is their item's (`_read.Extracted.listed`).
        listed = listed.join(kinds, on="line", how="left").with_columns(
            pl.lit(value=True).alias("has_subject")
        )
        subjects = pl.concat(
            [subjects.with_columns(pl.lit(0, pl.Int64).alias("slot")), listed],
            how="diagonal_relaxed",
        )
        people = subjects.select(occ, pl.exclude("slot"))
    else:
        people = subjects.with_columns(pl.col("line").alias("occ"))
    return people, documents.select(occ, "document")


def person_rows(people: pl.DataFrame, documents: pl.DataFrame) -> pl.DataFrame:
    """The person rows (`occurrences`), each with `person`: its person's first `occ`.

    Two rows are the same person when they share a document (issuing state,
    type and number); sharing is followed transitively (connected
    components, see `_components`: near-linear, so a chain of thousands of
    messages each sharing a document with the next is as quick as unrelated
    ones). A person's values are those of their first appearance in input
    order. A person without documents is a person of their own.

    Documents are compared by a 64-bit hash of their key (a collision among a
    few million documents has a probability below one in a million), and only
    documents seen on more than one line take part in the propagation, which
    keeps it small: most people appear once.

    Args:
        people: One row per person a message carries (`occ`, values).
        documents: `occ`, `document` pairs of their documents.
    """
    rows = people
    edges = documents.select("occ", pl.col("document").hash())
    # Most documents appear on one row: keeping only hashes seen twice (a sort,
    # no hash table: several times faster than `is_duplicated`) leaves a small
    # table for the exact test of "seen on two lines".
    repeated = _repeated(edges["document"].to_numpy())
    edges = edges.filter(pl.col("document").is_in(pl.Series(repeated).implode())).unique()
    shared = (
        edges.group_by("document")
        .agg(pl.len().alias("lines"))
        .filter(pl.col("lines") > 1)
        .select("document")
    )
    edges = edges.join(shared, on="document", how="semi")
    lines, first = _components(edges["occ"].to_numpy(), edges["document"].to_numpy())
    # A lookup keeps the rows in line order (a join would need a sort after).
    person = pl.col("occ").replace_strict(
        pl.Series(lines, dtype=pl.Int64), pl.Series(first, dtype=pl.Int64), default=pl.col("occ")
    )
    return rows.with_columns(person.alias("person"))


def _components(line: Codes, document: npt.NDArray[np.uint64]) -> tuple[Codes, Codes]:
    """The distinct lines of `line`/`document` pairs, and each one's smallest linked line.

    Lines and documents are the nodes of one graph (lines first, in order, so
    the smallest node of a component is its first line), a pair an edge.
    Every round hooks each root to the smallest root across its edges, then
    jumps pointers until each node points at its root: the components at
    least halve in number each round, so the rounds are logarithmic and each
    is a few vectorised passes over the edges. (Propagating labels along the
    edges instead takes as many rounds as the longest chain: quadratic.)
    """
    lines, u = np.unique(line, return_inverse=True)
    documents, v = np.unique(document, return_inverse=True)
    # Node numbers in 32 bits while they fit: these arrays, a few per edge, are the
    # in-DuckDB report's largest Python allocation (its peak at 5M messages).
    index: type[np.signedinteger[Any]] = (
        np.int32 if len(lines) + len(documents) < 2**31 else np.int64
    )
    u, v = u.astype(index), (v + len(lines)).astype(index)
    parent = np.arange(len(lines) + len(documents), dtype=index)
    del documents
    while True:
        root_u, root_v = parent[u], parent[v]
        if np.array_equal(root_u, root_v):
            break
        low = np.minimum(root_u, root_v)
        np.minimum.at(parent, root_u, low)
        np.minimum.at(parent, root_v, low)
        while True:  # pointer jumping: every node to its root
            jumped = parent[parent]
            if np.array_equal(jumped, parent):
                break
            parent = jumped
    return lines.astype(np.int64), lines[parent[: len(lines)]].astype(np.int64)


def _repeated(values: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    """The values that occur more than once."""
    ordered = np.sort(values)
    return np.unique(ordered[1:][ordered[1:] == ordered[:-1]])


# --- coded columns -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CodedColumns:
    """Key columns turned into small integers once, so that many group-bys are cheap.

    `frame` has one Int64 code column per key, 0..cardinality-1. Values are
    coded through a 64-bit hash (ranking integers is several times faster than
    ranking strings; a collision among a million values has a probability
    below one in ten million). Null hashes to a value of its own, so it is a
    value of its own.
    """

    frame: pl.DataFrame
    cardinality: dict[str, int]
    codes: dict[str, KeyCodes]

    @classmethod
    def build(cls, persons: pl.DataFrame, keys: dict[str, pl.Expr]) -> CodedColumns:
        """Code each key expression over `persons` (null is a value of its own).

        Keys computed from the same columns (the birth date at four levels, the
        birthplace at three) are coded over the distinct values of those
        columns, then spread to every person through the code of their value:
        a few thousand string operations instead of a million per key. The
        codes are the same as coding each key over every person, since the
        distinct rows hold the same set of values.
        """
        columns: dict[str, pl.Series] = {}
        for source, group in by_source(keys).items():
            if len(group) == 1:
                ((name, expr),) = group.items()
                columns[name] = persons.select(_code(expr).alias(name)).to_series()
                continue
            value = persons.select(
                _code(pl.struct(source) if len(source) > 1 else pl.col(source[0])).alias("value")
            ).to_series()
            distinct = (
                persons.select(*source)
                .with_columns(value)
                .unique("value", keep="any")
                .sort("value")
                .select(_code(expr).alias(name) for name, expr in group.items())
            )
            columns.update({name: distinct[name].gather(value) for name in group})
        frame = pl.DataFrame([columns[name].alias(name) for name in keys], height=persons.height)
        cardinality = {
            name: int(cast("int", frame[name].max() or 0)) + 1 if frame.height else 1
            for name in keys
        }
        return cls(frame, cardinality, {name: frame[name].to_numpy() for name in keys})

    @classmethod
    def from_codes(cls, codes: dict[str, KeyCodes], height: int) -> CodedColumns:
        """Codes computed elsewhere (0..cardinality-1 per key; `_indb` codes them in DuckDB).

        32-bit codes stay 32-bit (half the memory of a person's keys); keys are
        combined in 64 bits all the same (`dense_key`, `key`).
        """
        frame = pl.DataFrame([pl.Series(name, code) for name, code in codes.items()], height=height)
        cardinality = {
            name: int(code.max()) + 1 if code.size else 1 for name, code in codes.items()
        }
        return cls(frame, cardinality, {name: frame[name].to_numpy() for name in codes})

    def key(self, names: Sequence[str]) -> pl.Expr:
        """One Int64 key for the combination of `names` (mixed radix)."""
        expr: pl.Expr = pl.lit(0, dtype=pl.Int64)
        for name in names:
            expr = expr * self.cardinality[name] + pl.col(name)
        return expr

    def fits(self, names: Sequence[str]) -> bool:
        """Whether `names` can share one Int64 key."""
        return math.prod(self.cardinality[name] for name in names) < _MAX_RADIX

    def dense_key(self, names: Sequence[str]) -> tuple[Codes, int] | None:
        """Each row's key over `names` and the size of the key space, if it is small."""
        space = math.prod(self.cardinality[name] for name in names)
        if space > _MAX_DENSE:
            return None
        key = np.zeros(self.frame.height, dtype=np.int64)
        for name in names:
            key *= self.cardinality[name]
            key += self.codes[name]
        return key, space

    def sizes_per_row(self, names: Sequence[str]) -> pl.Series:
        """Each row's class size over `names`."""
        if not names:
            return pl.Series("size", [self.frame.height] * self.frame.height, dtype=pl.Int64)
        dense = self.dense_key(names)
        if dense is not None:
            key, space = dense
            return pl.Series("size", np.bincount(key, minlength=space)[key], pl.Int64)
        # Past 2**62 value combinations, group on the code columns together.
        expr = pl.len().over(self.key(names) if self.fits(names) else list(names))
        return self.frame.select(expr.cast(pl.Int64).alias("size"))["size"]

    def class_sizes(self, names: Sequence[str]) -> Codes:
        """The size of every class over `names` (in no particular order)."""
        if not names:
            return np.array([self.frame.height] if self.frame.height else [], dtype=np.int64)
        dense = self.dense_key(names)
        if dense is not None:
            key, space = dense
            counts = np.bincount(key, minlength=space)
            return counts[counts > 0]
        group = [self.key(names).alias("key")] if self.fits(names) else list(names)
        sizes = self.frame.group_by(group).agg(pl.len().cast(pl.Int64).alias("size"))["size"]
        return sizes.to_numpy()

    def tally(self, names: Sequence[str]) -> Tally:
        """The classes over `names`, tallied by size (`Classes`)."""
        return tally(self.class_sizes(names))

    def diversity(self, qi: Sequence[str], sensitive: str, name: str) -> Diversity:
        """l-diversity of `sensitive` within the classes over `qi` (`Classes`)."""
        return diversity(self, qi, sensitive, name)


def _code(expr: pl.Expr) -> pl.Expr:
    """0..cardinality-1 codes of a key, through its 64-bit hash (see `CodedColumns`)."""
    return expr.hash().rank("dense").cast(pl.Int64) - 1


def by_source(keys: dict[str, pl.Expr]) -> dict[tuple[str, ...], dict[str, pl.Expr]]:
    """The keys grouped by the columns they read (groups sharing a column merged)."""
    groups: list[tuple[set[str], dict[str, pl.Expr]]] = []
    for name, expr in keys.items():
        roots, members = set(expr.meta.root_names()), {name: expr}
        for other in [g for g in groups if g[0] & roots]:
            groups.remove(other)
            roots |= other[0]
            members = {**other[1], **members}
        groups.append((roots, members))
    return {tuple(sorted(roots)): members for roots, members in groups}


# --- metrics ---------------------------------------------------------------------------


def _histogram(classes: Tally) -> tuple[HistogramBin, ...]:
    sizes, counts = classes
    bins: list[HistogramBin] = []
    for index, low in enumerate(HISTOGRAM_EDGES):
        high = HISTOGRAM_EDGES[index + 1] - 1 if index + 1 < len(HISTOGRAM_EDGES) else None
        mask = (sizes >= low) if high is None else ((sizes >= low) & (sizes <= high))
        bins.append(
            HistogramBin(low, high, int(counts[mask].sum()), int((sizes * counts)[mask].sum()))
        )
    return tuple(bins)


def _at_risk(classes: Tally, threshold: float) -> int:
    """People whose risk 1/f exceeds τ (strictly, as ARX counts them)."""
    sizes, counts = classes
    return int((sizes * counts)[1.0 / sizes > threshold].sum())


def _totals(classes: Tally) -> tuple[int, int, int]:
    """People, classes and people alone in their class."""
    sizes, counts = classes
    return int((sizes * counts).sum()), int(counts.sum()), int(counts[sizes == 1].sum())


def risk_metrics(classes: Tally, threshold: float) -> RiskMetrics:
    """ARX's sample-based figures from the class sizes."""
    records, count, unique = _totals(classes)
    if records == 0:
        return RiskMetrics(0, 0, None, 0, 0.0, 0.0, 0.0, 0.0, 0, 0.0, _histogram(classes), ())
    sizes, counts = classes
    k = int(sizes[0])
    at_risk = _at_risk(classes, threshold)
    return RiskMetrics(
        records=records,
        classes=count,
        k=k,
        unique_records=unique,
        sample_uniqueness=unique / records,
        prosecutor_highest=1.0 / k,
        prosecutor_average=count / records,
        records_at_risk=at_risk / records,
        records_at_risk_count=at_risk,
        # Σ over classes of f/F, divided by n; F = f without a population table.
        marketer=count / records,
        histogram=_histogram(classes),
        class_sizes=tuple(zip(sizes.tolist(), counts.tolist(), strict=True)),
    )


def diversity(coded: CodedColumns, qi: Sequence[str], sensitive: str, name: str) -> Diversity:
    """Distinct and entropy l-diversity of `sensitive` within the classes over `qi`."""
    if coded.frame.height == 0:
        return Diversity(name, None, None, 0, 0)
    frame = coded.frame.select(
        (coded.key(qi) if qi else pl.lit(0, dtype=pl.Int64)).alias("class"),
        pl.col(sensitive).alias("value"),
    )
    counts = frame.group_by("class", "value").agg(pl.len().cast(pl.Float64).alias("c"))
    per_class = counts.group_by("class").agg(
        pl.len().alias("distinct"),
        pl.col("c").sum().alias("s"),
        (pl.col("c") * pl.col("c").log()).sum().alias("c_log_c"),
    )
    # H = ln s - Σ c ln c / s, which is -Σ p ln p with p = c/s.
    per_class = per_class.with_columns(
        (pl.col("s").log() - pl.col("c_log_c") / pl.col("s")).exp().alias("exp_h")
    )
    homogeneous = per_class.filter(pl.col("distinct") == 1)
    return Diversity(
        sensitive=name,
        distinct_l=int(per_class["distinct"].min()),  # type: ignore[arg-type]
        # exp(0) of a pure class can come out as 0.9999999999999998; 1 is exact.
        entropy_l=max(1.0, float(per_class["exp_h"].min())),  # type: ignore[arg-type]
        classes_homogeneous=homogeneous.height,
        records_homogeneous=int(homogeneous["s"].sum() or 0),
    )


def _summary(classes: Tally, threshold: float) -> tuple[int, int | None, int, float, float]:
    records, count, unique = _totals(classes)
    if records == 0:
        return 0, None, 0, 0.0, 0.0
    at_risk = _at_risk(classes, threshold)
    return count, int(classes[0][0]), unique, unique / records, at_risk / records


def candidate_subsets(candidates: Sequence[str], max_size: int) -> list[tuple[str, ...]]:
    """Every non-empty subset of `candidates` up to `max_size` fields, smallest first."""
    return [
        subset
        for size in range(1, min(max_size, len(candidates)) + 1)
        for subset in combinations(candidates, size)
    ]


def subset_rows(
    coded: Classes, subsets: Sequence[tuple[str, ...]], threshold: float
) -> tuple[SubsetRow, ...]:
    """Uniqueness on each subset, most identifying first (then fewer fields first)."""
    rows = []
    for subset in subsets:
        classes, k, unique, uniqueness, at_risk = _summary(coded.tally(subset), threshold)
        rows.append(SubsetRow(subset, classes, k, unique, uniqueness, at_risk))
    return tuple(sorted(rows, key=lambda r: (-r.sample_uniqueness, len(r.fields), r.fields)))


def ladder_keys(resolved: Sequence[ResolvedPath]) -> tuple[list[str], list[str]]:
    """The date and place levels the ladder walks for this QI set."""
    generalised = {r.generalises for r in resolved}
    dates = list(DATE_LEVELS) if "date" in generalised else ["full"]
    places = ["-"]
    place_paths = [r.path for r in resolved if r.generalises == "place"]
    if place_paths:
        finest = min(PLACE_LEVELS.index(_level_of(path)) for path in place_paths)
        places = list(PLACE_LEVELS[finest:])
    return dates, places


def _level_of(path: str) -> str:
    if path.startswith("place_of_birth.region"):
        return "region"
    if path == "place_of_birth.country":
        return "country"
    return "locality"


def ladder_columns(resolved: Sequence[ResolvedPath]) -> dict[str, pl.Expr]:
    """Key expressions of every ladder level, named `date:<level>` and `place:<level>`."""
    dates, places = ladder_keys(resolved)
    columns: dict[str, pl.Expr] = {}
    if "date" in {r.generalises for r in resolved}:
        columns.update({f"date:{level}": date_expr(level) for level in dates})
    if places != ["-"]:
        columns.update({f"place:{level}": place_expr(level) for level in places})
    return columns


def ladder(
    coded: Classes, resolved: Sequence[ResolvedPath], threshold: float
) -> tuple[LadderRow, ...]:
    """Uniqueness at every (date level, place level), other QIs kept as they are."""
    dates, places = ladder_keys(resolved)
    others = [r.path for r in resolved if r.generalises is None]
    has_date = "date" in {r.generalises for r in resolved}
    rows = []
    for date_level in dates:
        for place_level in places:
            names = list(others)
            if has_date:
                names.append(f"date:{date_level}")
            if place_level != "-":
                names.append(f"place:{place_level}")
            classes, k, unique, uniqueness, at_risk = _summary(coded.tally(names), threshold)
            qi = tuple(_ladder_label(name) for name in names)
            rows.append(
                LadderRow(date_level, place_level, qi, classes, k, unique, uniqueness, at_risk)
            )
    return tuple(rows)


def _ladder_label(name: str) -> str:
    if name.startswith("date:"):
        level = name.removeprefix("date:")
        return "date_of_birth" if level == "full" else f"date_of_birth ({level})"
    if name.startswith("place:"):
        return f"place_of_birth ({name.removeprefix('place:')})"
    return name


def minimal_unique_subsets(coded: CodedColumns, subsets: Sequence[tuple[str, ...]]) -> pl.DataFrame:
    """Per person: how many subsets single them out, and the minimal ones.

    A subset is minimal when it singles the person out and none of its own
    proper subsets does (so every larger subset containing it does too).
    """
    unique = {subset: coded.sizes_per_row(subset) == 1 for subset in subsets}
    minimal_exprs = []
    for subset, flags in unique.items():
        smaller = [unique[s] for s in unique if len(s) < len(subset) and set(s) <= set(subset)]
        minimal = flags
        for other in smaller:
            minimal = minimal & ~other
        name = "+".join(subset)
        minimal_exprs.append(
            pl.when(pl.lit(minimal)).then(pl.lit(name)).otherwise(pl.lit(None, pl.String))
        )
    count = pl.sum_horizontal([pl.lit(flags).cast(pl.Int64) for flags in unique.values()])
    return coded.frame.select(
        count.alias("unique_subset_count") if unique else pl.lit(0).alias("unique_subset_count"),
        (pl.concat_list(minimal_exprs).list.drop_nulls() if minimal_exprs else pl.lit([])).alias(
            "minimal_unique_subsets"
        ),
    )
