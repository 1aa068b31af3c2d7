"""What crosses to and from `--jobs` workers comes back whole: units, results, problems.

Equality of a `RecordResult` skips `raw`, `accepted` and the model, so these
tests compare every field by name: a pickle or a sent result that dropped
one fails here.
"""

from __future__ import annotations

import csv
import io
import pickle
from dataclasses import dataclass, fields, replace
from typing import Any, Literal

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from conftest import EXAMPLES
from kzcn.errors import CATALOGUE
from kzcn.flat import flatten
from kzcn.validation import RecordResult
from kzcn.validation._binary import SheetRow, xlsx_units
from kzcn.validation._parallel import _rebuilt, _RowResult, _sent
from kzcn.validation._pickled import pickled_by_fields
from kzcn.validation.core import make_engine
from kzcn.validation.problems import Problem
from kzcn.validation.readers import Unit, csv_units, jsonl_units, pack_units, unpack_units

FILE = "in.jsonl"


def _line(path: str) -> bytes:
    return orjson.dumps(orjson.loads((EXAMPLES / path).read_bytes())) + b"\n"


VALID = _line("valid/citizenship_acquisition.json")
LATE = _line("warnings/suspension_late.json")
INVALID = _line("invalid/authority_of_wrong_state.json")
#: A line of each kind the engines tell apart; the last has no line end.
LINES = {
    "valid": VALID,
    "valid, warnings": LATE,
    "invalid": INVALID,
    "repeated key": VALID.replace(b"{", b'{"kind": "x", ', 1),
    "not json": b'{"kind": \n',
    "blank": b"  \n",
    "cut short": VALID[:40],
}


def every_field(item: object) -> tuple[Any, ...]:
    """The values of every dataclass field, the ones `==` skips too."""
    return tuple(getattr(item, name.name) for name in fields(item))  # type: ignore[arg-type]


def _units() -> list[Unit]:
    return list(jsonl_units(io.BytesIO(b"".join(LINES.values()))))


def _checked(engine: str) -> list[tuple[Unit, RecordResult]]:
    check = make_engine(engine).check  # type: ignore[arg-type]
    return [(unit, check(unit, FILE)) for unit in _units()]


def test_the_lines_cover_valid_warnings_and_errors() -> None:
    """Else the tests below could pass over an empty case."""
    results = [result for _, result in _checked("model")]
    assert [r.valid for r in results[:3]] == [True, True, False]
    assert [r.has_warnings for r in results[:3]] == [False, True, False]
    assert results[0].accepted is not None  # the fast path's result, model not built
    assert results[2].problems
    assert [r.role for r in results].count("blank") == 1


@pytest.mark.parametrize("engine", ["model", "schema"])
@pytest.mark.parametrize("model_read", [False, True])
def test_a_result_pickles_whole(engine: str, *, model_read: bool) -> None:
    for _, result in _checked(engine):
        if model_read:
            _ = result.message  # the model built: it crosses too
        copy = pickle.loads(pickle.dumps(result, pickle.HIGHEST_PROTOCOL))  # noqa: S301 - our own bytes
        assert every_field(copy) == every_field(result)
        assert result.__reduce_ex__(pickle.HIGHEST_PROTOCOL)[0] is RecordResult  # the cheap route


@pytest.mark.parametrize("engine", ["model", "schema"])
def test_a_result_sent_back_is_rebuilt_whole(engine: str) -> None:
    """As `_check_chunk` and `_handed_on` do, with the units pickled as they are."""
    pairs = _checked(engine)
    units = pickle.loads(pickle.dumps([unit for unit, _ in pairs]))  # noqa: S301 - as a worker gets them
    check = make_engine(engine).check  # type: ignore[arg-type]
    sent = pickle.loads(pickle.dumps([_sent(check(unit, FILE), unit, FILE) for unit in units]))  # noqa: S301
    for (unit, result), back in zip(pairs, sent, strict=True):
        assert every_field(_rebuilt(back, unit, FILE)) == every_field(result)
    assert not any(isinstance(back, RecordResult) for back in sent)  # none needed to go whole


def test_a_valid_line_crosses_back_without_its_bytes() -> None:
    unit = _units()[0]
    back = pickle.dumps(_sent(make_engine("model").check(unit, FILE), unit, FILE))
    assert len(back) < 20 < len(VALID)


def test_a_result_unlike_its_unit_goes_whole() -> None:
    unit = _units()[0]
    result = RecordResult(FILE, unit.line, (), None, None, "record", 0)  # a `.json` group's record
    assert _sent(result, unit, FILE) is result
    assert _rebuilt(result, unit, FILE) is result


