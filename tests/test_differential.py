"""Differential tests: the models and the committed JSON Schema agree.

Every message the models accept (from JSON text, or in Python mode from what
`json.loads` gives), the schema accepts; every structural
mutation the schema rejects, the models reject. (The models may reject more:
check digits and cross-field rules are beyond a JSON Schema.)
"""

from __future__ import annotations

import copy
import json
from functools import cache
from typing import Any

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from conftest import EXAMPLES, ROOT
from kzcn import strategies as kst
from kzcn.messages import MessageAdapter


@cache
def _validator() -> jsonschema.Draft202012Validator:
    schema = json.loads((ROOT / "schema" / "message.schema.json").read_text("utf-8"))
    return jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


@cache
def _valid_examples() -> tuple[str, ...]:
    return tuple(p.read_text("utf-8") for p in sorted((EXAMPLES / "valid").glob("*.json")))


def _json_mode_accepts(message: Any) -> bool:
    try:
        MessageAdapter.validate_json(json.dumps(message))
    except ValidationError:
        return False
    return True


def _python_mode_accepts(message: Any) -> bool:
    try:
        MessageAdapter.validate_python(json.loads(json.dumps(message)))
    except ValidationError:
        return False
    return True


def _model_accepts(message: Any) -> bool:
    """The models' verdict, the same from JSON text and from the `json.loads` result."""
    verdict = _json_mode_accepts(message)
    assert _python_mode_accepts(message) is verdict, "JSON mode and Python mode disagree"
    return verdict


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, (*prefix, index))
    return found


_JSON_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**40), 2**40),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
    st.sampled_from(
        [
            "",
            "KAZ",
            "CHN",
            "2023-02-30",
            "2024-01-01",
            "NURLAN",
            "Nurlan",
            "NURLАN",
            "passport",
            "data:x",
            "N12345678",
            "EI1234567",
            "M",
            "X",
            "1.0",
            "diplomatic",
            "KAZ_MIA",
        ]
    ),
)
_JSON_VALUES = st.recursive(
    _JSON_SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)


def _valid_messages() -> st.SearchStrategy[Any]:
    """Hand-written examples and generated messages of every kind, all valid."""
    return st.sampled_from(_valid_examples()).map(json.loads) | kst.messages()


@st.composite
def structural_mutations(draw: st.DrawFn) -> Any:
    message = copy.deepcopy(draw(_valid_messages()))
    path = draw(st.sampled_from(_paths(message)[1:]))
    parent = message
    for step in path[:-1]:
        parent = parent[step]
    action = draw(st.sampled_from(["replace", "delete", "add_key"]))
    if action == "replace" or (isinstance(parent, list) and action == "delete"):
        parent[path[-1]] = draw(_JSON_VALUES)
    elif action == "delete":
        del parent[path[-1]]
    else:
        target = parent[path[-1]]
        if isinstance(target, dict):
            target[draw(st.text(min_size=1, max_size=8))] = draw(_JSON_SCALARS)
        else:
            parent[path[-1]] = draw(_JSON_VALUES)
    return message


def test_every_valid_example_passes_both() -> None:
    for text in _valid_examples():
        message = json.loads(text)
        assert _model_accepts(message)
        assert _validator().is_valid(message)


@pytest.mark.slow  # Hypothesis over whole messages, two engines
@settings(max_examples=150)
@given(kst.messages())
def test_hypothesis_built_messages_pass_models_and_schema(message: Any) -> None:
    assert _model_accepts(message)
    assert _validator().is_valid(message)


@pytest.mark.slow
@settings(max_examples=500)
@given(structural_mutations())
def test_schema_rejection_implies_model_rejection(message: Any) -> None:
    # Equivalently: whatever the models accept, the schema accepts.
    if not _validator().is_valid(message):
        assert not _model_accepts(message), "the schema rejects a message the models accept"
