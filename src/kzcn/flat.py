"""CSV and dotted columns, both ways: the one module that knows the flat layout.

A nested object becomes columns `subject.surname.latin`; a list element gets
its index, `subject.documents.0.number`. An empty cell is null. Cells hold
JSON scalars as text: strings as they are, numbers and booleans in JSON form.

- Out (`kzcn generate --format csv`): `flatten` a message into cells, under
  the header `csv_columns` derives from the JSON Schema (every leaf of every
  kind, lists expanded up to the generator's longest).
- In (`kzcn validate` on CSV): `csv_layout` compiles a header into a row
  builder, with each column's JSON type from the same schema walk
  (`column_types`), so that "123" stays a string where the schema wants one
  and `rows.0.visas_issued` comes back as an integer. The builder is
  generated code, one test per cell, which is what keeps CSV reading fast.
"""

from __future__ import annotations

import marshal
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from operator import itemgetter
from typing import Any, TypeVar

from kzcn.schema import build_schema

__all__ = [
    "MAX_COLUMN_PARTS",
    "CsvLayout",
    "column_leaves",
    "column_order",
    "column_types",
    "csv_columns",
    "csv_layout",
    "flatten",
    "normalise_column",
]

Schema = Mapping[str, Any]
Part = str | int
Converter = Callable[[str], Any]


# --- out: messages to cells -----------------------------------------------------------


