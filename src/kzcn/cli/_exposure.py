"""`kzcn exposure` and `kzcn fields`: the privacy-exposure report and the data dictionary.

The terminal tables (rich) live here and only here; Markdown, JSON and HTML
come from the library's pure reporters.
"""

from __future__ import annotations

import os
import stat
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import IO, Annotated

import orjson
import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from kzcn._pipes import widen_pipe
from kzcn.authorities import Language
from kzcn.cli._common import DelimiterOption, SheetOption, delimiter_option, fail, require_choice
from kzcn.cli._outputs import Outputs, refuse_clashes, written
from kzcn.dictionary import LANGUAGES, dictionary_data, labels, render_dictionary_markdown
from kzcn.exposure import (
    DEFAULT_MAX_SUBSET,
    DEFAULT_QI,
    DEFAULT_THRESHOLD,
    ExposureResult,
    QuasiIdentifierError,
    compute_exposure,
    render_html,
    render_json,
    render_markdown,
    write_per_record,
)
from kzcn.exposure._analyse import DEFAULT_MEMORY_LIMIT, PHASES
from kzcn.exposure._estimate import default_limit, estimate_peak, size_in_bytes
from kzcn.exposure._format import Cell, headline, sections, words
from kzcn.exposure._read import spool as spool_pipe
from kzcn.exposure._screen import SCREENED
from kzcn.exposure.explorer import explorer_for
from kzcn.exposure.linkage import LinkageResult, compute_linkage
from kzcn.exposure.sql import exposure_sql

EXPOSURE_FORMATS = ("text", "md", "json", "html")
FIELDS_FORMATS = ("text", "md", "json")


def register(app: typer.Typer) -> None:
    """Add `exposure` and `fields` to the app."""
    app.command(
        "exposure",
        help="Measure what a dataset of messages reveals about the people in it "
        "(k-anonymity, ARX risks, l-diversity, which fields identify, coarsening).",
    )(exposure)
    app.command(
        "fields",
        help="Print the data dictionary: every field, its meaning, privacy role, legal "
        "categories and the kinds that carry it.",
    )(fields)


def _console(handle: IO[str]) -> Console:
    if handle is sys.stdout:
        return Console(no_color=bool(os.environ.get("NO_COLOR")), highlight=False)
    return Console(file=handle, no_color=True, highlight=False, width=140)


def _write(text: str, out: Path | None) -> None:
    with written(out) as handle:
        handle.write(text)


# --- exposure -------------------------------------------------------------------


def _tables(
    result: ExposureResult, lang: Language, linkage: LinkageResult | None
) -> list[Table | Text]:
    """The report's sections as terminal tables (cells as plain text: no rich markup)."""
    w = words(lang)
    items: list[Table | Text] = [Text(w.t("title"), style="bold"), Text(headline(result, w))]
    for section in sections(result, w, linkage):
        if not section.rows and not section.notes:
            items.append(Text(section.title, style="bold"))
            continue
        table = Table(*section.head, title=section.title, show_header=bool(section.head))
        for _ in range(0 if section.head else len(section.rows[0]) if section.rows else 1):
            table.add_column()
        for row in section.rows:
            table.add_row(*(_text(cell) for cell in row))
        for note in section.notes:
            table.add_row(Text(note, overflow="fold"))
        items.append(table)
    return items


def _text(cell: Cell) -> Text:
    # `fold`: Chinese has no spaces to wrap at, and a cell must not be cut short.
    text = Text(cell.text, justify="right" if cell.numeric else "left", overflow="fold")
    if cell.code is not None:
        text.append(("\n" if cell.text else "") + cell.code, style="dim")
    return text


def _render(
    result: ExposureResult, fmt: str, handle: IO[str], lang: Language,
    linkage: LinkageResult | None,
) -> None:  # fmt: skip
    if fmt == "text":
        console = _console(handle)
        for item in _tables(result, lang, linkage):
            console.print(item)
        return
    if fmt == "json":
        handle.write(render_json(result, linkage))
    elif fmt == "md":
        handle.write(render_markdown(result, lang, linkage))
    else:
        handle.write(render_html(result, lang, explorer_for(result), linkage))


@contextmanager
def _readable(file: str) -> Iterator[str | Path]:
    """What `compute_exposure` reads for FILE: a pipe (`<(...)`, a FIFO) copied to a file first.

    A pipe can be read only once and has no size, where the reader wants a
    file it can measure, sniff and hand to DuckDB or to workers.
    """
    if file == "-" or not _is_stream(Path(file)):
        yield file
        return
    with tempfile.TemporaryDirectory(prefix="kzcn-") as folder:
        spool = Path(folder) / Path(file).name
        with Path(file).open("rb") as source, spool.open("wb") as copy:
            widen_pipe(source)
            spool_pipe(source, copy)
        yield spool


