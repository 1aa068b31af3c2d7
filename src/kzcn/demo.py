"""The one-command tour: generate, validate, measure exposure, document, in one folder.

`run_demo` composes the library's pieces (it adds no logic of its own beyond
the order of the steps) and returns what it wrote; the CLI prints it. Every
step is seeded, so two runs with the same seed write identical files.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from kzcn.authorities import Language
from kzcn.dictionary import render_dictionary_markdown
from kzcn.exposure import compute_exposure, render_html, render_json, render_markdown
from kzcn.exposure.explorer import explorer_for
from kzcn.schema import write_schema_files
from kzcn.synth import write_dataset
from kzcn.validation import JsonReporter, TextReporter, report, validate_stream
from kzcn.validation.problems import Problem
from kzcn.validation.results import Summary

__all__ = ["DEMO_MARKER", "DemoError", "DemoResult", "run_demo"]

#: Written into every folder the demo creates: its presence allows overwriting.
DEMO_MARKER = ".kzcn-demo"
DEFAULT_COUNT = 20_000
DEFAULT_SEED = 2023
#: A small labelled share of corrupted records, for the validation step to find.
DEFAULT_INVALID_RATE = 0.02

Progress = Callable[[str], None]


class DemoError(Exception):
    """The demo cannot run as asked (for example, the folder is not its own)."""


@dataclass(frozen=True, slots=True)
class DemoResult:
    """What the demo wrote and the figures it ends with."""

    out: Path
    files: dict[str, Path]
    messages: int
    corrupted: int
    validation: Summary
    people: int
    unique_share: float
    qi: tuple[str, ...]
    lang: Language = "en"

    @property
    def html_report(self) -> Path:
        """The page to open first."""
        return self.files["exposure report (HTML)"]


class _Both:
    """A reporter that renders to two reporters at once, so the data is validated once."""

    def __init__(self, first: TextReporter, second: JsonReporter) -> None:
        self._pair = (first, second)

    def problem(self, item: Problem) -> None:
        for reporter in self._pair:
            reporter.problem(item)

    def finish(self, summary: Summary, *, stopped_after: int | None = None) -> None:
        for reporter in self._pair:
            reporter.finish(summary, stopped_after=stopped_after)


def _prepare(out: Path, *, force: bool) -> None:
    if out.exists() and not out.is_dir():
        raise DemoError(f"{out} exists and is not a folder")
    if out.is_dir() and any(out.iterdir()) and not (out / DEMO_MARKER).exists() and not force:
        raise DemoError(
            f"{out} is not empty and was not made by `kzcn demo`; "
            "choose another --out or pass --force"
        )
    out.mkdir(parents=True, exist_ok=True)
    (out / DEMO_MARKER).write_text(
        "Made by `kzcn demo`; everything here is synthetic.\n", encoding="utf-8"
    )


def _generate(out: Path, count: int, seed: int, files: dict[str, Path]) -> int:
    dataset, labels, table = out / "messages.jsonl", out / "labels.jsonl", out / "messages.csv"
    with dataset.open("wb") as data, labels.open("wb") as truth:
        written = write_dataset(
            data, count, seed=seed, invalid_rate=DEFAULT_INVALID_RATE, labels=truth
        )
    with table.open("wb") as data:
        write_dataset(data, count, seed=seed, fmt="csv", invalid_rate=DEFAULT_INVALID_RATE)
    files["dataset (JSONL)"] = dataset
    files["dataset (CSV)"] = table
    files["labels of the corrupted records"] = labels
    return written.invalid


def _validate(out: Path, dataset: Path, files: dict[str, Path]) -> Summary:
    text_path, json_path = out / "validation.txt", out / "validation.json"
    with (
        text_path.open("w", encoding="utf-8") as text,
        json_path.open("w", encoding="utf-8") as document,
        dataset.open("rb") as source,
    ):
        reporter = _Both(TextReporter(text.write), JsonReporter(document.write))
        # Named relative to the folder, so the reports are the same wherever it is.
        validation = validate_stream(source, name=dataset.name, input_format="jsonl")
        outcome = report([validation], reporter)
    files["validation report (text)"] = text_path
    files["validation report (JSON)"] = json_path
    return outcome.summary


def _expose(
    out: Path, dataset: Path, lang: Language, files: dict[str, Path]
) -> tuple[int, float, tuple[str, ...]]:
    measured = compute_exposure(dataset, keep_persons=True)
    # Named relative to the folder, so the reports are the same wherever it is.
    result = replace(measured, input=replace(measured.input, source=dataset.name))
    for name, suffix, text in (
        ("exposure report (HTML)", "html", render_html(result, lang, explorer_for(result))),
        ("exposure report (Markdown)", "md", render_markdown(result, lang)),
        ("exposure report (JSON)", "json", render_json(result)),
    ):
        path = out / f"exposure.{suffix}"
        path.write_text(text, encoding="utf-8")
        files[name] = path
    return result.risk.records, result.risk.sample_uniqueness, result.settings.qi


def run_demo(  # noqa: PLR0913 - the command's options, passed through
    out: Path,
    *,
    count: int = DEFAULT_COUNT,
    seed: int = DEFAULT_SEED,
    lang: Language = "en",
    force: bool = False,
    progress: Progress | None = None,
) -> DemoResult:
    """Run the tour into `out` and return what was written.

    Raises:
        DemoError: `out` is a non-empty folder the demo did not make (and no
            `force`), or not a folder.
        ValueError: `count` is negative.
    """
    if count < 0:
        raise ValueError("count must be 0 or more")
    say = progress or (lambda _step: None)
    _prepare(out, force=force)
    files: dict[str, Path] = {}
    say(f"generating {count} synthetic messages (seed {seed})")
    corrupted = _generate(out, count, seed, files)
    say("validating them")
    summary = _validate(out, files["dataset (JSONL)"], files)
    say("measuring exposure")
    people, unique, qi = _expose(out, files["dataset (JSONL)"], lang, files)
    say("writing the data dictionary and the JSON Schema")
    dictionary = out / f"fields.{lang}.md"
    dictionary.write_text(render_dictionary_markdown(lang), encoding="utf-8")
    files[f"data dictionary ({lang})"] = dictionary
    for path in write_schema_files(out / "schema"):
        files[f"JSON Schema ({path.name})"] = path
    return DemoResult(out, files, count, corrupted, summary, people, unique, qi, lang)
