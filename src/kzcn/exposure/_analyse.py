"""`compute_exposure`: read messages, find the persons, measure, and return the result."""

from __future__ import annotations

import math
import re
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, get_args

import numpy as np
import polars as pl

from kzcn._pipes import widen_pipe
from kzcn.authorities import AuthorityCode, Party
from kzcn.dictionary import FieldEntry, field_dictionary
from kzcn.exposure import _duck as duck
from kzcn.exposure import _engine as engine
from kzcn.exposure import _indb as indb
from kzcn.exposure import _layout as layout
from kzcn.exposure import _screen as screen
from kzcn.exposure._estimate import default_limit, tables_on_disk
from kzcn.exposure._qi import QuasiIdentifierError, ResolvedPath, resolve
from kzcn.exposure._read import (
    NATIVE_MIN_BYTES,
    SKIP_INVALID,
    Extracted,
    ExtractPlan,
    Reading,
    person_columns,
    read_records,
    read_source,
)
from kzcn.exposure.result import (
    ExposureResult,
    ExposureSettings,
    FieldFlow,
    InputSummary,
    KindFlow,
)
from kzcn.messages import MESSAGE_KINDS

__all__ = [
    "DEFAULT_QI",
    "DEFAULT_THRESHOLD",
    "MAX_QI",
    "MAX_SUBSETS",
    "NOTES",
    "Source",
    "compute_exposure",
    "default_sensitive",
    "write_per_record",
]

#: Birth date, sex and birthplace: what an outsider most often knows. Ethnic
#: nationality is the default sensitive attribute, the one the group may give away.
DEFAULT_QI = ("date_of_birth", "sex", "place_of_birth.locality")
DEFAULT_THRESHOLD = 0.2
#: Fields added to the QIs to make the candidate list of "which fields identify".
EXTRA_CANDIDATES = ("citizenship", "ethnic_nationality")
DEFAULT_MAX_SUBSET = 4
#: Most quasi-identifiers measured together. An attacker's background knowledge
#: is a handful of fields, and every QI adds a key to every group-by.
MAX_QI = 12
#: Most candidate subsets measured (`candidates` taken 1 to `max_subset` at a
#: time); checked before any work, since the count grows combinatorially
#: (28 fields up to 28 at a time: 2**28 subsets). The default report measures 30;
#: `MAX_QI` QIs and the two extra candidates up to 4 at a time make 1,470.
MAX_SUBSETS = 1500
#: DuckDB's memory limit when none is given, where the rows stay in DuckDB (`_indb`):
#: past it DuckDB spills to a temporary directory, so the report's peak stays near a
#: fixed working set. With the metrics in DuckDB too, Parquet, busy machine: 1GB
#: gives 0.69 GiB at 1M and 1.29 GiB at 5M (the limit fills up), 500MB 0.65 and
#: 0.86 GiB, about 15 % slower at 5M (35 s against 31 s, one run each). 320MB: a million
#: messages need about that much at their peak (0.30 GiB), so 1M does not spill more, and the
#: report's peak from 1M to 20M stays within 1.3x of the 1M figure (issue 20; 500MB: 0.66 /
#: 0.89 GiB at 1M / 5M, 320MB: 0.63 / 0.70, busy machine, one run each; as fast).
DEFAULT_MEMORY_LIMIT = "320MB"
#: Standard input this large is spooled to a file (see `_read_stdin`).
STDIN_SPOOL_BYTES = NATIVE_MIN_BYTES
_SPOOL_STEP = 1024 * 1024

NOTES = (
    (
        "One row per distinct person: every person a message carries (its subject, and each "
        "person a prior-change list names) counts; persons who share an identity document "
        "(issuing state, document type and number), directly or through other messages, are "
        "one person; the person's values are those of their first appearance in input order."
    ),
    (
        "Messages without a subject (visa-free statistics, suspension notices) are counted in "
        "the flows but not in the person metrics."
    ),
    (
        "A missing (null) value is a value of its own: people with no recorded locality form "
        "classes together."
    ),
    (
        "Lines that are not JSON, not an object, of an unknown kind, or a person kind without a "
        "subject are skipped and counted by reason; the report does not validate messages "
        "unless asked to (then messages the models reject are skipped as `invalid`)."
    ),
    (
        "Risk figures are sample-based (ARX prosecutor and marketer models, no population "
        "table): they describe this dataset, and a sample unique may not be unique in the "
        "population."
    ),
)

