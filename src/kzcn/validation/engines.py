"""Engines turn a unit of input into a `RecordResult`.

Two engines share the handling of everything that is not a validation:
units a reader already judged (blank lines, oversized lines, CSV headers),
a byte-order mark in front of a record, and JSON text that does not parse.
They differ in what validates a parsed record:

- `ModelEngine`: the pydantic models, every semantic rule, deadline warnings.
- `SchemaEngine` (in `kzcn.validation.schema_engine`): the JSON Schema alone.

Both keep the common case fast: a valid JSON line goes through one call of
the validator, and only a failure pays for finding out what went wrong.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from collections.abc import Sequence
from typing import Any

import orjson
from pydantic import ValidationError

from kzcn.errors import CATALOGUE, Code
from kzcn.messages import Message, MessageAdapter
from kzcn.validation import _chunks
from kzcn.validation._accept import fast_accept
from kzcn.validation.problems import (
    Problem,
    at_column,
    day_first,
    json_path,
    problem,
    problems_from_error,
)
from kzcn.validation.readers import BOM, TableRow, Unit, diagnose_json, nesting_too_deep
from kzcn.validation.results import RecordResult

__all__ = ["Engine", "ModelEngine", "may_repeat_keys", "repeated_keys"]

Checked = tuple[list[Problem], Message | None]
#: Chunks judged line by line after one the chunk path mostly refused.
_REFUSED_PAUSE = 4
Loc = tuple[str | int, ...]


# --- hostile input: repeated keys, numbers no field holds ------------------------


def may_repeat_keys(text: bytes, document: object) -> bool:
    r"""Whether `text` may name a key twice in one object; False is certain.

    Each kept key has one colon after it, whatever the spacing, and a colon
    inside a string is written back as it was read; so when the parsed
    document, written back by orjson, has as many colons as the text, the
    parse dropped no key. An escape (`\u003a` is a colon too) sends the
    text to the exact test. Single-byte counts: about 2 microseconds a line.
    """
    if b"\\" in text:
        return True
    try:
        written = orjson.dumps(document)
    except orjson.JSONEncodeError:  # nested past orjson's limit: the exact test decides
        return True
    return text.count(b":") != written.count(b":")


def _may_repeat_keys(text: bytes) -> bool:
    """`may_repeat_keys` of text the fast path accepted; True (exact test) if orjson refuses it."""
    try:
        return may_repeat_keys(text, orjson.loads(text))
    except orjson.JSONDecodeError:
        return True


class _Pairs(dict[str, Any]):
    """A parsed object that remembers the keys it was given more than once."""

    __slots__ = ("repeated",)

    def __init__(self, pairs: list[tuple[str, Any]]) -> None:
        super().__init__(pairs)
        self.repeated: list[str] = []
        if len(self) < len(pairs):
            counts = Counter(key for key, _ in pairs)
            self.repeated = [key for key, times in counts.items() if times > 1]


def _repeated_locs(text: bytes) -> list[Loc]:
    """Locations of every key named twice in one object (the exact, slow test)."""
    try:
        root = json.loads(text, object_pairs_hook=_Pairs)
    except (ValueError, RecursionError):  # reported otherwise: not JSON, too deep, too large
        return []
    found: list[Loc] = []
    stack: list[tuple[object, Loc]] = [(root, ())]
    while stack:
        node, loc = stack.pop()
        if isinstance(node, _Pairs):
            found += [(*loc, key) for key in node.repeated]
            stack += [(child, (*loc, key)) for key, child in node.items()]
        elif isinstance(node, list):
            stack += [(child, (*loc, index)) for index, child in enumerate(node)]
    return sorted(found, key=str)


def repeated_keys(text: bytes, document: object) -> list[Loc]:
    """Where `text` names a key twice in one object; `document` is its parse (orjson)."""
    if document is None or not may_repeat_keys(text, document):
        return []
    return _repeated_locs(text)


def as_json(obj: dict[str, Any]) -> tuple[bytes, Code | None]:
    """`obj` (a CSV row, a caller's mapping) as JSON text, or the input code of why not.

    Keys become text, as in any JSON; what JSON cannot hold is refused: an
    integer beyond 64 bits, nesting past orjson's limit, a value of no JSON type.
    """
    try:
        return orjson.dumps(obj, option=orjson.OPT_NON_STR_KEYS), None
    except orjson.JSONEncodeError as error:
        if nesting_too_deep(obj):
            return b"", "input.too_deep"
        return b"", "input.number_too_large" if "Integer" in str(error) else "input.not_json"


def record_text(unit: Unit) -> bytes | None:
    """The JSON text of a unit's parsed record (`as_json`), or None: none, or not JSON.

    A table's row makes its text from its cells when it can (`TableRow.record_text`),
    without building the record.
    """
    if isinstance(unit, TableRow):  # a sheet's row (`SheetRow`) too
        text = unit.record_text()
        if text is not None:
            return text
    if unit.obj is None:
        return None
    text, code = as_json(unit.obj)
    return text if code is None else None


def _chunk_texts(units: Sequence[Unit]) -> tuple[list[int], list[bytes], list[bool]]:
    """The records among `units` the chunk path takes: places, JSON texts, and which were made.

    A JSON line's text is its own; a table's row (or another parsed record) has
    its text made (`record_text`, as `ModelEngine.check` makes it), which names
    each key once. Making one may refuse the input (a sheet's cell that is not
    UTF-8): that row and those after it are left to `check`, which meets the
    refusal in its place, after the results before it.
    """
    places: list[int] = []
    texts: list[bytes] = []
    made: list[bool] = []
    for place, unit in enumerate(units):
        if unit.found or unit.role != "record":
            continue
        text = unit.text
        if text is None:
            try:
                text = record_text(unit)
            except Exception:  # noqa: BLE001 - refused: `check` raises it in its place
                break
            if text is None:
                continue
        places.append(place)
        texts.append(text)
        made.append(unit.text is None)
    return places, texts, made


def loaded(text: bytes) -> tuple[Any, Code | None]:
    """The JSON document of `text` (None when it does not parse), and an input code.

    The code is `input.number_too_large` for a number beyond a double: valid
    JSON that one parser rounds to infinity and another reads as a big
    integer, so both engines name it the same way rather than guess.
    """
    try:
        return orjson.loads(text), None
    except orjson.JSONDecodeError as error:
        return None, "input.number_too_large" if "infinity" in error.msg else "input.not_json"


def _document(unit: Unit) -> object:
    if unit.obj is not None:
        return unit.obj
    return loaded(unit.text.removeprefix(BOM))[0] if unit.text is not None else None


class Engine:
    """What both engines share; subclasses validate text and objects.

    Args:
        show_values: Keep offending input values in problems (`Problem.value`).
    """

    name = "base"

    def __init__(self, *, show_values: bool = False) -> None:
        self.show_values = show_values

    def accept_chunk(
        self,
        units: Sequence[Unit],
        file: str | None,  # noqa: ARG002 - every engine's signature
    ) -> list[RecordResult | None]:
        """The results of the units accepted at once, each `check`'s; None: `check` it alone.

        Never raises: a unit that may (a row whose text cannot be made) is left
        to `check`, in input order, so that the results before it are handed
        on first. Here none is accepted at once.
        """
        return [None] * len(units)

    def check(self, unit: Unit, file: str | None) -> RecordResult:
        """Validate one unit of input."""
        problems = [problem(code, loc, file=file, line=unit.line) for code, loc in unit.found]
        message: Message | None = None
        if unit.role == "record":
            if unit.text is not None:
                found, message = self._check_text_safely(unit.text, unit, file)
                problems += found
            elif unit.obj is not None:
                found, message = self.check_object(unit.obj, file, unit.line)
                problems += found
        if any(item.code == "date.invalid" for item in problems):
            problems = day_first(problems, _document(unit))
        if unit.columns is not None:
            problems = [at_column(item, unit.columns) for item in problems]
        return RecordResult(
            file, unit.line, tuple(problems), message, unit.raw, unit.role, unit.lines
        )

    def _check_text_safely(self, text: bytes, unit: Unit, file: str | None) -> Checked:
        if text.startswith(BOM):
            found, message = self.check_text(text[len(BOM) :], file, unit.line, at_eof=unit.at_eof)
            return [problem("input.bom", file=file, line=unit.line), *found], message
        return self.check_text(text, file, unit.line, at_eof=unit.at_eof)

    def input_problem(self, text: bytes, file: str | None, line: int, *, at_eof: bool) -> Checked:
        """The input problem of text that failed to validate, if that is what went wrong."""
        code = diagnose_json(text, at_eof=at_eof)
        if code == "input.not_json":
            code = loaded(text)[1] or code
        return ([problem(code, file=file, line=line)] if code else []), None

    def repeated(self, text: bytes, document: object, file: str | None, line: int) -> list[Problem]:
        """`structure.duplicate_key` for every key `text` names twice in one object."""
        return [
            problem("structure.duplicate_key", loc, file=file, line=line, document=document)
            for loc in repeated_keys(text, document)
        ]

    def check_text(self, text: bytes, file: str | None, line: int, *, at_eof: bool) -> Checked:
        """Problems of JSON text, and the model when it is valid."""
        raise NotImplementedError

    def check_object(self, obj: dict[str, Any], file: str | None, line: int) -> Checked:
        """Problems of a parsed object (a CSV row), and the model when it is valid."""
        raise NotImplementedError

    def warnings(self, message: Message, file: str | None, line: int) -> list[Problem]:
        """Deadline warnings of a valid message."""
        return [
            Problem(code, json_path(loc), CATALOGUE[code].severity, file, line)
            for loc, code in message.warnings()
        ]


def _is_input_error(error: ValidationError) -> bool:
    """True when pydantic could not read the text as an object at all."""
    return any(
        detail["type"] == "json_invalid" or (not detail["loc"] and detail["type"] == "dict_type")
        for detail in error.errors(include_url=False, include_context=False, include_input=False)
    )


class ModelEngine(Engine):
    """Validate with the pydantic models: structure, every semantic rule, deadline warnings."""

    name = "model"

    def __init__(self, *, show_values: bool = False) -> None:
        super().__init__(show_values=show_values)
        # Bound once: the attribute lookups add up over millions of lines.
        self._validate_json = MessageAdapter.validator.validate_json
        self._accept = fast_accept()
        self._chunk_refused = 0  # chunks left to judge line by line (see `accept_chunk`)
        self._lines_seen = 0  # units given to `accept_chunk`, for `_chunks.WARM_UP`

    def accept_chunk(self, units: Sequence[Unit], file: str | None) -> list[RecordResult | None]:
        """The results of the valid records accepted at once (see `Engine.accept_chunk`).

        The chunk path (`kzcn.validation._chunks`, with numpy) takes the JSON
        lines and tables' rows the fast accept path would take, and answers the
        MRZ questions of all of them at once. Every other unit (one refused, a
        unit a reader judged) is None: `check` judges it, as always. A chunk
        mostly refused (a file of invalid records) has the next ones judged
        line by line: those lines would be decoded twice.
        """
        chunked = self._chunked(units)
        if chunked is None:
            return [None] * len(units)
        chunk, places, texts, made = chunked
        accept = self._accept
        accepted = self._accepted

        def finish(index: int, text: bytes, struct: Any) -> RecordResult | None:
            # As `_fast_accept`: a record's text made by us (`record_text`), known to name
            # each key once, or the colon count says so.
            if (
                made[index]
                or accept.names_each_key_once(text, struct)  # type: ignore[union-attr]
                or not _may_repeat_keys(text)
            ):
                return accepted(struct, text, file, units[places[index]])
            return None

        found = chunk(texts, finish)
        results: list[RecordResult | None] = [None] * len(units)
        for place, result in zip(places, found, strict=True):
            results[place] = result
        if found.count(None) > len(texts) // 2:
            self._chunk_refused = _REFUSED_PAUSE
        return results

    def _chunked(
        self, units: Sequence[Unit]
    ) -> tuple[_chunks.ChunkAccept, list[int], list[bytes], list[bool]] | None:
        """The chunk path and where its records are among `units` (`_chunk_texts`); or None.

        None: judged line by line (too few, a short input so far and numpy not
        loaded, no chunk path, or a pause after a chunk mostly refused).
        """
        if len(units) < _chunks.MIN_LINES or self._accept is None:
            return None
        self._lines_seen += len(units)
        if self._lines_seen <= _chunks.WARM_UP and "numpy" not in sys.modules:
            return None  # a short input, so far: numpy's import would not pay
        if self._chunk_refused:
            self._chunk_refused -= 1
            return None
        chunk = _chunks.chunk_accept()
        if chunk is None:
            return None
        return (chunk, *_chunk_texts(units))

    def check(self, unit: Unit, file: str | None) -> RecordResult:
        """Validate one unit; a plain JSON line takes the short path, a valid one the shortest."""
        text = unit.text
        if text is None or unit.found:
            return self._check_row(unit, file)
        accepted = self._fast_accept(text, file, unit)
        if accepted is not None:
            return accepted
        try:
            message = self._validate_json(text)
        except ValidationError as error:
            if _is_input_error(error):
                return super().check(unit, file)
            problems = self._model_problems(error, text, file, unit.line)
            if any(item.code == "date.invalid" for item in problems):
                problems = day_first(problems, _document(unit))
            return RecordResult(
                file, unit.line, tuple(problems), None, unit.raw, "record", unit.lines
            )
        repeated = self.repeated(text, orjson.loads(text), file, unit.line)
        if repeated:
            return RecordResult(
                file, unit.line, tuple(repeated), None, unit.raw, "record", unit.lines
            )
        late = tuple(self.warnings(message, file, unit.line)) if message.warnings() else ()
        return RecordResult(file, unit.line, late, message, unit.raw, "record", unit.lines)

    def _fast_accept(
        self, text: bytes, file: str | None, unit: Unit, *, from_object: bool = False
    ) -> RecordResult | None:
        """The result of a line the fast path accepts (`kzcn.validation._accept`), else None.

        `from_object`: `text` is orjson's writing of a parsed object, which
        names no key twice.
        """
        accept = self._accept
        if accept is None:
            return None
        message = accept(text)
        if message is None:
            return None
        # Known not to repeat a key: written by orjson, or told by the path itself;
        # else the colon count of `may_repeat_keys`.
        if not (from_object or accept.names_each_key_once(text, message)) and _may_repeat_keys(
            text
        ):
            return None
        return self._accepted(message, text, file, unit)

    def _accepted(self, message: Any, text: bytes, file: str | None, unit: Unit) -> RecordResult:
        """The result of `text`, which the fast path accepted as `message` (a struct)."""
        problems: tuple[Problem, ...] = ()
        if message.warnings():  # most messages: none, and nothing to build
            late = self.warnings(message, file, unit.line)
            if unit.columns is not None:
                late = [at_column(item, unit.columns) for item in late]
            problems = tuple(late)
        return RecordResult(file, unit.line, problems, None, unit.raw, "record", unit.lines, text)

    def _check_row(self, unit: Unit, file: str | None) -> RecordResult:
        """A unit that is not a plain JSON line; a parsed row's JSON text takes the fast path first.

        A parsed row is a CSV, xlsx or Parquet record. Besides the time, a
        fast-accepted row's result holds its text, not a model: with `--jobs`,
        that is what crosses back from the workers.
        """
        if not unit.found and self._accept is not None:
            text = record_text(unit)
            if text is not None:
                accepted = self._fast_accept(text, file, unit, from_object=True)
                if accepted is not None:
                    return accepted
        return super().check(unit, file)

    def _model_problems(
        self, error: ValidationError, text: bytes, file: str | None, line: int
    ) -> list[Problem]:
        """The problems of text the models reject, with the input problems they cannot see."""
        # pydantic reads a number beyond a double as a big integer, orjson and
        # the schema engine refuse it: the text is parsed once more (failures
        # only) so that both engines report it the same way.
        document, code = loaded(text)
        if code is not None:
            return [problem(code, file=file, line=line)]
        return self.repeated(text, document, file, line) + problems_from_error(
            error, show_values=self.show_values, file=file, line=line, document=document
        )

    def check_text(self, text: bytes, file: str | None, line: int, *, at_eof: bool) -> Checked:
        """Problems of JSON text: input problems first, then the models' own."""
        try:
            message = self._validate_json(text)
        except ValidationError as error:
            if _is_input_error(error):
                found, _ = self.input_problem(text, file, line, at_eof=at_eof)
                return found or [problem("input.not_json", file=file, line=line)], None
            return self._model_problems(error, text, file, line), None
        repeated = self.repeated(text, orjson.loads(text), file, line)
        if repeated:
            return repeated, None
        return self.warnings(message, file, line), message

    def check_object(self, obj: dict[str, Any], file: str | None, line: int) -> Checked:
        """Problems of a parsed object, validated as JSON so dates parse as in a file."""
        # The models are strict: a date is only accepted from JSON text, so
        # the object goes back to text (orjson is fast enough not to matter).
        text, code = as_json(obj)
        if code is not None:
            return [problem(code, file=file, line=line)], None
        return self.check_text(text, file, line, at_eof=False)
