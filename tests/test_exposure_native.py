"""DuckDB's reader (`_duck`) gives exactly the frames of the Python reader, or declines.

Every file here is read both ways (`native=True` and `native=False`) and the
frames compared; where DuckDB cannot give the same rows it must decline
(`read_native` returns None) so that the Python reader takes the file.
"""

from __future__ import annotations

import copy
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from exposure_fixtures import build_messages
from kzcn.exposure import _duck
from kzcn.exposure._duck import _count_lines, _find_empty_lines, _Lines, read_native
from kzcn.exposure._read import Extracted, _fast_plan_of, read_source
from test_exposure_fast import _odd_lines, _plan


def _both(path: Path, extra: tuple[tuple[str, ...], ...] = ()) -> tuple[Extracted, Extracted]:
    plan = _plan(extra)
    return read_source(path, plan, native=True), read_source(path, plan, workers=1, native=False)


def _assert_same(ours: Extracted, theirs: Extracted) -> None:
    assert ours.lines == theirs.lines
    assert ours.positions == theirs.positions
    # DuckDB gives the subjects' documents first, then the listed persons': the same set.
    documents = [e.documents.sort("line", "slot", maintain_order=True) for e in (ours, theirs)]
    for mine, python in (
        (ours.messages, theirs.messages),
        (ours.skipped, theirs.skipped),
        (*documents,),
        (ours.listed, theirs.listed),
    ):
        assert mine.schema == python.schema
        assert mine.equals(python)


def _write(path: Path, lines: list[bytes]) -> Path:
    path.write_bytes(b"".join(line.rstrip(b"\n") + b"\n" for line in lines))
    return path


@pytest.fixture(scope="module")
def good_lines() -> list[bytes]:
    return [orjson.dumps(m) for m in build_messages(600, seed=11, repeat_rate=0.2)]


def test_plain_file_is_read_natively_and_equals_python(
    tmp_path: Path, good_lines: list[bytes]
) -> None:
    path = _write(tmp_path / "m.jsonl", good_lines)
    plan = _plan()
    assert read_native(path, plan, _fast_plan_of(plan)) is not None
    ours, theirs = _both(path)
    _assert_same(ours, theirs)
    assert ours.documents.height > len(good_lines) // 2  # the rows are not all empty


@pytest.mark.parametrize("invalid_rate", [0.0, 0.3])
def test_synthetic_file_equals_python(tmp_path: Path, invalid_rate: float) -> None:
    """Generated data, clean or with the workshop faults, is read natively and the same."""
    from kzcn.synth import write_dataset  # noqa: PLC0415 - only this test needs the generator

    path = tmp_path / "synth.jsonl"
    with path.open("wb") as out:
        write_dataset(out, 1500, seed=4, invalid_rate=invalid_rate)
    plan = _plan()
    assert read_native(path, plan, _fast_plan_of(plan)) is not None
    _assert_same(*_both(path))


#: `_odd_lines` positions DuckDB declines though Python reads them: an empty
#: container of the other kind (`place_of_birth: []`, `crossings: {}`), which
#: Python's `or {}` / `or ()` takes as absent and DuckDB as a type error; and
#: `photo: []`, a value (Python's presence test) where DuckDB reads an object (`_duck._given`).
_NEEDLESS_DECLINES = frozenset({1, 8, 19})


@pytest.mark.parametrize("position", range(len(_odd_lines(list(build_messages(60, seed=11))))))
def test_an_odd_line_gives_python_s_frames(
    tmp_path: Path, good_lines: list[bytes], position: int
) -> None:
    """One odd line among good ones: DuckDB reads it the same, or declines the file.

    It declines only for a line the Python reader skips, with two known
    exceptions (`_NEEDLESS_DECLINES`).
    """
    odd = _odd_lines(list(build_messages(60, seed=11)))[position]
    lines = [*good_lines[:50], odd, *good_lines[50:100]]
    path = tmp_path / "odd.jsonl"
    path.write_bytes(b"\n".join(line.rstrip(b"\n") for line in lines) + b"\n")
    ours, theirs = _both(path)
    _assert_same(ours, theirs)
    plan = _plan()
    if read_native(path, plan, _fast_plan_of(plan)) is None:
        skipped = theirs.skipped["line"].to_list()
        assert skipped == ([] if position in _NEEDLESS_DECLINES else [51])


