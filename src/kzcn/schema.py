r"""The JSON Schema files, generated from the models by one function.

`schema/message.schema.json` (the union of all kinds) and
`schema/person.schema.json` are Draft 2020-12, written deterministically
(`indent=2`, sorted keys, trailing newline). `check_schema_files` compares the
committed files with what the models give now.

pydantic's schema is then made one that every mainstream validator compiles
and explains (`_for_every_validator`): ajv 8 in strict mode, jsonschema and
jsonschema-rs, check-jsonschema, hypothesis-jsonschema, code generators.

- The root dispatches on `kind` (`allOf` of `if kind const -> then $ref`)
  instead of a `oneOf` with pydantic's `discriminator`: a validator then
  reports the failing field of the right kind, never "no branch matched"
  with the whole record, and there is no keyword outside the vocabulary.
- Our own annotations are all `x-kzcn-*` (`x-kzcn-version` too). A
  definition has no `title` repeating its `$defs` key (code generators name
  it by the key; see `_untitled`).
- A subschema with `properties`/`required` says `type: object`, one with a
  `pattern` `type: string` (ajv's strictTypes), and so does each clause of an
  object's `allOf` (json-schema-to-typescript reads an untyped clause as "any
  value", which lets extra properties into every kind's type).
- Every `$` of a pattern is followed by `(?!\n)`: Python's `re` (and so
  Python validators) would otherwise take a trailing newline.
- A `format: date` also has a pattern refusing year 0000, which RFC 3339
  allows and some validators take, but no Python `date` (nor the models) can
  hold.
- A rule the schema says in full (the channel of a kind, the carrier, the
  areas of a partial suspension, the parties and their authorities) is a
  clause of the definition's `allOf` marked with its code (`x-kzcn-rule`),
  so that a failing clause names the rule; a generic validator then refuses
  what the models refuse, and the schema engine reports the models' code.
- Every definition whose model enforces more than the schema says lists
  those other rules under `x-kzcn-rules` (code, severity, words;
  `kzcn.rules`): what a schema user must leave to the models.
- `$id` is `https://kzcn.invalid/schema/<version>/<name>.schema.json`: an
  identifier, never fetched (`.invalid` is reserved and never resolves), in
  the `https:` form that resolvers such as hypothesis-jsonschema expect.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter

from kzcn._base import RULE_KEY
from kzcn._patterns import guard_end_anchors
from kzcn._version import SCHEMA_VERSION
from kzcn.messages import MESSAGE_KINDS, MessageAdapter
from kzcn.person import PersonRecord
from kzcn.provenance import SOURCE_KEY
from kzcn.rules import model_named, rules_annotation

__all__ = [
    "SCHEMA_NAMES",
    "SchemaCheck",
    "build_schema",
    "check_schema_files",
    "declared_rules",
    "kind_refs",
    "render_schema",
    "said_rules",
    "schema_id",
    "write_schema_files",
]

DIALECT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_NAMES = ("message", "person")

_RULES_NOTE = (
    "Rules a JSON Schema cannot express (check digits of the IIN, resident ID number and MRZ; "
    "agreement of the IIN and resident ID with birth date and sex; date order; the 2023-11-10 "
    "boundary; whose citizen; uniqueness across objects) are listed, by error code, under "
    "`x-kzcn-rules` of the definition that carries them and are enforced by the kzcn models. "
    "A rule the schema says in full is an `allOf` clause marked with its code (`x-kzcn-rule`) "
    "and is not listed. "
    "Deadlines are warnings, not errors. Annotations are `x-kzcn-*` keywords; for ajv's strict "
    "mode declare them with `ajv.addVocabulary`."
)


def _adapter(name: str) -> TypeAdapter[Any]:
    if name == "message":
        return MessageAdapter
    if name == "person":
        return TypeAdapter(PersonRecord)
    raise ValueError(f"unknown schema {name!r}; choose from {SCHEMA_NAMES}")


#: A date as `format: date` means it, from 0001 (a Python `date`, and the models, start there).
DATE_PATTERN = "^(?!0000)[0-9]{4}-[0-9]{2}-[0-9]{2}$"
_SCHEMA_IN = ("items", "not", "if", "then", "else", "additionalProperties", "contains")
_SCHEMAS_IN = ("allOf", "anyOf", "oneOf", "prefixItems")
_SCHEMA_MAPS_IN = ("properties", "$defs", "patternProperties")
_TEXT_KEYWORDS = ("pattern", "minLength", "maxLength", "format")
RULES_KEY = "x-kzcn-rules"


def schema_id(name: str) -> str:
    """The `$id` of schema `name` (versioned; an identifier, not a place to fetch from)."""
    return f"https://kzcn.invalid/schema/{SCHEMA_VERSION}/{name}.schema.json"


def _subschemas(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """`node` and every schema inside it (not annotation values such as `x-kzcn-*`)."""
    yield node
    inner: list[Any] = [node.get(key) for key in _SCHEMA_IN]
    inner += [item for key in _SCHEMAS_IN for item in node.get(key, ())]
    inner += [item for key in _SCHEMA_MAPS_IN for item in node.get(key, {}).values()]
    for child in inner:
        if isinstance(child, dict):
            yield from _subschemas(child)


def _into_text_branch(node: dict[str, Any]) -> None:
    """`{anyOf: [string, null], pattern}` as `{anyOf: [{string, pattern}, null]}`: the same set.

    A string keyword beside an `anyOf` has no type of its own, which ajv's
    strictTypes refuses; inside the text branch it has.
    """
    text = [branch for branch in node.get("anyOf", ()) if branch.get("type") == "string"]
    if "type" in node or len(text) != 1:
        return
    for key in _TEXT_KEYWORDS:
        if key in node:
            text[0][key] = node.pop(key)


def _for_every_validator(node: dict[str, Any]) -> None:
    """Types, guarded patterns and dates as every validator reads them (see the module)."""
    _into_text_branch(node)
    if node.get("format") == "date":
        node.setdefault("pattern", DATE_PATTERN)
    if "pattern" in node:
        node["pattern"] = guard_end_anchors(node["pattern"])
        node.setdefault("type", "string")
    if "properties" in node or "required" in node:
        node.setdefault("type", "object")
    if node.get("type") == "object":
        for clause in node.get("allOf", ()):
            # The same set inside an object; a code generator then reads a rule's clause as an
            # object adding no field (`{}`), not as any value (`{[k: string]: unknown}`), which
            # would let every kind's TypeScript type take any extra property.
            clause.setdefault("type", "object")


def _dispatch_on_kind(body: dict[str, Any]) -> None:
    """The root as `if kind is K then K's definition`, one branch a kind."""
    mapping: dict[str, str] = body.pop("discriminator")["mapping"]
    body.pop("oneOf")
    body["type"] = "object"
    body["required"] = ["kind"]
    # The kind field's provenance is that of every kind's own `kind` field.
    first = body["$defs"][mapping[MESSAGE_KINDS[0]].rsplit("/", 1)[-1]]["properties"]["kind"]
    body["properties"] = {
        "kind": {
            "enum": list(MESSAGE_KINDS),
            "description": "Message kind: the definition that applies.",
            SOURCE_KEY: first[SOURCE_KEY],
        }
    }
    body["allOf"] = [
        {
            "if": {"properties": {"kind": {"const": kind}}, "required": ["kind"]},
            "then": {"$ref": mapping[kind]},
        }
        for kind in MESSAGE_KINDS
    ]


def said_rules(definition: dict[str, Any]) -> frozenset[str]:
    """The codes of the rules `definition`'s own clauses say in full (`x-kzcn-rule`)."""
    return frozenset(
        clause[RULE_KEY] for clause in definition.get("allOf", ()) if RULE_KEY in clause
    )


