"""Fuzzed redaction: a marker in every string, key and column, through every command and format.

Every string leaf of every example message, every object's keys and the CSV
header get a marker of their own (a seeded table of cores, wrapped in HTML,
line breaks, other scripts, quotes). Each report `kzcn validate` and
`kzcn exposure` can write, in every format, is then searched for the cores:
without `--show-values` none may appear. With it some must, which shows the
search can find them.
"""

from __future__ import annotations

import csv
import io
import json
import random
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cli_runner import invoke_command
from conftest import example_files
from kzcn.flat import column_order, flatten

CORE = re.compile(r"QV\d{4}[A-Z]{4}")
# How a core is dressed: markup, a line break that could start a Markdown
# heading, other scripts, quotes and escapes, an invisible character.
DRESS = (
    "{}",
    "<script>{}</script>",
    "{}\n# heading",
    "Жаксылыков {}",
    "{} 张伟",
    ' "{}" ',
    "{}\\",
    "{}\u200b",
    "| {} |",
)
Path_ = tuple[str | int, ...]


class Markers:
    """A seeded supply of markers, each with a core no report could contain by chance."""

    def __init__(self, seed: int) -> None:
        self._random = random.Random(seed)  # noqa: S311 - a reproducible table, not a secret
        self._count = 0

    def next(self) -> str:
        self._count += 1
        letters = "".join(self._random.choice("ABCDEFGHJKLMNPRSTUWXYZ") for _ in range(4))
        return self._random.choice(DRESS).format(f"QV{self._count:04d}{letters}")


def _leaves(node: Any, path: Path_ = ()) -> Iterator[Path_]:
    """Paths of every string in `node`."""
    if isinstance(node, str):
        yield path
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from _leaves(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _leaves(value, (*path, index))


def _objects(node: Any, path: Path_ = ()) -> Iterator[Path_]:
    """Paths of every object in `node`, itself included."""
    if isinstance(node, dict):
        yield path
        for key, value in node.items():
            yield from _objects(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _objects(value, (*path, index))


def _at(node: Any, path: Path_) -> Any:
    for part in path:
        node = node[part]
    return node


def _records(markers: Markers) -> list[dict[str, Any]]:
    """Per example: one copy per string leaf holding a marker, one per object with a marker key."""
    records = []
    for file in example_files("valid"):
        original = json.loads(file.read_text("utf-8"))
        for path in _leaves(original):
            copy = json.loads(json.dumps(original))
            _at(copy, path[:-1])[path[-1]] = markers.next()
            records.append(copy)
        for path in _objects(original):
            copy = json.loads(json.dumps(original))
            _at(copy, path)[markers.next()] = markers.next()
            records.append(copy)
    return records


def _duplicated(record: dict[str, Any], markers: Markers) -> bytes:
    """A line whose `kind` comes twice, the first time as a marker."""
    text = json.dumps(record, ensure_ascii=False)
    return text.replace('"kind": ', f'"kind": {json.dumps(markers.next())}, "kind": ', 1).encode()


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("fuzz")
    markers = Markers(seed=20231110)
    records = _records(markers)
    jsonl = folder / "records.jsonl"
    lines = [json.dumps(r, ensure_ascii=False).encode() for r in records]
    lines += [_duplicated(r, markers) for r in records[::25]]
    jsonl.write_bytes(b"\n".join(lines) + b"\n")
    array = folder / "records.json"
    array.write_text(json.dumps(records[::7], ensure_ascii=False, indent=1), "utf-8")
    rows = [flatten(r) for r in records]
    header = column_order(rows)
    # Columns that map to no field, named by markers. (A column `subject.5` next to
    # `subject.sex` still crashes the CSV reader, validation/columns.py: not here.)
    extra = [markers.next().replace("\n", " "), f"subject.{markers.next()}"]
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=[*header, *extra])
    writer.writeheader()
    for row in rows:
        writer.writerow({**row, **dict.fromkeys(extra, "x")})
    table = folder / "records.csv"
    table.write_text(text.getvalue(), "utf-8")
    return {"jsonl": jsonl, "json": array, "csv": table}


def _cores(text: str) -> list[str]:
    return sorted(set(CORE.findall(text)))


VALIDATE = [
    (source, engine, fmt)
    for source in ("jsonl", "json", "csv")
    for engine in ("model", "schema")
    for fmt in ("text", "json")
]


@pytest.mark.parametrize(("source", "engine", "fmt"), VALIDATE)
def test_validate_reports_no_marker(
    inputs: dict[str, Path], source: str, engine: str, fmt: str
) -> None:
    code, out = invoke_command(
        "validate", [str(inputs[source]), "--engine", engine, "--format", fmt]
    )
    assert code == 1, out  # markers broke records: there was something to report
    assert _cores(out) == []


@pytest.mark.parametrize("fmt", ["text", "md", "json", "html"])
def test_exposure_reports_no_marker(inputs: dict[str, Path], tmp_path: Path, fmt: str) -> None:
    per_record = tmp_path / "per_record.jsonl"
    out_file = tmp_path / f"report.{fmt}"
    args = [str(inputs["jsonl"]), "--format", fmt, "--per-record", str(per_record)]
    code, out = invoke_command("exposure", args)
    assert code == 0, out
    assert _cores(out) == []
    assert _cores(per_record.read_text("utf-8")) == []
    code, out = invoke_command("exposure", [*args, "--out", str(out_file)])
    assert code == 0, out
    assert _cores(out_file.read_text("utf-8")) == []


@pytest.mark.parametrize("engine", ["model", "schema"])
def test_show_values_shows_markers(inputs: dict[str, Path], engine: str) -> None:
    """The search finds markers where values are asked for: it is not blind."""
    code, out = invoke_command(
        "validate", [str(inputs["jsonl"]), "--engine", engine, "--show-values", "--format", "json"]
    )
    assert code == 1
    assert len(_cores(out)) > 50