def _bent(message: dict[str, Any], change: Callable[[dict[str, Any]], object]) -> bytes:
    bent = copy.deepcopy(message)
    change(bent)
    return orjson.dumps(bent)


def _raw_oddities(good: bytes, person: dict[str, Any]) -> list[bytes]:
    """Lines whose bytes, not shapes, are odd; and values of unusual JSON types."""
    return [
        b"\xef\xbb\xbf" + good,  # a byte-order mark
        good + b" " + good,  # two objects on one line
        good.replace(b'"kind"', b'"kind":"x","kind"', 1),  # a duplicated key
        good.replace(b'"synthetic":true', b'"synthetic":"\xff"'),  # bad UTF-8, unread field
        _bent(person, lambda m: m["subject"].__setitem__("sex", "F\u0000")),
        _bent(person, lambda m: m["subject"].__setitem__("sex", "[F]")),
        _bent(person, lambda m: m["subject"].__setitem__("date_of_birth", {"y": 1990})),
        _bent(person, lambda m: m["subject"].__setitem__("date_of_birth", [1990])),
        _bent(person, lambda m: m["subject"].__setitem__("date_of_birth", 1990.5)),
        _bent(person, lambda m: m["subject"].__setitem__("date_of_birth", True)),  # noqa: FBT003 - the odd value itself
        _bent(person, lambda m: m["subject"]["place_of_birth"]["locality"].__setitem__("latin", 5)),
        _bent(person, lambda m: m["sender"].__setitem__("state", {"code": "KAZ"})),
        _bent(person, lambda m: m["subject"]["documents"][0].__setitem__("document_type", ["x"])),
        _bent(person, lambda m: m["subject"]["documents"][0].__setitem__("issuing_state", 7)),
        # Fields only tested for a value, each of a shape the models do not give it
        # (`_duck._given`): read the same way, or declined.
        _bent(person, lambda m: m["subject"].__setitem__("photo", "a photo")),
        _bent(person, lambda m: m["subject"].__setitem__("photo", {})),
        _bent(person, lambda m: m["subject"].__setitem__("patronymic", ["x"])),
        _bent(person, lambda m: m["subject"].__setitem__("name_national", {"a": [1]})),
        _bent(person, lambda m: m["subject"]["documents"][0].__setitem__("mrz", "P<KAZ")),
        _bent(person, lambda m: m["subject"]["documents"][0].__setitem__("mrz", [{"a": 1}, 2])),
        _bent(person, lambda m: m["subject"]["documents"][0].__setitem__("mrz", [])),
        _bent(person, lambda m: m["subject"]["documents"][0].__setitem__("series", ["1"])),
    ]


@pytest.mark.parametrize("position", range(22))
def test_an_odd_value_or_byte_gives_python_s_frames(
    tmp_path: Path, good_lines: list[bytes], position: int
) -> None:
    person = orjson.loads(next(line for line in good_lines if b'"subject"' in line))
    odd = _raw_oddities(good_lines[0], person)[position]
    path = tmp_path / "odd.jsonl"
    path.write_bytes(b"\n".join([*good_lines[:20], odd, *good_lines[20:40]]) + b"\n")
    _assert_same(*_both(path))


