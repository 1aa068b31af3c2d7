"""pycanon in its own virtual environment, for the exposure cross-checks.

pycanon 1.3.6 pins exact versions (numpy 2.0.2, pandas 2.3.3, typer 0.23.2,
typing_extensions 4.15.0, ...). typing_extensions 4.15 conflicts with
pydantic >= 2.12 (which needs >= 4.16), and pinning typer would change the CLI
under test, so it cannot share kzcn's environment: it lives in a venv of its
own, built once (about 40 s) and reused. `KZCN_PYCANON_VENV` overrides where.
"""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

import orjson

PYCANON = "pycanon==1.3.6"
DEFAULT_HOME = Path.home() / ".cache" / "kzcn" / "pycanon-1.3.6"

_SCRIPT = """
import json, sys
import pandas as pd
from pycanon import anonymity
table = pd.read_csv(sys.argv[1], dtype=str, keep_default_na=False)
# pycanon uses index labels as positions: a 0..n-1 index is required.
table = table.reset_index(drop=True)
out = []
for case in json.loads(sys.argv[2]):
    qi, sa = case["qi"], [case["sa"]]
    out.append({
        "k": anonymity.k_anonymity(table, qi),
        "l": anonymity.l_diversity(table, qi, sa),
        "entropy_l": anonymity.entropy_l_diversity(table, qi, sa),
    })
print(json.dumps(out))
"""


def home() -> Path:
    """Where the venv lives."""
    return Path(os.environ.get("KZCN_PYCANON_VENV", DEFAULT_HOME))


def python() -> Path:
    """The venv's interpreter."""
    return home() / "bin" / "python"


def ensure() -> Path:
    """Build the venv if it is missing; return its interpreter."""
    if not python().exists():
        venv.EnvBuilder(with_pip=True, clear=True).create(home())
        subprocess.run(
            [str(python()), "-m", "pip", "install", "--quiet", PYCANON],
            check=True,
            timeout=600,
        )
    check = subprocess.run(
        [str(python()), "-c", "import pycanon.anonymity"], check=False, capture_output=True
    )
    if check.returncode != 0:
        raise RuntimeError(f"pycanon venv at {home()} is broken: {check.stderr.decode()}")
    return python()


def measure(csv: Path, cases: list[dict[str, object]]) -> list[dict[str, int]]:
    """pycanon's k, l and entropy l for each {qi, sa} case, on the CSV table."""
    result = subprocess.run(
        [str(ensure()), "-c", _SCRIPT, str(csv), orjson.dumps(cases).decode()],
        check=True,
        capture_output=True,
        timeout=600,
    )
    return list(orjson.loads(result.stdout))


if __name__ == "__main__":
    print(ensure(), file=sys.stdout)  # noqa: T201 - a setup script for .ci/run
