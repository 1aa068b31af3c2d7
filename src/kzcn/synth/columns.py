"""The CSV header `kzcn generate --format csv` writes, derived from the JSON Schema.

Every leaf of every kind, lists expanded up to the generator's longest lists,
in schema order. Reading it back (and each column's JSON type) is the
validator's job: `kzcn.validation.columns.csv_layout`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import cache
from typing import Any

from kzcn.schema import build_schema

__all__ = ["csv_columns"]

Schema = Mapping[str, Any]


def _resolve(node: Schema, defs: Schema) -> Schema:
    while "$ref" in node:
        node = defs[node["$ref"].rsplit("/", 1)[-1]]
    return node


def _branches(node: Schema, defs: Schema) -> list[Schema]:
    """The alternatives of a node (`anyOf`/`oneOf`), each resolved; nulls dropped."""
    node = _resolve(node, defs)
    # The message root dispatches on kind: `allOf` of `if kind ... then $ref`.
    dispatched = [b["then"] for b in node.get("allOf", ()) if "$ref" in b.get("then", {})]
    options = node.get("anyOf") or node.get("oneOf") or dispatched
    if not options:
        return [node]
    found = []
    for option in options:
        found += [b for b in _branches(option, defs) if b.get("type") != "null"]
    return found


def _concrete(
    node: Schema, defs: Schema, path: str, pattern: str, limits: Mapping[str, int]
) -> Iterator[str]:
    """Leaf columns with real indexes, each list element's columns together."""
    for branch in _branches(node, defs):
        if branch.get("type") == "object" or "properties" in branch:
            for name, child in branch.get("properties", {}).items():
                yield from _concrete(child, defs, f"{path}.{name}" if path else name,
                                     f"{pattern}.{name}" if pattern else name, limits)
        elif branch.get("type") == "array":
            for index in range(limits.get(pattern, 0)):
                yield from _concrete(branch.get("items", {}), defs, f"{path}.{index}",
                                     f"{pattern}.*", limits)
        else:
            yield path


@cache
def _columns(limits: tuple[tuple[str, int], ...]) -> tuple[str, ...]:
    root = build_schema("message")
    seen = list(dict.fromkeys(_concrete(root, root.get("$defs", {}), "", "", dict(limits))))
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
