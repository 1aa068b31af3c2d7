"""Which kzcn rules each model enforces: the codes its validators can raise, read from the code.

A rule of the models that the JSON Schema cannot say (a check digit, a date
order, a uniqueness across objects) is listed under `x-kzcn-rules` of the
definition that carries it, so that a schema user knows what the schema
leaves out. The list is read from the source of the model's classes and of
the kzcn functions they call (a code is a catalogue entry written as a string
literal there), so it cannot fall behind a rule added in code.
"""

from __future__ import annotations

import ast
import inspect
import io
import re
from functools import cache
from types import ModuleType
from typing import Any

from pydantic import BaseModel

from kzcn import identifiers, mrz, person, types
from kzcn import messages as message_models
from kzcn.errors import CATALOGUE

__all__ = ["model_named", "rule_codes", "rules_annotation"]

_LITERAL = re.compile(r"[\"']([a-z_]+\.[a-z_0-9]+)[\"']")
_CALL = re.compile(r"\b([A-Za-z_][A-Za-z_0-9]*)\(")
#: Where the models' rules live; their functions are followed from a model's source.
_RULE_MODULES: tuple[ModuleType, ...] = (identifiers, mrz, person, types, message_models)


def _segment(lines: list[str], node: ast.stmt) -> str:
    """`ast.get_source_segment` of a top-level statement, over lines split once.

    `get_source_segment` splits the whole source again for every node: about
    half a second of every process that builds the schema or reports a warning.
    """
    if node.end_lineno is None or node.end_col_offset is None:  # pragma: no cover - parsed
        return ""
    first, *rest = lines[node.lineno - 1 : node.end_lineno]
    if not rest:
        return first.encode()[node.col_offset : node.end_col_offset].decode()
    last = rest.pop().encode()[: node.end_col_offset].decode()
    return "".join([first.encode()[node.col_offset :].decode(), *rest, last])


@cache
def _definitions(module: ModuleType) -> dict[str, str]:
    """The source of each top-level class and function of `module`, by name (one parse)."""
    source = inspect.getsource(module)
    lines = io.StringIO(source).readlines()  # at "\n" only, as the parser counts lines
    return {
        node.name: _segment(lines, node)
        for node in ast.parse(source).body
        if isinstance(node, ast.ClassDef | ast.FunctionDef)
    }


@cache
def _codes_in(source: str, depth: int) -> frozenset[str]:
    codes = {code for code in _LITERAL.findall(source) if code in CATALOGUE}
    if depth:
        for name in set(_CALL.findall(source)):
            for module in _RULE_MODULES:
                called = _definitions(module).get(name)
                if called is not None and not called.startswith("class"):
                    codes |= _codes_in(called, depth - 1)
    return frozenset(codes)


@cache
def rule_codes(model: type[BaseModel]) -> tuple[str, ...]:
    """The catalogue codes `model`'s own validators (and its kzcn bases') can raise, sorted."""
    codes: set[str] = set()
    for klass in model.__mro__:
        module = next((m for m in _RULE_MODULES if m.__name__ == klass.__module__), None)
        if module is not None:
            codes |= _codes_in(_definitions(module).get(klass.__name__, ""), depth=3)
    return tuple(sorted(codes))


def rules_annotation(model: type[BaseModel]) -> list[dict[str, Any]]:
    """`x-kzcn-rules` of `model`: each code with its severity and the catalogue's words."""
    codes = set(rule_codes(model))
    entries = [entry for code, entry in CATALOGUE.items() if code in codes]
    return [
        {
            "code": entry.code,
            "severity": entry.severity,
            "rule": f"{entry.title}: {entry.description}",
        }
        for entry in sorted(entries, key=lambda entry: entry.code)
    ]


@cache
def model_named(name: str) -> type[BaseModel] | None:
    """The kzcn model class called `name` (a schema definition's name), if any."""
    for module in _RULE_MODULES:
        found = getattr(module, name, None)
        if isinstance(found, type) and issubclass(found, BaseModel):
            return found
    return None