def _is_stream(path: Path) -> bool:
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISCHR(mode) or stat.S_ISSOCK(mode)


def exposure(  # noqa: PLR0913, PLR0917 - one parameter per documented option
    file: Annotated[
        str,
        typer.Argument(
            help="Messages: JSONL, JSON, CSV, TSV, .xlsx or Parquet (each maybe .gz), "
            "or - for stdin."
        ),
    ],
    qi: Annotated[
        str,
        typer.Option("--qi", help="Quasi-identifiers: comma-separated paths into the person."),
    ] = ",".join(DEFAULT_QI),
    sensitive: Annotated[
        str | None,
        typer.Option(
            "--sensitive",
            help="Sensitive attribute (default ethnic_nationality, or citizenship when "
            "ethnic_nationality is a QI).",
            show_default=False,
        ),
    ] = None,
    threshold: Annotated[
        float, typer.Option("--threshold", help="Risk threshold τ for 'records at risk'.")
    ] = DEFAULT_THRESHOLD,
    candidates: Annotated[
        str | None,
        typer.Option(
            "--candidates",
            help="Fields whose subsets are checked (default: the QIs, citizenship, "
            "ethnic_nationality).",
            show_default=False,
        ),
    ] = None,
    max_subset: Annotated[int, typer.Option("--max-subset", help="Largest subset size.")] = (
        DEFAULT_MAX_SUBSET
    ),
    fmt: Annotated[
        str, typer.Option("--format", help=f"Report format: {', '.join(EXPOSURE_FORMATS)}.")
    ] = "text",
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write the report here.", show_default=False)
    ] = None,
    per_record: Annotated[
        Path | None,
        typer.Option(
            "--per-record",
            help="Write one JSON line per input line: class size, risk and the minimal "
            "field subsets that single it out (never the values).",
            show_default=False,
        ),
    ] = None,
    validate: Annotated[
        bool, typer.Option("--validate", help="Skip messages the models reject (slower).")
    ] = False,
    include_invalid: Annotated[
        bool,
        typer.Option(
            "--include-invalid",
            help=f"Keep invalid records in the figures. By default {SCREENED} are checked, "
            "and a record that fails is counted and left out.",
        ),
    ] = False,
    delimiter: DelimiterOption = None,
    sheet: SheetOption = None,
    lang: Annotated[
        str, typer.Option("--lang", help=f"Report language: {', '.join(LANGUAGES)}.")
    ] = "en",
    linkage: Annotated[
        Path | None,
        typer.Option(
            "--linkage",
            help="A public list (CSV: date_of_birth, sex, home_town) to link the people to, "
            "as from kzcn generate --outside-list.",
            show_default=False,
        ),
    ] = None,
    memory_limit: Annotated[
        str | None,
        typer.Option(
            "--memory-limit",
            help="Memory DuckDB may use for the report's rows (e.g. 2GB, 512MiB); past "
            "it, it spills to a temporary directory. Default: 320MB, less the memory a "
            "Parquet file's footer takes (266MB at 20M messages); 80% of the machine's "
            "memory with --per-record or an HTML page.",
            show_default=False,
        ),
    ] = None,
    emit_sql: Annotated[
        bool,
        typer.Option(
            "--emit-sql",
            help="Print the report's class-size, subset and ladder queries as SQL over FILE "
            "(DuckDB; it runs in other engines with recursive queries) instead of the report.",
        ),
    ] = False,
) -> None:
    """Write the privacy-exposure report of FILE."""
    require_choice(fmt, EXPOSURE_FORMATS, "format")
    language = require_choice(lang, LANGUAGES, "language")
    separator = delimiter_option(delimiter)
    if emit_sql:
        _emit_sql(file, qi, candidates, max_subset, out)
        return
    refuse_clashes(
        [file, *([str(linkage)] if linkage is not None else [])],
        [(option, path) for option, path in (("--out", out), ("--per-record", per_record))
         if path is not None],
        stdout=out is None,
    )  # fmt: skip
    in_memory = per_record is not None or fmt == "html" or linkage is not None
    _tell_peak(file, memory_limit, in_engine=not in_memory)
    try:
        with _readable(file) as source, _phases() as on_phase:
            result = compute_exposure(
                source,
                qi=qi,
                sensitive=sensitive,
                threshold=threshold,
                candidates=candidates,
                max_subset=max_subset,
                per_record=per_record is not None,
                validate=validate,
                keep_persons=fmt == "html" or linkage is not None,
                include_invalid=include_invalid,
                delimiter=separator,
                sheet=sheet,
                memory_limit=memory_limit,
                on_phase=on_phase,
            )
        linked = (
            compute_linkage(result.persons, linkage, threshold)
            if linkage is not None and result.persons is not None
            else None
        )
    except (QuasiIdentifierError, FileNotFoundError, ValueError, MemoryError) as error:
        fail(str(error))
    except OSError as error:  # unreadable, or no room to copy a pipe
        fail(f"{file}: {error.strerror or 'cannot be read'}")
    if source != file:
        result = replace(result, input=replace(result.input, source=file))
    with Outputs() as outputs:
        if per_record is not None:
            write_per_record(result, outputs.path(per_record))
        if out is None:
            _render(result, fmt, sys.stdout, language, linked)
            sys.stdout.flush()
        else:
            with outputs.path(out).open("w", encoding="utf-8") as handle:
                _render(result, fmt, handle, language, linked)


