"""Benchmark issue 20: `kzcn exposure` peak memory and time per million messages, by size.

Run from the repository root (inputs are generated once into --dir, seed 1):

    python tests/benchmarks/bench_scale.py --scale 1,5 --runs 3
    python tests/benchmarks/bench_scale.py --scale 1 --format parquet
    python tests/benchmarks/bench_scale.py --scale 20 --runs 1 --dir /big/disk   # manual
    python tests/benchmarks/bench_scale.py --scale 1 --expect before.json  # same report?
    python tests/benchmarks/bench_scale.py --runs 1 \
        --input 1=/data/m1.parquet --input 20=/data/m20.parquet     # files already made

Each run is a whole `kzcn exposure --format json` process under `/usr/bin/time`,
so the peak is the process's maximum RSS. Printed per size: peak RSS and
seconds per million messages, min / median / max over the runs. With
`--expect`, the first size's JSON report must equal that file byte for byte
(a report of the same input by an earlier version: a change for speed or
memory must not change a figure); the benchmark stops with an error if not.

Disk: JSONL takes about 2.0 GB per million messages (1.99 GB at 1M, 9.9 GB at
5M, so about 40 GB at 20M); Parquet about a tenth of that.

Targets (issue 20): peak RSS <= 2 GiB and flat within 1.3x from 1M to 20M;
seconds per million constant within 1.3x.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

TARGET_PEAK_GIB = 2.0
TARGET_FLATNESS = 1.3


def _input(folder: Path, millions: float, fmt: str, jobs: int, seed: int) -> Path:
    path = folder / f"messages-{millions:g}M.{fmt}"
    if not path.exists():
        count = str(round(millions * 1_000_000))
        subprocess.run(
            [sys.executable, "-m", "kzcn", "generate", "--count", count, "--seed", str(seed),
             "--jobs", str(jobs), "--format", fmt, "--out", str(path)],
            check=True,
        )  # fmt: skip
    return path


def _run(path: Path, extra: list[str], out: Path) -> tuple[float, float]:
    """Peak RSS (GiB) and wall seconds of one `kzcn exposure` process writing `out`."""
    # Run beside the input and name it alone: the report names its source as given,
    # so reports of the same file in two folders compare byte for byte.
    done = subprocess.run(
        ["/usr/bin/time", "-f", "%M %e", sys.executable, "-m", "kzcn", "exposure", path.name,
         "--format", "json", "--out", str(out.resolve()), *extra],
        capture_output=True, text=True, check=False, cwd=path.parent,
    )  # fmt: skip
    if done.returncode not in {0, 1}:
        raise SystemExit(done.stderr[-2000:])
    kib, seconds = done.stderr.strip().splitlines()[-1].split()
    return int(kib) / 2**20, float(seconds)


def _say(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def _spread(values: list[float]) -> str:
    return f"{min(values):.2f} / {statistics.median(values):.2f} / {max(values):.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="1,5", help="Sizes in millions, comma-separated.")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--format", default="jsonl", choices=["jsonl", "parquet"])
    parser.add_argument(
        "--dir", type=Path, default=Path(tempfile.gettempdir()) / "kzcn-bench-scale"
    )
    parser.add_argument("--jobs", type=int, default=2, help="Generator processes.")
    parser.add_argument("--memory-limit", help="Passed to kzcn exposure --memory-limit.")
    parser.add_argument("--seed", type=int, default=1, help="Of the generated inputs.")
    parser.add_argument(
        "--expect", type=Path, help="The first size's JSON report must be this file's bytes."
    )
    parser.add_argument(
        "--input",
        action="append",
        default=[],
        metavar="MILLIONS=PATH",
        help="Measure this file as that many million messages (repeat; replaces --scale).",
    )
    args = parser.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    extra = ["--memory-limit", args.memory_limit] if args.memory_limit else []
    peaks: dict[float, float] = {}
    rates: dict[float, float] = {}
    _say("size | peak RSS GiB min / median / max | s per million min / median / max")
    given = {float(size): Path(path) for size, _, path in (i.partition("=") for i in args.input)}
    sizes = list(given) or [float(s) for s in args.scale.split(",")]
    for millions in sizes:
        path = given.get(millions) or _input(args.dir, millions, args.format, args.jobs, args.seed)
        # A file given with --input is named by its own format, not by --format's default.
        fmt = path.suffix.lstrip(".") if millions in given else args.format
        report = args.dir / f"report-{millions:g}M.{fmt}.json"
        runs = [_run(path, extra, report) for _ in range(args.runs)]
        if args.expect and millions == sizes[0]:
            same = report.read_bytes() == args.expect.read_bytes()
            _say(f"{millions:g}M report equals {args.expect}: {'yes' if same else 'NO'}")
            if not same:
                raise SystemExit(f"the report changed: compare {report} with {args.expect}")
        peak = [p for p, _ in runs]
        rate = [s / millions for _, s in runs]
        peaks[millions], rates[millions] = statistics.median(peak), statistics.median(rate)
        _say(f"{millions:g}M {fmt} | {_spread(peak)} | {_spread(rate)}")
    flat = max(peaks.values()) / min(peaks.values())
    linear = max(rates.values()) / min(rates.values())
    _say(f"peak RSS: largest {max(peaks.values()):.2f} GiB (target <= {TARGET_PEAK_GIB}), "
          f"spread {flat:.2f}x (target <= {TARGET_FLATNESS}x)")  # fmt: skip
    _say(f"s per million: spread {linear:.2f}x (target <= {TARGET_FLATNESS}x)")


if __name__ == "__main__":
    main()