@pytest.mark.parametrize(
    "lenient",
    [b',"x":1,}', b',"x":NaN}', b',"x":-Infinity}', b',"x":[nan, INF,],}', b',"x":"a, }"}'],
)
def test_trailing_commas_and_nan_give_the_same_answer_both_ways(
    tmp_path: Path, good_lines: list[bytes], lenient: bytes
) -> None:
    """DuckDB's parser takes what strict JSON forbids; the Python reader reads it the same."""
    path = _write(tmp_path / "lenient.jsonl", [good_lines[0][:-1] + lenient, *good_lines[1:5]])
    ours, theirs = _both(path)
    assert ours.messages.height == 5
    _assert_same(ours, theirs)


@pytest.mark.parametrize(
    "layout",
    [
        [b"", 0, 1, b"", b"", 2],
        [0, b"\r", 1, 2, b""],
        [0, 1, b"\r", b"\r", 2, b"\r"],
    ],
)
def test_empty_lines_are_numbered_natively(
    tmp_path: Path, good_lines: list[bytes], layout: list[bytes | int]
) -> None:
    """Empty lines (or a lone carriage return) are skipped as blank, numbered as in Python."""
    lines = [item if isinstance(item, bytes) else good_lines[item] for item in layout]
    path = tmp_path / "empty.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    plan = _plan()
    assert read_native(path, plan, _fast_plan_of(plan)) is not None
    ours, theirs = _both(path)
    _assert_same(ours, theirs)
    assert set(ours.skipped["reason"]) == {"input.blank_line"}


_SEGMENTS = st.sampled_from([b"", b"\r", b"x", b"ab\r", b" ", b"\r\r", b"{}"])


@given(
    segments=st.lists(_SEGMENTS, max_size=30),
    tail=st.sampled_from([b"", b"x", b"\r"]),
    step=st.integers(1, 9),
)
def test_line_count_and_empty_lines_across_buffer_edges(
    segments: list[bytes], tail: bytes, step: int
) -> None:
    """The count and the empty lines agree with splitting at newlines, whatever the step."""
    data = b"".join(segment + b"\n" for segment in segments) + tail
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "lines"
        path.write_bytes(data)
        lines = _Lines()
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(_duck, "_COUNT_BYTES", step)
            _count_lines(path, lines)
            _find_empty_lines(path, lines)
    assert lines.count == len(segments) + (tail != b"")
    assert lines.empty == [n for n, s in enumerate(segments, start=1) if s in (b"", b"\r")]


def test_declines_what_it_cannot_number(tmp_path: Path, good_lines: list[bytes]) -> None:
    plan, fast = _plan(), _fast_plan_of(_plan())
    blank = tmp_path / "blank.jsonl"
    blank.write_bytes(good_lines[0] + b"\n   \n" + good_lines[1] + b"\n")
    assert read_native(blank, plan, fast) is None  # spaces: DuckDB skips it, the count does not
    unknown = _write(tmp_path / "unknown.jsonl", [good_lines[0], b'{"kind": "no_such_kind"}'])
    assert read_native(unknown, plan, fast) is None
    assert read_native(_write(tmp_path / "g.jsonl", good_lines), plan, None) is None
    extra = _plan((("surname",),))
    path = _write(tmp_path / "e.jsonl", good_lines)
    assert read_native(path, extra, _fast_plan_of(extra)) is None


def test_declines_without_a_temporary_directory(
    tmp_path: Path, good_lines: list[bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _write(tmp_path / "m.jsonl", good_lines)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "no-such-directory"))
    plan = _plan()
    assert read_native(path, plan, _fast_plan_of(plan)) is None
    assert read_source(path, plan, native=True).messages.height == len(good_lines)


@pytest.mark.parametrize("ending", [b"", b"\n", b"\r\n"])
def test_last_line_without_newline_and_crlf(
    tmp_path: Path, good_lines: list[bytes], ending: bytes
) -> None:
    path = tmp_path / "ends.jsonl"
    separator = b"\r\n" if ending == b"\r\n" else b"\n"
    path.write_bytes(separator.join(good_lines[:30]) + ending)
    plan = _plan()
    assert read_native(path, plan, _fast_plan_of(plan)) is not None
    _assert_same(*_both(path))


