"""The fast accept path accepts exactly what the models accept (issue 19).

`kzcn.validation._accept` mirrors the models as msgspec structs and runs
their own rules. A line it accepts skips pydantic, so it must never accept
what the models refuse, and to be worth having it must accept the valid
messages real files hold. Checked over generated messages (every kind),
every corruption fault, every example, and hand-made edge values; and the
engine's results are the same with and without the path.
"""

from __future__ import annotations

import csv
import json
import pickle
import random
import subprocess
import sys
from collections.abc import Callable, Iterable
from functools import cache
from pathlib import Path
from typing import Any

import msgspec
import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError, model_validator

from conftest import EXAMPLES
from kzcn import strategies as kst
from kzcn._patterns import python_end_anchors
from kzcn.flat import column_order, flatten
from kzcn.messages import MESSAGE_KINDS, MessageAdapter
from kzcn.synth.corruption import FAULTS, corrupt
from kzcn.synth.generator import Generator
from kzcn.validation import ModelEngine, validate_file, validate_records
from kzcn.validation._accept import (
    EVERY_FIELD,
    REMEMBERED,
    AcceptPath,
    FastAccept,
    _after_validators,
    _Fast,
    _Mirror,
    _Optional,
    _post_init,
    _remembered,
    accept_path,
    fast_accept,
)

_validate = MessageAdapter.validator.validate_json


@cache
def _path() -> AcceptPath:
    path = accept_path()
    assert path is not None, "the models are no longer mirrored: every line takes pydantic"
    return path


@cache
def _complete_path() -> AcceptPath:
    path = accept_path(complete=True)
    assert path is not None
    return path


def _fast(text: bytes) -> Any:
    """The path's struct, or None; the complete path takes no more than the path with defaults."""
    try:
        complete = _complete_path()(text)
    except Exception:  # noqa: BLE001 - any failure is "not accepted"
        complete = None
    try:
        struct = _path()(text)
    except Exception:  # noqa: BLE001 - any failure is "not accepted"
        assert complete is None, f"only the complete path accepts {text[:200]!r}"
        return None
    if complete is not None:
        assert msgspec.json.encode(complete) == msgspec.json.encode(struct)
    return struct


def _model(text: bytes) -> Any:
    try:
        return _validate(text)
    except ValidationError:
        return None


def _assert_same_verdict(text: bytes) -> bool:
    """The fast path accepts only what the models accept, with the same warnings."""
    fast, model = _fast(text), _model(text)
    if fast is not None:
        assert model is not None, f"fast path accepts what the models refuse: {text[:200]!r}"
        assert fast.warnings() == model.warnings()
    return fast is not None


def _examples(folder: str) -> list[Path]:
    paths = (EXAMPLES / folder).glob("*.json")
    return sorted(p for p in paths if not p.name.endswith(".expected.json"))


def _compact(path: Path) -> bytes:
    return orjson.dumps(json.loads(path.read_text("utf-8")))


@pytest.mark.parametrize("path", _examples("valid") + _examples("warnings"), ids=lambda p: p.stem)
def test_every_valid_example_is_fast_accepted(path: Path) -> None:
    assert _assert_same_verdict(_compact(path))


@pytest.mark.parametrize("path", _examples("invalid"), ids=lambda p: p.stem)
def test_no_invalid_example_is_fast_accepted(path: Path) -> None:
    assert _model(_compact(path)) is None
    assert _fast(_compact(path)) is None


@pytest.mark.parametrize("kind", MESSAGE_KINDS)
def test_generated_messages_of_every_kind_are_fast_accepted(kind: str) -> None:
    generator = Generator(random.Random(19))  # noqa: S311 - test data
    for _ in range(40):
        assert _assert_same_verdict(orjson.dumps(generator.message(kind)))