def _declare_rules(definition: dict[str, Any], name: str) -> None:
    """`x-kzcn-rules`: the codes the model behind `definition` enforces beyond the schema.

    A rule the schema says in full (a clause marked `x-kzcn-rule`) is left out:
    the list is what a schema user must leave to the models.
    """
    model = model_named(name)
    said = said_rules(definition)
    rules = [rule for rule in rules_annotation(model) if rule["code"] not in said] if model else []
    if rules:
        definition[RULES_KEY] = rules
    else:
        definition.pop(RULES_KEY, None)


def _untitled(definition: dict[str, Any], name: str) -> None:
    """Drop a definition's `title` that only repeats its `$defs` key (pydantic's class name).

    json-schema-to-typescript gives a titled definition with an `allOf` (its
    rules) the type of the rules alone, `{}`: the sender's and recipient's
    types lost their fields and took any property. Untitled, it is named by its
    key and keeps them.
    """
    if definition.get("title") == name:
        del definition["title"]


def declared_rules(schema: dict[str, Any], definition: str) -> frozenset[str]:
    """The codes under `x-kzcn-rules` of `definition` and of every definition it refers to."""
    seen: set[str] = set()
    todo = [definition]
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            text = json.dumps(schema["$defs"][name])
            todo += re.findall(r'"#/\$defs/([A-Za-z]+)"', text)
    return frozenset(
        rule["code"] for name in seen for rule in schema["$defs"][name].get(RULES_KEY, ())
    )


