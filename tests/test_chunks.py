"""The chunk path accepts exactly the lines the line path accepts (issue 19).

`kzcn.validation._chunks` decodes a chunk of lines with the MRZ questions
deferred and answers them column-wise with numpy. Held here: numpy's answers
are the Python rules' (`IdentityDocument._mrz_accepts`, `holder_agrees`) over
right and mutated zones of every layout; the engine's results over a chunk
are those of the line path, line for line, over generated messages (drawn
too), every corruption fault, every example and every MRZ character changed;
and `kzcn validate`'s output and split bytes are the same without numpy.
"""

from __future__ import annotations

import contextlib
import json
import random
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import EXAMPLES
from kzcn import strategies as kst
from kzcn.identifiers import yymmdd
from kzcn.messages import MESSAGE_KINDS
from kzcn.mrz import MrzInput, holder_agrees, holder_names
from kzcn.person import IdentityDocument
from kzcn.synth.corruption import FAULTS, corrupt
from kzcn.synth.generator import Generator
from kzcn.validation import ModelEngine, validate_file, validate_records, validate_stream
from kzcn.validation import _chunks as chunks
from kzcn.validation.engines import _REFUSED_PAUSE
from kzcn.validation.readers import InputRefusedError, Unit
from kzcn.validation.results import RecordResult
from test_fast_rules import _with_mrz_changed, mrz_lines, written_mrz

pytest.importorskip("numpy")

_MRZ_ACCEPTS = IdentityDocument._mrz_accepts  # the rule numpy stands in for
_TYPES = ["passport", "identity_card", "residence_permit"]


# --- numpy's answers are the rules' ---------------------------------------------------


def _document(lines: tuple[str, ...], data: MrzInput, kind: str) -> Any:
    number = data.number[:9] if kind == "passport" else data.number
    return SimpleNamespace(
        mrz=lines,
        document_type=kind,
        number=number,
        issuing_state=data.issuing_state,
        date_of_expiry=data.expiry,
    )


def _holder(lines: tuple[str, ...], data: MrzInput) -> chunks.Holder:
    return lines, yymmdd(data.birth), data.sex, holder_names(data.surname, data.given_names)


def _kind(lines: tuple[str, ...]) -> str:
    """The document type an MRZ of these lines belongs to (TD3: a passport)."""
    return "passport" if len(lines[0]) == 44 else "identity_card"


@st.composite
def documents(draw: st.DrawFn) -> tuple[tuple[str, ...], MrzInput, str]:
    """A written MRZ (mostly right, sometimes changed) with the data it was written from.

    The document is then mostly the data's own; sometimes another type, state,
    number or expiry, or lines of no layout the models read.
    """
    lines, data = draw(written_mrz())
    kind = _kind(lines)
    change = draw(st.sampled_from(["none", "none", "none", "kind", "state", "number", "expiry"]))
    if change == "kind":
        kind = draw(st.sampled_from(_TYPES))
    elif change == "state":
        data = replace(data, issuing_state=draw(st.sampled_from(["KAZ", "CHN", "UTO", "KZ"])))
    elif change == "number":
        data = replace(data, number=draw(st.sampled_from(["", "A<", "E1234567", "1" * 12])))
    elif change == "expiry":
        data = replace(data, expiry=draw(st.none() | st.dates()))
    if draw(st.integers(0, 9)) == 0:
        lines = draw(mrz_lines())
    return lines, data, kind


@settings(max_examples=150, deadline=None)
@given(st.lists(documents(), min_size=1, max_size=40))
def test_numpy_accepts_a_document_only_where_its_rule_does(
    drawn: list[tuple[tuple[str, ...], MrzInput, str]],
) -> None:
    found = [_document(lines, data, kind) for lines, data, kind in drawn]
    rule = [_MRZ_ACCEPTS(document) for document in found]
    sure = chunks.documents_sure(found).tolist()
    assert all(rule[at] for at, yes in enumerate(sure) if yes)
    assert chunks.document_verdicts(found).tolist() == rule