Source = str | Path | bytes | Iterable[Mapping[str, Any] | Any]


def default_sensitive(qi: Sequence[str]) -> str:
    """`ethnic_nationality` unless it is a QI, then `citizenship`."""
    return "citizenship" if "ethnic_nationality" in qi else "ethnic_nationality"


def _paths(value: Sequence[str] | str | None, default: Sequence[str]) -> tuple[str, ...]:
    items = (
        list(default)
        if value is None
        else (value.split(",") if isinstance(value, str) else list(value))
    )
    cleaned = tuple(
        dict.fromkeys(item.strip().removeprefix(f"{layout.SUBJECT}.") for item in items)
    )
    cleaned = tuple(item for item in cleaned if item)
    if not cleaned:
        raise QuasiIdentifierError("give at least one field")
    return cleaned


def _person_kinds() -> frozenset[str]:
    return frozenset(kind for f in field_dictionary().by_path(layout.SUBJECT) for kind in f.kinds)


def _person_lists() -> dict[str, tuple[str, ...]]:
    """Per kind, its lists whose items each carry a person (`_layout.ITEM_SUBJECT`)."""
    lists: dict[str, list[str]] = {}
    for f in field_dictionary().fields:
        head, separator, tail = f.path.partition("[].")
        if separator and tail == layout.ITEM_SUBJECT and "." not in head:
            for kind in f.kinds:
                lists.setdefault(kind, []).append(head)
    return {kind: tuple(dict.fromkeys(keys)) for kind, keys in lists.items()}


def _flow_fields() -> tuple[FieldEntry, ...]:
    """Personal fields with their own annotation (not the parts of an annotated field).

    A list's items count as the message's subject does: a field crosses in a message when
    any item holds a value for it, and for a person a list names when their item does
    (the readers check each item, `_read.Extracted.listed`).
    """
    return tuple(f for f in field_dictionary().fields if f.personal and f.role and not f.inherited)


def _presence_paths(fields: Sequence[FieldEntry]) -> tuple[tuple[str, ...], ...]:
    optional = [f.path for f in fields if not f.required]
    return tuple(tuple(path.replace("[]", ".[]").split(".")) for path in optional)


def _carried(fields: Sequence[FieldEntry]) -> dict[str, frozenset[str]]:
    """Per kind, the optional personal fields it can carry (dotted, `[]` as a segment)."""
    return {
        kind: frozenset(
            f.path.replace("[]", ".[]") for f in fields if not f.required and kind in f.kinds
        )
        for kind in MESSAGE_KINDS
    }


def _read_stdin(
    plan: ExtractPlan, workers: int | None, reading: Reading, into: Any = None
) -> Extracted:
    """Standard input; a large one is spooled to a temporary file first.

    A file can be read by DuckDB or by worker processes, where bytes in memory
    are parsed by this process alone (a million piped messages: several times
    slower), and the spool holds on disk what would otherwise sit in memory.
    """
    stream = sys.stdin.buffer
    widen_pipe(stream)
    head = stream.read(STDIN_SPOOL_BYTES)
    if len(head) < STDIN_SPOOL_BYTES:
        return read_source(head, plan, reading=reading)
    with tempfile.TemporaryDirectory(prefix="kzcn-") as folder:
        spool = Path(folder) / "stdin"  # no suffix: the format is sniffed
        with spool.open("wb") as out:
            out.write(head)
            del head
            shutil.copyfileobj(stream, out, _SPOOL_STEP)
        return read_source(spool, plan, workers, reading=reading, into=into)


