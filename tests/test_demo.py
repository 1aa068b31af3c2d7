"""`kzcn demo`: the tour writes everything, the same way twice, and never clobbers a folder."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import DEMO_FILES
from kzcn.cli import app
from kzcn.cli._common import UsageError
from kzcn.demo import DEMO_MARKER, DemoError, run_demo

runner = CliRunner()
COUNT = 600


def _digests(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def demo_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo") / "tour"
    run_demo(out, count=COUNT, seed=5)
    return out


def test_the_tour_writes_every_file(demo_folder: Path) -> None:
    assert set(_digests(demo_folder)) == {DEMO_MARKER, *DEMO_FILES}


def test_validation_finds_exactly_the_planted_faults(demo_folder: Path) -> None:
    text = (demo_folder / "labels.jsonl").read_text("utf-8")
    labels = [json.loads(line) for line in text.splitlines()]
    planted = {label["line"] for label in labels if not label["valid"]}
    report = json.loads((demo_folder / "validation.json").read_text("utf-8"))
    found = {p["line"] for p in report["problems"] if p["severity"] == "error"}
    assert planted
    assert found == planted
    assert report["summary"]["records_invalid"] == len(planted)
    assert report["summary"]["records"] == COUNT


def test_reports_name_the_dataset_relative_to_the_folder(demo_folder: Path) -> None:
    for name in ("validation.txt", "exposure.md", "exposure.json"):
        assert str(demo_folder) not in (demo_folder / name).read_text("utf-8"), name


def test_same_seed_same_files(demo_folder: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    run_demo(again, count=COUNT, seed=5)
    assert _digests(again) == _digests(demo_folder)


def test_rerun_into_its_own_folder_is_allowed(tmp_path: Path) -> None:
    out = tmp_path / "tour"
    run_demo(out, count=50, seed=1)
    run_demo(out, count=50, seed=2)
    assert (out / DEMO_MARKER).is_file()


def test_refuses_a_folder_it_did_not_make(tmp_path: Path) -> None:
    (tmp_path / "thesis.tex").write_text("precious", encoding="utf-8")
    with pytest.raises(DemoError, match="not empty"):
        run_demo(tmp_path, count=10)
    run_demo(tmp_path, count=10, force=True)
    assert (tmp_path / "thesis.tex").read_text("utf-8") == "precious"


def test_refuses_a_file_as_folder(tmp_path: Path) -> None:
    target = tmp_path / "file"
    target.write_text("x", encoding="utf-8")
    with pytest.raises(DemoError, match="not a folder"):
        run_demo(target, count=10)


def test_negative_count_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="0 or more"):
        run_demo(tmp_path / "x", count=-1)


def test_cli_prints_the_summary_and_the_page(tmp_path: Path) -> None:
    out = tmp_path / "tour"
    result = runner.invoke(app, ["demo", "--out", str(out), "-n", "200", "--lang", "ru"])
    assert result.exit_code == 0, result.output
    assert "создано 200," in result.output
    assert "Дата рождения, Пол, Место рождения › Населённый пункт" in result.output
    assert str(out / "exposure.html") in result.output
    assert (out / "fields.ru.md").is_file()
    # Everything it wrote is in Russian, the headline included.
    assert '<html lang="ru">' in (out / "exposure.html").read_text("utf-8")
    assert "# Отчёт о раскрытии персональных данных" in (out / "exposure.md").read_text("utf-8")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--lang", "fr"], "unknown language"),
        (["--count", "-5"], "0 or more"),
    ],
)
def test_cli_usage_errors(tmp_path: Path, args: list[str], message: str) -> None:
    result = runner.invoke(app, ["demo", "--out", str(tmp_path / "x"), *args])
    assert isinstance(result.exception, UsageError)
    assert message in str(result.exception)


def test_cli_refuses_a_foreign_folder(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    result = runner.invoke(app, ["demo", "--out", str(tmp_path), "-n", "5"])
    assert isinstance(result.exception, UsageError)
    assert "--force" in str(result.exception)
