"""Reading messages into one row per message, straight from parsed JSON.

The exposure report needs a dozen values per message, not the models: at a
million messages, building pydantic models would take minutes, so only the
needed values are picked out: by a narrow msgspec decoder where it can
(`_fast`), else by orjson. A line that cannot be read as a message of a known
kind is skipped and counted by reason; full validation is `kzcn validate`'s
job (or pass `validate=True`, which skips every message the models reject).

A large JSONL file goes first to DuckDB's reader (`_duck`), which reads it in
C++ on every core or declines it. Otherwise large files are split at line
boundaries into pieces parsed by worker processes and the parent (`spawn`,
since forking a process that has started polars' thread pool can deadlock),
the workers returning their rows as Arrow IPC bytes.
"""

from __future__ import annotations

import gc
import io
import json
import os
import re
import signal
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from itertools import islice, pairwise
from multiprocessing import get_context
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import msgspec
import orjson
import polars as pl

from kzcn._formats import format_for_name
from kzcn._pipes import GZIP_MAGIC, Gunzip, array_separators
from kzcn.errors import CATALOGUE, Code
from kzcn.exposure import _layout as layout
from kzcn.exposure._duck import load_native, read_native, read_native_parquet
from kzcn.exposure._fast import NULL, FastPlan, ItemChecks, fast_plan, non_empty

if TYPE_CHECKING:
    import duckdb

    from kzcn.validation.readers import Unit

__all__ = [
    "MAX_LINE_BYTES",
    "ExtractPlan",
    "Extracted",
    "Reading",
    "read_records",
    "read_source",
    "read_units",
    "spool",
]

#: Files at least this large are parsed by worker processes.
PARALLEL_MIN_BYTES = 32 * 1024 * 1024
#: JSONL files at least this large are read by DuckDB (`_duck`) when it can.
NATIVE_MIN_BYTES = 32 * 1024 * 1024
#: Pieces of a file per process (see `_parallel`).
PIECES_PER_PROCESS = 8
#: Lines parsed between two conversions to frames (see `_Columns`).
_BATCH_LINES = 16_384
#: Read buffer: few large reads, since a system call is dear in a sandbox.
_READ_BYTES = 1024 * 1024

ENVELOPE_COLUMNS = tuple(c.name for c in layout.ENVELOPE)
#: Person columns every message row has, besides the plan's extra paths.
PERSON_COLUMNS = tuple(c.name for c in layout.PERSON)

# The layout's values of a record, as parsed (dicts) or decoded (`_fast`'s Structs).
_envelope_of_dict = layout.pick_from_dicts(layout.ENVELOPE)
_envelope_of_struct = layout.pick_from_structs(layout.ENVELOPE)
_person_of_dict = layout.pick_from_dicts(layout.PERSON)
_person_of_struct = layout.pick_from_structs(layout.PERSON)
_document_key_of_dict = layout.document_key(structs=False)
_document_key_of_struct = layout.document_key(structs=True)

# Why a line is skipped: the catalogue's code for it (what `kzcn validate` reports),
# so that every command names unreadable input the same way; `invalid` is the
# screen's or the models' verdict on a record that was read (`_screen`).
SKIP_NOT_JSON: Code = "input.not_json"
SKIP_NOT_OBJECT: Code = "input.not_object"
SKIP_UNKNOWN_KIND: Code = "structure.unknown_kind"
SKIP_NO_SUBJECT: Code = "structure.missing_field"
SKIP_MALFORMED: Code = "structure.wrong_type"
SKIP_INVALID = "invalid"
SKIP_BLANK: Code = "input.blank_line"
SKIP_DAMAGED: Code = "input.compression"