@settings(max_examples=150, deadline=None)
@given(kst.messages())
def test_fast_path_agrees_with_the_models_on_valid_messages(message: dict[str, Any]) -> None:
    assert _assert_same_verdict(orjson.dumps(message))


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_no_corruption_fault_is_fast_accepted(fault: str) -> None:
    generator = Generator(random.Random(7))  # noqa: S311 - test data
    planted = 0
    for seed in range(180):
        kind = MESSAGE_KINDS[seed % len(MESSAGE_KINDS)]
        try:
            broken = corrupt(generator.message(kind), random.Random(seed), [fault])  # noqa: S311
        except ValueError:  # the fault does not fit this message
            continue
        planted += 1
        text = orjson.dumps(broken.message)
        assert _model(text) is None, broken.codes
        assert not _assert_same_verdict(text)
    assert planted, f"{fault} was never planted"


@pytest.mark.slow  # Hypothesis over every fault, both paths
@settings(max_examples=200, deadline=None)
@given(kst.invalid_messages())
def test_fast_path_refuses_every_drawn_fault(
    case: tuple[str, dict[str, Any], tuple[str, ...]],
) -> None:
    _, message, _ = case
    assert not _assert_same_verdict(orjson.dumps(message))


def _edit(text: bytes, old: bytes, new: bytes) -> bytes:
    assert old in text
    return text.replace(old, new, 1)


def _suspension() -> bytes:
    return _compact(EXAMPLES / "valid" / "suspension_notice.json")


# Edge values where decoders are known to differ (see performance-anchors.md).
EDGES = {
    "trailing newline in a pattern": (b'"message_id":"', b'"message_id":"\\n'),
    "integral float for a boolean": (b'"synthetic":true', b'"synthetic":1.0'),
    "year 0000": (b'"sent_on":"', b'"sent_on":"0000-01-01","x_sent_on":"'),
    "unix time as a date": (b'"sent_on":"', b'"sent_on":1700006400,"x":"'),
    "unknown field": (b"{", b'{"surprise":null,'),
    "kind missing": (b'"kind":"suspension_notice",', b""),
    "unknown kind": (b'"kind":"suspension_notice"', b'"kind":"nothing"'),
    "null for a required field": (b'"channel":"diplomatic"', b'"channel":null'),
    "version 1.0": (b'"schema_version":"2.0"', b'"schema_version":"1.0"'),
    "escaped kind": (b'"kind":"suspension_notice"', b'"kind":"suspension\\u005fnotice"'),
}


@pytest.mark.parametrize("edge", sorted(EDGES))
def test_edge_values_get_the_models_verdict(edge: str) -> None:
    old, new = EDGES[edge]
    text = _edit(_suspension(), old, new)
    fast, model = _fast(text), _model(text)
    assert (fast is None) or (model is not None)
    if edge != "escaped kind":
        assert fast is None


@pytest.mark.parametrize(
    "start",
    [b"\\ud800", b"\\u0000", b"\\u0041", b"\\n", b" ", b"\xe2\x80\x8b", b"x" * 101],
    ids=["lone surrogate", "nul", "escaped letter", "newline", "space", "zero width", "too long"],
)
def test_free_text_edges_get_the_models_verdict(start: bytes) -> None:
    acquisition = _compact(EXAMPLES / "valid" / "citizenship_acquisition.json")
    text = _edit(acquisition, b'"decision_reference":"', b'"decision_reference":"' + start)
    assert (_fast(text) is not None) == (_model(text) is not None)


def test_trailing_newline_after_a_uuid_is_refused() -> None:
    message = json.loads(_suspension())
    message["message_id"] += "\n"
    assert _fast(orjson.dumps(message)) is None


@pytest.mark.parametrize(
    ("pattern", "text", "matches"),
    [
        ("^[A-Z]{2}$", "AB\n", False),
        ("^[A-Z]{2}$", "AB", True),
        ("^[$]{2}$", "$$", True),
        (r"^a\$$", "a$", True),
        ("^a$|^b$", "b\n", False),
    ],
)
def test_python_pattern_ends_at_the_end_of_the_text(pattern: str, text: str, matches: bool) -> None:
    import re  # noqa: PLC0415

    assert bool(re.search(python_end_anchors(pattern), text)) is matches


