"""Hostile input to the exposure report: envelope values, settings no machine can measure, chains.

The report must name only the regime's states and authorities whichever
reader ran (Python or DuckDB), refuse before any work what it cannot measure,
and link persons in near-linear time.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, get_args

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cli_runner import invoke_command
from kzcn.authorities import AuthorityCode, Party
from kzcn.exposure import (
    QuasiIdentifierError,
    compute_exposure,
    render_html,
    render_json,
    render_markdown,
)
from kzcn.exposure import _indb as indb
from kzcn.exposure import _read as exposure_read
from kzcn.exposure._analyse import MAX_QI, MAX_SUBSETS, subset_count
from kzcn.exposure._duck import load_native
from kzcn.exposure._engine import _components
from kzcn.synth import generate

INJECTION = "ZQ<script>alert(1)</script>\nZQ# heading"
ALLOWED = {*get_args(Party), *get_args(AuthorityCode), "other", None}


def _dataset(count: int = 40) -> list[dict[str, Any]]:
    return [json.loads(json.dumps(m)) for m in generate(count, seed=3)]


def _hostile_dataset() -> list[dict[str, Any]]:
    messages = _dataset()
    messages[0]["sender"]["authority"] = INJECTION
    messages[1]["recipient"]["state"] = INJECTION
    messages[2]["sender"]["state"] = 5  # not even text
    messages[3]["recipient"]["authority"] = {"name": INJECTION}
    return messages


def _write(path: Path, messages: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(m, ensure_ascii=False) + "\n" for m in messages), "utf-8")
    return path


def _text_only_hostile() -> list[dict[str, Any]]:
    """Injections of the right JSON type, which DuckDB's reader takes as they are."""
    messages = _dataset()
    messages[0]["sender"]["authority"] = INJECTION
    messages[1]["recipient"]["state"] = INJECTION
    return messages


@pytest.mark.parametrize("native", [False, True], ids=["python reader", "duckdb reader"])
@pytest.mark.parametrize("build", [_hostile_dataset, _text_only_hostile])
def test_envelope_values_outside_the_enums_are_other(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    build: Callable[[], list[dict[str, Any]]],
    *,
    native: bool,
) -> None:
    path = _write(tmp_path / "hostile.jsonl", build())
    monkeypatch.setattr(exposure_read, "NATIVE_MIN_BYTES", 0 if native else 1 << 40)
    taken: list[bool] = []

    def recorded(*args: Any, **kwargs: Any) -> Any:
        frames = load_native(*args, **kwargs)
        taken.append(frames is not None)
        return frames

    monkeypatch.setattr(exposure_read, "load_native", recorded)
    screened = compute_exposure(path)  # by default, a value outside the enums is invalid
    assert screened.input.invalid > 0
    assert "other" not in {flow.sender_authority for flow in screened.kind_flows}
    taken.clear()
    result = compute_exposure(path, include_invalid=True)
    if native and build is _text_only_hostile:
        assert taken == [True]  # DuckDB did read it: the sanitising is not the reader's
    values = {
        value
        for flow in result.kind_flows
        for value in (
            flow.sender_state,
            flow.sender_authority,
            flow.recipient_state,
            flow.recipient_authority,
        )
    }
    assert values <= ALLOWED
    assert "other" in values
    reports = [render_markdown(result), render_json(result), render_html(result)]
    for report in reports:
        assert "ZQ" not in report


def test_records_are_sanitised_too() -> None:
    result = compute_exposure(_hostile_dataset())
    assert "ZQ" not in json.dumps(result.to_dict(), ensure_ascii=False)


@pytest.mark.parametrize("fmt", ["text", "md", "json", "html"])
def test_injection_never_reaches_a_report_through_the_cli(tmp_path: Path, fmt: str) -> None:
    path = _write(tmp_path / "hostile.jsonl", _hostile_dataset())
    per_record = tmp_path / "per_record.jsonl"
    code, out = invoke_command(
        "exposure", [str(path), "--format", fmt, "--per-record", str(per_record)]
    )
    assert code == 0, out
    assert "ZQ" not in out
    assert "<script>alert" not in out  # the page has scripts of its own, never this one
    assert "ZQ" not in per_record.read_text("utf-8")


# --- settings refused before any work ------------------------------------------------------

QI_FIELDS = [
    "sex",
    "date_of_birth",
    "citizenship",
    "place_of_birth.locality",
    "place_of_birth.region",
    "place_of_birth.country",
    "place_of_birth.admin_code",
    "surname",
    "given_names",
    "patronymic",
    "name_national",
    "personal_number",
    "photo.sha256",
]

# (CLI arguments, the error's telling words)
REFUSED: list[tuple[list[str], str]] = [
    (["--qi", "sex,date_of_birth", "--sensitive", "sex"], "also a quasi-identifier"),
    (["--qi", "sex,ethnic_nationality,citizenship"], "also a quasi-identifier"),
    (["--qi", ",".join(QI_FIELDS[: MAX_QI + 1])], f"at most {MAX_QI}"),
    (["--qi", ",".join(QI_FIELDS[:MAX_QI]), "--max-subset", "28"], "subsets"),
    (["--candidates", ",".join(QI_FIELDS[:12]), "--max-subset", "5"], "1,585 subsets"),
]