BOM = b"\xef\xbb\xbf"
#: A line longer than this is no message: the input is refused (`/dev/zero`).
MAX_LINE_BYTES = 16 * 1024 * 1024
#: A `.json` document is parsed whole; a larger one is refused (JSON Lines has no such limit).
MAX_DOCUMENT_BYTES = 256 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class ExtractPlan:
    """What to pick out of each message (plain data, so it crosses to workers).

    Attributes:
        kinds: Known message kinds.
        person_kinds: Kinds that carry a `subject`.
        extra_paths: Person-record paths beyond the base columns, as segments.
        presence: Optional fields whose presence is recorded, as
            (path segments from the message root, `[]` marking list items).
        carried: Per kind, the presence paths (dotted) that kind can carry.
        validate: Run every message through the models first.
        person_lists: Per kind, its lists whose items each carry a person as
            `subject` (a prior-change list's `items`); those persons are read
            too, numbered by `slot` from 1 after the message's own subject (0).
    """

    kinds: frozenset[str]
    person_kinds: frozenset[str]
    extra_paths: tuple[tuple[str, ...], ...] = ()
    presence: tuple[tuple[str, ...], ...] = ()
    carried: dict[str, frozenset[str]] = field(default_factory=dict)
    validate: bool = False
    person_lists: dict[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(slots=True)
class Extracted:
    """Rows of all readable messages, what was skipped, and the persons' documents.

    Attributes:
        messages: One row per readable message (see `_Columns.frames`), with
            the values of its `subject` (slot 0), if its kind has one.
        skipped: `line`, `reason` of every line not analysed.
        documents: `line`, `slot`, `document` (`STATE|TYPE|NUMBER`) of every
            document of a person (the subject, slot 0, or a listed person).
        listed: `line`, `slot`, `presence` (the bits of the checks on the
            person's item) and the person columns of every person a message
            lists (`ExtractPlan.person_lists`), slots from 1.
        lines: Lines (or items) read.
        positions: `line` or `item`: what the `line` numbers count.
        in_engine: The rows went straight into the DuckDB database given to
            `read_source` (`_indb`); `messages`, `documents` and `listed` are empty.
    """

    messages: pl.DataFrame
    skipped: pl.DataFrame
    documents: pl.DataFrame
    listed: pl.DataFrame
    lines: int
    positions: str = "line"
    in_engine: bool = False


# --- one message ------------------------------------------------------------------
#
# This is the hot loop of the whole report (a million lines): type checks are
# `type(x) is dict` (orjson makes plain dicts; an ABC `isinstance` costs ten
# times more), and the presence checks are grouped per kind. Strings are not
# interned: rows become frames every batch, so sharing one object per value
# saves no memory, and hashing every new string cost 7% of the instructions.


def _value_key(value: Any) -> str | None:
    """The grouping key of a value: names by their Latin form, objects as sorted JSON."""
    if value is None or type(value) is str:
        return value
    if type(value) is dict:
        if "latin" in value:
            latin = value["latin"]
            return latin if type(latin) is str else None
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()
    return orjson.dumps(value).decode()


def _get(node: Any, segments: tuple[str, ...]) -> Any:
    for segment in segments:
        if type(node) is not dict:
            return None
        node = node.get(segment)
    return node


def _present(node: Any, segments: tuple[str, ...]) -> bool:
    """Whether a value sits at `segments`; `[]` fans out over a list's items."""
    for position, segment in enumerate(segments):
        if segment == "[]":
            rest = segments[position + 1 :]
            return type(node) is list and any(_present(item, rest) for item in node)
        if type(node) is not dict:
            return False
        node = node.get(segment)
    return node is not None and node != []


def _item_bits(item: Any, checks: tuple[tuple[int, tuple[str, ...]], ...]) -> int:
    """The bits of the checks on a list's item (`_Checks.items`) that it passes (`_present`)."""
    bits = 0
    for bit, segments in checks:
        if _present(item, segments):
            bits |= bit
    return bits


@dataclass(frozen=True, slots=True)
class _Checks:
    """One kind's presence checks, grouped by shape so the hot loop does not recurse.

    Each check carries its bit: `subject.<key>`, `subject.documents[].<key>`,
    `<key>` or `<key>.<child>`, `<list>[].<key>` (grouped by list, so each list
    is walked once), `items`: any path into the items of a list of persons
    (`ExtractPlan.person_lists`), checked per item (an item's bits are its
    person's), and `other` for any other shape.
    """

    subject: tuple[tuple[int, str], ...] = ()
    documents: tuple[tuple[int, str], ...] = ()
    message: tuple[tuple[int, str, str | None], ...] = ()
    lists: tuple[tuple[str, tuple[tuple[int, str], ...]], ...] = ()
    items: ItemChecks = ()
    other: tuple[tuple[int, tuple[str, ...]], ...] = ()


def _checks_of(plan: ExtractPlan, kind: str) -> _Checks:
    groups: dict[str, list[Any]] = {"subject": [], "documents": [], "message": [], "other": []}
    lists: dict[str, list[tuple[int, str]]] = {}
    items: dict[str, list[tuple[int, tuple[str, ...]]]] = {}
    carried = plan.carried.get(kind, frozenset())
    listing = plan.person_lists.get(kind, ())
    for position, segments in enumerate(plan.presence):
        if ".".join(segments) not in carried:
            continue
        bit = 1 << position
        match segments:
            case (key, "[]", *rest) if key in listing:
                items.setdefault(key, []).append((bit, tuple(rest)))
            case (layout.SUBJECT, key):
                groups["subject"].append((bit, key))
            case (layout.SUBJECT, layout.DOCUMENTS, "[]", key):
                groups["documents"].append((bit, key))
            case (key,) if key != layout.SUBJECT:
                groups["message"].append((bit, key, None))
            case (key, child) if key != layout.SUBJECT and child != "[]":
                groups["message"].append((bit, key, child))
            case (key, "[]", child) if key != layout.SUBJECT:
                lists.setdefault(key, []).append((bit, child))
            case _:
                groups["other"].append((bit, segments))
    return _Checks(
        **{name: tuple(items) for name, items in groups.items()},
        lists=tuple((key, tuple(children)) for key, children in lists.items()),
        items=tuple((key, tuple(children)) for key, children in items.items()),
    )


@dataclass(slots=True)
class _Columns:
    """Rows being collected: one tuple per readable message, transposed per batch.

    One tuple append per message is several times cheaper than an append per
    column. Every batch of lines is turned into frames (`flush`) and its
    Python objects freed, so the allocator reuses the same memory instead of
    asking the system for more: fresh pages cost more than the parsing itself
    on a sandboxed machine, and the peak memory stays flat.
    """

    plan: ExtractPlan
    rows: list[tuple[Any, ...]] = field(default_factory=list)
    listed: list[tuple[Any, ...]] = field(default_factory=list)
    document_line: list[int] = field(default_factory=list)
    document_slot: list[int] = field(default_factory=list)
    document_key: list[str] = field(default_factory=list)
    skipped_line: list[int] = field(default_factory=list)
    skipped_reason: list[str] = field(default_factory=list)
    done: list[Frames] = field(default_factory=list)

    def skip(self, index: int, reason: str) -> None:
        self.skipped_line.append(index)
        self.skipped_reason.append(reason)

    def add_listed(
        self, index: int, listed: list[tuple[Any, ...]], keys: list[tuple[int, str]]
    ) -> None:
        """A message's listed persons (`slot`, `presence`, values...) and their document keys."""
        self.listed.extend((index, *person) for person in listed)
        for slot, key in keys:
            self.document_line.append(index)
            self.document_slot.append(slot)
            self.document_key.append(key)

    def flush(self) -> None:
        """Turn the rows collected so far into frames, and start afresh."""
        self.done.append(self._batch())
        self.rows, self.listed = [], []
        self.document_line, self.document_slot, self.document_key = [], [], []
        self.skipped_line, self.skipped_reason = [], []

    def frames(self) -> Frames:
        """Messages, skipped lines, (line, slot, document) triples, and listed persons."""
        if self.rows or self.skipped_line or not self.done:
            self.flush()
        if len(self.done) == 1:
            return self.done[0]
        messages, skipped, documents, listed = (
            pl.concat(part, rechunk=True) for part in zip(*self.done, strict=True)
        )
        return messages, skipped, documents, listed

    def _batch(self) -> Frames:
        """The current rows as frames.

        A value of the wrong JSON type (a number where a string belongs) is
        kept as its text (`strict=False`); the report does not validate.
        """
        names = person_columns(self.plan)
        head = ("line", "kind", *ENVELOPE_COLUMNS, "has_subject", "presence")
        types: list[pl.DataType] = [
            pl.Int64(), pl.String(), pl.String(), pl.String(), pl.String(), pl.String(),
            pl.Boolean(), pl.Int64(), *[pl.String()] * len(names),
        ]  # fmt: skip
        messages = _frame(self.rows, (*head, *names), types)
        listed = _frame(
            self.listed,
            ("line", "slot", "presence", *names),
            [pl.Int64(), pl.Int64(), pl.Int64(), *types[len(head) :]],
        )
        skipped = pl.DataFrame(
            [
                pl.Series("line", self.skipped_line, pl.Int64),
                pl.Series("reason", self.skipped_reason, pl.String),
            ]
        )
        documents = pl.DataFrame(
            [
                pl.Series("line", self.document_line, pl.Int64),
                pl.Series("slot", self.document_slot, pl.Int64),
                pl.Series("document", self.document_key, pl.String),
            ]
        )
        return messages, skipped, documents, listed


#: Messages, skipped lines, documents and listed persons (see `Extracted`).
Frames = tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame, pl.DataFrame]