@settings(max_examples=150, deadline=None)
@given(st.lists(documents(), min_size=1, max_size=40))
def test_numpy_finds_a_holder_given_only_where_the_rule_does(
    drawn: list[tuple[tuple[str, ...], MrzInput, str]],
) -> None:
    found = [_holder(lines, data) for lines, data, _ in drawn]
    rule = [holder_agrees(*holder) for holder in found]
    sure = chunks.holders_sure(found).tolist()
    assert all(rule[at] for at, yes in enumerate(sure) if yes)
    assert chunks.holder_verdicts(found).tolist() == rule


def _generated_documents(count: int) -> Iterator[tuple[Any, chunks.Holder]]:
    """The documents with an MRZ of generated messages, each with its holder."""
    generator = Generator(random.Random(21))  # noqa: S311 - test data
    while count > 0:
        message = generator.message()
        for person in _people(message):
            born = yymmdd(_day(person["date_of_birth"]))
            names = holder_names(person["surname"]["latin"], person["given_names"]["latin"])
            for document in person["documents"]:
                if document.get("mrz"):
                    count -= 1
                    lines = tuple(document["mrz"])
                    expiry = document["date_of_expiry"]
                    yield (
                        SimpleNamespace(
                            **{**document, "mrz": lines, "date_of_expiry": expiry and _day(expiry)}
                        ),
                        (lines, born, person["sex"], names),
                    )


def _day(text: str) -> Any:
    from datetime import date  # noqa: PLC0415

    return date.fromisoformat(text)


