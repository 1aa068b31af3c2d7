"""Hostile use of outputs: nothing an output names is destroyed, and every way of stopping is clean.

Each case is typed as a careless user would. An output that is an input or
another output (same name, hard link, symlink, redirected stdin/stdout) is
refused with exit 2 before anything is written; a run that fails or is
interrupted leaves every existing file as it was and no partial file behind.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO

import orjson
import pytest

from cli_runner import invoke_command
from conftest import EXAMPLES
from kzcn.cli._common import UsageError
from kzcn.cli._outputs import Outputs, refuse_clashes

KZCN = [sys.executable, "-m", "kzcn"]


def _good() -> bytes:
    text = (EXAMPLES / "valid" / "suspension_notice.json").read_text("utf-8")
    return orjson.dumps(json.loads(text)) + b"\n"


@pytest.fixture
def data(tmp_path: Path) -> Path:
    path = tmp_path / "data.jsonl"
    path.write_bytes(_good() * 3 + b'{"kind": "nope"}\n')
    return path


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".kzcn-partial"))


def _aliases(data: Path) -> dict[str, Path]:
    """Other names of `data`: a hard link and a symlink."""
    hard, soft = data.with_name("hard.jsonl"), data.with_name("soft.jsonl")
    os.link(data, hard)
    soft.symlink_to(data)
    return {"same": data, "hard": hard, "soft": soft}


CLASHES = [
    ("validate", ["{data}", "--valid-out", "{alias}"], "--valid-out"),
    ("validate", ["{data}", "--invalid-out", "{alias}"], "--invalid-out"),
    ("exposure", ["{data}", "--out", "{alias}"], "--out"),
    ("exposure", ["{data}", "--per-record", "{alias}"], "--per-record"),
    ("migrate", ["{data}", "--out", "{alias}"], "--out"),
]


@pytest.mark.parametrize("alias", ["same", "hard", "soft"])
@pytest.mark.parametrize(("command", "args", "option"), CLASHES)
def test_an_output_that_is_an_input_is_refused_before_writing(
    data: Path, alias: str, command: str, args: list[str], option: str
) -> None:
    before = data.read_bytes()
    other = _aliases(data)[alias]
    code, out = invoke_command(command, [a.format(data=data, alias=other) for a in args])
    assert code == 2
    assert out == (
        f"kzcn: error: {option} {other} is the same file as input {data}; choose another output\n"
    )
    assert data.read_bytes() == before
    assert _leftovers(data.parent) == []


def test_two_outputs_that_are_one_file_are_refused(data: Path, tmp_path: Path) -> None:
    labels = tmp_path / "out.jsonl"
    code, out = invoke_command(
        "generate",
        ["--count", "3", "--invalid-rate", "0.5", "--labels", str(labels), "--out", str(labels)],
    )
    assert code == 2
    assert out == (
        f"kzcn: error: --labels {labels} is the same file as --out {labels}; "
        "choose another output\n"
    )
    assert not labels.exists()
    code, _ = invoke_command(
        "validate",
        [str(data), "--valid-out", str(tmp_path / "o"), "--invalid-out", str(tmp_path / "." / "o")],
    )
    assert code == 2


def test_standard_input_redirected_from_the_output_is_refused(data: Path) -> None:
    before = data.read_bytes()
    with data.open("rb") as stdin:
        done = subprocess.run(
            [*KZCN, "validate", "-", "--valid-out", str(data)],
            stdin=stdin,
            capture_output=True,
            text=True,
            check=False,
        )
    assert done.returncode == 2
    assert done.stderr == (
        f"kzcn: error: --valid-out {data} is the same file as standard "
        "input; choose another output\n"
    )
    assert data.read_bytes() == before


@pytest.mark.slow  # a shell per case
def test_standard_output_redirected_to_an_output_is_refused(tmp_path: Path) -> None:
    labels = tmp_path / "labels.jsonl"
    labels.write_bytes(b"keep me\n")
    with labels.open("ab") as stdout:
        done = subprocess.run(
            [*KZCN, "generate", "--count", "2", "--invalid-rate", "0.5", "--labels", str(labels)],
            stdout=stdout,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
        )
    assert done.returncode == 2
    assert "is the same file as standard output" in done.stderr
    assert labels.read_bytes() == b"keep me\n"


def test_a_failing_output_leaves_the_other_existing_output_alone(
    data: Path, tmp_path: Path
) -> None:
    existing = tmp_path / "existing.jsonl"
    existing.write_bytes(b"precious\n")
    code, out = invoke_command(
        "validate",
        [str(data), "--valid-out", str(existing), "--invalid-out", str(tmp_path / "no-dir" / "x")],
    )
    assert code == 2
    assert out.startswith("kzcn: error: ")
    assert "no-dir/x: cannot write" in out
    assert existing.read_bytes() == b"precious\n"
    assert _leftovers(tmp_path) == []


def test_outputs_appear_only_when_the_command_succeeds(tmp_path: Path) -> None:
    target = tmp_path / "report.txt"
    target.write_text("old", "utf-8")
    outputs = Outputs()
    outputs.open(target).write(b"half a report")
    assert target.read_text("utf-8") == "old"
    outputs.__exit__(RuntimeError, RuntimeError(), None)  # as a failing `with` block leaves it
    assert target.read_text("utf-8") == "old"
    assert _leftovers(tmp_path) == []
    with Outputs() as outputs:
        outputs.open(target).write(b"new")
    assert target.read_bytes() == b"new"


def test_a_symlinked_output_is_written_through(tmp_path: Path) -> None:
    real, link = tmp_path / "real.txt", tmp_path / "link.txt"
    real.write_text("old", "utf-8")
    link.symlink_to(real)
    with Outputs() as outputs:
        outputs.open(link).write(b"new")
    assert link.is_symlink()
    assert real.read_bytes() == b"new"


def test_devices_are_written_in_place_and_never_clash(tmp_path: Path) -> None:
    with Outputs() as outputs:
        assert outputs.path(Path(os.devnull)) == Path(os.devnull)
    refuse_clashes([os.devnull], [("--out", Path(os.devnull))], stdout=False)
    with pytest.raises(UsageError):
        refuse_clashes([], [("--a", tmp_path / "x"), ("--b", tmp_path / "x")], stdout=False)


def test_a_refused_input_leaves_no_partial_json_on_stdout(tmp_path: Path) -> None:
    path = tmp_path / "long.jsonl"
    path.write_bytes(_good() * 3 + b"x" * 5000 + b"\n")
    done = subprocess.run(
        [
            *KZCN,
            "validate",
            str(path),
            "--format",
            "json",
            "--max-line-bytes",
            "200",
            "--valid-out",
            str(tmp_path / "v.jsonl"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr == (
        f"kzcn: error: {path}: line 4 is longer than 3,200 bytes "
        "(16 x the record limit); not a file of messages\n"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["long.jsonl"]


# 0.2 s after the workers are spawned they are still importing (about a second);
# 1.5 s later they are generating. (A Ctrl-C within the few milliseconds the pool
# takes to spawn them is ignored: see `kzcn._workers.worker_pool`.)
@pytest.mark.slow  # starts worker pools and interrupts them
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="watches workers in /proc")
@pytest.mark.parametrize("delay", [0.0, 1.5], ids=["workers-starting", "workers-busy"])
def test_ctrl_c_stops_every_worker_removes_partial_output_and_exits_130(
    tmp_path: Path, delay: float
) -> None:
    out = tmp_path / "big.jsonl"
    spill = tmp_path.with_name(f"{tmp_path.name}-spill")  # where workers leave their chunks
    spill.mkdir()
    process = subprocess.Popen(
        [*KZCN, "generate", "--count", "5000000", "--jobs", "2", "--quiet", "--out", str(out)],
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        env={**os.environ, "TMPDIR": str(spill)},
    )
    deadline = time.monotonic() + 60
    while len(_workers_of(process.pid)) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert _leftovers(tmp_path)
    time.sleep(0.2 + delay)  # the pool is made: its workers are importing (about a second)
    os.killpg(process.pid, signal.SIGINT)  # as a terminal does: the whole group
    started = time.monotonic()
    try:
        _, err = process.communicate(timeout=30)
    finally:  # a failing run must not go on generating
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
    assert time.monotonic() - started < 3  # a second when the machine is idle
    assert process.returncode == 130
    assert err == "kzcn: interrupted; partial outputs removed\n"
    assert list(tmp_path.iterdir()) == []
    assert list(spill.iterdir()) == []
    assert _group_gone(process.pid, within=2.0)  # no worker survives its parent


@pytest.mark.slow  # starts worker pools and interrupts them
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="watches workers in /proc")
def test_ctrl_c_stops_validate_workers_removes_partial_output_and_exits_130(
    tmp_path: Path,
) -> None:
    """`validate --jobs 2` fed without end on standard input: Ctrl-C while the workers check."""
    process = subprocess.Popen(
        [*KZCN, "validate", "-", "--jobs", "2", "--valid-out", str(tmp_path / "v.jsonl")],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    assert process.stdin is not None
    feeder = threading.Thread(target=_feed, args=(process.stdin,), daemon=True)
    feeder.start()
    deadline = time.monotonic() + 60
    while len(_workers_of(process.pid)) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(2.5)  # the workers have imported and are checking chunks
    os.killpg(process.pid, signal.SIGINT)
    started = time.monotonic()
    try:
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        feeder.join(5)
        with contextlib.suppress(OSError):
            process.stdin.close()
    assert process.stderr is not None
    with process.stderr:
        err = process.stderr.read()
    assert time.monotonic() - started < 3
    assert process.returncode == 130
    assert err == b"kzcn: interrupted; partial outputs removed\n"
    assert list(tmp_path.iterdir()) == []
    assert _group_gone(process.pid, within=2.0)


def _feed(stdin: IO[bytes]) -> None:
    """The same valid message, line after line, until the reader is gone."""
    block = _good() * 1000
    try:
        while True:
            stdin.write(block)
    except (BrokenPipeError, ValueError, OSError):
        return


def _workers_of(parent: int) -> list[int]:
    """The multiprocessing workers `parent` has spawned so far."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            command = (stat.parent / "cmdline").read_bytes()
        except OSError:  # gone meanwhile
            continue
        if int(fields[1]) == parent and b"spawn_main" in command:
            found.append(int(stat.parent.name))
    return found