def person_columns(plan: ExtractPlan) -> list[str]:
    """The person columns of the rows: the base ones, then the plan's extra paths."""
    return [*PERSON_COLUMNS, *(".".join(p) for p in plan.extra_paths)]


def _frame(
    rows: list[tuple[Any, ...]], names: tuple[str, ...], types: list[pl.DataType]
) -> pl.DataFrame:
    columns = list(zip(*rows, strict=True)) if rows else [()] * len(types)
    return pl.DataFrame(
        [
            pl.Series(name, column, dtype, strict=False)
            for name, column, dtype in zip(names, columns, types, strict=True)
        ]
    )


def _person_values(subject: Any, extra: tuple[tuple[str, ...], ...]) -> tuple[Any, ...]:
    """A person record's row values (a dict; raises TypeError or AttributeError on odd shapes)."""
    person = _person_of_dict(subject)
    if extra:
        person += tuple(_value_key(_get(subject, path)) for path in extra)
    return person


def _document_keys(subject: Any) -> list[str]:
    """The keys of a person record's documents with a string number (`layout.DOCUMENT_KEY`)."""
    named = (_document_key_of_dict(document) for document in subject.get(layout.DOCUMENTS) or ())
    return [key for key in named if key is not None]


#: A message's listed persons (`slot`, `presence`, values...), their (`slot`, document)
#: keys, and the bits of the checks any item passed (the message's).
Listed = tuple[list[tuple[Any, ...]], list[tuple[int, str]], int]


def _listed_persons(
    message: dict[str, Any], lists: tuple[str, ...], extra: tuple[tuple[str, ...], ...],
    checks: ItemChecks = (),
) -> Listed:  # fmt: skip
    """The persons a message lists, their documents' keys, and the items' bits (`Listed`).

    Slots count the items of the lists in order from 1; an item without a
    `subject` object lists nobody (its slot is not reused), but its fields
    are checked (a value there crosses).
    """
    persons: list[tuple[Any, ...]] = []
    keys: list[tuple[int, str]] = []
    slot = bits = 0
    by_list = dict(checks)
    for key in lists:
        items = message.get(key)
        if type(items) is not list:
            continue
        item_checks = by_list.get(key, ())
        for item in items:
            slot += 1
            found = _item_bits(item, item_checks) if item_checks else 0
            bits |= found
            subject = item.get(layout.ITEM_SUBJECT) if type(item) is dict else None
            if type(subject) is dict:
                persons.append((slot, found, *_person_values(subject, extra)))
                keys.extend((slot, document) for document in _document_keys(subject))
    return persons, keys, bits


def _validator(plan: ExtractPlan) -> Callable[[bytes], bool] | None:
    if not plan.validate:
        return None
    from pydantic import ValidationError  # noqa: PLC0415 - only when asked to validate

    from kzcn.messages import MessageAdapter  # noqa: PLC0415 - ditto

    def valid(raw: bytes) -> bool:
        try:
            MessageAdapter.validate_json(raw)
        except ValidationError:
            return False
        return True

    return valid


def _fast_plan_of(plan: ExtractPlan) -> FastPlan | None:
    return fast_plan(
        kinds=plan.kinds,
        extra_paths=plan.extra_paths,
        presence=plan.presence,
        carried=plan.carried,
        validate=plan.validate,
        person_lists=plan.person_lists,
    )


