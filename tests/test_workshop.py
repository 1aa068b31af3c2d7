"""The workshop guide: its commands run as written, and the numbers it quotes are theirs.

The commands run once, in order, in a fresh folder (a module fixture); the
figures are then read back from the files they wrote and formatted as the
English report formats them, and each must appear in the guide. A change to
the generator or to the measures that moves a figure fails here until the
guide says the new number.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest

from conftest import EXAMPLES
from doc_commands import tool_commands
from kzcn.exposure._format import words
from kzcn.synth.outside import DEFAULT_OVERLAP

# Runs the whole guide, command by command, over a generated workshop dataset.
pytestmark = pytest.mark.slow

WORKSHOP = EXAMPLES / "workshop.md"


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    here = tmp_path_factory.mktemp("workshop")
    outputs: dict[str, str] = {}
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "NO_COLOR": "1",
    }
    for command in tool_commands(WORKSHOP):
        done = subprocess.run(  # noqa: S602 - the guide's own shell lines, run as a user would
            command.line, shell=True, cwd=here, env=env, capture_output=True, text=True,
            check=False,
        )  # fmt: skip
        assert done.returncode == command.exit_code, (
            f"{command.line!r} exited {done.returncode}, expected {command.exit_code}\n"
            f"{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
        )
        outputs[command.line] = done.stdout
    (here / "outputs.json").write_bytes(orjson.dumps(outputs))
    return here


def _json(path: Path) -> Any:
    return orjson.loads(path.read_bytes())


def _figures(folder: Path) -> dict[str, str]:
    """Every number the guide quotes, from the runs, as the English report writes it."""
    w = words("en")
    truth = (folder / "kzcn-demo/labels.jsonl").read_bytes().splitlines()
    labels = [orjson.loads(line) for line in truth]
    report = _json(folder / "kzcn-demo/exposure.json")
    ladder = {(r["date_level"], r["place_level"]): r for r in report["ladder"]}
    linkage = _json(folder / "linkage.json")["linkage"]
    return {
        "messages": w.count(len(labels)),
        "corrupted": w.count(sum(not label["valid"] for label in labels)),
        "people": w.count(report["input"]["persons"]),
        "unique": w.percent(report["risk"]["sample_uniqueness"]),
        "homogeneous": w.count(report["diversity"]["records_homogeneous"]),
        "two fields": w.percent(_json(folder / "two-fields.json")["risk"]["sample_uniqueness"]),
        "month": w.percent(ladder["month", "locality"]["sample_uniqueness"]),
        "year, region": w.percent(ladder["year", "region"]["sample_uniqueness"]),
        "band, country": w.percent(ladder["5-year band", "country"]["sample_uniqueness"]),
        "overlap": f"{DEFAULT_OVERLAP:.0%}",
        "profiles": w.count(linkage["profiles"]),
        "named": f"{w.count(linkage['reidentified'])} ({w.percent(linkage['reidentified_share'])})",
    }


def test_the_guide_quotes_the_numbers_its_commands_give(folder: Path) -> None:
    guide = " ".join(WORKSHOP.read_text(encoding="utf-8").split())
    missing = {name: value for name, value in _figures(folder).items() if value not in guide}
    assert missing == {}


def test_the_pairs_exercise_finds_the_label_by_message_id(folder: Path) -> None:
    """The guide's grep prints the label of the first faulty line: invalid, with its fault."""
    outputs = _json(folder / "outputs.json")
    printed = next(out for line, out in outputs.items() if line.startswith("grep -F"))
    label = orjson.loads(printed)
    first = orjson.loads((folder / "faulty.jsonl").read_bytes().splitlines()[0])
    assert label["message_id"] == first["message_id"]
    assert label["valid"] is False
    assert label["fault"]
    assert label["codes"]


def test_the_pages_are_in_the_chosen_languages(folder: Path) -> None:
    assert '<html lang="ru">' in (folder / "kzcn-demo/exposure.html").read_text("utf-8")
    assert '<html lang="kk">' in (folder / "exposure.kk.html").read_text("utf-8")
    linkage = (folder / "linkage.html").read_text("utf-8")
    assert 'id="linkage-headline"' in linkage