@pytest.mark.parametrize(("args", "words"), REFUSED)
def test_unmeasurable_settings_are_usage_errors(
    tmp_path: Path, args: list[str], words: str
) -> None:
    path = _write(tmp_path / "data.jsonl", _dataset(5))
    started = time.perf_counter()
    code, out = invoke_command("exposure", [str(path), *args])
    assert (code, out.startswith("kzcn: error:")) == (2, True), out
    assert words in out
    assert time.perf_counter() - started < 5  # refused before the work, not after


def test_the_library_raises_the_same() -> None:
    with pytest.raises(QuasiIdentifierError, match="also a quasi-identifier"):
        compute_exposure(_dataset(3), qi="sex", sensitive="subject.sex")
    with pytest.raises(ValueError, match="subsets"):
        compute_exposure(_dataset(3), candidates=QI_FIELDS[:12], max_subset=12)


def test_the_limits_leave_room_for_the_documented_uses() -> None:
    assert subset_count(MAX_QI + 2, 4) <= MAX_SUBSETS  # every QI allowed, default subset size
    assert subset_count(5, 10**9) == 31  # the size is capped by the candidates, not refused
    result = compute_exposure(_dataset(20), qi=QI_FIELDS[:MAX_QI], max_subset=4)
    assert len(result.subsets) == subset_count(MAX_QI + 1, 4)  # QIs and ethnic_nationality


# --- persons linked in near-linear time -------------------------------------------------


def _naive_components(pairs: list[tuple[int, int]]) -> dict[int, int]:
    """Each line's smallest linked line, by repeated merging (slow and obviously right)."""
    groups: list[set[tuple[str, int]]] = []
    for line, document in pairs:
        merged = {("l", line), ("d", document)}
        for group in [g for g in groups if g & merged]:
            groups.remove(group)
            merged |= group
        groups.append(merged)
    first: dict[int, int] = {}
    for group in groups:
        lines = [n for kind, n in group if kind == "l"]
        first.update(dict.fromkeys(lines, min(lines)))
    return first


def _in_duckdb(line: np.ndarray[Any, Any], document: np.ndarray[Any, Any]) -> tuple[Any, Any]:
    """`_indb.components` over the same pairs, in `_components`' shape (lines in order)."""
    with indb.connect(1, "256MB") as con:
        con.register("pairs", pl.DataFrame({"occ": line, "h": document}))
        con.execute("CREATE TABLE edges AS SELECT * FROM pairs")
        indb.components(con, "edges", "link")
        found = con.execute("SELECT occ, person FROM link ORDER BY occ").fetchnumpy()
    return found["occ"], found["person"]


_IMPLEMENTATIONS = pytest.mark.parametrize(
    "components", [_components, _in_duckdb], ids=["numpy", "duckdb"]
)


@_IMPLEMENTATIONS
@given(pairs=st.lists(st.tuples(st.integers(1, 30), st.integers(0, 15)), max_size=60))
@settings(deadline=None)
def test_components_match_the_naive_merge(
    components: Callable[..., tuple[Any, Any]], pairs: list[tuple[int, int]]
) -> None:
    line = np.array([p[0] for p in pairs], dtype=np.int64)
    document = np.array([p[1] for p in pairs], dtype=np.uint64)
    lines, first = components(line, document)
    assert dict(zip(lines.tolist(), first.tolist(), strict=True)) == _naive_components(pairs)


@_IMPLEMENTATIONS
def test_a_long_chain_is_linked_in_near_linear_time(
    components: Callable[..., tuple[Any, Any]],
) -> None:
    """200,000 lines, each sharing a document with the next: label propagation took ~n rounds."""
    n = 200_000
    line = np.repeat(np.arange(1, n + 1, dtype=np.int64), 2)
    document = np.stack([np.arange(n), np.arange(1, n + 1)], axis=1).ravel().astype(np.uint64)
    started = time.perf_counter()
    lines, first = components(line[::-1].copy(), document[::-1].copy())
    assert time.perf_counter() - started < 10
    assert len(lines) == n
    assert set(first.tolist()) == {1}


@pytest.mark.slow  # a 200,000-line chain
def test_a_chain_of_messages_is_one_person(tmp_path: Path) -> None:
    base = next(m for m in _dataset() if "subject" in m and m["subject"]["documents"])
    messages = []
    for index in range(3000):
        message = json.loads(json.dumps(base))
        document = dict(message["subject"]["documents"][0], mrz=None)
        message["subject"]["documents"] = [
            dict(document, number=f"{100_000_000 + index}"),
            dict(document, number=f"{100_000_000 + index + 1}"),
        ]
        messages.append(message)
    started = time.perf_counter()
    result = compute_exposure(_write(tmp_path / "chain.jsonl", messages))
    assert time.perf_counter() - started < 20
    assert (result.input.messages_with_subject, result.input.persons) == (3000, 1)