def _engine(*, fast: bool) -> ModelEngine:
    engine = ModelEngine()
    if not fast:
        engine._accept = None
    return engine


def _outcomes(results: Iterable[Any]) -> list[tuple[Any, ...]]:
    """What a user sees of each result: line, problems, verdict and the model's data."""
    return [
        (r.line, r.problems, r.valid, r.message is not None and r.message.model_dump())
        for r in results
    ]


def _engine_results(lines: list[bytes], *, fast: bool) -> list[tuple[Any, ...]]:
    return _outcomes(validate_records(lines, engine=_engine(fast=fast)))


def _broken(generator: Generator, seed: int, fault: str) -> list[bytes]:
    """The next message broken by `fault`, or none when the fault does not fit it."""
    try:
        broken = corrupt(generator.message(), random.Random(seed), [fault])  # noqa: S311
    except ValueError:
        return []
    return [orjson.dumps(broken.message)]


def test_engine_results_are_the_same_with_and_without_the_fast_path() -> None:
    generator = Generator(random.Random(3))  # noqa: S311 - test data
    lines = [orjson.dumps(generator.message()) for _ in range(60)]
    for seed, fault in enumerate(sorted(FAULTS)):
        lines += _broken(generator, seed, fault)
    suspension = _suspension()
    lines += [
        _edit(suspension, b'"grounds"', b'"grounds":"x","grounds"'),  # a key named twice
        suspension[:-1] + b',"action":"adopted"}',
        b"\xef\xbb\xbf" + suspension,
        b"[]",
        b"{",
    ]
    assert _engine_results(lines, fast=True) == _engine_results(lines, fast=False)


def _csv_results(path: Path, *, fast: bool) -> list[tuple[Any, ...]]:
    return _outcomes(validate_file(path, engine=_engine(fast=fast)))


def test_csv_results_are_the_same_with_and_without_the_fast_path(tmp_path: Path) -> None:
    # A CSV row takes the fast path as its JSON text: warnings still name their column.
    generator = Generator(random.Random(5))  # noqa: S311 - test data
    messages = [generator.message() for _ in range(40)]
    messages += [json.loads(path.read_text("utf-8")) for path in _examples("warnings")]
    for seed, fault in enumerate(sorted(FAULTS)):
        messages += [orjson.loads(line) for line in _broken(generator, seed, fault)]
    rows = [flatten(message) for message in messages]
    path = tmp_path / "messages.csv"
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=column_order(rows))
        writer.writeheader()
        writer.writerows(rows)
    fast = _csv_results(path, fast=True)
    assert fast == _csv_results(path, fast=False)
    warned = [problems for _, problems, valid, _ in fast if valid and problems]
    assert warned, "no warning reached the comparison"
    assert all(problem.column for problems in warned for problem in problems)


def test_a_fast_accepted_result_builds_its_model_on_first_use() -> None:
    (result,) = validate_records([_suspension()])
    assert result.accepted is not None
    assert result.message is not None
    assert result.message.kind == "suspension_notice"
    assert result.message is result.message  # built once


def _refusing_bad(tried: list[bytes]) -> Callable[[bytes], bytes]:
    """A path that notes each text it is given in `tried` and refuses those starting `bad`."""

    def decode(text: bytes) -> bytes:
        tried.append(text)
        if text.startswith(b"bad"):
            raise ValueError(text)
        return text

    return decode


def test_the_brake_steps_aside_after_lines_it_did_not_accept() -> None:
    tried: list[bytes] = []
    decode = _refusing_bad(tried)
    path = FastAccept(decode)
    bad = [b"bad%d" % n for n in range(10)]
    good = [b"ok%d" % n for n in range(5)]
    verdicts = [path(line) for line in bad + good]
    # Two tried, then 1, 2 and 4 lines skipped (the last an ok line, which the models
    # judge); the first good line tried releases the brake.
    assert tried == [b"bad0", b"bad1", b"bad3", b"bad6", *good[1:]]
    assert verdicts == [None] * 11 + good[1:]


