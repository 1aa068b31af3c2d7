"""The committed schema narrowed for hypothesis-jsonschema: fewer choices, never other ones.

hypothesis-jsonschema reads each `if`/`then` as "(if and then) or (not if)"
and merges every branch with the whole object it sits in, re-canonicalising
the object (and the `$defs` carried with it, and its 249-country enums) at
each step: k rules cost 2^k merges a draw. A person (its rules, its
documents', its places') took about 6 s a draw, and a kind holding one
minutes. Three rewrites, each applied only here and each a narrowing, make
every kind drawable in well under a second a draw:

1. `$ref`s are inlined (the schema is not recursive) and annotations
   (`x-*`, `title`, `description`) dropped: the same instances.
2. An enum of more than `ENUM_LIMIT` values keeps the values the schema
   compares with (`const` anywhere: `KAZ`, `CHN`) and a spread of the rest;
   an array holds at most `ARRAY_LIMIT` items.
3. Each object's `if`/`then` rules are decided in advance. The fields their
   `if`s compare with a `const` are pinned, to one of the compared values or
   to another allowed one (a seeded choice), and made required; a rule whose
   `if` the pins contradict holds whatever the rest, so it goes; a rule whose
   `if` the pins agree with is replaced by its `then`, which is at least as
   strict as the rule. A field a rule's `then` (or a plain clause) fixes with
   a `const` is pinned to it first, so that inner objects decide their own
   rules consistently (the recipient's state, then its authority).

So every draw is valid against the committed schema (the test checks each
one with jsonschema-rs), and the seeds of `narrowed` spread the draws over
the branches: each state, each channel, each kind of document.
"""

from __future__ import annotations

import copy
import json
from random import Random
from typing import Any

#: Enums longer than this are cut (the country codes: 249 values).
ENUM_LIMIT = 12
#: Arrays hold at most this many items (unless they need more): a list of people costs per item.
ARRAY_LIMIT = 2

_Path = tuple[str, ...]
_ANNOTATIONS = ("title", "description", "default", "$comment", "$id", "$schema")


def _named_values(node: Any, found: set[str]) -> set[str]:
    """The JSON text of every `const` in the schema: the values its rules compare with."""
    if isinstance(node, dict):
        if "const" in node:
            found.add(json.dumps(node["const"]))
        for value in node.values():
            _named_values(value, found)
    elif isinstance(node, list):
        for value in node:
            _named_values(value, found)
    return found


def _plain(node: Any, defs: dict[str, Any], named: set[str]) -> Any:
    """Refs inlined, annotations dropped, long enums cut (steps 1 and 2)."""
    if isinstance(node, list):
        return [_plain(item, defs, named) for item in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key.startswith("x-") or key in _ANNOTATIONS or key == "$defs":
            continue
        if key == "$ref":
            target = _plain(defs[value.rsplit("/", 1)[-1]], defs, named)
            out.setdefault("allOf", []).append(target)
        elif key == "enum" and len(value) > ENUM_LIMIT:
            out[key] = _cut(value, named)
        elif key == "maxItems":
            out[key] = min(value, ARRAY_LIMIT)
        elif key in ("properties", "patternProperties"):
            out[key] = {name: _plain(sub, defs, named) for name, sub in value.items()}
        else:
            out[key] = _plain(value, defs, named)
    if out.get("type") == "array":
        out.setdefault("maxItems", max(ARRAY_LIMIT, out.get("minItems", 0)))
    if list(out) == ["allOf"] and len(out["allOf"]) == 1:
        only: dict[str, Any] = out["allOf"][0]
        return only
    return out


def _cut(values: list[Any], named: set[str]) -> list[Any]:
    kept = [value for value in values if json.dumps(value) in named]
    rest = [value for value in values if json.dumps(value) not in named]
    room = max(ENUM_LIMIT - len(kept), 1)
    return kept + rest[:: max(len(rest) // room, 1)][:room]


def _const_leaves(node: Any, path: _Path = ()) -> list[tuple[_Path, Any]]:
    """`(path, value)` of each `const` reached through `properties` only."""
    if not isinstance(node, dict):
        return []
    found = [(path, node["const"])] if "const" in node and path else []
    for name, sub in node.get("properties", {}).items():
        found += _const_leaves(sub, (*path, name))
    for clause in node.get("allOf", ()):
        found += _const_leaves(clause, path)
    return found


def _field(node: dict[str, Any], path: _Path) -> dict[str, Any]:
    """The property schema at `path`, made required on the way (a pinned field is present)."""
    for name in path:
        required = node.setdefault("required", [])
        if name not in required:
            required.append(name)
        node = node.setdefault("properties", {}).setdefault(name, {})
    return node


def _allowed(field: dict[str, Any]) -> list[Any] | None:
    """The values a field may take, if its schema lists them."""
    if "const" in field:
        return [field["const"]]
    if "enum" in field:
        return list(field["enum"])
    for clause in field.get("allOf", ()):
        found = _allowed(clause)
        if found is not None:
            return found
    return None


def _pin(node: dict[str, Any], path: _Path, value: Any) -> None:
    _field(node, path)["const"] = value


def _decide(node: Any, rng: Random) -> Any:
    """Step 3 on `node` and everything inside it."""
    if isinstance(node, list):
        return [_decide(item, rng) for item in node]
    if not isinstance(node, dict):
        return node
    clauses = node.get("allOf", [])
    rules = [clause for clause in clauses if "if" in clause]
    if rules:
        node = copy.copy(node)
        node["allOf"] = [clause for clause in clauses if "if" not in clause]
        for path, value in _const_leaves({"allOf": node["allOf"]}):
            _pin(node, path, value)
        pins = _choose_pins(node, rules, rng)
        for rule in rules:
            leaves = _const_leaves(rule["if"])
            branch = rule.get("then") if all(pins[p] == v for p, v in leaves) else rule.get("else")
            if branch is not None:
                node["allOf"].append(branch)
                for path, value in _const_leaves(branch):
                    _pin(node, path, value)
        if not node["allOf"]:
            del node["allOf"]
    return {key: _decide(value, rng) for key, value in node.items()}


def _choose_pins(
    node: dict[str, Any], rules: list[dict[str, Any]], rng: Random
) -> dict[_Path, Any]:
    compared: dict[_Path, list[Any]] = {}
    for rule in rules:
        for path, value in _const_leaves(rule["if"]):
            compared.setdefault(path, [])
            if value not in compared[path]:
                compared[path].append(value)
    pins: dict[_Path, Any] = {}
    for path, values in compared.items():
        allowed = _allowed(_field(node, path))
        if allowed is None:
            options = values
        else:
            others = [value for value in allowed if value not in values]
            options = [value for value in values if value in allowed] + others[:1]
            if len(allowed) == 1:
                options = allowed
        pins[path] = rng.choice(options)
        _pin(node, path, pins[path])
    return pins


def narrowed(schema: dict[str, Any], definition: str, seed: int) -> dict[str, Any]:
    """`$defs/definition` of `schema`, narrowed for hypothesis-jsonschema (see the module)."""
    named = _named_values(schema, set())
    plain = _plain(schema["$defs"][definition], schema["$defs"], named)
    decided: dict[str, Any] = _decide(plain, Random(seed))  # noqa: S311 - a test variant, no secret
    return decided
