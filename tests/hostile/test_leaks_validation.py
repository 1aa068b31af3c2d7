"""Hostile input to the validator: exact codes and paths, and nothing of the input echoed.

Each row is one way a record can attack a report (a personal value as a key,
a key twice, a number no parser agrees on, a date pydantic reads as a Unix
time) or crash an engine (an integer key, deep nesting); both engines must
give the same code at the same path.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from conftest import EXAMPLES
from kzcn.messages import MessageAdapter
from kzcn.person import PersonRecord
from kzcn.validation import EngineName, validate_message, validate_records
from kzcn.validation.engines import may_repeat_keys, repeated_keys

MARKER = "N77665544"
ENGINES: tuple[EngineName, ...] = ("model", "schema")


def _example(kind: str = "entry_stay_exit_violation") -> dict[str, Any]:
    data: dict[str, Any] = json.loads((EXAMPLES / "valid" / f"{kind}.json").read_text("utf-8"))
    return data


def _text(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False)


def _subject_width() -> int:
    return len(_example()["subject"])


def _unknown_subject_key() -> str:
    data = _example()
    data["subject"][MARKER] = "x"
    return _text(data)


def _twice(key: str, first: str, second: str) -> str:
    """The example with `key` of the subject given twice (the second value wins in a dict)."""
    data = _example()
    value = json.dumps(data["subject"][key], ensure_ascii=False)
    return _text(data).replace(f'"{key}": {value}', f'"{key}": {first}, "{key}": {second}', 1)


def _replaced(old: str, new: str) -> Callable[[], str]:
    def build() -> str:
        text = _text(_example())
        assert old in text
        return text.replace(old, new, 1)

    return build


def _deep() -> str:
    data = _example()
    data["subject"]["sex"] = json.loads('{"a":' * 250 + "1" + "}" * 250)
    return _text(data)


# (name, builder of the JSON text, expected (code, path) problems, in any order)
HOSTILE: list[tuple[str, Callable[[], str], set[tuple[str, str]]]] = [
    (
        "personal value as a key",
        _unknown_subject_key,
        {("structure.extra_field", f"$.subject.<unknown key {_subject_width() + 1}>")},
    ),
    (
        "same value twice",
        lambda: _twice("sex", '"M"', '"M"'),
        {("structure.duplicate_key", "$.subject.sex")},
    ),
    (
        "a key twice, the first value hidden by the second",
        lambda: _twice("sex", '"X"', '"M"'),
        {("structure.duplicate_key", "$.subject.sex")},
    ),
    (
        "a key twice with space before the colon",
        lambda: _twice("sex", '"M"', '"M"').replace('"sex": "M", ', '"sex" : "M", ', 1),
        {("structure.duplicate_key", "$.subject.sex")},
    ),
    (
        "an integer string is not a date",
        lambda: _text(_example()).replace(
            f'"date_of_birth": "{_example()["subject"]["date_of_birth"]}"',
            '"date_of_birth": "1700006400"',
        ),
        {("date.invalid", "$.subject.date_of_birth")},
    ),
    (
        "4301 digits",
        _replaced('"sex": "M"', '"sex": ' + "9" * 4301),
        {("input.number_too_large", "$")},
    ),
    (
        "400 digits",
        _replaced('"sex": "M"', '"sex": ' + "9" * 400),
        {("input.number_too_large", "$")},
    ),
    ("1e999", _replaced('"sex": "M"', '"sex": 1e999'), {("input.number_too_large", "$")}),
    ("nested 250 deep", _deep, {("input.too_deep", "$")}),
]


def _problems(text: str | object, engine: EngineName) -> set[tuple[str, str]]:
    return {(p.code, p.path) for p in validate_message(text, engine=engine).problems}


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(("name", "build", "expected"), HOSTILE, ids=[r[0] for r in HOSTILE])
def test_hostile_record_gives_its_code_in_both_engines(
    name: str, build: Callable[[], str], expected: set[tuple[str, str]], engine: EngineName
) -> None:
    del name
    assert _problems(build(), engine) == expected


def test_the_hostile_table_starts_from_a_valid_record() -> None:
    for engine in ENGINES:
        assert _problems(_text(_example()), engine) == set()


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("value", [None, [], [1], 5, 2.5, True, "null", "[1, 2]", b"7"])
def test_what_is_not_a_message_is_never_valid(engine: EngineName, value: object) -> None:
    result = validate_message(value, engine=engine)
    assert not result.valid
    assert [p.code for p in result.problems] == ["input.not_object"]


@pytest.mark.parametrize("engine", ENGINES)
def test_a_mapping_is_validated_like_its_text(engine: EngineName) -> None:
    assert validate_message(_example(), engine=engine).valid


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("key", [5, True, None, 2.5])
def test_a_key_that_is_not_text_is_an_unknown_field(engine: EngineName, key: object) -> None:
    """A CSV column like `subject.5` gives an integer key; it used to crash jsonschema-rs."""
    data = _example()
    data["subject"][key] = "x"
    (result,) = validate_records([data], engine=engine)
    width = _subject_width()
    assert {(p.code, p.path) for p in result.problems} == {
        ("structure.extra_field", f"$.subject.<unknown key {width + 1}>")
    }


@pytest.mark.parametrize("engine", ENGINES)
def test_an_object_too_deep_for_json_is_too_deep(engine: EngineName) -> None:
    data = _example()
    node: dict[str, Any] = data["subject"]
    for _ in range(300):
        node["a"] = {}
        node = node["a"]
    (result,) = validate_records([data], engine=engine)
    assert [p.code for p in result.problems] == ["input.too_deep"]


def test_an_integer_beyond_64_bits_in_a_mapping_is_reported_by_the_models() -> None:
    data = _example()
    data["subject"]["sex"] = 10**30
    (result,) = validate_records([data])
    assert [p.code for p in result.problems] == ["input.number_too_large"]


# --- exception text -------------------------------------------------------------------


def _raised(call: Callable[[], object]) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        call()
    return caught.value


def _hostile_message() -> str:
    data = _example()
    data["subject"][MARKER] = f"value {MARKER}"
    data["subject"]["surname"]["latin"] = f"{MARKER}"
    return _text(data)


ERRORS: list[tuple[str, Callable[[], object]]] = [
    ("MessageAdapter.validate_json", lambda: MessageAdapter.validate_json(_hostile_message())),
    (
        "MessageAdapter.validate_python",
        lambda: MessageAdapter.validate_python(json.loads(_hostile_message())),
    ),
    (
        "a kind that is a value",
        lambda: MessageAdapter.validate_json(_text({**_example(), "kind": MARKER})),
    ),
    (
        "PersonRecord.model_validate_json",
        lambda: PersonRecord.model_validate_json(_text({**_example()["subject"], MARKER: MARKER})),
    ),
    (
        "PersonRecord.model_validate",
        lambda: PersonRecord.model_validate({**_example()["subject"], MARKER: MARKER}),
    ),
    (
        "PersonRecord.model_validate_strings",
        lambda: PersonRecord.model_validate_strings({MARKER: MARKER}),
    ),
]


@pytest.mark.parametrize(("name", "call"), ERRORS, ids=[e[0] for e in ERRORS])
def test_exception_text_holds_no_input(name: str, call: Callable[[], object]) -> None:
    del name
    error = _raised(call)
    assert error.errors()  # it did fail, about something
    for text in (str(error), repr(error), str(error.errors())):
        assert MARKER not in text
    assert "input_value" not in str(error)


def test_exception_keeps_the_regime_s_keys_and_pydantic_s_types() -> None:
    error = _raised(lambda: MessageAdapter.validate_json(_hostile_message()))
    found = {(e["loc"], e["type"]) for e in error.errors()}
    assert (("entry_stay_exit_violation", "subject", "<unknown key>"), "extra_forbidden") in found


# --- the cheap duplicate test ----------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4)
    ),
    max_leaves=20,
)
objects = st.dictionaries(st.text(max_size=6), json_values, min_size=1, max_size=6)


@pytest.mark.slow  # Hypothesis over whole records
@given(objects, st.booleans())
def test_the_cheap_test_never_misses_a_repeated_key(document: dict[str, Any], indent: bool) -> None:
    text = orjson.dumps(document, option=orjson.OPT_INDENT_2 if indent else 0)
    assert repeated_keys(text, orjson.loads(text)) == []
    key = next(iter(document))
    # The key again, at the end of the object: the parse keeps one of the two.
    twice = text[: text.rindex(b"}")].rstrip() + b"," + orjson.dumps(key) + b" : 0}"
    assert may_repeat_keys(twice, orjson.loads(twice))
    assert repeated_keys(twice, orjson.loads(twice)) == [(key,)]


def test_colons_and_escapes_inside_strings_do_not_fool_it() -> None:
    text = rb'{"a": "x\":y", "b": "\u003a", "a": 1}'
    assert repeated_keys(text, orjson.loads(text)) == [("a",)]
    clean = b'{"a": "x:y:", "b": {"c": ":"}, "d" : [":"]}'
    assert not may_repeat_keys(clean, orjson.loads(clean))
