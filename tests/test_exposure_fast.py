"""The msgspec fast path of reading gives exactly the rows of the general orjson path.

The fast path decodes lines into narrow typed Structs and hands any line it
cannot decode to the general path; these tests feed both paths the same
lines, ordinary and odd, and compare every frame.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import orjson
import polars as pl
import pytest

from exposure_fixtures import build_messages
from kzcn.exposure import _analyse
from kzcn.exposure._fast import fast_plan, non_empty
from kzcn.exposure._read import ExtractPlan, _Columns, _parse_all, _parse_lines
from kzcn.messages import MESSAGE_KINDS


def _plan(extra: tuple[tuple[str, ...], ...] = ()) -> ExtractPlan:
    fields = _analyse._flow_fields()
    return ExtractPlan(
        kinds=frozenset(MESSAGE_KINDS),
        person_kinds=_analyse._person_kinds(),
        extra_paths=extra,
        presence=_analyse._presence_paths(fields),
        carried=_analyse._carried(fields),
        person_lists=_analyse._person_lists(),
    )


def _odd_lines(messages: list[dict[str, Any]]) -> list[bytes]:
    """Messages bent into shapes the fast Structs reject or must read with care."""
    person = next(m for m in messages if "subject" in m)
    violation = next(m for m in messages if m["kind"] == "entry_stay_exit_violation")
    bent: list[Any] = []
    changes: list[Callable[[dict[str, Any]], object]] = [
        lambda m: m["subject"].__setitem__("sex", 1),
        lambda m: m["subject"].__setitem__("place_of_birth", []),
        lambda m: m["subject"].__setitem__("place_of_birth", {}),
        lambda m: m["subject"]["place_of_birth"].__setitem__("region", "ALMATY"),
        lambda m: m["subject"].__setitem__("documents", {"number": "1"}),
        lambda m: m["subject"]["documents"][0].__setitem__("number", 12345),
        lambda m: m["subject"]["documents"][0].__setitem__("issuing_state", None),
        lambda m: m["subject"].__setitem__("patronymic", None),
        lambda m: m["subject"].__setitem__("photo", []),
        lambda m: m.__setitem__("sender", ["KAZ"]),
        lambda m: m.__setitem__("sender", {}),
        lambda m: m.__setitem__("kind", 7),
        lambda m: m.__setitem__("kind", "no_such_kind"),
        lambda m: m.pop("subject"),
        lambda m: m.__setitem__("subject", "someone"),
    ]
    for change in changes:
        message = copy.deepcopy(person)
        change(message)
        bent.append(message)
    odd_measures: list[Any] = [[], None, ["fine"], {}]
    for measures in odd_measures:
        message = copy.deepcopy(violation)
        message["measures"] = measures
        bent.append(message)
    message = copy.deepcopy(violation)
    message["crossings"] = {}
    bent.append(message)
    lines = [orjson.dumps(m) for m in bent]
    lines += [b"", b"   \n", b"not json\n", b"[1, 2]\n", b"null\n"]
    spaced = copy.deepcopy(violation)
    spaced["measures"] = []
    lines.append(orjson.dumps(spaced).replace(b'"measures":[]', b'"measures":[  ]'))
    return lines


@pytest.mark.parametrize(
    "extra", [(), (("surname",),), (("given_names", "latin"),), (("patronymic",),)]
)
def test_fast_path_rows_equal_general_path(extra: tuple[tuple[str, ...], ...]) -> None:
    messages = list(build_messages(400, seed=5, repeat_rate=0.2))
    lines = [orjson.dumps(m) + b"\n" for m in messages] + _odd_lines(messages)
    plan = _plan(extra)
    fast = _parse_lines(lines, plan, 1).frames()
    general = _parse_all(lines, plan, 1, _Columns(plan)).frames()
    for ours, theirs in zip(fast, general, strict=True):
        assert ours.sort("line").equals(theirs.sort("line"))
    assert fast[1].height > 5  # the odd lines did reach the general path


def test_fast_plan_covers_the_default_report_and_declines_unknown_shapes() -> None:
    plan = _plan()
    options: dict[str, Any] = {
        "kinds": plan.kinds,
        "extra_paths": (),
        "presence": plan.presence,
        "carried": plan.carried,
        "person_lists": plan.person_lists,
    }
    assert fast_plan(**options, validate=False) is not None
    # A list's persons are checked per item only when the list is known to carry persons.
    assert fast_plan(**{**options, "person_lists": {}}, validate=False) is None
    assert fast_plan(**options, validate=True) is None
    nested = {**options, "extra_paths": (("place_of_birth", "x"),)}
    assert fast_plan(**nested, validate=False) is None
    deep = (*plan.presence, ("a", "b", "c", "d"))
    assert fast_plan(**{**options, "presence": deep}, validate=False) is None


def test_non_empty_reads_raw_values_as_the_general_path_does() -> None:
    import msgspec  # noqa: PLC0415 - only this test builds Raw values by hand

    assert not non_empty(msgspec.Raw())
    assert not non_empty(msgspec.Raw(b"null"))
    assert not non_empty(msgspec.Raw(b"[]"))
    assert not non_empty(msgspec.Raw(b"[ \n ]"))
    assert non_empty(msgspec.Raw(b"[[]]"))
    assert non_empty(msgspec.Raw(b"{}"))
    assert non_empty(msgspec.Raw(b'"2025-01-01"'))
    assert non_empty(msgspec.Raw(b"0"))


def test_batches_join_up_in_line_order() -> None:
    messages = list(build_messages(50, seed=3))
    plan = _plan()
    lines = [orjson.dumps(m) for m in messages] * 800  # 40,000 lines: three batches
    frames = _parse_lines(lines, plan, 1).frames()
    assert frames[0]["line"].to_list() == list(range(1, len(lines) + 1))
    assert frames[2]["line"].is_sorted()
    assert isinstance(frames[0], pl.DataFrame)
