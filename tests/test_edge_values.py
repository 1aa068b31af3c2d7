"""Edge values get one verdict from the models and both schema backends (jsonschema-rs, jsonschema).

Years 0001, 9999 and 0000, leap days, integral and fractional floats, integers
beyond 64 bits, and unicode escapes, each written as JSON text into a valid
message. The schema backends must agree exactly; the models must refuse what
the schema refuses and accept what it accepts, save the rules the schema
declares it leaves out (`x-kzcn-rules`), from JSON text and in Python mode
from what `json.loads` gives alike.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import pytest
from pydantic import ValidationError

from conftest import EXAMPLES
from kzcn.messages import MessageAdapter
from kzcn.schema import build_schema, declared_rules, kind_refs
from kzcn.validation import validate_message
from kzcn.validation.schema_engine import SchemaEngine

# (example, JSON path as keys, the value as JSON text)
CASES: list[tuple[str, tuple[str | int, ...], str]] = [
    *[
        ("visa_free_statistics", ("period_start",), f'"{day}"')
        for day in [
            "0001-01-01",
            "9999-12-31",
            "0000-01-01",
            "2024-02-29",
            "2023-02-29",
            "1900-02-29",
            "2000-02-29",
            "2024-13-01",
            "2024-00-10",
            "+2024-01-01",
            "2024-01-01\\n",
            "2024-01-01 ",
            "２０２４-01-01",
            "\\u0032024-01-01",
        ]
    ],
    *[
        ("visa_free_statistics", ("rows", 0, "visa_free_entries"), number)
        for number in [
            "48211.0",
            "48211.5",
            "4.8211e4",
            "1e2",
            "-0.0",
            "0.0",
            "-1.0",
            "1e20",
            "9223372036854775807",
            "9223372036854775808",
            "18446744073709551617",
            "100000000000000000000000000000",
            "true",
            '"48211"',
        ]
    ],
    *[
        ("citizenship_acquisition", ("subject", "surname", "latin"), text)
        for text in [
            '"\\u004eUERLAN"',
            '"NUERLAN\\u0000"',
            '"NUERLAN\\n"',
            '"\\u212a"',
            '"N\\u0301UERLAN"',
            '"\\ud83d\\ude00"',
        ]
    ],
]


@cache
def _example(name: str) -> str:
    return (EXAMPLES / "valid" / f"{name}.json").read_text("utf-8")


def _text(name: str, path: tuple[str | int, ...], value: str) -> str:
    marker = "__EDGE__"
    message: Any = json.loads(_example(name))
    node = message
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = marker
    return json.dumps(message, ensure_ascii=False).replace(f'"{marker}"', value)


def _problems(text: str, engine: Any) -> set[tuple[str, str]]:
    return {
        (p.code, p.path)
        for p in validate_message(text, engine=engine).problems
        if p.severity == "error"
    }


@pytest.mark.parametrize(("name", "path", "value"), CASES)
def test_one_verdict(name: str, path: tuple[str | int, ...], value: str) -> None:
    text = _text(name, path, value)
    rust = _problems(text, SchemaEngine(backend="rust"))
    python = _problems(text, SchemaEngine(backend="python"))
    assert rust == python
    schema = build_schema("message")
    declared = declared_rules(schema, kind_refs(schema)[name].rsplit("/", 1)[-1])
    models = {(code, where) for code, where in _problems(text, "model") if code not in declared}
    assert models == python
    assert _accepts_in_python_mode(text) is _accepts_from_json(text)


def _accepts_from_json(text: str) -> bool:
    try:
        MessageAdapter.validate_json(text)
    except ValidationError:
        return False
    return True


def _accepts_in_python_mode(text: str) -> bool:
    try:
        MessageAdapter.validate_python(json.loads(text))
    except ValidationError:
        return False
    return True
