"""CSV columns: which JSON type each dotted column holds, and rows built back into objects.

The column types come from the message JSON Schema, so an integer column
(`rows.0.visas_issued`) comes back as an integer and a string column stays a
string even when it holds digits. A header is compiled once into a
`CsvLayout`, whose row builder is generated code: one test per cell, which
is what keeps CSV reading fast.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from kzcn.schema import build_schema

__all__ = ["CsvLayout", "column_leaves", "column_types", "csv_layout", "normalise_column"]

Part = str | int
Converter = Callable[[str], Any]

_INTEGER = re.compile(r"-?(?:0|[1-9][0-9]*)")
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
_BOOLEANS = {"true": True, "false": False}


def _resolve(node: Mapping[str, Any], defs: Mapping[str, Any]) -> Mapping[str, Any]:
    while "$ref" in node:
        node = defs[node["$ref"].rsplit("/", 1)[-1]]
    return node


def _leaf_type(node: Mapping[str, Any]) -> str:
    declared = node.get("type", "string")
    if isinstance(declared, list):
        declared = next((t for t in declared if t != "null"), "string")
    return str(declared)


def _branches(node: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The alternatives of a node: `X or null`, or the root's `if kind ... then $ref` dispatch."""
    dispatched = [b["then"] for b in node.get("allOf", ()) if "$ref" in b.get("then", {})]
    return list(node.get("anyOf") or node.get("oneOf") or dispatched)


def _walk(
    node: Mapping[str, Any], path: str, defs: Mapping[str, Any], out: dict[str, Mapping[str, Any]]
) -> None:
    node = _resolve(node, defs)
    branches = _branches(node)
    if branches:
        for branch in branches:
            if _resolve(branch, defs).get("type") != "null":
                _walk(branch, path, defs, out)
    elif "properties" in node:
        for key, child in node["properties"].items():
            _walk(child, f"{path}.{key}" if path else key, defs, out)
    elif "items" in node:
        _walk(node["items"], f"{path}.*", defs, out)
    else:
        out.setdefault(path, node)


@cache
def column_leaves() -> Mapping[str, Mapping[str, Any]]:
    """The schema of every leaf field of every kind, by column with indexes as `*`."""
    schema = build_schema("message")
    out: dict[str, Mapping[str, Any]] = {}
    _walk(schema, "", schema["$defs"], out)
    return out


@cache
def column_types() -> Mapping[str, str]:
    """The JSON type of every leaf field of every kind, by column with indexes as `*`.

    For example `subject.documents.*.number` -> `string`,
    `rows.*.visas_issued` -> `integer`, `synthetic` -> `boolean`.
    """
    return {column: _leaf_type(node) for column, node in column_leaves().items()}


def normalise_column(column: str) -> str:
    """The column with list indexes as `*`: `documents.0.number` -> `documents.*.number`."""
    return ".".join("*" if part.isdigit() else part for part in column.split("."))


def _to_integer(cell: str) -> Any:
    return int(cell) if _INTEGER.fullmatch(cell) else cell


def _to_number(cell: str) -> Any:
    if _INTEGER.fullmatch(cell):
        return int(cell)
    return float(cell) if _NUMBER.fullmatch(cell) else cell


def _to_boolean(cell: str) -> Any:
    return _BOOLEANS.get(cell, cell)


# Text that is not a number or boolean stays text, for the validator to call a wrong type.
_CONVERTERS: dict[str, Converter] = {
    "integer": _to_integer,
    "number": _to_number,
    "boolean": _to_boolean,
}


def _parts(column: str) -> tuple[Part, ...]:
    # The first part is always a key: a message is an object, never a list.
    first, *rest = column.split(".")
    return (first, *(int(part) if part.isdigit() else part for part in rest))


@dataclass(slots=True)
class _Node:
    """The columns under one key path: the tree a header compiles from."""

    text: list[tuple[Part, int]] = field(default_factory=list)
    typed: list[tuple[Part, int, Converter]] = field(default_factory=list)
    children: dict[Part, _Node] = field(default_factory=dict)
    is_list: bool = False