def _tell_peak(file: str, memory_limit: str | None, *, in_engine: bool) -> None:
    """Before reading a file larger than the memory limit, say what to expect.

    One line on stderr: about how many messages it holds and the peak memory
    (`kzcn.exposure._estimate`, from the measured figures).
    """
    named = memory_limit or default_limit(file, DEFAULT_MEMORY_LIMIT)  # as the report's
    try:
        info = Path(file).stat()
        limit = size_in_bytes(named)
    except (OSError, ValueError):  # standard input, no such file, a bad limit: said later
        return
    if not stat.S_ISREG(info.st_mode) or info.st_size <= limit:
        return
    estimate = estimate_peak(info.st_size, Path(file).suffixes, in_engine=in_engine)
    sys.stderr.write(
        f"kzcn: {file} is larger than the memory limit ({named}):"
        f" about {estimate.messages:,} messages, expected peak memory about"
        f" {estimate.peak_bytes / 1024**3:.1f} GiB (DuckDB spills past its limit to a"
        " temporary directory)\n"
    )


@contextmanager
def _phases() -> Iterator[Callable[[str], None] | None]:
    """A progress bar of the report's phases on stderr, when stderr is a terminal."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn  # noqa: PLC0415

    columns = (TextColumn("{task.description:<15}"), BarColumn(), TimeElapsedColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task(PHASES[0], total=len(PHASES))

        def on_phase(name: str) -> None:
            progress.update(task, description=name, completed=PHASES.index(name))

        yield on_phase


def _emit_sql(
    file: str, qi: str, candidates: str | None, max_subset: int, out: Path | None
) -> None:
    try:
        text = exposure_sql(file, qi, candidates, max_subset)
    except ValueError as error:  # QuasiIdentifierError is one
        fail(str(error))
    _write(text, out)


# --- fields ---------------------------------------------------------------------


def _fields_table(language: Language) -> Table:
    data = dictionary_data(language)
    text = labels(language)
    table = Table(title=str(data["title"]))
    table.add_column(text.text("field"), no_wrap=True)
    for name in ("label", "role", "categories", "kinds", "basis"):
        table.add_column(text.text(name))
    for entry in data["fields"]:
        table.add_row(
            entry["path"],
            entry["label"],
            entry["role_label"],
            ", ".join(c["code"] for c in entry["categories"]),
            ", ".join(k["kind"] for k in entry["kinds"]),
            entry["basis_label"],
        )
    return table


def fields(
    lang: Annotated[str, typer.Option("--lang", help=f"Language: {', '.join(LANGUAGES)}.")] = "en",
    fmt: Annotated[
        str, typer.Option("--format", help=f"Format: {', '.join(FIELDS_FORMATS)}.")
    ] = "text",
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write it here.", show_default=False)
    ] = None,
) -> None:
    """Print the data dictionary."""
    language = require_choice(lang, LANGUAGES, "language")
    require_choice(fmt, FIELDS_FORMATS, "format")
    if fmt == "json":
        data = dictionary_data(language)
        _write(orjson.dumps(data, option=orjson.OPT_INDENT_2).decode() + "\n", out)
    elif fmt == "md":
        _write(render_dictionary_markdown(language), out)
    else:
        with written(out) as handle:
            _console(handle).print(_fields_table(language))