def _read(
    source: Source, plan: ExtractPlan, workers: int | None, reading: Reading, into: Any = None
) -> tuple[Extracted, str]:
    """Read `source`; with `into` (a DuckDB connection), DuckDB may load it there instead."""
    if isinstance(source, bytes):
        return read_source(source, plan, reading=reading), "<bytes>"
    if isinstance(source, str) and source == "-":
        return _read_stdin(plan, workers, reading, into), "-"
    if isinstance(source, (str, Path)):
        path = Path(source)
        if not path.is_file():
            raise FileNotFoundError(f"{source}: no such file")
        return read_source(path, plan, workers, reading=reading, into=into), str(source)
    return read_records(source, plan), "<records>"


def _without(extracted: Extracted, flagged: pl.Series) -> Extracted:
    """`extracted` with the flagged rows moved to the skipped ones, as `invalid`."""
    lines = extracted.messages.filter(flagged)["line"]
    skipped = pl.concat(
        [extracted.skipped, pl.DataFrame({"line": lines, "reason": SKIP_INVALID})],
        how="vertical_relaxed",
    )
    return replace(
        extracted,
        messages=extracted.messages.filter(~flagged),
        documents=extracted.documents.filter(~pl.col("line").is_in(lines.implode())),
        listed=extracted.listed.filter(~pl.col("line").is_in(lines.implode())),
        skipped=skipped,
    )


#: The report's phases, in order, as `compute_exposure` announces them.
PHASES = ("reading", "linking people", "classes", "subsets", "ladder")

#: What an envelope value outside the regime's enums is reported as.
OTHER = "other"
_ENVELOPE_ENUMS: dict[str, tuple[str, ...]] = {
    "sender_state": get_args(Party),
    "sender_authority": get_args(AuthorityCode),
    "recipient_state": get_args(Party),
    "recipient_authority": get_args(AuthorityCode),
}


def _enum_or_other(column: str, allowed: Sequence[str]) -> pl.Expr:
    """The column's value when the regime defines it, `other` for anything else, null kept.

    The readers do not validate (unless asked), so an authority field may hold
    anything, a name or a `<script>` included; only the regime's own codes
    reach the result, whichever reader ran.
    """
    value = pl.col(column).cast(pl.String)
    return (
        pl.when(value.is_null())
        .then(None)
        .when(value.is_in(list(allowed)))
        .then(value)
        .otherwise(pl.lit(OTHER))
        .alias(column)
    )


def _kind_flows(messages: pl.DataFrame) -> tuple[KindFlow, ...]:
    """Messages per kind and envelope; `messages` may carry a count per row (`n`)."""
    columns = ["kind", *_ENVELOPE_ENUMS]
    weight = pl.col("n") if "n" in messages.columns else pl.lit(1, pl.Int64)
    envelope = messages.select(
        pl.col("kind"),
        *(_enum_or_other(column, allowed) for column, allowed in _ENVELOPE_ENUMS.items()),
        weight.alias("n"),
    )
    counted = envelope.group_by(columns).agg(pl.col("n").sum().alias("messages"))
    order = {kind: index for index, kind in enumerate(MESSAGE_KINDS)}
    rows = [KindFlow(**row) for row in counted.iter_rows(named=True)]
    return tuple(
        sorted(
            rows,
            # A total order: with invalid records kept, two envelopes can differ in
            # their states alone, and group_by gives its rows in no fixed order.
            key=lambda r: (
                order.get(r.kind, 99),
                -r.messages,
                str(r.sender_authority),
                str(r.recipient_authority),
                str(r.sender_state),
                str(r.recipient_state),
            ),
        )
    )