def test_csv_units_and_their_results_cross_whole() -> None:
    """A row's unit holds its object and its header's columns; its accepted text is no input."""
    data = b"kind,schema_version\ncitizenship_acquisition,2.0\n"
    check = make_engine("model").check
    for unit in csv_units(io.BytesIO(data)):
        copy = pickle.loads(pickle.dumps(unit))  # noqa: S301 - our own bytes
        assert every_field(copy) == every_field(unit)
        result = check(copy, FILE)
        back = pickle.loads(pickle.dumps(_sent(result, copy, FILE)))  # noqa: S301
        assert every_field(_rebuilt(back, unit, FILE)) == every_field(result)


problems = st.builds(
    Problem,
    st.sampled_from(sorted(CATALOGUE)),
    st.text(max_size=5),
    st.sampled_from(["error", "warning"]),
    st.none() | st.just(FILE),
    st.none() | st.integers(1),
    st.none() | st.integers() | st.text(max_size=3),
    st.none() | st.integers(1, 99),
)


@given(
    st.builds(
        RecordResult,
        st.none() | st.text(max_size=5),
        st.none() | st.integers(1),
        st.lists(problems, max_size=3).map(tuple),
        st.none(),
        st.none() | st.binary(max_size=5),
        st.sampled_from(["record", "blank", "header"]),
        st.integers(0, 9),
        st.none() | st.binary(max_size=5),
    )
)
def test_any_result_pickles_whole(result: RecordResult) -> None:
    copy = pickle.loads(pickle.dumps(result))  # noqa: S301 - our own bytes
    assert every_field(copy) == every_field(result)
    assert [every_field(p) for p in copy.problems] == [every_field(p) for p in result.problems]


def test_only_a_class_of_two_or_more_init_fields_is_taken() -> None:
    @dataclass
    class One:
        only: int

    with pytest.raises(TypeError, match="two or more fields"):
        pickled_by_fields(One)


class Row(Unit):
    """A subclass of `Unit` with a pickle of its own, as a table's row may have."""

    __slots__ = ("extra",)

    def __init__(self, line: int, extra: str) -> None:
        super().__init__(line, b"row\n")
        self.extra = extra

    def __reduce__(self) -> tuple[Any, ...]:
        return Row, (self.line, self.extra)


def test_a_subclass_keeps_its_own_pickle() -> None:
    """A subclass is no `Unit` rebuilt: it pickles by its own route, type and all."""
    copy = pickle.loads(pickle.dumps(Row(3, "x")))  # noqa: S301 - our own bytes
    assert type(copy) is Row
    assert (copy.line, copy.extra, copy.raw) == (3, "x", b"row\n")


def test_units_cross_to_a_worker_whole() -> None:
    """`pack_units`: a plain JSON line goes as its number and bytes, every other unit whole.

    Each unit comes back with every field it had (the blank line, the line cut
    short at the end and an over-long line are not plain), its text its bytes.
    """
    units = [*_units(), *jsonl_units(io.BytesIO(b'{"a": 1}\n'), max_record_bytes=4)]
    packed = pickle.loads(pickle.dumps(pack_units(units)))  # noqa: S301 - our own bytes
    plain = [sent for sent in packed[1].values() if isinstance(sent, tuple)]
    assert len(plain) == 5  # the five complete records of `LINES`
    crossed = list(unpack_units(packed))
    assert [every_field(u) for u in crossed] == [every_field(u) for u in units]
    assert all(u.text is u.raw for u, sent in zip(crossed, units, strict=True) if sent.text)


def _csv_of(
    *lines: bytes, delimiter: str = ",", end: str = "\n", quoting: Literal[0, 1] = 0
) -> bytes:
    rows = [flatten(orjson.loads(line)) for line in lines]
    header = list(dict.fromkeys(column for row in rows for column in row))
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator=end, quoting=quoting)
    writer.writerows([header, *([row.get(column, "") for column in header] for row in rows)])
    return out.getvalue().encode()


#: Every valid example and one with warnings, as JSON lines.
_ACCEPTED = [_line(f"valid/{path.name}") for path in sorted((EXAMPLES / "valid").glob("*.json"))]
_ENGINE = make_engine("model")