def _people(message: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for node in [message, *message.get("items", [])]:
        found += [
            value for value in node.values() if isinstance(value, dict) and "documents" in value
        ]
    return found


def test_numpy_answers_every_generated_mrz_itself() -> None:
    # The common case is numpy's: were it to leave the generated zones to Python, the
    # chunk path would cost more than the line path, and the tests above would hold little.
    pairs = list(_generated_documents(300))
    found, holders = [document for document, _ in pairs], [holder for _, holder in pairs]
    assert len({len(document.mrz[0]) for document in found}) >= 2  # several layouts
    assert chunks.documents_sure(found).all()
    assert chunks.holders_sure(holders).all()


def test_every_character_changed_gets_the_rules_answer() -> None:
    pairs = list(_generated_documents(40))
    found: list[Any] = []
    holders: list[chunks.Holder] = []
    for document, (_, born, sex, names) in pairs:
        for row, line in enumerate(document.mrz):
            for at in range(len(line)):
                for char in "<0A9":
                    lines = list(document.mrz)
                    lines[row] = line[:at] + char + line[at + 1 :]
                    found.append(SimpleNamespace(**{**vars(document), "mrz": tuple(lines)}))
                    holders.append((tuple(lines), born, sex, names))
    rule = [_MRZ_ACCEPTS(document) for document in found]
    sure = chunks.documents_sure(found).tolist()
    assert [yes and right for yes, right in zip(sure, rule, strict=True)] == sure
    assert sum(sure) > len(found) // 10  # both answers were met
    assert not all(rule)
    agrees = [holder_agrees(*holder) for holder in holders]
    sure = chunks.holders_sure(holders).tolist()
    assert [yes and right for yes, right in zip(sure, agrees, strict=True)] == sure
    assert sum(sure) > len(found) // 10
    assert not all(agrees)


# --- the engine's results over a chunk are the line path's ---------------------------


def _examples(folder: str) -> list[Path]:
    paths = (EXAMPLES / folder).glob("*.json")
    return sorted(path for path in paths if not path.name.endswith(".expected.json"))


def _unit(number: int, text: bytes) -> Unit:
    return Unit(number, text, text, at_eof=not text.endswith(b"\n"))


def _outcomes(results: list[RecordResult]) -> list[tuple[Any, ...]]:
    return [(r.line, r.problems, r.valid, r.accepted, r.role, r.raw) for r in results]


def _both(lines: list[bytes]) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The chunk path's results and the line path's, of the same lines."""
    units = [_unit(number, text) for number, text in enumerate(lines, start=1)]
    engine = ModelEngine()
    accepted = engine.accept_chunk(units, "f.jsonl")
    chunked = [
        engine.check(unit, "f.jsonl") if result is None else result
        for unit, result in zip(units, accepted, strict=True)
    ]
    lined = [ModelEngine().check(unit, "f.jsonl") for unit in units]
    return _outcomes(chunked), _outcomes(lined)


class _Spy:
    """How many documents the chunk path noted, and how many numpy and Python refused."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.noted = self.refused = 0
        verdicts = chunks.document_verdicts

        def spied(documents: list[Any], fields: Any = None) -> Any:
            found = verdicts(documents, fields)
            self.noted += len(found)
            self.refused += int((~found).sum())
            return found

        monkeypatch.setattr(chunks, "document_verdicts", spied)


def test_chunk_results_are_the_line_paths_over_faults_and_examples(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    spy = _Spy(monkeypatch)
    generator = Generator(random.Random(23))  # noqa: S311 - test data
    lines = [orjson.dumps(generator.message()) + b"\n" for _ in range(80)]
    for seed, fault in enumerate(sorted(FAULTS)):
        try:
            broken = corrupt(generator.message(), random.Random(seed), [fault])  # noqa: S311
        except ValueError:
            continue
        lines.append(orjson.dumps(broken.message) + b"\n")
    paths = [path for folder in ("valid", "warnings", "invalid") for path in _examples(folder)]
    lines += [orjson.dumps(json.loads(path.read_text("utf-8"))) for path in paths]
    lines += [b"\xef\xbb\xbf" + lines[0], b"[]\n", b"{\n", b'{"kind":"x"}\n']
    chunked, lined = _both(lines)
    assert chunked == lined
    assert sum(accepted is not None for _, _, _, accepted, _, _ in chunked) > 80
    assert spy.noted > 40


@pytest.mark.parametrize("kind", ["citizenship_acquisition", "prior_change_list"])
def test_chunk_results_are_the_line_paths_with_any_mrz_character_changed(
    kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    spy = _Spy(monkeypatch)
    generator = Generator(random.Random(29))  # noqa: S311 - test data
    lines = [text for _ in range(3) for text in _with_mrz_changed(generator.message(kind))]
    chunked, lined = _both(lines)
    assert chunked == lined
    valid = sum(accepted is not None for _, _, _, accepted, _, _ in chunked)
    assert 0 < valid < len(lines)
    assert spy.refused > 0  # refused on an MRZ by the chunk's verdicts, not while decoding


@settings(max_examples=40, deadline=None)
@given(st.lists(kst.messages(), min_size=1, max_size=6))
def test_chunk_results_are_the_line_paths_on_drawn_messages(messages: list[dict[str, Any]]) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(chunks, "MIN_LINES", 1)
        chunked, lined = _both([orjson.dumps(message) for message in messages])
    assert chunked == lined


@pytest.mark.slow  # Hypothesis over every fault
@settings(max_examples=60, deadline=None)
@given(
    st.lists(kst.invalid_messages(), min_size=1, max_size=4), st.lists(kst.messages(), max_size=3)
)
def test_chunk_results_are_the_line_paths_on_drawn_faults(
    cases: list[tuple[str, dict[str, Any], tuple[str, ...]]], valid: list[dict[str, Any]]
) -> None:
    lines = [orjson.dumps(message) for _, message, _ in cases]
    lines += [orjson.dumps(message) for message in valid]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(chunks, "MIN_LINES", 1)
        chunked, lined = _both(lines)
    assert chunked == lined


def test_a_chunk_mostly_refused_has_the_next_judged_line_by_line() -> None:
    engine = ModelEngine()
    broken = [_unit(n, b'{"kind":"x"}\n') for n in range(1, 101)]
    assert engine._chunked(broken) is not None
    assert engine.accept_chunk(broken, None) == [None] * len(broken)
    for _ in range(_REFUSED_PAUSE):
        assert engine._chunked(broken) is None  # paused: judged line by line
    assert engine._chunked(broken) is not None  # tried again after the pause


def test_a_short_input_does_not_import_numpy() -> None:
    script = (
        "import sys\n"
        "from kzcn.validation import validate_file\n"
        "run = validate_file(sys.argv[1])\n"
        "print(sum(result.valid for result in run), 'numpy' in sys.modules)\n"
    )
    generator = Generator(random.Random(43))  # noqa: S311 - test data
    path = _write([orjson.dumps(generator.message()) for _ in range(200)])
    done = subprocess.run(
        [sys.executable, "-c", script, str(path)], capture_output=True, check=True
    )
    assert done.stdout.split() == [b"200", b"False"]


def test_held_results_count_as_skipped() -> None:
    generator = Generator(random.Random(31))  # noqa: S311 - test data
    lines = [orjson.dumps(generator.message()) for _ in range(100)]
    lines[3] = b'{"kind":"x"}'
    run = validate_file(_write(lines))
    for result in run:
        if not result.valid:
            break
    assert run.skip() == 96
    assert (run.summary.lines, run.summary.records, run.summary.unchecked_lines) == (100, 4, 96)


def _write(lines: list[bytes]) -> Path:
    import tempfile  # noqa: PLC0415

    folder = Path(tempfile.mkdtemp(prefix="kzcn-test-chunks-"))
    path = folder / "lines.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def test_input_refused_in_a_chunk_comes_after_the_results_before_it() -> None:
    generator = Generator(random.Random(47))  # noqa: S311 - test data
    lines = [orjson.dumps(generator.message()) for _ in range(100)]
    lines[70] = b'{"note":"' + b"x" * (16 * 4096 + 10) + b'"}'  # past 16 x the record limit
    path = _write(lines)
    seen: list[list[int | None]] = []
    for run in (
        validate_file(path, max_record_bytes=4096),  # chunked
        validate_stream(path.open("rb"), max_record_bytes=4096),  # line by line
    ):
        found: list[int | None] = []
        with pytest.raises(InputRefusedError, match="line 71"):
            found.extend(result.line for result in run)
        seen.append(found)
    assert seen[0] == seen[1] == list(range(1, 71))


def test_results_and_summary_of_a_file_are_those_of_its_records() -> None:
    generator = Generator(random.Random(37))  # noqa: S311 - test data
    lines = [orjson.dumps(generator.message(MESSAGE_KINDS[n % 9])) for n in range(300)]
    lines[7] = lines[7].replace(b'"mrz":["', b'"mrz":["X', 1)
    path = _write(lines)
    run = validate_file(path)
    chunked = [(r.line, r.problems, r.valid) for r in run]
    plain = validate_records(lines, name=str(path))
    assert chunked == [(r.line, r.problems, r.valid) for r in plain]
    assert run.summary == plain.summary


# --- the command, with and without numpy ----------------------------------------------

_NO_NUMPY = "import sys; sys.modules['numpy'] = None\n"
#: numpy loaded first: the chunk path from the first chunk, not after `WARM_UP` lines.
_NUMPY = "import numpy\n"
_RUN = (
    "import runpy, sys\n"
    "from kzcn.validation._chunks import chunk_accept\n"
    "sys.argv = ['kzcn', *sys.argv[1:]]\n"
    "try:\n"
    "    runpy.run_module('kzcn', run_name='__main__')\n"
    "finally:\n"
    "    print('chunk path built:', chunk_accept.cache_info().currsize, file=sys.stderr)\n"
)


def _validate(path: Path, out: Path, *, numpy: bool) -> tuple[bytes, bytes, bytes]:
    script = (_NUMPY if numpy else _NO_NUMPY) + _RUN
    valid, invalid = out / f"valid-{numpy}.jsonl", out / f"invalid-{numpy}.jsonl"
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            script,
            "validate",
            str(path),
            "--jobs",
            "1",
            "--format",
            "json",
            "--valid-out",
            str(valid),
            "--invalid-out",
            str(invalid),
        ],
        capture_output=True,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    assert b"chunk path built: 1" in done.stderr  # asked for: numpy's answer, or its absence
    return done.stdout, valid.read_bytes(), invalid.read_bytes()


def test_validate_gives_the_same_bytes_without_numpy(tmp_path: Path) -> None:
    generator = Generator(random.Random(41))  # noqa: S311 - test data
    lines = [orjson.dumps(generator.message()) for _ in range(150)]
    lines += list(_with_mrz_changed(generator.message("citizenship_acquisition")))[:60]
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    with_numpy = _validate(path, tmp_path, numpy=True)
    assert with_numpy == _validate(path, tmp_path, numpy=False)
    assert with_numpy[1]  # both sides of the split have lines
    assert with_numpy[2]


def test_without_numpy_there_is_no_chunk_path() -> None:
    script = (
        _NO_NUMPY
        + "from kzcn.validation._chunks import chunk_accept\nprint(chunk_accept() is None)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, check=True)
    assert done.stdout.split() == [b"True"]


# --- tables' rows ----------------------------------------------------------------------


def _table_messages() -> list[dict[str, Any]]:
    """Generated messages, one of each fault, and the examples (warnings among them)."""
    generator = Generator(random.Random(53))  # noqa: S311 - test data
    messages = [generator.message() for _ in range(120)]
    for seed, fault in enumerate(sorted(FAULTS)):
        with contextlib.suppress(ValueError):  # a fault that cannot break this message
            messages.append(corrupt(generator.message(), random.Random(seed), [fault]).message)  # noqa: S311
    paths = [path for folder in ("valid", "warnings", "invalid") for path in _examples(folder)]
    messages += [json.loads(path.read_text("utf-8")) for path in paths]
    return messages


def _table(messages: list[dict[str, Any]], path: Path) -> Path:
    """`messages` as a CSV file or a workbook's sheet (by `path`'s suffix), a row each."""
    import csv  # noqa: PLC0415

    from kzcn.flat import column_order, flatten  # noqa: PLC0415

    rows = [flatten(message) for message in messages]
    header = column_order(rows)
    cells = [[row.get(column, "") for column in header] for row in rows]
    if path.suffix == ".csv":
        with path.open("w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(header)
            writer.writerows(cells)
        return path
    from openpyxl import Workbook  # noqa: PLC0415

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(header)
    for row in cells:
        sheet.append(row)
    book.save(path)
    return path


def _judged(run: Any) -> list[tuple[Any, ...]]:
    # Not `accepted`: after two refused rows in a row, the line path's brake leaves rows to
    # pydantic, whose results hold a model, not a text (the same judgement).
    return [(r.line, r.problems, r.valid, r.role, r.raw) for r in run]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_a_tables_rows_through_the_chunk_path_are_judged_as_line_by_line(
    suffix: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spy = _Spy(monkeypatch)
    path = _table(_table_messages(), tmp_path / f"messages{suffix}")
    chunked = validate_file(path)  # numpy is loaded here: the chunk path from the first chunk
    judged = _judged(chunked)
    assert spy.noted > 40, "the rows took the chunk path"
    line_by_line = validate_stream(path.open("rb"), name=str(path), input_format=suffix[1:])  # type: ignore[arg-type]
    assert judged == _judged(line_by_line)
    assert chunked.summary == line_by_line.summary
    assert any(problem.column for _, problems, *_ in judged for problem in problems)
    assert sum(valid for _, _, valid, *_ in judged) > 100


def test_a_row_refused_in_a_chunk_comes_after_the_results_before_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kzcn.validation.readers import TableRow  # noqa: PLC0415

    path = _table(_table_messages()[:100], tmp_path / "messages.csv")
    made = TableRow.record_text

    def refusing(row: TableRow) -> bytes | None:
        if row.line == 71:
            raise InputRefusedError("line 71: refused")
        return made(row)

    monkeypatch.setattr(TableRow, "record_text", refusing)
    seen: list[list[int | None]] = []
    for run in (validate_file(path), validate_stream(path.open("rb"), input_format="csv")):
        found: list[int | None] = []
        with pytest.raises(InputRefusedError, match="line 71"):
            found.extend(result.line for result in run)
        seen.append(found)
    assert seen[0] == seen[1] == list(range(1, 71))  # the header, then the rows before it