def _carrying(frame: pl.DataFrame, fields: Sequence[FieldEntry], *keep: str) -> pl.DataFrame:
    """`keep`, and per field a flag: the message carries a value of it."""
    optional = [f.path for f in fields if not f.required]
    # Each kind as one bit, so that "is the kind one of these" is an integer
    # test per field rather than a string lookup per field and message.
    kind_bits = {kind: 1 << index for index, kind in enumerate(MESSAGE_KINDS)}
    kind_bit = pl.col("kind").replace_strict(kind_bits, default=0, return_dtype=pl.Int64)
    flags = []
    for entry in fields:
        mask = sum(kind_bits.get(kind, 0) for kind in set(entry.kinds))
        carries = (pl.col("kind_bit") & mask) != 0
        if not entry.required:
            bit = 1 << optional.index(entry.path)
            carries &= (pl.col("presence") & bit) != 0
        flags.append(carries.alias(entry.path))
    return frame.with_columns(kind_bit.alias("kind_bit")).select(*keep, *flags)


def _weighted_sums(frame: pl.DataFrame, fields: Sequence[FieldEntry]) -> dict[str, int]:
    """Per field: the rows flagged, each counting `n` times."""
    return _sums(frame.select(pl.col(f.path).cast(pl.Int64) * pl.col("n") for f in fields))


def _sums(frame: pl.DataFrame) -> dict[str, int]:
    return {name: int(value or 0) for name, value in frame.sum().row(0, named=True).items()}


def _field_flows(
    in_messages: Mapping[str, int], people: pl.DataFrame, fields: Sequence[FieldEntry]
) -> tuple[FieldFlow, ...]:
    """Per personal field: messages that carry a value (`in_messages`), and distinct persons."""
    # Most people have one message, whose flags are the person's; only people
    # with several messages are grouped ("does any of them carry the field").
    repeated = people.filter(pl.col("person") != pl.col("occ"))["person"].unique()
    several = pl.col("person").is_in(repeated.implode())
    once = _sums(_carrying(people.filter(~several), fields))
    grouped = (
        _carrying(people.filter(several), fields, "person").group_by("person").agg(pl.all().any())
    )
    more = _sums(grouped.drop("person"))
    return tuple(
        FieldFlow(
            f.path, f.owner, f.role, f.categories, in_messages[f.path], once[f.path] + more[f.path]
        )
        for f in fields
    )


def _settings(
    qi: Sequence[ResolvedPath],
    sensitive: ResolvedPath,
    candidates: Sequence[ResolvedPath],
    threshold: float,
    max_subset: int,
) -> ExposureSettings:
    keys = {r.path: r.key for r in (*qi, sensitive, *candidates)}
    return ExposureSettings(
        qi=tuple(r.path for r in qi),
        sensitive=sensitive.path,
        threshold=threshold,
        candidates=tuple(r.path for r in candidates),
        max_subset=max_subset,
        keys=keys,
        notes=NOTES,
    )


#: A memory size as DuckDB reads one (`2GB`, `512MiB`, `1.5 GiB`); checked here, since a
#: setting DuckDB rejects would only send the file to the slower Python reader.
_MEMORY = re.compile(r"\d+(\.\d+)?\s*([KMGT]i?B|B)", re.IGNORECASE)


def _check_options(threshold: float, max_subset: int, memory_limit: str | None = None) -> None:
    if memory_limit is not None and not _MEMORY.fullmatch(memory_limit.strip()):
        raise ValueError(f"memory limit must be a size such as 2GB or 512MiB, not {memory_limit!r}")
    if not 0.0 <= threshold <= 1.0:
        raise ValueError(f"threshold must be between 0 and 1, not {threshold}")
    if max_subset < 1:
        raise ValueError(f"max_subset must be at least 1, not {max_subset}")


def subset_count(candidates: int, max_subset: int) -> int:
    """How many subsets of `candidates` fields have 1 to `max_subset` fields."""
    return sum(math.comb(candidates, size) for size in range(1, min(max_subset, candidates) + 1))


