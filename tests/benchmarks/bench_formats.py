"""Benchmark issue 16's formats: validate on CSV and xlsx, exposure on Parquet, whole process.

Run from the repository root:

    python tests/benchmarks/bench_formats.py            # 100k validate, 1M exposure
    python tests/benchmarks/bench_formats.py --quick    # 20k validate, 200k exposure

Targets (issue 16), each a ratio of two runs made here, one after the other:
- `kzcn validate` on CSV and on xlsx: >= 0.7x the JSONL rate (messages a second).
- `kzcn exposure` on Parquet: >= 4x faster than on the same messages as JSONL.
- `kzcn exposure` on 1M JSONL messages, with the default screen: under 15 s.
"""

from __future__ import annotations

import argparse
import csv
import io
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from statistics import median

from openpyxl import Workbook

TARGETS = {"csv": 0.7, "xlsx": 0.7, "parquet": 4.0, "jsonl_seconds": 15.0}


def _kzcn(*args: str) -> float:
    """Seconds of one whole `kzcn` process (start-up included, as a user waits for it)."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "kzcn", *args], capture_output=True, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode not in {0, 1}:
        raise SystemExit(done.stderr.decode()[-2000:])
    return elapsed


def _xlsx_from_csv(source: Path, target: Path) -> None:
    # An empty CSV field is no cell, as when Excel opens the CSV and saves it as a
    # workbook (a cell holding "" is an openpyxl artefact, and triples the sheet).
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    with source.open(encoding="utf-8", newline="") as handle:
        for row in csv.reader(handle):
            sheet.append([cell or None for cell in row])
    book.save(target)


def _validate(folder: Path, count: int, repeats: int) -> dict[str, list[float]]:
    """Messages a second of `kzcn validate` on each format, each run, slowest first."""
    jsonl, table, sheet = folder / "v.jsonl", folder / "v.csv", folder / "v.xlsx"
    _kzcn("generate", "-n", str(count), "--seed", "3", "-o", str(jsonl))
    _kzcn("generate", "-n", str(count), "--seed", "3", "--format", "csv", "-o", str(table))
    _xlsx_from_csv(table, sheet)
    rates: dict[str, list[float]] = {"jsonl": [], "csv": [], "xlsx": []}
    for _ in range(repeats):  # the formats take turns: a busy spell hits each alike
        for name, path in (("jsonl", jsonl), ("csv", table), ("xlsx", sheet)):
            rates[name].append(count / _kzcn("validate", str(path)))
    return {name: sorted(found) for name, found in rates.items()}


def _exposure(folder: Path, count: int) -> dict[str, float]:
    jsonl, parquet = folder / "e.jsonl", folder / "e.parquet"
    _kzcn("generate", "-n", str(count), "--seed", "5", "-o", str(jsonl))
    _kzcn("generate", "-n", str(count), "--seed", "5", "--format", "parquet", "-o", str(parquet))
    out = folder / "report.json"
    return {
        name: _kzcn("exposure", str(path), "--format", "json", "--out", str(out))
        for name, path in (("jsonl", jsonl), ("parquet", parquet))
    }


def _spread(found: list[float]) -> str:
    return "/".join(f"{rate:,.0f}" for rate in (found[0], median(found), found[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller runs")
    parser.add_argument("--repeats", type=int, default=3, help="runs of validate per format")
    parser.add_argument("--validate-only", action="store_true", help="no exposure runs")
    options = parser.parse_args()
    validate_count, exposure_count = (20_000, 200_000) if options.quick else (100_000, 1_000_000)
    with tempfile.TemporaryDirectory(prefix="kzcn-bench-") as name:
        folder = Path(name)
        rates = _validate(folder, validate_count, options.repeats)
        seconds = {} if options.validate_only else _exposure(folder, exposure_count)
    out = io.StringIO()
    for fmt in ("csv", "xlsx"):
        ratio = median(rates[fmt]) / median(rates["jsonl"])
        out.write(
            f"validate {validate_count:,} {fmt}: {_spread(rates[fmt])}/s vs JSONL "
            f"{_spread(rates['jsonl'])}/s (min/med/max) = {ratio:.2f}x of the medians "
            f"(target >= {TARGETS[fmt]}x)\n"
        )
    if not seconds:
        sys.stdout.write(out.getvalue())
        return
    speedup = seconds["jsonl"] / seconds["parquet"]
    out.write(f"exposure {exposure_count:,}: JSONL {seconds['jsonl']:.1f} s, Parquet "
              f"{seconds['parquet']:.1f} s = {speedup:.2f}x (target >= {TARGETS['parquet']}x)\n"
              f"exposure JSONL whole process: {seconds['jsonl']:.1f} s "
              f"(target < {TARGETS['jsonl_seconds']:.0f} s at 1M)\n")  # fmt: skip
    sys.stdout.write(out.getvalue())


if __name__ == "__main__":
    main()
