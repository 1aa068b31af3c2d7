"""Benchmark issue 19 item 3: whole-process `kzcn exposure` against a DuckDB floor, same run.

Run from the repository root:

    python tests/benchmarks/bench_floor.py /tmp/messages-1M.jsonl /tmp/messages-1M.parquet

(inputs: `kzcn generate --count 1000000 --seed 1 --format jsonl|parquet --out ...`).

The floor is one DuckDB SQL computing only the class sizes of the default
quasi-identifiers (date of birth, sex, birthplace locality as
country/region/locality) over the subjects of the same file, as a whole
process (`python -c`, importing duckdb alone): no linking, no screen, no
flows, no subsets, no ladder. It is what any report over these QIs must at
least pay: reading the file and one group-by. Against it, each run of
`kzcn exposure FILE --format json` (every figure of the default report).
Runs alternate (floor, kzcn, floor, kzcn, ...) so both see the same load;
printed: min / median / max seconds of each and the ratio of the medians.

Targets (issue 19): kzcn <= 1.5x the floor on JSONL; <= 2 s on Parquet at 1M.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

TARGET_RATIO_JSONL = 1.5
TARGET_PARQUET_SECONDS_PER_MILLION = 2.0

_SUBJECT = (
    "STRUCT(sex VARCHAR, date_of_birth VARCHAR, place_of_birth STRUCT(country VARCHAR, "
    "region STRUCT(latin VARCHAR), locality STRUCT(latin VARCHAR)))"
)

# The class sizes over the default QIs (date_of_birth, sex, place_of_birth.locality):
# a tally (size, classes), as the report's risk figures need. JSONL is read with the
# one column it needs declared, so DuckDB skips the rest of each line.
_FLOOR = """
import sys, duckdb
path = sys.argv[1]
source = (
    f"read_parquet('{path}')" if path.endswith('.parquet')
    else f"read_json('{path}', format='newline_delimited', columns={{subject: '%s'}})"
)
rows = duckdb.sql(f'''
    SELECT size, count(*) FROM (
        SELECT count(*) AS size FROM {source} WHERE subject IS NOT NULL
        GROUP BY subject.date_of_birth, subject.sex, subject.place_of_birth.country,
                 subject.place_of_birth.region.latin, subject.place_of_birth.locality.latin
    ) GROUP BY size
''').fetchall()
print(sum(s * n for s, n in rows), sum(n for s, n in rows))
""" % _SUBJECT.replace("'", "''")  # noqa: S608, UP031 - a benchmark over its own files; the braces are the script's


def _seconds(command: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds (user and system, every thread) of a run of `command`.

    The CPU seconds move less than the wall's on a shared machine: another's
    load stretches a run's wall, hardly its work.
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return wall, cpu


def _spread(values: list[float]) -> str:
    return f"{min(values):.2f} / {statistics.median(values):.2f} / {max(values):.2f}"


def _say(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("inputs", nargs="+", type=Path, help="JSONL or Parquet files.")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--millions", type=float, default=1.0, help="Messages per input.")
    args = parser.parse_args()
    _say("input | floor s min / median / max | kzcn s min / median / max | ratio of medians")
    for path in args.inputs:
        floor_command = [sys.executable, "-c", _FLOOR, str(path)]
        kzcn_command = [sys.executable, "-m", "kzcn", "exposure", str(path),
                        "--format", "json", "--out", "/dev/null"]  # fmt: skip
        floor_runs, kzcn_runs = [], []
        for _ in range(args.runs):
            floor_runs.append(_seconds(floor_command))
            kzcn_runs.append(_seconds(kzcn_command))
        floor, kzcn = [wall for wall, _ in floor_runs], [wall for wall, _ in kzcn_runs]
        ratio = statistics.median(kzcn) / statistics.median(floor)
        _say(f"{path.name} | {_spread(floor)} | {_spread(kzcn)} | {ratio:.2f}x")
        floor_cpu, kzcn_cpu = [cpu for _, cpu in floor_runs], [cpu for _, cpu in kzcn_runs]
        _say(f"  CPU s: floor {_spread(floor_cpu)} | kzcn {_spread(kzcn_cpu)}")
        if path.suffix == ".parquet":
            per_million = statistics.median(kzcn) / args.millions
            _say(f"  kzcn {per_million:.2f} s per million on Parquet "
                 f"(target <= {TARGET_PARQUET_SECONDS_PER_MILLION} s)")  # fmt: skip
        else:
            _say(f"  target <= {TARGET_RATIO_JSONL}x on JSONL")


if __name__ == "__main__":
    main()
