"""Invoking a kzcn command in-process the way the console script would."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Sequence

from typer.testing import CliRunner

from kzcn.cli import app
from kzcn.cli._common import UsageError


def invoke_command(
    command: str, args: Sequence[str], stdin: bytes | None = None
) -> tuple[int, str]:
    """Run `kzcn COMMAND ARGS`: a usage error is exit 2 and one line, as `kzcn.cli.main` does."""
    result = CliRunner().invoke(app, [command, *args], input=stdin)
    if isinstance(result.exception, UsageError):
        return 2, f"kzcn: error: {result.exception}\n"
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


def kzcn_process(
    *args: str, check: bool = False, timeout: float = 300
) -> subprocess.CompletedProcess[bytes]:
    """`kzcn ARGS` in a fresh interpreter, as a shell runs it; output captured as bytes."""
    return subprocess.run(
        [sys.executable, "-m", "kzcn", *args],
        capture_output=True,
        check=check,
        timeout=timeout,
    )