def _parse_lines(lines: Iterable[bytes], plan: ExtractPlan, first: int) -> _Columns:
    """Parse lines with the cyclic garbage collector paused.

    The loop makes millions of small containers and no reference cycles; the
    collector would rescan them again and again (about 15% of the time).
    The narrow msgspec decoder (`_fast`) reads every line it can; the others,
    and every line of a plan it does not cover, go through `_parse_all`.
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        fast = _fast_plan_of(plan)
        columns = _Columns(plan)
        remaining = iter(lines)
        while batch := list(islice(remaining, _BATCH_LINES)):
            if fast is None:
                _parse_all(batch, plan, first, columns)
            else:
                _parse_fast(batch, plan, fast, first, columns)
            first += len(batch)
            columns.flush()
        return columns
    finally:
        if collecting:
            gc.enable()


def _skip_reason(
    message: Any, checks: dict[str, _Checks], plan: ExtractPlan, raw: bytes,
    valid: Callable[[bytes], bool] | None,
) -> str | None:  # fmt: skip
    if type(message) is not dict:
        return SKIP_NOT_OBJECT
    kind = message.get("kind")
    if type(kind) is not str or kind not in checks:
        return SKIP_UNKNOWN_KIND
    if kind in plan.person_kinds and type(message.get(layout.SUBJECT)) is not dict:
        return SKIP_NO_SUBJECT
    if valid is not None and not valid(raw):
        return SKIP_INVALID
    return None


_UNREADABLE = object()


def _as_duckdb_reads(raw: bytes) -> Any:
    """A line orjson refused, read the way DuckDB's reader would (or `_UNREADABLE`).

    DuckDB's parser also takes trailing commas and NaN or infinity (in any
    case, with a sign); so does this reader, so that a file gives the same
    report whichever reader runs (a large file goes to DuckDB, a small one
    stays here). Called only for lines orjson refused.
    """
    try:
        return json.loads(_LENIENT.sub(_strict_token, raw))
    except (ValueError, RecursionError):
        return _UNREADABLE


# Strings (kept as they are), trailing commas, and the words DuckDB reads as numbers.
_LENIENT = re.compile(rb'"(?:[^"\\]|\\.)*"|,(?=\s*[}\]])|[+-]?(?i:infinity|inf|nan)(?![A-Za-z])')


def _strict_token(match: re.Match[bytes]) -> bytes:
    token = match[0]
    if token.startswith(b'"'):
        return token
    if token == b",":
        return b""
    if token.lower().lstrip(b"+-") == b"nan":
        return b"NaN"
    return b"-Infinity" if token.startswith(b"-") else b"Infinity"


def _parse_all(  # noqa: C901, PLR0912, PLR0915 - the hot loop, kept in one frame on purpose
    lines: Iterable[bytes], plan: ExtractPlan, first: int, columns: _Columns
) -> _Columns:
    """Parse JSONL lines numbered from `first` into `columns`: the general path.

    It reads any line: every line when the fast path does not cover the plan,
    and otherwise the lines the fast path could not decode. At a million
    lines every function call and generator counts, so the loop is kept in
    one frame, and the layout's values are picked by one call per record to
    pickers compiled from `_layout` (straight-line code, not a call per
    value, which was about twice as slow). Everything for
    one message is computed before its row is appended, so a message that
    raises half-way (a shape no message has) leaves nothing behind.
    """
    checks = {kind: _checks_of(plan, kind) for kind in plan.kinds}
    valid = _validator(plan)
    loads, decode_error = orjson.loads, orjson.JSONDecodeError
    append, person_kinds, extra = columns.rows.append, plan.person_kinds, plan.extra_paths
    document_line, document_key = columns.document_line, columns.document_key
    document_slot, person_lists = columns.document_slot, plan.person_lists
    no_person = (None,) * (len(PERSON_COLUMNS) + len(extra))
    envelope_of, person_of, key_of = _envelope_of_dict, _person_of_dict, _document_key_of_dict
    subject_field, documents_field = layout.SUBJECT, layout.DOCUMENTS
    for index, raw in enumerate(lines, start=first):
        try:
            message = loads(raw)
        except decode_error:
            message = _as_duckdb_reads(raw)
            if message is _UNREADABLE:
                columns.skip(index, SKIP_BLANK if not raw.strip() else SKIP_NOT_JSON)
                continue
        kind = message.get("kind") if type(message) is dict else None
        kind_checks = checks.get(kind) if type(kind) is str else None
        if (
            kind_checks is None
            or valid is not None
            or (kind in person_kinds and type(message.get(subject_field)) is not dict)
        ):
            reason = _skip_reason(message, checks, plan, raw, valid)
            if reason is not None:
                columns.skip(index, reason)
                continue
        assert kind_checks is not None  # noqa: S101 - `_skip_reason` returned None
        has_subject = kind in person_kinds
        try:
            envelope = envelope_of(message)
            bits = 0
            for bit, key, child in kind_checks.message:
                value = message.get(key)
                if child is not None and value is not None:
                    value = value.get(child)
                if value is not None and value != []:
                    bits |= bit
            for key, children in kind_checks.lists:
                for item in message.get(key) or ():
                    for bit, child in children:
                        if item.get(child) is not None:
                            bits |= bit
            for bit, segments in kind_checks.other:
                if _present(message, segments):
                    bits |= bit
            lists = person_lists.get(kind)  # type: ignore[arg-type]
            listed = _listed_persons(message, lists, extra, kind_checks.items) if lists else None
            if listed is not None:
                bits |= listed[2]
            keys: list[str] = []
            if has_subject:
                subject = message[subject_field]
                person = person_of(subject)
                if extra:
                    person += tuple(_value_key(_get(subject, path)) for path in extra)
                for bit, key in kind_checks.subject:
                    if subject.get(key) is not None:
                        bits |= bit
                for document in subject.get(documents_field) or ():
                    if (named := key_of(document)) is not None:
                        keys.append(named)
                    for bit, key in kind_checks.documents:
                        if document.get(key) is not None:
                            bits |= bit
            else:
                person = no_person
            row = (index, kind, *envelope, has_subject, bits, *person)
        except (TypeError, AttributeError):  # a list where a name belongs, and the like
            columns.skip(index, SKIP_MALFORMED)
            continue
        append(row)
        if keys:
            document_line.extend([index] * len(keys))
            document_slot.extend([0] * len(keys))
            document_key.extend(keys)
        if listed is not None:
            columns.add_listed(index, *listed[:2])
    return columns


def _parse_fast(  # noqa: C901, PLR0912, PLR0915 - the hot loop, kept in one frame on purpose
    lines: Iterable[bytes], plan: ExtractPlan, fast: FastPlan, first: int, columns: _Columns
) -> None:
    """Parse lines with the narrow decoder; any line it cannot take goes to `_parse_all`.

    The row is the one `_parse_all` would make (same columns, same order).
    """
    decode, decode_error, all_checks, person_kinds = (
        fast.decode, msgspec.DecodeError, fast.checks, plan.person_kinds,
    )  # fmt: skip
    append, extra, item_checks = columns.rows.append, fast.extra, fast.item_bits
    document_line, document_key = columns.document_line, columns.document_key
    document_slot, person_lists = columns.document_slot, plan.person_lists
    no_person = (None,) * (len(PERSON_COLUMNS) + len(extra))
    envelope_of, person_of, key_of = (
        _envelope_of_struct, _person_of_struct, _document_key_of_struct,
    )  # fmt: skip
    for index, raw in enumerate(lines, start=first):
        try:
            message = decode(raw)
        except (decode_error, RecursionError):  # msgspec raises the latter past its depth
            message = None
        kind = None if message is None else message.kind
        # `subject` and `documents` are `_layout.SUBJECT` and `DOCUMENTS`, the Structs' fields
        # (`_fast`), spelled as attributes here: a getattr per message costs in the hot loop.
        subject: Any = None if message is None else message.subject
        has_subject = kind in person_kinds
        checks = all_checks.get(kind)  # type: ignore[arg-type]
        if checks is None or (has_subject and subject is None):
            _parse_all((raw,), plan, index, columns)
            continue
        bits = 0
        for bit, key, child in checks.message:
            value = getattr(message, key)
            if child is not None and value is not None:
                value = getattr(value, child)
            if value is not None and non_empty(value):
                bits |= bit
        for key, children in checks.lists:
            for item in getattr(message, key) or ():
                for bit, child in children:
                    value = getattr(item, child)
                    if value and value != NULL:  # `given`, inline: it runs per item
                        bits |= bit
        lists = person_lists.get(kind)  # type: ignore[arg-type]
        listed = (
            _listed_structs(message, lists, extra, item_checks[kind])  # type: ignore[index]
            if lists
            else None
        )
        if listed is not None:
            bits |= listed[2]
        if has_subject:
            person = person_of(subject)
            if extra:
                person += tuple(
                    _value_key(_get(getattr(subject, head), rest)) for head, rest in extra
                )
            for bit, key in checks.subject:
                value = getattr(subject, key)
                if value and value != NULL:  # `given`
                    bits |= bit
            for bit, key in checks.subject_values:
                if getattr(subject, key) is not None:
                    bits |= bit
            for document in subject.documents or ():
                if (named := key_of(document)) is not None:
                    document_line.append(index)
                    document_slot.append(0)
                    document_key.append(named)
                for bit, key in checks.documents:
                    value = getattr(document, key)
                    if value and value != NULL:  # `given`
                        bits |= bit
        else:
            person = no_person
        append((index, kind, *envelope_of(message), has_subject, bits, *person))
        if listed is not None:
            columns.add_listed(index, *listed[:2])


def _struct_person(subject: Any, extra: tuple[tuple[str, tuple[str, ...]], ...]) -> tuple[Any, ...]:
    """A decoded person Struct's row values (as `_person_values` gives for a dict)."""
    person = _person_of_struct(subject)
    if extra:
        person += tuple(_value_key(_get(getattr(subject, head), rest)) for head, rest in extra)
    return person