def test_a_line_refused_alone_does_not_make_the_path_step_aside() -> None:
    tried: list[bytes] = []
    decode = _refusing_bad(tried)
    path = FastAccept(decode)
    lines = [b"ok0", b"bad0", b"ok1", b"bad1", b"ok2", b"bad2", b"bad3", b"ok3", b"ok4"]
    verdicts = [path(line) for line in lines]
    # Each line tried but the one after two refused in a row.
    assert tried == [line for line in lines if line != b"ok3"]
    assert verdicts == [b"ok0", None, b"ok1", None, b"ok2", None, None, None, b"ok4"]


def test_a_line_the_complete_path_accepts_releases_the_brake() -> None:
    tried: list[bytes] = []
    complete = _refusing_bad(tried)

    def decode(text: bytes) -> bytes:  # pragma: no cover - every line here is complete
        raise AssertionError(text)

    path = FastAccept(decode, complete)
    lines = [b"ok0", b"bad0", b"bad1", b"skipped", b"ok1"]
    lines += [line for n in range(2, 12) for line in (b"ok%d" % n, b"bad%d" % n)]
    verdicts = [path(line) for line in lines]
    # After `ok1` released it, every refused line is alone: each line is tried.
    assert tried == [line for line in lines if line != b"skipped"]
    assert verdicts == [line if line.startswith(b"ok") else None for line in lines]


def test_the_pause_is_bounded() -> None:
    def refuse(text: bytes) -> None:
        raise ValueError(text)

    path = FastAccept(refuse)
    for _ in range(5000):
        path(b"x")
    assert path._pause == FastAccept.MAX_PAUSE


def test_a_fast_accepted_result_crosses_processes() -> None:
    (result,) = validate_records([_suspension()])
    copy = pickle.loads(pickle.dumps(result))  # noqa: S301 - our own object
    assert copy == result
    assert copy.message is not None
    assert copy.message.kind == "suspension_notice"


def test_without_msgspec_the_models_judge_every_line() -> None:
    script = (
        "import sys; sys.modules['msgspec'] = None\n"
        "from kzcn.validation import validate_records\n"
        "from kzcn.validation._accept import accept_path\n"
        "(result,) = validate_records([sys.stdin.buffer.read()])\n"
        "print(accept_path() is None, result.valid, result.accepted is None)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        input=_suspension(),
        capture_output=True,
        check=True,
    )
    assert done.stdout.split() == [b"True", b"True", b"True"]


def test_a_remembered_check_skips_only_texts_it_accepted() -> None:
    seen: list[str] = []

    def check(value: str) -> None:
        seen.append(value)
        if value.startswith("bad"):
            raise ValueError(value)

    remembered = _remembered(check)
    remembered("ok")
    remembered("ok")
    with pytest.raises(ValueError, match="bad"):
        remembered("bad")
    remembered("ok")
    with pytest.raises(ValueError, match="bad"):
        remembered("bad")  # a refused text is checked again, and refused again
    assert seen == ["ok", "bad", "bad"]


def test_a_remembered_check_holds_a_bounded_number_of_texts() -> None:
    seen: list[str] = []
    remembered = _remembered(seen.append)
    values = [str(n) for n in range(REMEMBERED + 10)]
    for value in values + values:
        remembered(value)
    # The first REMEMBERED texts are skipped the second time; the rest are checked again.
    assert seen == values + values[REMEMBERED:]


def test_a_name_refused_after_the_same_name_was_accepted_elsewhere() -> None:
    # The fast path remembers accepted names per check: the same text in a
    # field of another script is still judged by that field's own check.
    acquisition = json.loads(_compact(EXAMPLES / "valid" / "citizenship_acquisition.json"))
    latin = acquisition["subject"]["surname"]["latin"]
    assert _assert_same_verdict(orjson.dumps(acquisition))
    acquisition["subject"]["surname"]["cyrillic"] = latin
    assert not _assert_same_verdict(orjson.dumps(acquisition))


