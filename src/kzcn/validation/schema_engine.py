"""The schema engine: the committed JSON Schema alone, formats asserted.

This is what a user who has only `schema/message.schema.json` gets: no check
digits, no cross-field dates, no deadline warnings. jsonschema-rs (compiled)
is the fast path; the pure-Python `jsonschema` package is the fallback when
it is not installed, and the tests hold the two to the same answers.

The message schema dispatches on `kind` (an `allOf` of `if kind is K then
K's definition`). A record is first checked against the whole schema (one
fast call), and only a failing record is checked again against the
definition its `kind` names (`kzcn.schema.kind_refs`), whose errors point at
fields without the `allOf`/`then` wrapping.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from functools import cache
from typing import Any, Literal, Protocol

import jsonschema
import orjson

from kzcn._patterns import python_end_anchors
from kzcn.schema import build_schema, kind_refs
from kzcn.validation.engines import Checked, Engine, as_json
from kzcn.validation.problems import problem
from kzcn.validation.readers import nesting_too_deep
from kzcn.validation.schema_faults import SchemaFault, codes_for_faults

try:  # pragma: no cover - exercised by whichever is installed
    import jsonschema_rs
except ImportError:  # pragma: no cover
    jsonschema_rs = None  # type: ignore[assignment]

__all__ = ["Backend", "SchemaEngine", "message_schema"]

Backend = Literal["auto", "rust", "python"]


@cache
def message_schema() -> Mapping[str, Any]:
    """The message JSON Schema, as committed in `schema/message.schema.json`.

    Built from the models rather than read from the file because the file's
    place differs between a checkout and an installed wheel; the schema drift
    test keeps the two identical.
    """
    return build_schema("message")


def _kind_schemas(schema: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """One schema per kind: the root's `$defs`, entered at the kind's definition."""
    mapping = kind_refs(dict(schema))
    return {
        kind: {"$schema": schema["$schema"], "$defs": schema["$defs"], "$ref": ref}
        for kind, ref in mapping.items()
    }


class _Backend(Protocol):
    name: str

    def is_valid(self, instance: object) -> bool: ...

    def faults(self, kind: str, instance: object) -> list[SchemaFault]: ...


# --- jsonschema-rs -------------------------------------------------------------


def _node_at(schema: Mapping[str, Any], path: tuple[str | int, ...]) -> Mapping[str, Any]:
    """The subschema at a schema path, or empty when the path leads nowhere."""
    node: Any = schema
    for part in path:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):  # noqa: PERF203 - only on failing records
            return {}
    return node if isinstance(node, Mapping) else {}


class _RustBackend:
    name = "jsonschema-rs"

    def __init__(self, schema: Mapping[str, Any]) -> None:
        assert jsonschema_rs is not None  # noqa: S101 - chosen only when importable
        self._schema = schema
        self._whole = jsonschema_rs.validator_for(dict(schema), validate_formats=True)
        self._kinds = {
            kind: jsonschema_rs.validator_for(sub, validate_formats=True)
            for kind, sub in _kind_schemas(schema).items()
        }

    def is_valid(self, instance: object) -> bool:
        return bool(self._whole.is_valid(instance))

    def faults(self, kind: str, instance: object) -> list[SchemaFault]:
        return [self._fault(error) for error in self._kinds[kind].iter_errors(instance)]

    def _fault(self, error: Any) -> SchemaFault:
        kind = error.kind
        keyword = str(kind.name)
        schema_path = tuple(error.schema_path)
        names: tuple[str, ...] = ()
        branches: tuple[tuple[SchemaFault, ...], ...] = ()
        if keyword == "required":
            names = (str(kind.property),)
        elif keyword == "additionalProperties":
            names = tuple(str(name) for name in kind.unexpected)
        elif keyword in ("anyOf", "oneOf"):
            branches = tuple(tuple(self._fault(e) for e in branch) for branch in kind.context)
        return SchemaFault(
            keyword=keyword,
            loc=tuple(error.instance_path),
            instance=error.instance,
            node=_node_at(self._schema, schema_path[:-1]),
            in_rule="then" in schema_path,
            names=names,
            branches=branches,
        )


# --- pure-Python jsonschema ----------------------------------------------------


@cache
def _ecma(pattern: str) -> re.Pattern[str]:
    return re.compile(python_end_anchors(pattern))


def _pattern_keyword(
    validator: Any, pattern: str, instance: object, schema: Mapping[str, Any]
) -> Iterator[jsonschema.ValidationError]:
    del schema
    if validator.is_type(instance, "string") and not _ecma(pattern).search(str(instance)):
        # No value in the message: it is never shown, and must not be tempted to be.
        yield jsonschema.ValidationError("does not match the pattern")


_PythonValidator = jsonschema.validators.extend(  # type: ignore[no-untyped-call]
    jsonschema.Draft202012Validator, {"pattern": _pattern_keyword}
)


class _PythonBackend:
    name = "jsonschema"

    def __init__(self, schema: Mapping[str, Any]) -> None:
        checker = jsonschema.Draft202012Validator.FORMAT_CHECKER
        self._whole = _PythonValidator(dict(schema), format_checker=checker)
        self._kinds = {
            kind: _PythonValidator(sub, format_checker=checker)
            for kind, sub in _kind_schemas(schema).items()
        }

    def is_valid(self, instance: object) -> bool:
        return bool(self._whole.is_valid(instance))

    def faults(self, kind: str, instance: object) -> list[SchemaFault]:
        return [_python_fault(error) for error in self._kinds[kind].iter_errors(instance)]


def _python_names(error: jsonschema.ValidationError) -> tuple[str, ...]:
    instance = error.instance if isinstance(error.instance, dict) else {}
    if error.validator == "required" and isinstance(error.validator_value, list):
        return tuple(str(n) for n in error.validator_value if n not in instance)
    if error.validator == "additionalProperties":
        known = error.schema.get("properties", {}) if isinstance(error.schema, Mapping) else {}
        return tuple(str(n) for n in instance if n not in known)
    return ()


def _python_branches(error: jsonschema.ValidationError) -> tuple[tuple[SchemaFault, ...], ...]:
    groups: dict[object, list[SchemaFault]] = {}
    for sub in error.context or ():
        groups.setdefault(sub.relative_schema_path[0], []).append(_python_fault(sub))
    return tuple(tuple(group) for group in groups.values())


def _python_fault(error: jsonschema.ValidationError) -> SchemaFault:
    keyword = str(error.validator)
    schema = error.schema if isinstance(error.schema, Mapping) else {}
    return SchemaFault(
        keyword=keyword,
        loc=tuple(error.absolute_path),
        instance=error.instance,
        node=schema,
        in_rule="then" in error.absolute_schema_path,
        names=_python_names(error),
        branches=_python_branches(error) if keyword in ("anyOf", "oneOf") else (),
    )


# --- the engine ----------------------------------------------------------------


def _backend(choice: Backend, schema: Mapping[str, Any]) -> _Backend:
    if choice == "rust" or (choice == "auto" and jsonschema_rs is not None):
        if jsonschema_rs is None:
            raise RuntimeError("jsonschema-rs is not installed")
        return _RustBackend(schema)
    return _PythonBackend(schema)


class SchemaEngine(Engine):
    """Validate with the committed JSON Schema only.

    Args:
        show_values: Keep offending input values in problems.
        backend: `rust` (jsonschema-rs), `python` (jsonschema), or `auto`
            (the first that is installed).
    """

    name = "schema"

    def __init__(self, *, show_values: bool = False, backend: Backend = "auto") -> None:
        super().__init__(show_values=show_values)
        self._backend = _backend(backend, message_schema())
        self._kinds = frozenset(kind_refs(dict(message_schema())))

    @property
    def backend(self) -> str:
        """The validator in use: `jsonschema-rs` or `jsonschema`."""
        return self._backend.name

    def check_text(self, text: bytes, file: str | None, line: int, *, at_eof: bool) -> Checked:
        """Parse with orjson, then validate the object."""
        try:
            obj = orjson.loads(text)
        except orjson.JSONDecodeError:
            return self.input_problem(text, file, line, at_eof=at_eof)
        if not isinstance(obj, dict):
            return [problem("input.not_object", file=file, line=line)], None
        found, _ = self.check_object(obj, file, line)
        return self.repeated(text, obj, file, line) + found, None

    def check_object(self, obj: dict[str, Any], file: str | None, line: int) -> Checked:
        """Validate a parsed object; explain it only when it fails."""
        return self._check_object(obj, file, line, as_given=True)

    def _check_object(
        self, obj: dict[str, Any], file: str | None, line: int, *, as_given: bool
    ) -> Checked:
        try:
            if self._backend.is_valid(obj):
                return [], None
        except RecursionError:
            pass  # the pure-Python validator on a deep document: reported below
        except (ValueError, OverflowError):
            # jsonschema-rs takes only text keys and 64-bit numbers; a CSV column
            # like `subject.5` gives an integer key. JSON would have made it text.
            if as_given:
                return self._check_as_json(obj, file, line)
            return [problem("input.number_too_large", file=file, line=line)], None
        if nesting_too_deep(obj):
            return [problem("input.too_deep", file=file, line=line)], None
        kind = obj.get("kind")
        if not isinstance(kind, str) or kind not in self._kinds:
            return [problem("structure.unknown_kind", ("kind",), file=file, line=line)], None
        return self._explain(kind, obj, file, line)

    def _check_as_json(self, obj: dict[str, Any], file: str | None, line: int) -> Checked:
        """Validate what `obj` would be as JSON text: keys as text, numbers as JSON has them."""
        text, code = as_json(obj)
        if code is not None:
            return [problem(code, file=file, line=line)], None
        return self._check_object(orjson.loads(text), file, line, as_given=False)

    def _explain(self, kind: str, obj: dict[str, Any], file: str | None, line: int) -> Checked:
        """Why a record of `kind` fails: one problem per failing location."""
        try:
            faults = self._backend.faults(kind, obj)
        except (ValueError, OverflowError):  # as in `_check_object`; the whole passed it
            return [problem("input.number_too_large", file=file, line=line)], None
        found = codes_for_faults(faults, obj)
        return [
            problem(
                code,
                loc,
                file=file,
                line=line,
                value=value if self.show_values else None,
                document=obj,
            )
            for loc, code, value in found
        ], None