def flatten(obj: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    """Flatten a JSON object to `{dotted path: cell text}`; nulls and empty lists vanish."""
    out: dict[str, str] = {}
    _flatten_into(obj, prefix, out)
    return out


def _flatten_into(value: Any, path: str, out: dict[str, str]) -> None:
    if isinstance(value, Mapping):
        for key, item in value.items():
            _flatten_into(item, f"{path}.{key}" if path else str(key), out)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _flatten_into(item, f"{path}.{index}", out)
    elif value is None:
        return
    elif isinstance(value, bool):
        out[path] = "true" if value else "false"
    else:
        out[path] = str(value)


def column_order(rows: Iterable[Mapping[str, str]]) -> list[str]:
    """Columns in first-seen order over all rows (a stable CSV header)."""
    seen: dict[str, None] = {}
    for row in rows:
        for column in row:
            seen.setdefault(column, None)
    return list(seen)


# --- the schema's leaves: one walk for the header and for the column types ---------------


def _resolve(node: Schema, defs: Schema) -> Schema:
    while "$ref" in node:
        node = defs[node["$ref"].rsplit("/", 1)[-1]]
    return node


def _branches(node: Schema, defs: Schema) -> list[Schema]:
    """The alternatives of a node (`anyOf`/`oneOf`), each resolved; nulls dropped.

    The message root's alternatives are its kinds: `allOf` of `if kind ... then $ref`.
    """
    node = _resolve(node, defs)
    dispatched = [b["then"] for b in node.get("allOf", ()) if "$ref" in b.get("then", {})]
    options = node.get("anyOf") or node.get("oneOf") or dispatched
    if not options:
        return [node]
    found = []
    for option in options:
        found += [b for b in _branches(option, defs) if b.get("type") != "null"]
    return found


def _leaf_type(node: Schema) -> str:
    declared = node.get("type", "string")
    if isinstance(declared, list):
        declared = next((t for t in declared if t != "null"), "string")
    return str(declared)


def _leaves(
    node: Schema, defs: Schema, path: tuple[str, str], indexes: Callable[[str], Iterable[str]]
) -> Iterator[tuple[str, str, Schema]]:
    """`(pattern, column, leaf schema)` of every leaf under `node`, in schema order.

    `path` is the node's (pattern, column): the pattern has `*` for list
    indexes, the column the indexes `indexes(pattern)` gives for each list.
    """
    pattern, column = path
    for branch in _branches(node, defs):
        if branch.get("type") == "object" or "properties" in branch:
            for name, child in branch.get("properties", {}).items():
                yield from _leaves(child, defs, (_join(pattern, name), _join(column, name)),
                                   indexes)  # fmt: skip
        elif branch.get("type") == "array" or "items" in branch:
            items = branch.get("items", {})
            for index in indexes(pattern):
                yield from _leaves(items, defs, (_join(pattern, "*"), _join(column, index)),
                                   indexes)  # fmt: skip
        else:
            yield pattern, column, branch


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _schema_leaves(indexes: Callable[[str], Iterable[str]]) -> Iterator[tuple[str, str, Schema]]:
    root = build_schema("message")
    return _leaves(root, root.get("$defs", {}), ("", ""), indexes)


@cache
def column_types() -> Mapping[str, str]:
    """The JSON type of every leaf field of every kind, by column with indexes as `*`.

    For example `subject.documents.*.number` -> `string`,
    `rows.*.visas_issued` -> `integer`, `synthetic` -> `boolean`.
    """
    return {pattern: _leaf_type(node) for pattern, node in column_leaves().items()}


@cache
def column_leaves() -> Mapping[str, Schema]:
    """The schema of every leaf field of every kind, by column with indexes as `*`."""
    out: dict[str, Schema] = {}
    for pattern, _, node in _schema_leaves(lambda _: ("*",)):
        out.setdefault(pattern, node)
    return out


@cache
def _columns(limits: tuple[tuple[str, int], ...]) -> tuple[str, ...]:
    longest = dict(limits)
    leaves = _schema_leaves(lambda pattern: map(str, range(longest.get(pattern, 0))))
    seen = list(dict.fromkeys(column for _, column, _ in leaves))
    # The discriminator reads best next to the message ID, not after the envelope.
    seen.remove("kind")
    seen.insert(seen.index("message_id") + 1, "kind")
    return tuple(seen)


def csv_columns(limits: Mapping[str, int] | None = None) -> list[str]:
    """The CSV header: every leaf column of every kind, lists expanded up to `limits`.

    `limits` maps a list's dotted path (indexes as `*`) to its longest length;
    the default is the generator's `LIST_LIMITS`. The order is the schema's, so
    the header is the same in every run.
    """
    if limits is None:
        from kzcn.synth.generator import LIST_LIMITS  # noqa: PLC0415 - avoids an import cycle

        limits = LIST_LIMITS
    return list(_columns(tuple(sorted(limits.items()))))


# --- in: a header compiled into a row builder ----------------------------------------


_INTEGER = re.compile(r"-?(?:0|[1-9][0-9]*)")
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
_BOOLEANS = {"true": True, "false": False}
#: Columns with more dotted parts are read as no field (a message nests about 6 deep).
MAX_COLUMN_PARTS = 32


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
    # Any case: a spreadsheet writes TRUE and FALSE.
    return _BOOLEANS.get(cell.lower(), cell)


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
    keys = list(out)
    if all(type(key) is int for key in keys) and sorted(keys) == list(range(len(keys))):
        return [out[key] for key in sorted(keys)]
    # Gaps (items 0 and 2 only), or indexes beside names (`subject.0` and
    # `subject.sex`), keep the object form: the validator reports a wrong type.
    return {str(key): value for key, value in out.items()}


def _as_int_list(out: dict[int, Any]) -> Any:
    """`_as_list` of an object whose keys are all list indexes (as most lists' are)."""
    # Distinct indexes from 0 whose largest is one less than their count are 0, 1, ... n-1.
    if max(out) == len(out) - 1:
        return list(map(out.__getitem__, range(len(out))))
    return {str(key): value for key, value in out.items()}


#: An object of at most this many cells is skipped when each tests empty (an `or`
#: that stops at the first full one); a larger one by `any` over its cells, in C.
_OR_CELLS = 8


class _Emitter:
    """Writes the body of a row builder: straight-line code, one test per cell.

    Keys, converters and cell pickers are the builder's globals (`k0`, `f0`,
    `g0`, ...), bound from tables: the code holds only numbers, never a column
    name or any other text read from the input, so compiling it cannot run
    anything the input says.
    """

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.names: dict[str, Any] = {}
        self._variables = 0

    def _name(self, prefix: str, value: Any) -> str:
        name = f"{prefix}{len(self.names)}"
        self.names[name] = value
        return name

    def node(self, node: _Node, var: str, pad: str = " ") -> None:
        for key, index in node.text:
            self.lines.append(f"{pad}if r[{index}]: {var}[{self._name('k', key)}] = r[{index}]")
        for key, index, convert in node.typed:
            self.lines.append(
                f"{pad}if r[{index}]: "
                f"{var}[{self._name('k', key)}] = {self._name('f', convert)}(r[{index}])"
            )
        for key, child in node.children.items():
            self._child(key, child, var, pad)

    def _any_full(self, cells: list[int]) -> str:
        """An expression true when any of `cells` (sorted) is not empty."""
        if len(cells) <= _OR_CELLS:
            return " or ".join(f"r[{index}]" for index in cells)
        if cells[-1] - cells[0] == len(cells) - 1:
            # Side by side (as `kzcn generate` writes an object): one slice.
            return f"any(r[{cells[0]}:{cells[-1] + 1}])"
        return f"any({self._name('g', itemgetter(*cells))}(r))"

    def _child(self, key: Part, child: _Node, var: str, pad: str) -> None:
        cells = sorted(set(_cells_under(child)))
        if not cells:
            return
        self._variables += 1
        inner = f"v{self._variables}"
        # Most objects of a wide sheet are empty (another kind's fields, list items
        # beyond this record's): one test skips the lot.
        self.lines.append(f"{pad}if {self._any_full(cells)}:")
        pad += " "
        self.lines.append(f"{pad}{inner} = {{}}")
        self.node(child, inner, pad)
        wrapped = inner
        if child.is_list:
            wrapped = f"I({inner})" if _indexes_only(child) else f"L({inner})"
        self.lines.append(f"{pad}if {inner}: {var}[{self._name('k', key)}] = {wrapped}")


def _indexes_only(node: _Node) -> bool:
    keys = [key for key, _ in node.text] + [key for key, _, _ in node.typed] + [*node.children]
    return all(type(key) is int for key in keys)


def _cells_under(node: _Node) -> list[int]:
    """The cell index of every column under `node`."""
    cells = [index for _, index in node.text] + [index for _, index, _ in node.typed]
    for child in node.children.values():
        cells += _cells_under(child)
    return cells


#: A compiled builder as another process remakes it: its code (marshalled) and its globals.
Recipe = tuple[bytes, Mapping[str, Any]]


def _compile(root: _Node) -> Recipe:
    emitter = _Emitter()
    emitter.node(root, "v0")
    source = "\n".join(["def build(r):", " v0 = {}", *emitter.lines, " return v0"])
    # Generated rather than interpreted: a row is then built at the speed of
    # plain Python statements, several times faster than walking the tree.
    code = compile(source, "<kzcn csv layout>", "exec")
    return marshal.dumps(code), emitter.names


def _builder(recipe: Recipe) -> Callable[[Sequence[str]], dict[str, Any]]:
    """The row builder of a `recipe` (`_compile`'s)."""
    code, names = recipe
    # Globals, not closure variables: a call copies every closure cell into its
    # frame, which for a wide header cost more than building the row.
    scope: dict[str, Any] = {**names, "L": _as_list, "I": _as_int_list}
    # The code is our own (`_compile`), marshalled by this interpreter: never input.
    exec(marshal.loads(code), scope)  # noqa: S102, S302 - see _Emitter
    builder: Callable[[Sequence[str]], dict[str, Any]] = scope["build"]
    return builder


@dataclass(frozen=True, slots=True)
class CsvLayout:
    """A compiled CSV header: how to turn a row of cells into a nested object.

    Attributes:
        header: The column names as read.
        unknown: Columns that map to no field of any kind, repeat one or
            spell one another way, each as `<unknown column N>` (N counted
            from 1): a header may hold personal data, so never its text.
        build: The object a row stands for; an empty cell is null, so it
            is left out, and an object or list with nothing in it too.
    """

    header: tuple[str, ...]
    unknown: tuple[str, ...]
    build: Callable[[Sequence[str]], dict[str, Any]]
    #: Each known column's number from 1, by its name: where a problem points.
    columns: Mapping[str, int] = field(default_factory=dict)
    #: The converter of each cell `build` converts (a number or boolean column), by index.
    typed: Mapping[int, Converter] = field(default_factory=dict)
    #: How `build` was made (`_compile`): what a worker process is sent.
    recipe: Recipe = field(default=(b"", {}), compare=False, repr=False)

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled as its recipe: a worker remakes the builder without the schema walk.

        Walking the schema for the column types and compiling the builder cost
        a worker process about 0.05 CPU-s per header; loading the marshalled
        code, a fraction of a millisecond.
        """
        if not self.recipe[0]:
            raise TypeError("a CsvLayout made without its recipe cannot be pickled")
        fields = (self.header, self.unknown, dict(self.columns), dict(self.typed))
        return _shipped_layout, (*fields, self.recipe)


_K = TypeVar("_K")
_V = TypeVar("_V")
#: How many things a process keeps of those it was sent (`made_once`): a run reads one table.
_KEPT = 8


def made_once(store: dict[_K, _V], key: _K, make: Callable[[], _V]) -> _V:
    """`store[key]`, made by `make()` on first use; `store` starts again past `_KEPT`.

    For what a worker process is sent pickled, chunk after chunk (a layout, a
    table): made once in each, so it keeps what it learnt between chunks.
    """
    found = store.get(key)
    if found is None:
        if len(store) >= _KEPT:
            store.clear()
        found = store[key] = make()
    return found


#: The layouts a process was sent (`CsvLayout.__reduce__`), by header.
_SHIPPED: dict[tuple[str, ...], CsvLayout] = {}


def _shipped_layout(
    header: tuple[str, ...],
    unknown: tuple[str, ...],
    columns: dict[str, int],
    typed: dict[int, Converter],
    recipe: Recipe,
) -> CsvLayout:
    """A layout as it was pickled: the one already made of `header` here, else remade."""

    def remade() -> CsvLayout:
        return CsvLayout(header, unknown, _builder(recipe), columns, typed, recipe)

    return made_once(_SHIPPED, header, remade)


def _node_for(root: _Node, parts: tuple[Part, ...]) -> _Node:
    node = root
    for part in parts:
        node.is_list = isinstance(part, int)
        node = node.children.setdefault(part, _Node())
    return node


def csv_layout(header: Sequence[str]) -> CsvLayout:
    """Compile a CSV header (dotted column names) into a layout.

    A column deeper than `MAX_COLUMN_PARTS` is no field of any message: it
    is reported and its cells are not read (a path thousands of keys deep
    would otherwise nest the built object beyond every limit).
    """
    types = column_types()
    root = _Node()
    unknown: list[str] = []
    known: dict[str, int] = {}
    seen: set[tuple[Part, ...]] = set()
    typed: dict[int, Converter] = {}
    for index, column in enumerate(header):
        parts = _parts(column)
        json_type = types.get(normalise_column(column))
        canonical = ".".join(str(part) for part in parts) == column
        if json_type is None or parts in seen or not canonical:
            # By its number only: a header cell may hold anything, a name included.
            unknown.append(f"<unknown column {index + 1}>")
        else:
            known[column] = index + 1
        seen.add(parts)
        if len(parts) > MAX_COLUMN_PARTS:
            continue
        *path, key = parts
        node = _node_for(root, tuple(path))
        node.is_list = isinstance(key, int)
        convert = _CONVERTERS.get(json_type or "string")
        if convert is None:
            node.text.append((key, index))
        else:
            node.typed.append((key, index, convert))
            typed[index] = convert
    recipe = _compile(root)
    return CsvLayout(tuple(header), tuple(unknown), _builder(recipe), known, typed, recipe)
