"""Wording and number formats shared by the reporters (one source for every format).

Every word a report prints comes from the `report` section of
`kzcn/data/labels_<lang>.json`, and every number is formatted by the
`number` section of the same file, so a Russian, Kazakh or Chinese page holds
no English beyond codes. `sections` turns a result into titled tables of
cells, which the Markdown, terminal and HTML reporters lay out each in their
own way; the HTML adds its charts around the same tables.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from kzcn.authorities import AUTHORITIES, Language
from kzcn.dictionary import Labels, field_dictionary, labels, person_fields
from kzcn.exposure import _layout as layout
from kzcn.exposure.linkage import LinkageResult
from kzcn.exposure.result import ExposureResult
from kzcn.privacy import LEGAL_CATEGORIES
from kzcn.provenance import DATA_PROTECTION, data_protection

__all__ = [
    "ROLES",
    "Cell",
    "Section",
    "Words",
    "headline",
    "linkage_sentence",
    "sections",
    "words",
]

#: Privacy roles, in the order the glossary explains them.
ROLES = ("direct_identifier", "quasi_identifier", "sensitive", "other")
_GLOSSARY_TERMS = ("quasi_identifier", "group", "k", "l", "risk")
_METHOD_NOTES = 5


@dataclass(frozen=True, slots=True)
class Cell:
    """One table cell: words, and optionally a code shown in small print after them.

    Attributes:
        text: What a reader reads (already in the report's language).
        code: A path or code, shown small (`place_of_birth.locality`).
        numeric: Right-aligned.
    """

    text: str
    code: str | None = None
    numeric: bool = False


@dataclass(frozen=True, slots=True)
class Section:
    """A titled part of the report: an explanation and a table (head may be empty)."""

    key: str
    title: str
    explain: str
    head: tuple[str, ...] = ()
    rows: tuple[tuple[Cell, ...], ...] = ()
    level: int = 2
    notes: tuple[str, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class Words:
    """The report's words and number formats in one language."""

    language: Language
    labels: Labels
    report: dict[str, str]
    number: dict[str, str]

    def t(self, key: str, **values: Any) -> str:
        """The text of `key`, with `{name}` placeholders filled in.

        Raises:
            KeyError: the labels file lacks the key (the tests check all four).
        """
        text = self.report[key]
        return text.format(**values) if values else text

    # --- numbers ---------------------------------------------------------------

    def decimal(self, value: float, places: int) -> str:
        """`value` with `places` decimals, grouped and pointed as the language does."""
        text = f"{value:,.{places}f}"
        return (
            text.replace(",", "\0")
            .replace(".", self.number["decimal"])
            .replace("\0", self.number["group"])
        )

    def count(self, value: int | None) -> str:
        """A count with thousands separators (a dash for none)."""
        return "-" if value is None else self.decimal(value, 0)

    def percent(self, share: float) -> str:
        """A share in [0, 1] as a percentage with two decimals."""
        return self.number["percent"].format(value=self.decimal(share * 100, 2))

    def ratio(self, value: float) -> str:
        """A risk with four decimals."""
        return self.decimal(value, 4)

    # --- names -------------------------------------------------------------------

    def path_label(self, path: str) -> str:
        """A field's name from its labels: `Place of birth › Locality`.

        `path` is from the message root (`subject.place_of_birth.locality`) or
        from the person record (`place_of_birth.locality`); the person itself
        is not named, since every personal field is the person's.
        """
        book = field_dictionary()
        person = person_fields()
        parts: list[str] = []
        prefix = ""
        for segment in path.split("."):
            prefix = f"{prefix}.{segment}" if prefix else segment
            bare = prefix.removesuffix("[]")
            entry = person.get(bare) or next(iter(book.by_path(bare)), None)
            if entry is None or bare == layout.SUBJECT:
                continue
            parts.append(self.labels.field_label(entry.owner))
        return self.t("path_separator").join(parts) or path

    def kind(self, kind: str) -> str:
        """The name of a message kind."""
        return self.labels.kind(kind)

    def authority(self, code: str | None) -> str:
        """An authority's name (an unknown code is shown as it is)."""
        if code is None:
            return "-"
        return AUTHORITIES[code].names[self.language] if code in AUTHORITIES else code

    def role(self, role: str | None) -> str:
        """The name of a privacy role."""
        return self.labels.role(role)

    def category_parts(self, code: str) -> tuple[str, str]:
        """(`Law (country), article`, title) of a legal category."""
        category = LEGAL_CATEGORIES[code]
        title = str(self.labels.raw.get("categories", {}).get(code, category.title))
        return f"{self.t('law.' + category.law)}, {self.t('article.' + code)}", title

    def category(self, code: str) -> str:
        """`Law (country), article: title` of a legal category."""
        return ": ".join(self.category_parts(code))

    def level(self, level: str) -> str:
        """A ladder level (`year`, `region`)."""
        return self.t(f"level.{level}")

    def fields(self, paths: Sequence[str]) -> str:
        """Field names joined for a sentence."""
        return self.t("list_separator").join(self.path_label(p) for p in paths)


@cache
def words(language: Language = "en") -> Words:
    """The report's words in `language` (en, ru, kk or zh)."""
    found = labels(language)
    return Words(language, found, dict(found.raw["report"]), dict(found.raw["number"]))


# --- the report's parts -------------------------------------------------------------


def headline(result: ExposureResult, w: Words) -> str:
    """The one sentence to read first."""
    risk = result.risk
    if risk.records == 0:
        return _with_invalid(w.t("headline_empty"), result, w)
    sentence = w.t(
        "headline",
        share=w.percent(risk.sample_uniqueness),
        people=w.count(risk.records),
        fields=w.fields(result.settings.qi),
        k=w.count(risk.k),
    )
    return _with_invalid(sentence, result, w)


def _with_invalid(sentence: str, result: ExposureResult, w: Words) -> str:
    """The headline, and whether invalid records were left out or kept, when there were any."""
    summary = result.input
    if not summary.invalid:
        return sentence
    key = "headline_invalid_included" if summary.invalid_included else "headline_invalid_excluded"
    return f"{sentence} {w.t(key, count=w.count(summary.invalid))}"


def _n(value: str) -> Cell:
    return Cell(value, numeric=True)


def _metric(w: Words, key: str, value: str, **values: Any) -> tuple[Cell, ...]:
    return (Cell(w.t(f"metric.{key}", **values)), _n(value), Cell(w.t(f"metric.{key}.meaning")))


def _skipped(result: ExposureResult, w: Words) -> str:
    skipped = result.input.skipped
    parts = [w.t("skipped", count=w.count(n), reason=reason) for reason, n in skipped.items()]
    return w.t("list_separator").join(parts) or w.t("read.none")


def _read(result: ExposureResult, w: Words) -> Section:
    summary = result.input
    rows = (
        (Cell(w.t("read.source")), Cell("", code=summary.source)),
        (Cell(w.t("read.lines")), _n(w.count(summary.lines))),
        (Cell(w.t("read.messages")), _n(w.count(summary.messages))),
        (Cell(w.t("read.skipped")), Cell(_skipped(result, w))),
        (Cell(w.t("read.without")), _n(w.count(summary.messages_without_subject))),
        (Cell(w.t("read.persons")), _n(w.count(summary.persons))),
        (Cell(w.t("read.recurring")), _n(w.count(summary.recurring_persons))),
        (Cell(w.t("read.recurring_messages")), _n(w.count(summary.recurring_messages))),
    )
    return Section("read", w.t("read.title"), w.t("read.explain"), (), rows)


def _protection(kind: str, w: Words) -> str:
    """What the sources say of the kind's data protection: the basis of each answer."""
    answers = data_protection(kind) if kind in DATA_PROTECTION else None
    if answers is None:
        return ""
    return w.t(
        "protection.summary",
        **{
            key: w.labels.basis(getattr(answers, name).basis)
            for key, name in (
                ("purpose", "purpose"),
                ("recipients", "recipients"),
                ("onward", "onward_transfer"),
                ("retention", "retention"),
            )
        },
    )


def _kinds(result: ExposureResult, w: Words) -> Section:
    rows = tuple(
        (
            Cell(w.kind(row.kind), code=row.kind),
            Cell(f"{w.authority(row.sender_authority)} → {w.authority(row.recipient_authority)}"),
            _n(w.count(row.messages)),
            Cell(_protection(row.kind, w)),
        )
        for row in result.kind_flows
    )
    head = (w.t("col.kind"), w.t("col.direction"), w.t("col.messages"), w.t("col.protection"))
    return Section("kinds", w.t("kinds.title"), w.t("kinds.explain"), head, rows)


def _fields(result: ExposureResult, w: Words) -> Section:
    rows = tuple(
        (
            Cell(w.path_label(row.path), code=row.path),
            Cell(w.role(row.role)),
            Cell(w.t("list_separator").join(_short_laws(row.categories, w))),
            _n(w.count(row.messages)),
            _n(w.count(row.people)),
        )
        for row in result.field_flows
    )
    head = (
        w.t("col.field"),
        w.t("col.role"),
        w.t("col.categories"),
        w.t("col.messages"),
        w.t("col.people"),
    )
    return Section("fields", w.t("fields.title"), w.t("fields.explain"), head, rows)


def _short_laws(codes: Sequence[str], w: Words) -> list[str]:
    """The special categories of a field (every personal field is personal data)."""
    special = [c for c in codes if not c.endswith(".personal")]
    return [w.category(c) for c in special] or [w.role("other")]


def _risk(result: ExposureResult, w: Words) -> Section:
    risk = result.risk
    rows = (
        _metric(w, "records", w.count(risk.records)),
        _metric(w, "classes", w.count(risk.classes)),
        _metric(w, "k", w.count(risk.k)),
        _metric(
            w,
            "sample_uniqueness",
            f"{w.percent(risk.sample_uniqueness)} ({w.count(risk.unique_records)})",
        ),
        _metric(w, "prosecutor_highest", w.ratio(risk.prosecutor_highest)),
        _metric(
            w,
            "records_at_risk",
            f"{w.percent(risk.records_at_risk)} ({w.count(risk.records_at_risk_count)})",
            threshold=w.decimal(result.settings.threshold, 2),
        ),
        _metric(w, "prosecutor_average", w.ratio(risk.prosecutor_average)),
        _metric(w, "marketer", w.ratio(risk.marketer)),
    )
    head = (w.t("col.metric"), w.t("col.value"), w.t("col.meaning"))
    explain = f"{w.t('risk.explain')} {w.t('risk.qi', fields=w.fields(result.settings.qi))}"
    return Section("risk", w.t("risk.title"), explain, head, rows)


def _histogram(result: ExposureResult, w: Words) -> Section:
    total = result.risk.records
    rows = tuple(
        (
            Cell(b.label),
            _n(w.count(b.classes)),
            _n(w.count(b.records)),
            _n(w.percent(b.records / total) if total else "-"),
        )
        for b in result.risk.histogram
    )
    head = (w.t("col.size"), w.t("col.groups"), w.t("col.people"), w.t("col.share"))
    return Section(
        "histogram", w.t("histogram.title"), w.t("histogram.explain"), head, rows, level=3
    )


def _diversity(result: ExposureResult, w: Words) -> Section:
    d = result.diversity
    name = w.path_label(d.sensitive)
    entropy = "-" if d.entropy_l is None else w.decimal(d.entropy_l, 4)
    rows = (
        _metric(w, "distinct_l", w.count(d.distinct_l)),
        _metric(w, "entropy_l", entropy),
        _metric(w, "homogeneous_classes", w.count(d.classes_homogeneous)),
        _metric(w, "homogeneous_people", w.count(d.records_homogeneous)),
    )
    head = (w.t("col.metric"), w.t("col.value"), w.t("col.meaning"))
    return Section(
        "diversity",
        w.t("diversity.title", field=name),
        w.t("diversity.explain", field=name),
        head,
        rows,
        level=3,
    )


def _subsets(result: ExposureResult, w: Words) -> Section:
    rows = tuple(
        (
            Cell(w.fields(row.fields), code=" + ".join(row.fields)),
            _n(w.percent(row.sample_uniqueness)),
            _n(w.count(row.unique_records)),
            _n(w.count(row.classes)),
            _n(w.count(row.k)),
        )
        for row in result.subsets
    )
    head = (
        w.t("col.fields"),
        w.t("col.unique"),
        w.t("col.unique_people"),
        w.t("col.groups"),
        w.t("col.k"),
    )
    title = w.t("subsets.title", size=w.count(result.settings.max_subset))
    return Section("subsets", title, w.t("subsets.explain"), head, rows)


def _ladder(result: ExposureResult, w: Words) -> Section:
    rows = tuple(
        (
            Cell(w.level(row.date_level)),
            Cell(w.level(row.place_level)),
            _n(w.percent(row.sample_uniqueness)),
            _n(w.count(row.k)),
            _n(w.count(row.classes)),
        )
        for row in result.ladder
    )
    head = (
        w.t("col.date"),
        w.t("col.place"),
        w.t("col.unique"),
        w.t("col.k"),
        w.t("col.groups"),
    )
    return Section("ladder", w.t("ladder.title"), w.t("ladder.explain"), head, rows)


def _glossary(result: ExposureResult, w: Words) -> list[Section]:
    roles = tuple((Cell(w.role(r), code=r), Cell(w.t(f"role.{r}"))) for r in ROLES)
    used = dict.fromkeys(c for row in result.field_flows for c in row.categories)
    laws = tuple(
        (Cell(law, code=code), Cell(title))
        for code in used
        for law, title in [w.category_parts(code)]
    )
    terms = tuple((Cell(w.t(f"term.{t}")), Cell(w.t(f"term.{t}.meaning"))) for t in _GLOSSARY_TERMS)
    return [
        Section("glossary", w.t("glossary.title"), "", (), ()),
        Section("glossary-roles", w.t("glossary.roles"), "", (), roles, level=3),
        Section("glossary-laws", w.t("glossary.laws"), "", (), laws, level=3),
        Section("glossary-terms", w.t("glossary.terms"), "", (), terms, level=3),
    ]


def linkage_sentence(linkage: LinkageResult, w: Words) -> str:
    """The linkage result in words a participant can repeat."""
    return w.t(
        "linkage.sentence",
        people=w.count(linkage.people),
        count=w.count(linkage.reidentified),
        share=w.percent(linkage.share),
    )


def _linkage(linkage: LinkageResult, w: Words) -> Section:
    people = linkage.people or 1
    rows = (
        _metric(w, "link_profiles", w.count(linkage.profiles)),
        _metric(
            w, "link_matched", f"{w.count(linkage.matched)} ({w.percent(linkage.matched / people)})"
        ),
        _metric(
            w, "link_reidentified", f"{w.count(linkage.reidentified)} ({w.percent(linkage.share)})"
        ),
        _metric(w, "link_highest", w.ratio(linkage.journalist_highest)),
        _metric(
            w,
            "link_at_risk",
            w.percent(linkage.journalist_records_at_risk),
            threshold=w.decimal(linkage.threshold, 2),
        ),
        _metric(w, "link_success", w.ratio(linkage.journalist_success)),
    )
    head = (w.t("col.metric"), w.t("col.value"), w.t("col.meaning"))
    return Section(
        "linkage",
        w.t("linkage.title"),
        w.t("linkage.explain"),
        head,
        rows,
        notes=(linkage_sentence(linkage, w),),
    )


def _method(w: Words) -> Section:
    notes = tuple(w.t(f"method.{i}") for i in range(1, _METHOD_NOTES + 1))
    return Section("method", w.t("method.title"), "", notes=notes)


def sections(
    result: ExposureResult, w: Words, linkage: LinkageResult | None = None
) -> list[Section]:
    """Every part of the report, in reading order (the linkage lesson when given)."""
    return [
        _read(result, w),
        _kinds(result, w),
        _fields(result, w),
        _risk(result, w),
        *([_linkage(linkage, w)] if linkage is not None else []),
        _histogram(result, w),
        _diversity(result, w),
        _subsets(result, w),
        _ladder(result, w),
        *_glossary(result, w),
        _method(w),
    ]
