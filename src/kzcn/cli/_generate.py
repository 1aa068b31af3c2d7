"""`kzcn generate`: reproducible synthetic messages, optionally with labelled corruption."""

from __future__ import annotations

import math
import sys
from contextlib import ExitStack
from pathlib import Path
from typing import IO, Annotated

import orjson
import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

from kzcn._workers import usable_cpus
from kzcn.cli._common import err_console, fail, require_choice
from kzcn.cli._outputs import Outputs, refuse_clashes
from kzcn.synth import DEFAULT_MIX, FORMATS, Mix, MixError, write_dataset
from kzcn.synth.outside import DEFAULT_OVERLAP, write_outside_list

#: Runs at least this large show a progress bar (on an interactive stderr).
PROGRESS_THRESHOLD = 20_000
#: Without --jobs, runs at least this large use every CPU; smaller ones stay in
#: this process, where starting workers (about half a second) would not pay.
PARALLEL_THRESHOLD = 100_000


def register(app: typer.Typer) -> None:
    """Add the command to the app."""
    app.command(
        "generate",
        help="Write reproducible synthetic messages (every one marked synthetic: true).",
    )(generate)


def generate(  # noqa: C901, PLR0913, PLR0917 - typer: one parameter (and check) per option
    count: Annotated[int, typer.Option("--count", "-n", help="Number of messages.")] = 100,
    seed: Annotated[int, typer.Option("--seed", help="Seed: same seed, same bytes.")] = 0,
    kind: Annotated[
        list[str] | None,
        typer.Option("--kind", help="Only this kind (repeatable).", show_default=False),
    ] = None,
    mix: Annotated[
        list[str] | None,
        typer.Option(
            "--mix",
            help="Weights as KIND[:SENDER]=WEIGHT, comma-separated or repeated, e.g. "
            "citizenship_acquisition:KAZ=80,entry_stay_exit_violation=20.",
            show_default=False,
        ),
    ] = None,
    fmt: Annotated[
        str, typer.Option("--format", help=f"Output format: {', '.join(FORMATS)}.")
    ] = "jsonl",
    out: Annotated[
        str,
        typer.Option(
            "--out", "-o", help="Output file (gzip-compressed if it ends in .gz), or - for stdout."
        ),
    ] = "-",
    invalid_rate: Annotated[
        float | None,
        typer.Option(
            "--invalid-rate",
            help="Share of records to corrupt (0-1); needs --labels.",
            show_default=False,
        ),
    ] = None,
    labels: Annotated[
        Path | None,
        typer.Option(
            "--labels",
            help="Write one JSON line per record: valid, fault, codes.",
            show_default=False,
        ),
    ] = None,
    jobs: Annotated[
        int | None,
        typer.Option(
            "--jobs",
            "-j",
            help="Worker processes; the output is the same for any number. "
            f"Default: 1 below {PARALLEL_THRESHOLD:,} messages, else one per CPU.",
            show_default=False,
        ),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
    outside_list: Annotated[
        Path | None,
        typer.Option(
            "--outside-list",
            help="Also write a synthetic public list (CSV: name, birth date, sex, home "
            "town) holding a share of these people and as many strangers, for "
            "kzcn exposure --linkage.",
            show_default=False,
        ),
    ] = None,
    outside_share: Annotated[
        float,
        typer.Option(
            "--outside-share", help="Share of the people who have a profile in the public list."
        ),
    ] = DEFAULT_OVERLAP,
) -> None:
    """Generate messages; see `kzcn generate --help`."""
    if count < 0:
        fail(f"--count must be 0 or more, not {count}")
    output_format = require_choice(fmt, FORMATS, "format")
    if invalid_rate is not None and not 0.0 <= invalid_rate <= 1.0:
        fail(f"--invalid-rate must be between 0 and 1, not {invalid_rate}")
    if output_format == "parquet" and invalid_rate:
        fail("--format parquet writes typed columns: corrupted records (--invalid-rate) do not fit")
    compress = out != "-" and Path(out).suffix == ".gz"
    if output_format == "parquet" and compress:
        fail("--format parquet is compressed inside (zstd): name the file .parquet, not .gz")
    if (invalid_rate is None) != (labels is None):
        fail("--invalid-rate and --labels go together: give both or neither")
    if jobs is not None and jobs < 1:
        fail(f"--jobs must be 1 or more, not {jobs}")
    if not 0.0 <= outside_share <= 1.0:
        fail(f"--outside-share must be between 0 and 1, not {outside_share}")
    chosen = _mix(kind or [], mix or [])
    targets = [("--out", Path(out))] if out != "-" else []
    if labels is not None:
        targets.append(("--labels", labels))
    if outside_list is not None:
        targets.append(("--outside-list", outside_list))
    refuse_clashes([], targets, stdout=out == "-")
    with ExitStack() as stack:
        outputs = stack.enter_context(Outputs())
        stream = _open(outputs, out)
        label_stream = outputs.open(labels, compress=False) if labels is not None else None
        if outside_list is not None:
            public = outputs.open(outside_list, compress=False)
            write_outside_list(public, count, seed=seed, mix=chosen, overlap=outside_share)
        show = not quiet and count >= PROGRESS_THRESHOLD and sys.stderr.isatty()
        progress = stack.enter_context(_progress()) if show else None
        task = progress.add_task("generating", total=count) if progress else None

        def advance(done: int) -> None:
            if progress is not None and task is not None:
                progress.update(task, completed=done)

        write_dataset(
            stream,
            count,
            seed=seed,
            mix=chosen,
            fmt=output_format,
            invalid_rate=invalid_rate or 0.0,
            labels=label_stream,
            progress=advance if show else None,
            jobs=jobs if jobs is not None else _default_jobs(count),
            compress=compress,
        )
        if out != "-" and output_format in {"csv", "parquet"}:
            _describe(outputs, Path(out), output_format)


def _describe(outputs: Outputs, dataset: Path, fmt: str) -> None:
    """`<name>.datapackage.json` next to the dataset: its columns typed, for other tools."""
    from kzcn.tableschema import data_package, descriptor_path  # noqa: PLC0415

    descriptor = data_package(dataset.name, fmt)
    text = orjson.dumps(descriptor, option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE)
    outputs.path(descriptor_path(dataset)).write_bytes(text)


def _default_jobs(count: int) -> int:
    if count < PARALLEL_THRESHOLD:
        return 1
    return usable_cpus()


def _mix(kinds: list[str], specs: list[str]) -> Mix:
    try:
        chosen = Mix.parse(specs) if specs else DEFAULT_MIX
        chosen = chosen.only(kinds) if kinds else chosen
    except MixError as error:
        fail(str(error))
    # Shares are weight / total: an infinite weight, or a total that overflows, has none.
    if not math.isfinite(sum(weight for *_, weight in chosen.entries)):
        fail("--mix weights must be finite numbers with a finite total")
    return chosen


def _open(outputs: Outputs, out: str) -> IO[bytes]:
    if out == "-":
        return typer.get_binary_stream("stdout")
    # Not gzip here even for `.gz`: `write_dataset` compresses each chunk where it is made.
    return outputs.open(Path(out), compress=False)


def _progress() -> Progress:
    return Progress(
        *Progress.get_default_columns()[:1],
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err_console(),
        transient=True,
    )