class _Fields:
    def __init__(self, **values: Any) -> None:
        vars(self).update(values)


def test_a_compiled_post_init_runs_each_check_then_the_rules() -> None:
    seen: list[tuple[str, Any]] = []

    def check(label: str) -> Any:
        def one(value: Any) -> None:
            seen.append((label, value))
            if value == "bad":
                raise ValueError(label)

        return one

    post_init = _post_init(
        [
            ("name", _remembered(check("name"))),
            ("nickname", _Optional(_remembered(check("nickname")))),
            ("count", check("count")),
            ("when", _Optional(check("when"))),
        ],
        [lambda fields: seen.append(("rule", fields.count))],
    )
    post_init(_Fields(name="a", nickname=None, count=1, when=None))
    post_init(_Fields(name="a", nickname="b", count=2, when=3))
    # A remembered value is not checked again; None skips an optional field's check.
    assert seen == [
        ("name", "a"),
        ("count", 1),
        ("rule", 1),
        ("nickname", "b"),
        ("count", 2),
        ("when", 3),
        ("rule", 2),
    ]
    with pytest.raises(ValueError, match="nickname"):
        post_init(_Fields(name="a", nickname="bad", count=3, when=None))
    with pytest.raises(ValueError, match="nickname"):
        post_init(_Fields(name="a", nickname="bad", count=3, when=None))  # refused, not remembered


def _every_field() -> bytes:
    """A generated suspension notice: generated messages give every field, null or not."""
    text = orjson.dumps(Generator(random.Random(4)).message("suspension_notice"))  # noqa: S311
    assert getattr(_complete_path()(text), EVERY_FIELD)
    return text


def _repeat(text: bytes, key: bytes, value: bytes, colon: bytes = b":") -> bytes:
    """`text` with `key` named once more, with `value`, just before its own first naming."""
    return _edit(text, b'"' + key + b'":', b'"' + key + b'"' + colon + value + b',"' + key + b'":')


def _left_out(text: bytes) -> bytes:
    return _edit(text, b'"in_reply_to":null,', b"")


# A key named twice in one object, where counting colons could be fooled. Each value is
# one the models take (the last naming wins), so the key is all that is wrong.
GROUNDS = b'"national_security"'
DUPLICATES = {
    "every field given": lambda text: _repeat(text, b"grounds", GROUNDS),
    "in a nested object": lambda text: _repeat(text, b"state", b'"KAZ"'),
    "and a field left out": lambda text: _repeat(_left_out(text), b"grounds", GROUNDS),
    "and an escape": lambda text: _repeat(text, b"grounds", b'"national\\u005fsecurity"'),
    "with a space before the colon": lambda text: _repeat(text, b"grounds", GROUNDS, b" :"),
    "the kind": lambda text: _repeat(text, b"kind", b'"suspension_notice"'),
}


@pytest.mark.parametrize("case", sorted(DUPLICATES))
def test_a_key_named_twice_is_reported_whichever_path_takes_the_line(case: str) -> None:
    text = DUPLICATES[case](_every_field())
    assert _fast(text) is not None  # the last naming wins: only the key test can refuse it
    fast = _engine_results([text], fast=True)
    assert fast == _engine_results([text], fast=False)
    ((_, problems, valid, _),) = fast
    assert not valid
    assert "structure.duplicate_key" in [problem.code for problem in problems]


def test_a_line_giving_every_field_once_is_known_to_name_each_key_once() -> None:
    accept = fast_accept()
    assert accept is not None
    text = _every_field()
    assert accept.names_each_key_once(text, accept(text))
    left_out = _left_out(text)
    assert not accept.names_each_key_once(left_out, accept(left_out))  # the exact test decides


def _missing(text: bytes) -> None:
    raise msgspec.ValidationError(f"Object missing required field `{text.decode()}`")