def _group_gone(group: int, within: float) -> bool:
    """Whether no live process is left in `group` (zombies, awaiting a busy init, do not count)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if not _live_members(group):
            return True
        time.sleep(0.05)
    return False


def _live_members(group: int) -> list[int]:
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # gone meanwhile
            continue
        if int(fields[2]) == group and fields[0] != "Z":
            members.append(int(stat.parent.name))
    return members


@pytest.mark.parametrize(
    "spec", ["citizenship_acquisition=inf", "citizenship_acquisition=1e308,suspension_notice=1e308"]
)
def test_a_bad_mix_weight_is_a_usage_error(spec: str) -> None:
    code, out = invoke_command("generate", ["--count", "3", "--mix", spec])
    assert code == 2
    assert out == "kzcn: error: --mix weights must be finite numbers with a finite total\n"


@pytest.mark.slow  # a pipeline of processes
def test_a_reader_that_goes_away_is_not_a_traceback() -> None:
    process = subprocess.Popen(
        [*KZCN, "generate", "--count", "20000"], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )  # `kzcn generate | head -c 10`
    assert process.stdout is not None
    assert process.stderr is not None
    assert len(process.stdout.read(10)) == 10
    process.stdout.close()
    assert process.wait(timeout=60) == 1  # as click exits on a closed pipe
    assert process.stderr.read() == b""
    process.stderr.close()


@pytest.mark.slow  # a process per command
@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize(
    "args",
    [
        ["validate", "{data}", "--invalid-out", "/dev/full"],
        ["generate", "--count", "50", "--out", "/dev/full"],
        ["exposure", "{data}", "--out", "/dev/full"],
    ],
    ids=["validate", "generate", "exposure"],
)
def test_a_full_disk_is_one_line_and_exit_2(data: Path, args: list[str]) -> None:
    done = subprocess.run(
        [*KZCN, *(a.format(data=data) for a in args)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 2
    assert done.stderr == "kzcn: error: No space left on device\n"