def _listed_structs(
    message: Any, lists: tuple[str, ...], extra: tuple[tuple[str, tuple[str, ...]], ...],
    checks: dict[str, Callable[[Any], int]],
) -> Listed:  # fmt: skip
    """`_listed_persons` over a decoded message Struct (`checks`: `FastPlan.item_bits`)."""
    persons: list[tuple[Any, ...]] = []
    keys: list[tuple[int, str]] = []
    slot = bits = 0
    for key in lists:
        item_bits = checks.get(key)
        for item in getattr(message, key) or ():
            slot += 1
            found = 0 if item_bits is None else item_bits(item)
            bits |= found
            subject = getattr(item, layout.ITEM_SUBJECT)
            if subject is None:
                continue
            persons.append((slot, found, *_struct_person(subject, extra)))
            named = (_document_key_of_struct(document) for document in subject.documents or ())
            keys.extend((slot, name) for name in named if name is not None)
    return persons, keys, bits


# --- files and workers ----------------------------------------------------------


def _to_ipc(frame: pl.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.write_ipc(buffer)
    return buffer.getvalue()


def _lines_of_range(path: str, start: int, end: int) -> Iterator[bytes]:
    with Path(path).open("rb", buffering=_READ_BYTES) as handle:
        handle.seek(start)
        position = start
        while position < end:
            raw = handle.readline(MAX_LINE_BYTES + 1)
            if not raw:
                return
            if len(raw) > MAX_LINE_BYTES:
                raise _too_long()
            position += len(raw)
            yield raw


def _too_long() -> ValueError:
    return ValueError(f"a line longer than {MAX_LINE_BYTES:,} bytes; not a file of messages")


def spool(stream: IO[bytes], out: IO[bytes], step: int = _READ_BYTES) -> None:
    """Copy a pipe to a file, refusing it (ValueError) once a line runs past `MAX_LINE_BYTES`."""
    since_newline = 0
    while chunk := stream.read(step):
        out.write(chunk)
        last = chunk.rfind(b"\n")
        since_newline = len(chunk) - 1 - last if last >= 0 else since_newline + len(chunk)
        if since_newline > MAX_LINE_BYTES:
            raise _too_long()


def _stream_lines(stream: IO[bytes]) -> Iterator[bytes]:
    """The lines of a stream, bounded as `_lines_of_range`."""
    for raw in iter(partial(stream.readline, MAX_LINE_BYTES + 1), b""):
        if len(raw) > MAX_LINE_BYTES:
            raise _too_long()
        yield raw


class _Counted:
    """Counts the lines it hands out."""

    def __init__(self, lines: Iterator[bytes]) -> None:
        self.lines, self.count = lines, 0

    def __iter__(self) -> Iterator[bytes]:
        for raw in self.lines:
            self.count += 1
            yield raw


def _range_frames(path: str, start: int, end: int, plan: ExtractPlan) -> tuple[Frames, int]:
    """The lines in bytes [start, end) of `path`, numbered from 0, as frames, and their count."""
    counted = _Counted(_lines_of_range(path, start, end))
    return _parse_lines(counted, plan, 0).frames(), counted.count


def parse_range(
    path: str, start: int, end: int, plan: ExtractPlan
) -> tuple[tuple[bytes, ...], int]:
    """Worker: `_range_frames`, with the frames as IPC bytes."""
    frames, count = _range_frames(path, start, end, plan)
    return tuple(_to_ipc(frame) for frame in frames), count


def _split_points(path: Path, parts: int) -> list[int]:
    """Byte offsets that cut the file into `parts` pieces at line starts."""
    size = path.stat().st_size
    points = [0]
    with path.open("rb") as handle:
        for part in range(1, parts):
            handle.seek(max(size * part // parts, points[-1]))
            handle.readline()
            points.append(min(handle.tell(), size))
    points.append(size)
    return points


def _parallel(path: Path, plan: ExtractPlan, workers: int) -> Extracted:
    """Parse the file in pieces: the workers from the front, the parent from the back.

    The parent parses the first piece while the workers start up, then takes
    every piece from the end that no worker has started yet (a pending
    future can be cancelled), so neither side waits long for the other
    however slowly the workers start or however busy the machine is.
    """
    points = _split_points(path, workers * PIECES_PER_PROCESS)
    ranges = list(pairwise(points))
    context = get_context("spawn")
    pool = ProcessPoolExecutor(
        max_workers=workers - 1, mp_context=context, initializer=_ignore_interrupts
    )
    try:
        futures = {
            index: pool.submit(parse_range, str(path), start, end, plan)
            for index, (start, end) in enumerate(ranges)
            if index > 0
        }
        results = {0: _range_frames(str(path), *ranges[0], plan)}
        for index in sorted(futures, reverse=True):
            if futures[index].cancel():
                results[index] = _range_frames(str(path), *ranges[index], plan)
        for index, future in futures.items():
            if index not in results:
                blobs, lines = future.result()
                frames = tuple(pl.read_ipc(io.BytesIO(b)) for b in blobs)
                results[index] = frames, lines  # type: ignore[assignment]
    except BaseException:  # Ctrl-C: stop the workers now rather than wait for their pieces
        for process in list(getattr(pool, "_processes", {}).values()):
            process.kill()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()
    parts: list[list[pl.DataFrame]] = [[], [], [], []]
    offset = 1
    for index in range(len(ranges)):
        frames, count = results[index]
        for part, frame in zip(parts, frames, strict=True):
            part.append(frame.with_columns(pl.col("line") + offset))
        offset += count
    messages, skipped, documents, listed = (pl.concat(part) for part in parts)
    return Extracted(messages, skipped, documents, listed, offset - 1)


def _ignore_interrupts() -> None:
    """Worker start-up: Ctrl-C reaches the whole process group; the parent alone acts on it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _workers(size: int, workers: int | None) -> int:
    if workers is not None:
        return max(1, workers)
    if size < PARALLEL_MIN_BYTES:
        return 1
    cpus = os.cpu_count() or 1
    # One process more than cores: the parent also receives and joins the
    # workers' frames, and a spare parser keeps both cores busy meanwhile
    # (1M messages on 2 cores: 13.3 s against 14.8 s, mean of alternated runs).
    return min(cpus + 1, 8) if cpus > 1 else 1


def _looks_like_json_document(head: bytes, name: str = "") -> bool:
    """A JSON array, or one object spread over several lines (a `.json` file).

    The name decides when it tells (`.json`, or `.jsonl`/`.ndjson`, also
    under `.gz`): a JSON Lines file may well start with an array line.
    """
    told = format_for_name(name)
    if told is not None:
        return told == "json"
    text = head.removeprefix(BOM).lstrip()
    if text.startswith(b"["):
        return True
    first_line = text.split(b"\n", 1)[0].strip()
    return text.startswith(b"{") and first_line == b"{"


def _extracted(columns: _Columns, lines: int, positions: str) -> Extracted:
    messages, skipped, documents, listed = columns.frames()
    return Extracted(messages, skipped, documents, listed, lines, positions)


def _from_document(data: bytes, plan: ExtractPlan) -> Extracted:
    """A JSON document: an array read element by element, else one message.

    The elements are cut out of the text by `array_separators` and parsed one
    at a time, as lines are: parsing the whole array first held every message
    as Python objects at once (an 86 MB file took 815 MB; now what the same
    JSON Lines take). The file is read, not mapped: mapping saved nothing
    measurable, and a file truncated meanwhile would kill the process (SIGBUS).
    """
    start = len(BOM) if data[: len(BOM)] == BOM else 0
    first = _NON_SPACE.search(data, start)
    separators = None
    if first is not None and data[first.start()] == ord("["):
        separators = array_separators(data, first.start())
    if separators is not None:
        spans = list(pairwise(separators))
        if len(spans) == 1 and not data[spans[0][0] + 1 : spans[0][1]].strip():
            spans = []  # `[]`: no element
        elements = (data[left + 1 : right] for left, right in spans)
        return _extracted(_parse_lines(elements, plan, 1), len(spans), "item")
    try:
        document = orjson.loads(data[start:])
    except orjson.JSONDecodeError:
        columns = _Columns(plan)
        columns.skip(1, SKIP_NOT_JSON)
        return _extracted(columns, 1, "item")
    items = document if isinstance(document, list) else [document]
    lines = (orjson.dumps(item) for item in items)
    return _extracted(_parse_lines(lines, plan, 1), len(items), "item")


_NON_SPACE = re.compile(rb"\S")


def _from_lines(lines: Iterator[bytes], plan: ExtractPlan) -> Extracted:
    counted = _Counted(lines)
    columns = _parse_lines(counted, plan, 1)
    return _extracted(columns, counted.count, "line")


def read_source(  # noqa: PLR0913, PLR0917 - the reading options, each documented
    source: Path | bytes,
    plan: ExtractPlan,
    workers: int | None = None,
    native: bool | None = None,
    reading: Reading | None = None,
    into: duckdb.DuckDBPyConnection | None = None,
) -> Extracted:
    """Read a file or its bytes: JSONL, JSON, CSV, TSV, xlsx or Parquet, each maybe gzipped.

    The format is the name's, else sniffed from the first (decompressed)
    bytes. A JSONL file goes to DuckDB's reader (`_duck`) when `native` says
    so (by default: when it is large), and to the Python reader if DuckDB
    declines it; `workers` is the processes or threads parsing it. A Parquet
    file goes to DuckDB when the plan allows. The tables (CSV, TSV, xlsx,
    and Parquet otherwise) are read by the shared input layer, as `kzcn
    validate` reads them (`read_units`). A UTF-8 byte-order mark at the
    start is skipped. With `into`, DuckDB loads what it reads into that
    database (`_indb`) instead of handing frames back (`Extracted.in_engine`).
    """
    # Imported here: `kzcn fields` imports this package and must not load the validator.

    reading = reading or Reading()
    # Imported here: `kzcn fields` imports this package and must not load the validator.
    from kzcn.validation.readers import open_binary  # noqa: PLC0415

    name = source.name if isinstance(source, Path) else ""
    with source.open("rb") if isinstance(source, Path) else io.BytesIO(source) as handle:
        head, _ = open_binary(handle)
    fmt = table_format(head, name)
    if fmt is not None:
        table_source = source if isinstance(source, Path) else io.BytesIO(source)
        return _from_table(table_source, fmt, plan, reading, workers, into)
    if isinstance(source, bytes):
        return _from_bytes(source, plan)
    return _from_file(source, plan, workers, native, into)


def _from_bytes(source: bytes, plan: ExtractPlan) -> Extracted:
    if source.startswith(GZIP_MAGIC):
        return _from_stream(io.BufferedReader(Gunzip(io.BytesIO(source))), "", plan)
    if _looks_like_json_document(source[:4096]):
        return _from_document(source, plan)
    return _from_lines(_stream_lines(io.BytesIO(source.removeprefix(BOM))), plan)


def _from_file(  # noqa: PLR0911 - one branch per kind of file
    source: Path, plan: ExtractPlan, workers: int | None, native: bool | None,
    into: duckdb.DuckDBPyConnection | None = None,
) -> Extracted:  # fmt: skip
    with source.open("rb") as handle:
        head = handle.read(4096)
    if head.startswith(GZIP_MAGIC):
        with source.open("rb") as handle:
            gunzip = Gunzip(handle)
            return _from_stream(io.BufferedReader(gunzip, _READ_BYTES), source.name, plan)
    if _looks_like_json_document(head, source.name):
        return _from_document(_read_document(source.open("rb")), plan)
    size = source.stat().st_size
    if head.startswith(BOM):  # rare: read here, from past the mark
        return _from_lines(_lines_of_range(str(source), len(BOM), size), plan)
    use_native = size >= NATIVE_MIN_BYTES if native is None else native
    if use_native and into is not None:
        loaded = load_native(into, source, plan, _fast_plan_of(plan))
        if loaded is not None:
            return _in_engine(plan, *loaded, "line")
    elif use_native:
        frames = read_native(source, plan, _fast_plan_of(plan), threads=workers)
        if frames is not None:
            messages, documents, listed, empty, lines = frames
            columns = _Columns(plan)
            for line in empty:
                columns.skip(line, SKIP_BLANK)
            _, skipped, _, no_one = columns.frames()
            return Extracted(
                messages, skipped, documents, no_one if listed is None else listed, lines
            )
    count = _workers(size, workers)
    if count == 1:
        return _from_lines(_lines_of_range(str(source), 0, size), plan)
    return _parallel(source, plan, count)


def _read_document(stream: IO[bytes]) -> bytes:
    """A whole JSON document, refused past `MAX_DOCUMENT_BYTES` (it is parsed in memory)."""
    with stream:
        data = stream.read(MAX_DOCUMENT_BYTES + 1)
    if len(data) > MAX_DOCUMENT_BYTES:
        raise ValueError(f"a JSON document over {MAX_DOCUMENT_BYTES:,} bytes; use JSON Lines")
    return data


def _from_stream(stream: IO[bytes], name: str, plan: ExtractPlan) -> Extracted:
    """A decompressed stream: a document, or lines read as they come (never whole)."""
    head = stream.peek(4096)[:4096] if isinstance(stream, io.BufferedReader) else b""
    if _looks_like_json_document(head, name):
        return _from_document(_read_document(stream), plan)
    if head.startswith(BOM):
        stream.read(len(BOM))
    counted = _Counted(_stream_lines(stream))
    columns = _parse_lines(counted, plan, 1)
    raw = stream.raw if isinstance(stream, io.BufferedReader) else None
    if isinstance(raw, Gunzip) and raw.damaged:  # the lines before the damage are all read
        counted.count += 1
        columns.skip(counted.count, SKIP_DAMAGED)
    return _extracted(columns, counted.count, "line")


#: The formats read through the shared input layer (`kzcn.validation.readers`), record by record.
TABLE_FORMATS = frozenset({"csv", "tsv", "xlsx", "parquet"})


@dataclass(frozen=True, slots=True)
class Reading:
    """How a table is read: the CSV separator and the `.xlsx` sheet (None: sniffed, the first)."""

    delimiter: str | None = None
    sheet: str | None = None


def _unreadable(unit: Unit) -> str | None:
    """The input code that keeps a record unit out of the report, if any (warnings do not)."""
    errors = [code for code, _ in unit.found if CATALOGUE[code].severity == "error"]
    if errors:
        return errors[0]
    return None if unit.obj is not None or unit.text is not None else "input.not_object"


def read_units(units: Iterable[Unit], plan: ExtractPlan) -> Extracted:
    """Read the record units of the shared input layer; positions count records from 1.

    A header and blank rows are not records. A record the layer could not
    read (a short CSV row, bytes that are not UTF-8) is skipped under its
    catalogue code, the code `kzcn validate` reports for it.
    """
    lines: list[bytes] = []
    unreadable: dict[int, str] = {}
    for unit in units:
        if unit.role != "record":
            continue
        code = _unreadable(unit)
        if code is not None:
            unreadable[len(lines) + 1] = code
            lines.append(b"")
        else:
            lines.append(unit.text if unit.obj is None else orjson.dumps(unit.obj))  # type: ignore[arg-type]
    columns = _parse_lines(lines, plan, 1)
    extracted = _extracted(columns, len(lines), "record")
    if unreadable:
        codes = pl.DataFrame(
            {"line": list(unreadable), "code": list(unreadable.values())},
            schema={"line": pl.Int64, "code": pl.String},
        )
        extracted.skipped = (
            extracted.skipped.join(codes, on="line", how="left")
            .with_columns(pl.coalesce("code", "reason").alias("reason"))
            .drop("code")
        )
    return extracted


def _in_engine(plan: ExtractPlan, empty: list[int], lines: int, positions: str) -> Extracted:
    """What `load_native` loaded: the line count and the blank lines (the rows are in DuckDB)."""
    columns = _Columns(plan)
    for line in empty:
        columns.skip(line, SKIP_BLANK)
    messages, skipped, documents, listed = columns.frames()
    return Extracted(messages, skipped, documents, listed, lines, positions, in_engine=True)


def _from_table(  # noqa: PLR0913, PLR0917 - `read_source`'s options, passed on
                source: Path | IO[bytes], fmt: str, plan: ExtractPlan, reading: Reading,
                workers: int | None, into: duckdb.DuckDBPyConnection | None = None,
                ) -> Extracted:  # fmt: skip
    """A CSV, TSV, xlsx or Parquet input; Parquet by DuckDB when the plan allows."""
    native = fmt == "parquet" and isinstance(source, Path) and not _gzipped(source)
    if native and into is not None:
        assert isinstance(source, Path)  # noqa: S101 - `native` says so
        loaded = load_native(into, source, plan, _fast_plan_of(plan), parquet=True)
        if loaded is not None:
            return _in_engine(plan, *loaded, "record")
    elif native and isinstance(source, Path):
        frames = read_native_parquet(source, plan, _fast_plan_of(plan), threads=workers)
        if frames is not None:
            messages, documents, listed, _, count = frames
            _, skipped, _, no_one = _Columns(plan).frames()
            listed = no_one if listed is None else listed
            return Extracted(messages, skipped, documents, listed, count, "record")

    from kzcn.validation.readers import units_for_stream  # noqa: PLC0415 - see `read_source`

    handle = source.open("rb") if isinstance(source, Path) else source
    with handle:
        units = units_for_stream(
            handle,
            name=source.name if isinstance(source, Path) else "",
            input_format=fmt,  # type: ignore[arg-type]
            delimiter=reading.delimiter,
            sheet=reading.sheet,
        )
        return read_units(units, plan)


def _gzipped(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(len(GZIP_MAGIC)) == GZIP_MAGIC


def table_format(head: bytes, name: str) -> str | None:
    """The format of an input (its decompressed first bytes, its name) when it is a table."""
    from kzcn.validation.readers import sniff_format  # noqa: PLC0415 - see `read_source`

    fmt = format_for_name(name) or sniff_format(head)
    return fmt if fmt in TABLE_FORMATS else None


def read_records(records: Iterable[Any], plan: ExtractPlan) -> Extracted:
    """Read messages already in memory: dicts, or kzcn models (dumped as JSON)."""

    def as_line(record: Any) -> bytes:
        if hasattr(record, "model_dump_json"):
            return str(record.model_dump_json()).encode()
        return orjson.dumps(record)

    lines = [as_line(record) for record in records]
    return _extracted(_parse_lines(lines, plan, 1), len(lines), "item")