def test_a_line_leaving_a_field_out_goes_on_to_the_path_with_defaults() -> None:
    tried: list[tuple[str, bytes]] = []

    def complete(text: bytes) -> bytes:
        tried.append(("complete", text))
        if text.startswith(b"short"):
            _missing(text)
        if text.startswith(b"bad"):
            raise ValueError(text)
        return text

    def decode(text: bytes) -> bytes:
        tried.append(("defaults", text))
        return text

    path = FastAccept(decode, complete)
    assert path(b"full") == b"full"
    assert path(b"bad") is None  # refused by a rule: the path with defaults would refuse it too
    assert path(b"bad again") is None
    assert path(b"skipped") is None  # the brake, after two refused in a row
    assert path(b"short") == b"short"
    for number in range(FastAccept.MAX_PAUSE):  # a file that leaves fields out: defaults first
        assert path(b"line%d" % number) == b"line%d" % number
    assert path(b"full again") == b"full again"
    assert tried == [
        ("complete", b"full"),
        ("complete", b"bad"),
        ("complete", b"bad again"),
        ("complete", b"short"),
        ("defaults", b"short"),
        *[("defaults", b"line%d" % number) for number in range(FastAccept.MAX_PAUSE)],
        ("complete", b"full again"),
    ]


def _objects(node: Any) -> int:
    """How many JSON objects `node` holds, itself included."""
    if isinstance(node, dict):
        return 1 + sum(_objects(value) for value in node.values())
    if isinstance(node, list):
        return sum(_objects(value) for value in node)
    return 0


def _with_first_key_twice(node: Any, countdown: list[int]) -> bytes:
    """`node` as JSON; object number `countdown[0]` (depth first) names its first key twice."""
    if isinstance(node, list):
        return b"[" + b",".join(_with_first_key_twice(value, countdown) for value in node) + b"]"
    if not isinstance(node, dict):
        return orjson.dumps(node)
    chosen = countdown[0] == 0
    countdown[0] -= 1
    pairs = [
        orjson.dumps(key) + b":" + _with_first_key_twice(v, countdown) for key, v in node.items()
    ]
    if chosen and pairs:
        pairs.insert(0, pairs[0])  # the same key and value once more: only the key is wrong
    return b"{" + b",".join(pairs) + b"}"


@settings(max_examples=60, deadline=None)
@given(kst.messages(), st.data())
def test_a_key_named_twice_anywhere_is_reported(
    message: dict[str, Any], data: st.DataObject
) -> None:
    which = data.draw(st.integers(0, _objects(message) - 1), label="object")
    text = _with_first_key_twice(message, [which])
    problems = [problem.code for problem in validate_records([text]).problems()]
    assert "structure.duplicate_key" in problems


class _Ruled(BaseModel):
    value: int

    @model_validator(mode="after")
    def _positive(self) -> _Ruled:
        if self.value < 1:
            raise ValueError(self.value)
        return self

    def _accepts(self) -> bool:
        return self.value >= 1


class _MoreRuled(_Ruled):
    @model_validator(mode="after")
    def _small(self) -> _MoreRuled:
        if self.value > 9:
            raise ValueError(self.value)
        return self


@pytest.mark.parametrize(("model", "fast"), [(_Ruled, True), (_MoreRuled, False)])
def test_a_fast_rule_stands_for_the_validators_it_knows(model: type[BaseModel], fast: bool) -> None:
    # A subclass adding a validator is judged by its validators, not the inherited fast rule.
    struct = _Mirror().struct(model)
    decode = msgspec.json.Decoder(struct).decode
    accepted: Any = decode(b'{"value":5}')
    assert accepted.value == 5
    with pytest.raises(ValueError):  # noqa: PT011 - a rule's refusal, whatever its words
        decode(b'{"value":0}')
    if not fast:
        with pytest.raises(ValueError):  # noqa: PT011
            decode(b'{"value":10}')
    assert any(isinstance(rule, _Fast) for rule in _after_validators(model)) is fast