def _check_sizes(
    qi: Sequence[str], sensitive: str, candidates: Sequence[str], max_subset: int
) -> None:
    """Refuse, before any work, settings that are meaningless or that no machine can measure."""
    if sensitive in qi:
        raise QuasiIdentifierError(
            f"the sensitive attribute {sensitive} is also a quasi-identifier; l-diversity "
            "measures what the QIs do not already give away: choose a field outside the QIs"
        )
    if len(qi) > MAX_QI:
        raise QuasiIdentifierError(
            f"{len(qi)} quasi-identifiers; at most {MAX_QI} are measured together"
        )
    count = subset_count(len(candidates), max_subset)
    if count > MAX_SUBSETS:
        raise ValueError(
            f"{len(candidates)} candidate fields taken 1 to {max_subset} at a time make "
            f"{count:,} subsets; at most {MAX_SUBSETS:,} are measured (lower the largest "
            "subset size or give fewer candidate fields)"
        )


def compute_exposure(  # noqa: PLR0913 - every option is a documented knob of the report
    source: Source,
    *,
    qi: Sequence[str] | str | None = None,
    sensitive: str | None = None,
    threshold: float = DEFAULT_THRESHOLD,
    candidates: Sequence[str] | str | None = None,
    max_subset: int = DEFAULT_MAX_SUBSET,
    per_record: bool = False,
    validate: bool = False,
    workers: int | None = None,
    keep_persons: bool = False,
    include_invalid: bool = False,
    delimiter: str | None = None,
    sheet: str | None = None,
    memory_limit: str | None = None,
    on_phase: Callable[[str], None] | None = None,
) -> ExposureResult:
    """Measure what a dataset of messages exposes about the people in it.

    Args:
        source: A path (JSONL, JSON, CSV, TSV, xlsx or Parquet, each maybe
            gzip-compressed), `-` for standard input, the file's bytes, or
            an iterable of messages (dicts or kzcn models).
        qi: Quasi-identifier paths into the subject's person record, as a
            list or a comma-separated string (default `DEFAULT_QI`); at
            most `MAX_QI`.
        sensitive: The sensitive attribute, not one of the QIs (default
            `ethnic_nationality` unless it is a QI, then `citizenship`).
        threshold: τ of ARX's "records at risk" (risk 1/size above it).
        candidates: Fields whose subsets are checked for uniqueness (default:
            the QIs plus citizenship and ethnic nationality).
        max_subset: Largest subset checked; at most `MAX_SUBSETS` subsets
            are measured.
        per_record: Also compute one row per input line (`result.per_record`).
        validate: Skip messages the models reject (slow: builds every model).
        workers: Processes (or DuckDB's threads) that parse a large file
            (default: one per CPU).
        keep_persons: Keep the person rows (`result.persons`) for the explorer.
        include_invalid: Keep the records the default screen rejects
            (`kzcn.exposure._screen`) in the metrics; they are always counted
            (`result.input.invalid`).
        delimiter: The CSV separator; None to sniff it from the header.
        sheet: The `.xlsx` sheet to read; None for the first.
        memory_limit: DuckDB's memory limit for the rows (`2GB`, `512MiB`);
            past it DuckDB spills to a temporary directory. None:
            `DEFAULT_MEMORY_LIMIT`, or, where the rows come to Python
            (`per_record`, `keep_persons`), DuckDB's default (80 % of RAM).
        on_phase: Called with each phase's name (`PHASES`) as it starts, for
            a progress display.

    Returns:
        The typed result the reporters render.

    Raises:
        QuasiIdentifierError: A path is not a single-valued person field, the
            sensitive attribute is a QI, or there are more than `MAX_QI` QIs.
        FileNotFoundError: `source` names no file.
        ValueError: `threshold` or `max_subset` is out of range, or the
            candidates make more than `MAX_SUBSETS` subsets.
    """
    _check_options(threshold, max_subset, memory_limit)
    qi_paths = _paths(qi, DEFAULT_QI)
    resolved_qi = [resolve(p) for p in qi_paths]
    resolved_sensitive = resolve(sensitive or default_sensitive(qi_paths))
    candidate_paths = _paths(candidates, [*qi_paths, *EXTRA_CANDIDATES])
    resolved_candidates = [resolve(p) for p in candidate_paths]
    _check_sizes(qi_paths, resolved_sensitive.path, candidate_paths, max_subset)

    flow_fields = _flow_fields()
    extra = tuple(
        dict.fromkeys(
            r.extra
            for r in (*resolved_qi, resolved_sensitive, *resolved_candidates)
            if r.extra is not None
        )
    )
    plan = ExtractPlan(
        kinds=frozenset(MESSAGE_KINDS),
        person_kinds=_person_kinds(),
        extra_paths=extra,
        presence=_presence_paths(flow_fields),
        carried=_carried(flow_fields),
        validate=validate,
        person_lists=_person_lists(),
    )
    phase = on_phase or (lambda _: None)
    phase(PHASES[0])
    keys = {r.path: r.expr() for r in (*resolved_qi, resolved_sensitive, *resolved_candidates)}
    keys.update(engine.ladder_columns(resolved_qi))
    settings = _settings(
        resolved_qi, resolved_sensitive, resolved_candidates, threshold, max_subset
    )
    if not (per_record or keep_persons):
        # None given: the default, less a Parquet file's footer (it grows with the file).
        limit = (
            memory_limit.strip() if memory_limit else default_limit(source, DEFAULT_MEMORY_LIMIT)
        )
        with indb.connect(workers, limit, on_disk=tables_on_disk(source, limit)) as con:
            summary, kind_flows, field_flows, table = _in_engine(
                con, source, plan, workers, Reading(delimiter, sheet), include_invalid, keys,
                phase,
            )  # fmt: skip
            # The metrics are group-bys over the key table in DuckDB, out of core.
            metrics = _metrics(table, settings, threshold, phase)
        return ExposureResult(
            settings=settings,
            input=summary,
            kind_flows=kind_flows,
            field_flows=field_flows,
            **metrics,
        )
    with duck.memory_limit(memory_limit and memory_limit.strip()):
        extracted, source_name = _read(source, plan, workers, Reading(delimiter, sheet))
    flagged = screen.invalid(extracted.messages, extracted.listed)
    invalid_count = int(flagged.sum())
    if invalid_count and not include_invalid:
        extracted = _without(extracted, flagged)
    del flagged
    messages = extracted.messages
    # The figures over every message first: then the envelope is not needed any more.
    kind_flows = _kind_flows(messages)
    in_messages = _sums(_carrying(messages, flow_fields))
    if not per_record:
        messages = messages.drop(*_ENVELOPE_ENUMS)
    phase(PHASES[1])
    occurrences, documents = engine.occurrences(messages, extracted.listed, extracted.documents)
    people = engine.person_rows(occurrences, documents)
    del occurrences, documents
    persons = people.filter(pl.col("occ") == pl.col("person"))
    if extracted.listed.height:  # listed persons follow the subjects: back to input order
        persons = persons.sort("occ")
    if not (keep_persons or per_record):
        # Only the columns the keys are computed from: the rest of each message is
        # released with the messages below (a third of the report's peak at 1M).
        persons = persons.select(_key_columns(persons, keys))

    skipped = extracted.skipped.group_by("reason").len().sort("reason")
    summary = InputSummary(
        source=source_name,
        positions=extracted.positions,
        lines=extracted.lines,
        messages=messages.height,
        skipped=dict(zip(skipped["reason"].to_list(), skipped["len"].to_list(), strict=True)),
        messages_with_subject=(carrying := people["line"].n_unique()),
        messages_without_subject=messages.height - carrying,
        persons=persons.height,
        **_recurring(people),
        invalid=invalid_count,
        invalid_included=include_invalid,
    )
    field_flows = _field_flows(in_messages, people, flow_fields)
    if not per_record:
        # Each table is dropped once used: the peak is the largest step's, not their sum.
        del extracted, messages, people

    phase(PHASES[2])
    coded = engine.CodedColumns.build(persons, keys)
    subsets = engine.candidate_subsets(settings.candidates, max_subset)
    return ExposureResult(
        settings=settings,
        input=summary,
        kind_flows=kind_flows,
        field_flows=field_flows,
        **_metrics(coded, settings, threshold, phase),
        per_record=(
            _per_record(extracted, people, persons, coded=coded, qi=settings.qi, subsets=subsets)
            if per_record
            else None
        ),
        persons=persons if keep_persons else None,
    )