def test_threads_do_not_change_the_rows(tmp_path: Path, good_lines: list[bytes]) -> None:
    path = _write(tmp_path / "m.jsonl", good_lines * 20)
    plan = _plan()
    one = read_native(path, plan, _fast_plan_of(plan), threads=1)
    two = read_native(path, plan, _fast_plan_of(plan), threads=2)
    assert one is not None
    assert two is not None
    assert all(a.equals(b) for a, b in zip(one[:2], two[:2], strict=True))
    assert one[0]["line"].to_list() == list(range(1, len(good_lines) * 20 + 1))
    assert isinstance(one[0], pl.DataFrame)


#: Fields that some kinds check for a value (`FastChecks`), to give a message of any kind.
_CHECKED_ELSEWHERE: dict[str, object] = {
    "terminated_on": "2020-01-02",
    "permitted_stay_until": "2020-01-02",
    "measures": ["deportation"],
    "entry_ban_until": "2021-01-02",
    "former_citizenship": {"ended_by": "automatic_by_law", "ended_on": "2019-01-02",
                           "evidence": ["decree"]},
    "crossings": [{"direction": "entry", "crossed_on": "2020-01-02", "basis": "visa"}],
    "persons": [{"personal_number": "123456789012", "document": {"number": "N1"}}],
}  # fmt: skip


def test_a_field_only_other_kinds_check_sets_no_bit(
    tmp_path: Path, good_lines: list[bytes]
) -> None:
    """A message's presence bits are its kind's checks' alone, as Python reads them.

    Every check is made on every row and the kind's mask keeps its own bits
    (`_duck._presence`): a field another kind checks, here given to every
    message, and a subject given to kinds without one, set no bit of theirs.
    """
    messages = [orjson.loads(line) for line in good_lines]
    subject = next(m["subject"] for m in messages if m.get("subject"))
    bent = [orjson.dumps({"subject": subject, **_CHECKED_ELSEWHERE, **m}) for m in messages]
    path = _write(tmp_path / "m.jsonl", bent)
    plan = _plan()
    assert read_native(path, plan, _fast_plan_of(plan)) is not None
    ours, theirs = _both(path)
    _assert_same(ours, theirs)
    assert (ours.messages["presence"] > 0).any()  # the checks found values


#: In a fresh process (pytest's own turns DuckDB's bar off): DuckDB's default, then ours.
_BARS = """
import sys, tempfile, duckdb
from kzcn.exposure import _duck
ours = _duck.open_database(tempfile.mkdtemp(), None, None)
for con in (duckdb.connect(":memory:"), ours, ours.cursor()):
    print(con.execute("SELECT current_setting('enable_progress_bar')").fetchone()[0])
"""


def test_duckdb_prints_no_progress_bar() -> None:
    """A library writes nothing to standard output: DuckDB's bar is on unless told otherwise."""
    shown = subprocess.run(
        [sys.executable, "-c", _BARS], capture_output=True, text=True, check=True
    ).stdout.split()
    if shown[0] != "True":
        pytest.skip("DuckDB shows no progress bar by default here: nothing to turn off")
    assert shown[1:] == ["False", "False"]


def test_every_database_of_the_report_is_opened_one_way(
    tmp_path: Path, good_lines: list[bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The report's database and the rows reader's are both `open_database`'s (no bar)."""
    from kzcn.exposure import _indb  # noqa: PLC0415 - the report's database, beside `_duck`'s

    calls: list[object] = []
    opened = _duck.open_database

    def watched(*args: Any, **kwargs: Any) -> object:
        calls.append(args)
        return opened(*args, **kwargs)

    monkeypatch.setattr(_duck, "open_database", watched)
    with _indb.connect(None, None):
        assert len(calls) == 1
    plan = _plan()
    assert read_native(_write(tmp_path / "m.jsonl", good_lines), plan, _fast_plan_of(plan))
    assert len(calls) == 2
