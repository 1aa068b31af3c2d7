"""`kzcn generate` through the CLI."""

from __future__ import annotations

import gzip
from pathlib import Path

import orjson
import pytest
from typer.testing import CliRunner

from kzcn.cli import app
from kzcn.cli._generate import PARALLEL_THRESHOLD, _default_jobs
from kzcn.validation import validate_message

runner = CliRunner()


def test_default_writes_valid_jsonl_to_stdout() -> None:
    result = runner.invoke(app, ["generate", "-n", "20", "--seed", "3"])
    assert result.exit_code == 0, result.output
    lines = result.stdout_bytes.splitlines()
    assert len(lines) == 20
    assert all(validate_message(line).valid for line in lines)


def test_same_seed_same_bytes_different_seed_different_bytes() -> None:
    def run(seed: str) -> bytes:
        return runner.invoke(app, ["generate", "-n", "30", "--seed", seed]).stdout_bytes

    assert run("1") == run("1")
    assert run("1") != run("2")


@pytest.mark.parametrize("fmt", ["jsonl", "json", "csv"])
def test_formats_to_a_file(tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"out.{fmt}"
    result = runner.invoke(app, ["generate", "-n", "5", "--format", fmt, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.stat().st_size > 0
    if fmt == "json":
        assert len(orjson.loads(out.read_bytes())) == 5


def test_kind_restricts_the_kinds() -> None:
    result = runner.invoke(
        app,
        ["generate", "-n", "40", "--kind", "suspension_notice", "--kind", "visa_free_statistics"],
    )
    kinds = {orjson.loads(line)["kind"] for line in result.stdout_bytes.splitlines()}
    assert kinds == {"suspension_notice", "visa_free_statistics"}


def test_mix_sets_kinds_and_directions() -> None:
    result = runner.invoke(
        app, ["generate", "-n", "40", "--mix", "entry_stay_exit_violation:CHN=1"]
    )
    messages = [orjson.loads(line) for line in result.stdout_bytes.splitlines()]
    assert {(m["kind"], m["sender"]["state"]) for m in messages} == {
        ("entry_stay_exit_violation", "CHN")
    }


def test_invalid_rate_with_labels(tmp_path: Path) -> None:
    out, labels = tmp_path / "o.jsonl", tmp_path / "l.jsonl"
    result = runner.invoke(
        app,
        [
            "generate",
            "-n",
            "300",
            "--invalid-rate",
            "0.4",
            "--labels",
            str(labels),
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    truth = [orjson.loads(x) for x in labels.read_bytes().splitlines()]
    lines = out.read_bytes().splitlines()
    assert len(truth) == len(lines) == 300
    for line, label in zip(lines, truth, strict=True):
        codes = sorted(p.code for p in validate_message(line).problems if p.severity == "error")
        assert codes == label["codes"]
    assert 80 < sum(not label["valid"] for label in truth) < 160


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-n", "-5"], "--count must be 0 or more"),
        (["--kind", "nope"], "unknown kind"),
        (["--mix", "citizenship_acquisition=x"], "not a number"),
        (["--invalid-rate", "1.5", "--labels", "l.jsonl"], "between 0 and 1"),
        (["--invalid-rate", "0.1"], "go together"),
        (["--labels", "l.jsonl"], "go together"),
        (["--format", "xml"], "unknown format 'xml'; choose from jsonl, json, csv"),
        (["--jobs", "0"], "--jobs must be 1 or more"),
        (["--out", "/nonexistent-dir/x.jsonl"], "cannot write"),
        (["--format", "parquet", "--out", "x.parquet.gz"], "compressed inside (zstd)"),
    ],
)
def test_bad_arguments_fail_with_one_clear_line(args: list[str], message: str) -> None:
    result = runner.invoke(app, ["generate", *args])
    assert result.exit_code != 0
    assert message in str(result.exception)


@pytest.mark.parametrize("quiet", [[], ["--quiet"]])
def test_no_progress_bar_when_not_a_terminal(
    monkeypatch: pytest.MonkeyPatch, quiet: list[str]
) -> None:
    monkeypatch.setattr("kzcn.cli._generate.PROGRESS_THRESHOLD", 10)
    result = runner.invoke(app, ["generate", "-n", "50", "--out", "/dev/null", *quiet])
    assert result.exit_code == 0
    assert result.stderr == ""


@pytest.mark.slow  # one process per usage error
def test_usage_errors_exit_2_with_one_line_on_stderr() -> None:
    import subprocess  # noqa: PLC0415 - only this test runs the console script
    import sys  # noqa: PLC0415

    done = subprocess.run(
        [sys.executable, "-m", "kzcn", "generate", "--count", "-1"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.strip() == "kzcn: error: --count must be 0 or more, not -1"
    assert done.stdout == ""


@pytest.mark.slow  # worker processes
@pytest.mark.parametrize("labelled", [False, True])
@pytest.mark.parametrize("fmt", ["jsonl", "json", "csv"])
def test_jobs_do_not_change_the_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str, labelled: bool
) -> None:
    # Small chunks, so that 45 messages make five of them for two workers.
    monkeypatch.setattr("kzcn.synth.generator.CHUNK", 10)
    monkeypatch.setattr("kzcn.synth.writers.CHUNK", 10)

    def run(jobs: str) -> tuple[bytes, bytes]:
        out, labels = tmp_path / f"{jobs}.{fmt}", tmp_path / f"{jobs}.labels"
        extra = ["--invalid-rate", "0.3", "--labels", str(labels)] if labelled else []
        result = runner.invoke(
            app,
            [
                "generate",
                "-n",
                "45",
                "--seed",
                "5",
                "--format",
                fmt,
                "--out",
                str(out),
                "--jobs",
                jobs,
                *extra,
            ],
        )
        assert result.exit_code == 0, result.output
        return out.read_bytes(), labels.read_bytes() if labelled else b""

    assert run("1") == run("2")


def test_jobs_default_to_every_cpu_only_for_large_runs() -> None:
    assert _default_jobs(PARALLEL_THRESHOLD - 1) == 1
    assert _default_jobs(PARALLEL_THRESHOLD) >= 1


@pytest.mark.slow  # worker processes
@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_a_gz_name_writes_gzip_of_the_same_text_for_any_jobs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    monkeypatch.setattr("kzcn.synth.generator.CHUNK", 10)
    monkeypatch.setattr("kzcn.synth.writers.CHUNK", 10)

    def run(name: str, jobs: str) -> bytes:
        out = tmp_path / name
        args = ["generate", "-n", "35", "--seed", "2", "--format", fmt, "-o", str(out), "-j", jobs]
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
        return out.read_bytes()

    packed = run(f"one.{fmt}.gz", "1")
    assert packed[:2] == b"\x1f\x8b"
    assert gzip.decompress(packed) == run(f"plain.{fmt}", "1")
    assert run(f"two.{fmt}.gz", "2") == packed
    checked = runner.invoke(app, ["validate", str(tmp_path / f"one.{fmt}.gz")])
    assert checked.exit_code == 0, checked.output


@pytest.mark.slow  # worker processes, real chunks
def test_jobs_write_the_same_bytes_into_a_pipe() -> None:
    """Typed as a user would, `kzcn generate -j 2 | ...`: the chunks are sent into the pipe."""
    import subprocess  # noqa: PLC0415 - only these tests run the console script
    import sys  # noqa: PLC0415

    def run(jobs: str) -> bytes:
        args = [sys.executable, "-m", "kzcn", "generate", "-n", "11000", "--seed", "4", "-j", jobs]
        return subprocess.run(args, capture_output=True, check=True).stdout

    piped = run("2")
    assert piped == run("1")
    assert len(piped.splitlines()) == 11_000