def _metrics(
    coded: engine.Classes, settings: ExposureSettings, threshold: float,
    phase: Callable[[str], None],
) -> dict[str, Any]:  # fmt: skip
    """The risk figures, l-diversity, subsets and ladder from the persons' key codes."""
    qi = list(settings.qi)
    subsets = engine.candidate_subsets(settings.candidates, settings.max_subset)
    resolved = [resolve(path) for path in settings.qi]
    if isinstance(coded, indb.KeyTable):  # every tally, and l-diversity, in one pass
        coded.prefetch(
            [qi, *subsets, *indb.ladder_sets(resolved, threshold)], (qi, settings.sensitive)
        )
    risk = engine.risk_metrics(coded.tally(qi), threshold)
    diversity = coded.diversity(qi, settings.sensitive, settings.sensitive)
    phase(PHASES[3])
    subset_rows = engine.subset_rows(coded, subsets, threshold)
    phase(PHASES[4])
    return {
        "risk": risk,
        "diversity": diversity,
        "subsets": subset_rows,
        "ladder": engine.ladder(coded, resolved, threshold),
    }


def _in_engine(  # noqa: PLR0913, PLR0917 - the report's settings, passed on
    con: Any, source: Source, plan: ExtractPlan, workers: int | None, reading: Reading,
    include_invalid: bool, keys: dict[str, pl.Expr], phase: Callable[[str], None],
) -> tuple[InputSummary, tuple[KindFlow, ...], tuple[FieldFlow, ...], indb.KeyTable]:  # fmt: skip
    """The report's figures with its rows in DuckDB (`_indb`): summary, flows and key codes."""
    extracted, source_name = _read(source, plan, workers, reading, into=con)
    _release_arrow()
    if not extracted.in_engine:
        indb.load_frames(con, extracted)
    # Loaded: every row has its `ord`, so what DuckDB stores from here on need not keep
    # its insertion order (each table it makes is filled in parallel, unordered).
    con.execute("SET preserve_insertion_order = false")
    run = indb.Engine(con, person_columns(plan))
    invalid = run.screen(include_invalid, engine.by_source(keys))
    kind_flows = _kind_flows(run.counts(["kind", *_ENVELOPE_ENUMS]))
    flow_fields = _flow_fields()
    in_messages = _weighted_sums(
        _carrying(run.counts(["kind", "presence"]), flow_fields, "n"), flow_fields
    )
    phase(PHASES[1])
    run.link()
    people = run.summary()
    once, several = run.occurrences()
    persons_carrying = _weighted_sums(_carrying(once, flow_fields, "n"), flow_fields)
    more = run.carried_per_person(_carrying(several, flow_fields, "kind", "presence"))
    persons_carrying = {path: count + more[path] for path, count in persons_carrying.items()}
    field_flows = tuple(
        FieldFlow(
            f.path, f.owner, f.role, f.categories, in_messages[f.path], persons_carrying[f.path]
        )
        for f in flow_fields
    )
    skipped = extracted.skipped.group_by("reason").len()
    reasons = dict(zip(skipped["reason"].to_list(), skipped["len"].to_list(), strict=True))
    if invalid and not include_invalid:
        reasons[SKIP_INVALID] = invalid
    messages = run.messages()
    summary = InputSummary(
        source=source_name,
        positions=extracted.positions,
        lines=extracted.lines,
        messages=messages,
        skipped=dict(sorted(reasons.items())),
        messages_with_subject=people["messages_with_subject"],
        messages_without_subject=messages - people["messages_with_subject"],
        persons=people["persons"],
        recurring_persons=people["recurring_persons"],
        recurring_messages=people["recurring_messages"],
        invalid=invalid,
        invalid_included=include_invalid,
    )
    phase(PHASES[2])
    return summary, kind_flows, field_flows, run.codes(keys)