def kind_refs(schema: dict[str, Any]) -> dict[str, str]:
    """`kind -> $ref` of the message schema's root dispatch."""
    return {
        branch["if"]["properties"]["kind"]["const"]: branch["then"]["$ref"]
        for branch in schema["allOf"]
    }


def build_schema(name: str) -> dict[str, Any]:
    """The JSON Schema `name` ("message" or "person") as a dict."""
    body = _adapter(name).json_schema(mode="validation")
    title = {"message": "kzcn message", "person": "kzcn person record"}[name]
    head = {
        "$schema": DIALECT,
        "$id": schema_id(name),
        "title": title,
        "x-kzcn-version": SCHEMA_VERSION,
        "$comment": _RULES_NOTE,
    }
    body.pop("title", None)
    if name == "message":
        _dispatch_on_kind(body)
    for definition_name, definition in body.get("$defs", {}).items():
        _declare_rules(definition, definition_name)
        _untitled(definition, definition_name)
    if name == "person":
        _declare_rules(body, "PersonRecord")
    for node in _subschemas(body):
        _for_every_validator(node)
    return {**head, **body}


def render_schema(name: str) -> str:
    """The schema as the committed file's exact text."""
    return json.dumps(build_schema(name), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _path(directory: Path, name: str) -> Path:
    return directory / f"{name}.schema.json"


def write_schema_files(directory: Path) -> list[Path]:
    """Write every schema file into `directory`; return the paths written."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name in SCHEMA_NAMES:
        path = _path(directory, name)
        path.write_text(render_schema(name), encoding="utf-8")
        written.append(path)
    return written


@dataclass(frozen=True, slots=True)
class SchemaCheck:
    """Outcome of comparing schema files with the models."""

    up_to_date: tuple[Path, ...]
    stale: tuple[Path, ...]
    missing: tuple[Path, ...]

    @property
    def ok(self) -> bool:
        """True when every file exists and matches the models."""
        return not self.stale and not self.missing


def check_schema_files(directory: Path) -> SchemaCheck:
    """Compare the schema files in `directory` with the models."""
    up_to_date, stale, missing = [], [], []
    for name in SCHEMA_NAMES:
        path = _path(directory, name)
        if not path.is_file():
            missing.append(path)
        elif path.read_text(encoding="utf-8") == render_schema(name):
            up_to_date.append(path)
        else:
            stale.append(path)
    return SchemaCheck(tuple(up_to_date), tuple(stale), tuple(missing))