@settings(max_examples=40, deadline=None)
@given(
    picked=st.lists(st.sampled_from([*_ACCEPTED, LATE, INVALID]), min_size=1, max_size=8),
    delimiter=st.sampled_from([",", ";", "\t"]),
    end=st.sampled_from(["\n", "\r\n"]),
    quoting=st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]),
)
def test_a_csv_rows_text_made_again_is_the_workers(
    picked: list[bytes], delimiter: str, end: str, quoting: Literal[0, 1]
) -> None:
    """Rows packed and checked as a worker does, rebuilt beside the parent's own rows."""
    data = _csv_of(*picked, delimiter=delimiter, end=end, quoting=quoting)
    parent = list(csv_units(io.BytesIO(data)))
    packed = pickle.loads(pickle.dumps(pack_units(list(csv_units(io.BytesIO(data))))))  # noqa: S301
    for held, unit in zip(parent, unpack_units(packed), strict=True):
        result = _ENGINE.check(unit, FILE)
        back = _rebuilt(pickle.loads(pickle.dumps(_sent(result, unit, FILE))), held, FILE)  # noqa: S301
        assert every_field(back) == every_field(result)


def test_a_csv_rows_accepted_text_stays_in_the_worker() -> None:
    """It is made again from the row the parent holds when read, byte for byte (2 kB a row)."""
    check = make_engine("model").check
    units = list(csv_units(io.BytesIO(_csv_of(VALID, LATE, INVALID))))
    kept = list(csv_units(io.BytesIO(_csv_of(VALID, LATE, INVALID))))  # the parent's, untouched
    remade = 0
    for unit, held in zip(units, kept, strict=True):
        copy = pickle.loads(pickle.dumps(unit))  # noqa: S301 - our own bytes
        result = check(copy, FILE)
        back = _crossed(result, copy, held)
        remade += result.accepted is not None
        assert back == result
        assert result == back
        assert hash(back) == hash(result)
        assert every_field(back) == every_field(result)  # `accepted` made here
        copied = pickle.loads(pickle.dumps(back))  # noqa: S301
        assert type(copied) is RecordResult
        assert every_field(copied) == every_field(result)
    assert remade == 2, "the valid rows took the fast path"


def _crossed(result: RecordResult, unit: Unit, held: Unit) -> RecordResult:
    """`result` of `unit` as a worker sends it, rebuilt on the parent's `held`.

    A row the fast path accepted crosses without its text (2 kB), as a `_RowResult`.
    """
    sent = pickle.dumps(_sent(result, unit, FILE))
    back = _rebuilt(pickle.loads(sent), held, FILE)  # noqa: S301 - our own bytes
    if result.accepted is not None:
        assert type(back) is _RowResult
        assert len(sent) < 200 < len(result.accepted)
    return back


def _xlsx_of(*lines: bytes) -> bytes:
    """A workbook of inline strings (openpyxl's write-only sheet) of the CSV of `lines`."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    text = _csv_of(*lines).decode()
    for row in csv.reader(io.StringIO(text, newline="")):
        sheet.append([cell or None for cell in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_sheet_rows_accepted_text_stays_in_the_worker() -> None:
    """A sheet's row sent as its XML makes its text again from it in the parent, when read."""
    check = make_engine("model").check
    data = _xlsx_of(VALID, LATE, INVALID)
    units = list(xlsx_units(io.BytesIO(data)))
    assert sum(isinstance(unit, SheetRow) for unit in units) == 3
    packed = pickle.dumps(pack_units(units))  # as the parent sends them: each row its XML
    remade = 0
    for held, unit in zip(units, unpack_units(pickle.loads(packed)), strict=True):  # noqa: S301
        result = check(unit, FILE)
        back = _crossed(result, unit, held)
        remade += result.accepted is not None
        assert every_field(back) == every_field(result)  # `accepted` made here
    assert remade == 2, "the valid rows took the fast path"


def test_a_csv_rows_model_is_built_from_the_text_made_again() -> None:
    check = make_engine("model").check
    units = list(csv_units(io.BytesIO(_csv_of(VALID))))
    result = check(units[1], FILE)
    back = _rebuilt(pickle.loads(pickle.dumps(_sent(result, units[1], FILE))), units[1], FILE)  # noqa: S301
    assert back.message == result.message
    assert back.message is not None


def test_a_csv_rows_result_is_replaced_as_a_record_result() -> None:
    check = make_engine("model").check
    units = list(csv_units(io.BytesIO(_csv_of(VALID))))
    result = check(units[1], FILE)
    back = _rebuilt(pickle.loads(pickle.dumps(_sent(result, units[1], FILE))), units[1], FILE)  # noqa: S301
    assert type(back) is _RowResult
    other = replace(back, line=7)
    assert other.line == 7
    assert other.accepted == result.accepted
    assert every_field(replace(other, line=result.line)) == every_field(result)
