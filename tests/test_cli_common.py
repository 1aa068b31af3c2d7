"""The CLI edge: errors as one line; exit 2, 3 for a bug, 130 for Ctrl-C; traces with --debug."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import typer

from kzcn.cli import _common
from kzcn.cli._common import fail, run


def _app(error: Exception) -> typer.Typer:
    app = typer.Typer(rich_markup_mode=None)

    @app.command()
    def boom() -> None:
        raise error

    return app


def test_usage_error_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        run(_app(_common.UsageError("--count must be 0 or more, not -1" + " (x)" * 40)), [])
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, "a long message must not wrap"
    assert err.startswith("kzcn: error: --count must be 0 or more")


def test_unexpected_error_is_a_bug_exit_3_naming_only_its_type(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A crash is not the user's fault (not 2) and its text may quote the input: not shown."""
    monkeypatch.setitem(_common._DEBUG, "on", value=False)
    with pytest.raises(SystemExit) as stopped:
        run(_app(RuntimeError("ZHANG Wei, born 1990-01-01")), [])
    assert stopped.value.code == 3
    assert capsys.readouterr().err == (
        "kzcn: internal error: RuntimeError; this is a bug — rerun with --debug for a traceback\n"
    )


def test_debug_lets_the_traceback_through(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(_common._DEBUG, "on", value=True)
    with pytest.raises(RuntimeError, match="disk on fire"):
        run(_app(RuntimeError("disk on fire")), [])


def test_fail_raises_usage_error() -> None:
    with pytest.raises(_common.UsageError, match="bad"):
        fail("bad")


def test_python_dash_m_runs_the_cli() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "kzcn", "validate", "/no/such/file.jsonl"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr == "kzcn: error: /no/such/file.jsonl: no such file\n"
    assert "Traceback" not in done.stdout + done.stderr


@pytest.mark.slow  # a shell completion process
def test_shell_completion_completes_commands() -> None:
    script = Path(sys.executable).parent / "kzcn"  # completion is keyed to the command's name
    done = subprocess.run(
        [str(script)],
        env={
            "_KZCN_COMPLETE": "complete_bash",
            "COMP_WORDS": "kzcn val",
            "COMP_CWORD": "1",
            "PATH": "",
        },
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.stdout.split() == ["validate"]


_LOADED_AFTER = """
import sys
from kzcn.cli import main
sys.argv = ["kzcn", *sys.argv[1:]]
try:
    main()
except SystemExit:
    pass
print(sorted(m for m in ("kzcn.demo", "kzcn.synth", "kzcn.validation") if m in sys.modules))
"""


@pytest.mark.slow  # a fresh interpreter per command
@pytest.mark.parametrize(
    ("words", "loaded"),
    [
        (["fields", "--format", "json"], []),
        (["schema", "--help"], []),
        (["--help"], ["kzcn.demo", "kzcn.synth", "kzcn.validation"]),
        (["exposur"], ["kzcn.demo", "kzcn.synth", "kzcn.validation"]),
    ],
)
def test_a_command_loads_only_its_own_modules(words: list[str], loaded: list[str]) -> None:
    """`kzcn fields` does not import the demo, the generator or the validator."""
    done = subprocess.run(
        [sys.executable, "-c", _LOADED_AFTER, *words], capture_output=True, text=True, check=True
    )
    assert done.stdout.splitlines()[-1] == str(loaded)


_COLLECTOR_WHILE_RUNNING = """
import gc, sys
from kzcn.cli import _common, main
_common.run = lambda app: print(gc.isenabled(), gc.get_freeze_count())
sys.argv = ["kzcn", *sys.argv[1:]]
main()
"""


@pytest.mark.parametrize("words", [["exposure", "--help"], ["--version"]])
def test_a_command_runs_with_its_imports_frozen_out_of_the_collectors_reach(
    words: list[str],
) -> None:
    """What the imports made is not walked by each collection (nor at exit); collection is on."""
    done = subprocess.run(
        [sys.executable, "-c", _COLLECTOR_WHILE_RUNNING, *words],
        capture_output=True,
        text=True,
        check=True,
    )
    enabled, frozen = done.stdout.split()
    assert enabled == "True"
    assert int(frozen) > 10_000


def _interrupted_app(convert: bool) -> typer.Typer:
    """A command stopped by SIGINT; with `convert`, a library turns it into its own error."""
    app = typer.Typer(rich_markup_mode=None)

    @app.command()
    def work() -> None:
        try:
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(5)
        except _common.Interrupted:
            if convert:  # as DuckDB does: "Query interrupted"
                raise RuntimeError("Query interrupted") from None
            raise

    return app


@pytest.mark.parametrize("convert", [False, True], ids=["raised", "converted"])
def test_ctrl_c_is_exit_130_and_one_line_even_when_a_library_converts_it(
    capsys: pytest.CaptureFixture[str], convert: bool
) -> None:
    started = time.monotonic()
    with pytest.raises(SystemExit) as stopped:
        run(_interrupted_app(convert), [])
    assert time.monotonic() - started < 2
    assert stopped.value.code == 130
    assert capsys.readouterr().err == "kzcn: interrupted; partial outputs removed\n"
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # put back


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["validate", "--bogus", "x.jsonl"], "No such option: --bogus"),
        (["validate"], "Missing argument 'files'."),
        (["validate", "--max-line-bytes", "0", "x.jsonl"], "Invalid value for '--max-line-bytes'"),
        (["nosuch"], "No such command 'nosuch'."),
    ],
)
def test_click_errors_are_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    from kzcn.cli import app  # noqa: PLC0415 - every command registered

    with pytest.raises(SystemExit) as stopped:
        run(app, args)
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith(f"kzcn: error: {message}")
    assert err.endswith(" (see --help)\n")
    assert err.count("\n") == 1