def _as_list(out: dict[Any, Any]) -> Any:
    keys = sorted(out)
    if keys == list(range(len(keys))):
        return [out[key] for key in keys]
    # Gaps (items 0 and 2 only) keep the object form: the validator reports a wrong type.
    return {str(key): value for key, value in out.items()}


class _Emitter:
    """Writes the body of a row builder: straight-line code, one test per cell.

    The code holds only cell indexes and indexes into constant tables (`K`
    for keys, `F` for converters), never a column name or any other text
    read from the input, so compiling it cannot run anything the input says.
    """

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.keys: list[Part] = []
        self.converters: list[Converter] = []
        self._variables = 0

    def _key(self, key: Part) -> int:
        self.keys.append(key)
        return len(self.keys) - 1

    def node(self, node: _Node, var: str, pad: str = " ") -> None:
        for key, index in node.text:
            self.lines += [f"{pad}c = r[{index}]", f"{pad}if c: {var}[K[{self._key(key)}]] = c"]
        for key, index, convert in node.typed:
            self.converters.append(convert)
            number = len(self.converters) - 1
            self.lines += [
                f"{pad}c = r[{index}]",
                f"{pad}if c: {var}[K[{self._key(key)}]] = F[{number}](c)",
            ]
        for key, child in node.children.items():
            self._child(key, child, var, pad)

    def _child(self, key: Part, child: _Node, var: str, pad: str) -> None:
        self._variables += 1
        inner = f"v{self._variables}"
        self.lines.append(f"{pad}{inner} = {{}}")
        self.node(child, inner, pad)
        wrapped = f"L({inner})" if child.is_list else inner
        self.lines.append(f"{pad}if {inner}: {var}[K[{self._key(key)}]] = {wrapped}")


def _compile(root: _Node) -> Callable[[Sequence[str]], dict[str, Any]]:
    emitter = _Emitter()
    emitter.node(root, "v0")
    source = "\n".join(["def build(r):", " v0 = {}", *emitter.lines, " return v0"])
    scope: dict[str, Any] = {
        "K": tuple(emitter.keys),
        "F": tuple(emitter.converters),
        "L": _as_list,
    }
    # Generated rather than interpreted: a row is then built at the speed of
    # plain Python statements, several times faster than walking the tree.
    exec(compile(source, "<kzcn csv layout>", "exec"), scope)  # noqa: S102 - see _Emitter
    builder: Callable[[Sequence[str]], dict[str, Any]] = scope["build"]
    return builder


@dataclass(frozen=True, slots=True)
class CsvLayout:
    """A compiled CSV header: how to turn a row of cells into a nested object.

    Attributes:
        header: The column names as read.
        unknown: Columns that map to no field of any kind (or repeat one).
        build: The object a row stands for; an empty cell is null, so it
            is left out, and an object or list with nothing in it too.
    """

    header: tuple[str, ...]
    unknown: tuple[str, ...]
    build: Callable[[Sequence[str]], dict[str, Any]]


def _node_for(root: _Node, parts: tuple[Part, ...]) -> _Node:
    node = root
    for part in parts:
        node.is_list = isinstance(part, int)
        node = node.children.setdefault(part, _Node())
    return node


def csv_layout(header: Sequence[str]) -> CsvLayout:
    """Compile a CSV header (dotted column names) into a layout."""
    types = column_types()
    root = _Node()
    unknown: list[str] = []
    seen: set[str] = set()
    for index, column in enumerate(header):
        json_type = types.get(normalise_column(column))
        if json_type is None or column in seen:
            unknown.append(column)
        seen.add(column)
        *path, key = _parts(column)
        node = _node_for(root, tuple(path))
        node.is_list = isinstance(key, int)
        convert = _CONVERTERS.get(json_type or "string")
        if convert is None:
            node.text.append((key, index))
        else:
            node.typed.append((key, index, convert))
    return CsvLayout(tuple(header), tuple(unknown), _compile(root))