def _release_arrow() -> None:
    """Give back what pyarrow's allocator kept of the read's batches (Parquet's lists).

    Freed, but held for reuse: at 5M messages 0.11 GiB of the process's memory after
    the read, under every step after it, which pyarrow does not use again.
    """
    arrow = sys.modules.get("pyarrow")
    if arrow is not None:
        arrow.default_memory_pool().release_unused()


def _key_columns(persons: pl.DataFrame, keys: Mapping[str, pl.Expr]) -> list[str]:
    """The columns of `persons` the key expressions read, in the frame's order."""
    used = {name for expr in keys.values() for name in expr.meta.root_names()}
    return [name for name in persons.columns if name in used]


def _recurring(people: pl.DataFrame) -> dict[str, int]:
    """Persons in more than one message, and how many messages are about them."""
    if people["occ"].equals(people["line"], check_names=False):
        # A person is the line of their first message: counting lines densely needs
        # no hash table (a group-by's held a quarter of the peak at 1M).
        sizes = np.bincount(people["person"].to_numpy())
    else:  # a list may name one person twice: count each message once
        pairs = people.select("person", "line").unique()
        sizes = np.unique(pairs["person"].to_numpy(), return_counts=True)[1]
    several = sizes[sizes > 1]
    return {"recurring_persons": int(several.size), "recurring_messages": int(several.sum())}


