"""`kzcn validate --jobs N` gives the bytes of `--jobs 1`: report, summary, split, exit status."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from cli_runner import kzcn_process
from kzcn.synth import write_dataset
from kzcn.validation import TextReporter, _parallel, report, validate_file

#: Enough records for two chunks of `_parallel.CHUNK`, a tenth of them corrupted.
RECORDS = 2500


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("jobs")
    paths = {}
    for fmt in ("jsonl", "csv"):
        paths[fmt] = folder / f"data.{fmt}"
        with paths[fmt].open("wb") as out:
            write_dataset(out, RECORDS, seed=7, fmt=fmt, invalid_rate=0.1, labels=io.BytesIO())
    return paths


Run = tuple[int, bytes, bytes, bytes]


def _run(path: Path, jobs: int, report_format: str, folder: Path) -> Run:
    valid, invalid = folder / f"valid{jobs}{path.suffix}", folder / f"invalid{jobs}{path.suffix}"
    done = kzcn_process(
        "validate", str(path), "--jobs", str(jobs), "--format", report_format,
        "--valid-out", str(valid), "--invalid-out", str(invalid),
    )  # fmt: skip
    assert not done.stderr
    return done.returncode, done.stdout, valid.read_bytes(), invalid.read_bytes()


@pytest.mark.slow  # worker processes
@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
@pytest.mark.parametrize("report_format", ["text", "json"])
def test_two_jobs_give_the_bytes_of_one(
    dataset: dict[str, Path], fmt: str, report_format: str, tmp_path: Path
) -> None:
    one = _run(dataset[fmt], 1, report_format, tmp_path)
    two = _run(dataset[fmt], 2, report_format, tmp_path)
    assert one == two
    code, stdout, valid, invalid = one
    assert code == 1
    assert b"structure" in stdout or b"name." in stdout  # problems were reported
    assert valid.count(b"\n") + invalid.count(b"\n") == dataset[fmt].read_bytes().count(b"\n") + (
        fmt == "csv"  # the header goes to both sides
    )


def _summary(path: Path, jobs: int, max_errors: int | None) -> tuple[str, str]:
    sink = io.StringIO()
    outcome = report(
        [validate_file(path, jobs=jobs)], TextReporter(sink.write), max_errors=max_errors
    )
    return sink.getvalue(), repr(outcome.summary)


@pytest.mark.slow  # worker processes
@pytest.mark.parametrize("max_errors", [None, 5])
def test_many_small_chunks_keep_order_and_counts(
    dataset: dict[str, Path], max_errors: int | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Chunks of 7 units: lines and order survive; stopping early still counts every line."""
    monkeypatch.setattr(_parallel, "CHUNK", 7)
    path = dataset["jsonl"]
    assert _summary(path, 2, max_errors) == _summary(path, 1, max_errors)


def test_jobs_below_one_are_refused(dataset: dict[str, Path]) -> None:
    with pytest.raises(ValueError, match="jobs"):
        validate_file(dataset["jsonl"], jobs=0)
