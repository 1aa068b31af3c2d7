"""Benchmark start-up: whole-process wall time of the commands a user types first.

Run from the repository root:

    python tests/benchmarks/bench_startup.py            # 7 runs of each
    python tests/benchmarks/bench_startup.py --runs 15

Each command runs as its own process, several times; the figures are the
min/median/max wall times and the median's ratio to `python -c pass` in the
same run (the machine is shared and noisy: compare ratios, not seconds).

Targets (issue 19): `kzcn --version` and `kzcn validate` on a one-line file
under 0.3 s; `import kzcn` for model use (`from kzcn import Message`) under 0.25 s.
For where the time goes: `python -X importtime -c "import kzcn.messages"`.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "valid" / "suspension_notice.json"
#: Whole-process targets in seconds, by label (None: a reference, no target).
TARGETS: dict[str, float | None] = {
    "python -c pass": None,
    "import kzcn": 0.25,
    "import kzcn; kzcn.Message (model use)": 0.25,
    "kzcn --version": 0.3,
    "kzcn validate one-line.jsonl": 0.3,
}


def _commands(one_line: Path) -> dict[str, list[str]]:
    python = sys.executable
    cli = [python, "-m", "kzcn"]
    return {
        "python -c pass": [python, "-c", "pass"],
        "import kzcn": [python, "-c", "import kzcn"],
        "import kzcn; kzcn.Message (model use)": [
            python, "-c", "import kzcn; kzcn.MessageAdapter",
        ],
        "kzcn --version": [*cli, "--version"],
        "kzcn validate one-line.jsonl": [*cli, "validate", str(one_line)],
    }  # fmt: skip


def wall_times(command: list[str], runs: int) -> list[float]:
    """Seconds of `runs` whole-process runs of `command` (each must exit 0)."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return times


def main() -> int:
    """Print min/median/max of each command and its ratio to a bare interpreter."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n", 1)[0])
    parser.add_argument("--runs", type=int, default=7, help="runs of each command")
    args = parser.parse_args()
    env_note = f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, {args.runs} runs"
    header = f"{'command':<40} {'min':>7} {'median':>7} {'max':>7} {'x pass':>7}"
    sys.stdout.write(f"{header}  {env_note}\n")
    missed = 0
    with tempfile.TemporaryDirectory(prefix="kzcn-startup-") as tmp:
        one_line = Path(tmp) / "one-line.jsonl"
        message = json.loads(EXAMPLE.read_text("utf-8"))
        one_line.write_text(json.dumps(message, ensure_ascii=False) + "\n", "utf-8")
        floor = None
        for label, command in _commands(one_line).items():
            times = wall_times(command, args.runs)
            median = statistics.median(times)
            floor = floor or median
            target = TARGETS[label]
            verdict = ""
            if target is not None:
                verdict = f"target < {target} s: {'PASS' if median < target else 'FAIL'}"
                missed += median >= target
            sys.stdout.write(
                f"{label:<40} {min(times):7.3f} {median:7.3f} {max(times):7.3f} "
                f"{median / floor:7.1f}  {verdict}\n"
            )
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