def _per_record(  # noqa: PLR0913 - the pieces computed above, passed on
    extracted: Extracted,
    people: pl.DataFrame,
    persons: pl.DataFrame,
    *,
    coded: engine.CodedColumns,
    qi: Sequence[str],
    subsets: Sequence[tuple[str, ...]],
) -> pl.DataFrame:
    """One row per input line: class size, risk and the subsets that single it out."""
    per_person = pl.concat(
        [
            persons.select("person"),
            coded.sizes_per_row(qi).to_frame("class_size"),
            engine.minimal_unique_subsets(coded, subsets),
        ],
        how="horizontal",
    )
    per_line = people.select("line", "person").join(per_person, on="person", how="left")
    if extracted.listed.height:  # a list's line: its most exposed person, every subset found
        per_line = per_line.group_by("line", maintain_order=True).agg(
            pl.col("class_size").min(),
            pl.col("unique_subset_count").max(),
            pl.col("minimal_unique_subsets")
            .list.explode(keep_nulls=False, empty_as_null=False)
            .unique(maintain_order=True),
        )
    with_person = (
        extracted.messages.select("line")
        .join(per_line, on="line", how="left")
        .with_columns(
            pl.when(pl.col("class_size").is_not_null())
            .then(pl.lit("person"))
            .otherwise(pl.lit("no_subject"))
            .alias("status"),
            pl.lit(None, pl.String).alias("reason"),
        )
    )
    skipped = extracted.skipped.select("line", pl.lit("skipped").alias("status"), pl.col("reason"))
    return (
        pl.concat([with_person, skipped], how="diagonal_relaxed")
        .with_columns((1.0 / pl.col("class_size")).alias("risk"))
        .select(
            "line",
            "status",
            "reason",
            "class_size",
            "risk",
            "unique_subset_count",
            "minimal_unique_subsets",
        )
        .sort("line")
    )


def write_per_record(result: ExposureResult, path: Path) -> None:
    """Write the per-record exposure as JSON lines (`result` must have been computed with it).

    Each line: `line`, `status` (`person`, `no_subject`, `skipped`), `reason`
    (why a line was skipped), `class_size`, `risk` (1/class_size),
    `unique_subset_count` and `minimal_unique_subsets` (field subsets joined
    by `+`). No value of the record is ever written.
    """
    if result.per_record is None:
        raise ValueError("compute the result with per_record=True first")
    result.per_record.write_ndjson(path)
