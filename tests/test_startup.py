"""Start-up stays cheap: each command imports only what it uses (issue 19).

Timings are the benchmark's business (tests/benchmarks/bench_startup.py);
here the imports themselves are checked, which is what the timings follow.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "valid" / "suspension_notice.json"


def _imported(*argv: str) -> tuple[set[str], str]:
    """The modules a `python -X importtime ...` process imported, and its standard output."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", *argv], check=True, capture_output=True, text=True
    )
    names = {
        line.rsplit("|", 1)[-1].strip()
        for line in done.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }
    return names, done.stdout


@pytest.mark.parametrize(
    ("argv", "absent"),
    [
        (["-m", "kzcn", "--version"], {"kzcn.validation", "kzcn.synth", "kzcn.exposure"}),
        (["-c", "import kzcn"], {"pydantic", "typer", "orjson", "numpy"}),
        (["-c", "import kzcn; kzcn.MessageAdapter"], {"typer", "rich", "numpy", "jsonschema"}),
    ],
    ids=["version", "import", "model use"],
)
def test_start_up_imports_only_what_it_uses(argv: list[str], absent: set[str]) -> None:
    imported, _ = _imported(*argv)
    assert "kzcn" in imported
    assert not absent & imported


def test_version_still_answers_without_any_command() -> None:
    _, out = _imported("-m", "kzcn", "--version")
    assert out.startswith("kzcn ")


def test_model_engine_run_does_not_load_jsonschema(tmp_path: Path) -> None:
    one_line = tmp_path / "one.jsonl"
    one_line.write_bytes(EXAMPLE.read_bytes().replace(b"\n", b"") + b"\n")
    imported, out = _imported("-m", "kzcn", "validate", str(one_line))
    assert "1 valid" in out
    assert "jsonschema" not in imported
    assert "kzcn.validation.schema_engine" not in imported
