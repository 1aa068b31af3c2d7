"""`kzcn demo`: the one-command tour."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kzcn.cli._common import err_console, fail, require_choice
from kzcn.demo import DEFAULT_COUNT, DEFAULT_SEED, DemoError, DemoResult, run_demo
from kzcn.dictionary import LANGUAGES
from kzcn.exposure._format import words


def register(app: typer.Typer) -> None:
    """Add the command to the app."""
    app.command(
        "demo",
        help="The tour: generate a seeded synthetic dataset, validate it, and write the "
        "exposure report, data dictionary and JSON Schema into one folder.",
    )(demo)


def _summary(result: DemoResult) -> str:
    w = words(result.lang)
    validation = result.validation
    lines = [
        w.t("demo.wrote", files=w.count(len(result.files)), out=result.out),
        "  "
        + w.t("demo.messages", count=w.count(result.messages), corrupted=w.count(result.corrupted)),
        "  "
        + w.t(
            "demo.validation",
            valid=w.count(validation.valid),
            invalid=w.count(validation.invalid),
            warnings=w.count(validation.with_warnings),
        ),
        "  "
        + w.t(
            "demo.exposure",
            share=w.percent(result.unique_share),
            people=w.count(result.people),
            fields=w.fields(result.qi),
        ),
        "  " + w.t("demo.open", path=result.html_report),
    ]
    return "\n".join(lines) + "\n"


def demo(
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder to write into.")] = Path(
        "kzcn-demo"
    ),
    count: Annotated[int, typer.Option("--count", "-n", help="Messages to generate.")] = (
        DEFAULT_COUNT
    ),
    seed: Annotated[int, typer.Option("--seed", help="Seed: same seed, same files.")] = (
        DEFAULT_SEED
    ),
    lang: Annotated[
        str,
        typer.Option(
            "--lang",
            help="Language of the reports, the data dictionary and this summary: en, ru, kk, zh.",
        ),
    ] = "en",
    force: Annotated[
        bool, typer.Option("--force", help="Write into a non-empty folder not made by the demo.")
    ] = False,
) -> None:
    """Run the tour and print where everything is."""
    language = require_choice(lang, LANGUAGES, "language")
    if count < 0:
        fail(f"--count must be 0 or more, not {count}")
    console = err_console()
    try:
        with console.status("kzcn demo") as status:
            result = run_demo(
                out,
                count=count,
                seed=seed,
                lang=language,
                force=force,
                progress=lambda step: status.update(f"kzcn demo: {step}"),
            )
    except DemoError as error:
        fail(str(error))
    typer.echo(_summary(result), nl=False)
