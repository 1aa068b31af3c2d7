"""Benchmark: `kzcn generate` to JSONL against a Faker-per-field builder of the same message.

Run: `python tests/benchmarks/bench_generate.py [rate|jobs|formats|memory] [--quick]
[--count N] [--counts N,M] [--runs R] [--jobs J]`.

- `jobs`: whole-process `--jobs 1` against `--jobs 2` (issue 19: >= 1.6x), runs
  interleaved, wall and CPU (user + system, workers included) min/median/max;
  the CPU ratio says what the design costs where cores are not shared.
- `formats`: JSONL, gzip JSONL and Parquet at `--count`, with MiB per million.
- `memory`: peak RSS at each of `--counts` for `--format` jsonl, gzip or parquet
  (issue 20: flat), and the disk written per million messages.
- `rate` (the default) prints messages per second for

1. the bulk generator writing JSONL (what `kzcn generate` does), in process;
2. a builder that asks Faker for every field of the same message (the
   citizenship-acquisition notice of a repatriate, the bulk of the default mix),
   serialised the same way;

their ratio (target: >= 4), the bulk rate (target: >= 40,000/s), and the wall
time and peak RSS of `kzcn generate` writing 150,000 and 1,500,000 messages in
a subprocess, with one process (`--jobs 1`) and with a worker per core
(`--jobs 2`) (target: 1.5 M under 60 s, memory flat).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from faker import Faker

from kzcn.synth import DEFAULT_MIX, write_dataset
from kzcn.synth._tables import tables

Json = dict[str, Any]


def bulk_rate(count: int) -> float:
    """Messages per second of the bulk generator writing JSONL to memory."""
    # To /dev/null: holding the output in memory would inflate this process (and
    # the RSS its later subprocesses report, as fork copies it).
    with Path(os.devnull).open("wb") as sink:
        write_dataset(sink, 2_000, seed=1)  # warm the tables and caches
        start = time.perf_counter()
        write_dataset(sink, count, seed=7, mix=DEFAULT_MIX)
        return count / (time.perf_counter() - start)


def _faker_name(fake: Faker, names: list[Any]) -> Any:
    return fake.random_element(names)


def faker_message(fake: Faker, names: list[Any]) -> Json:
    """A citizenship-acquisition message with every field drawn by a Faker call."""
    own, father = _faker_name(fake, names), _faker_name(fake, names)
    place = fake.random_element(tables().places_chn).place
    sex = fake.random_element(["M", "F"])
    birth = fake.date_between_dates(date_start=_day("1950-01-01"), date_end=_day("2004-01-01"))
    decided = fake.date_between_dates(date_start=_day("2023-11-10"), date_end=_day("2025-08-01"))

    def document(kind: str, state: str) -> Json:
        issued = fake.date_between_dates(date_start=_day("2015-01-01"), date_end=_day("2023-01-01"))
        return {
            "document_type": kind,
            "issuing_state": state,
            "series": None,
            "number": fake.numerify("N########")
            if state == "KAZ"
            else fake.numerify("65400219######%%%%"),
            "date_of_issue": issued.isoformat(),
            "date_of_expiry": fake.date_between_dates(
                date_start=issued, date_end=_day("2035-01-01")
            ).isoformat(),
            "issuing_authority": fake.random_element(["МВД РК", "伊宁市公安局"]),
            "mrz": [
                fake.pystr_format("P<KAZ?????????????????????????????????????"),
                fake.pystr_format("N########0KAZ#######M########???????????"),
            ],
        }

    return {
        "schema_version": "1.0",
        "message_id": fake.uuid4(),
        "kind": "citizenship_acquisition",
        "sender": {"state": "KAZ", "authority": fake.random_element(["KAZ_MIA", "KAZ_MFA"])},
        "recipient": {"state": "CHN", "authority": fake.random_element(["CHN_MFA", "CHN_NIA"])},
        "sent_on": fake.date_between_dates(
            date_start=decided, date_end=_day("2025-12-31")
        ).isoformat(),
        "channel": fake.random_element(["diplomatic", "competent_authority"]),
        "in_reply_to": None,
        "synthetic": True,
        "subject": {
            "surname": own.family.surname[0],
            "given_names": own.biscript,
            "patronymic": father.family.clan[0],
            "name_national": own.han + "·" + father.han,
            "sex": sex,
            "date_of_birth": birth.isoformat(),
            "place_of_birth": place,
            "citizenship": "KAZ",
            "ethnic_nationality": "kazakh",
            "personal_number": fake.numerify("############"),
            "documents": [document("identity_card", "KAZ"), document("identity_card", "CHN")],
            "photo": {
                "sha256": fake.sha256(),
                "media_type": "image/jpeg",
                "uri": fake.file_path(extension="jpg"),
            },
        },
        "acquisition": fake.random_element(["admission", "restoration"]),
        "decided_on": decided.isoformat(),
        "decision_reference": fake.bothify("ПР-2024-####"),
        "former_citizenship": "CHN",
        "former_citizenship_status": fake.random_element(["terminated", "termination_pending"]),
        "termination_evidence": None,
    }


def _day(text: str) -> Any:
    from datetime import date  # noqa: PLC0415 - kept next to its only use

    return date.fromisoformat(text)


def faker_rate(count: int) -> float:
    """Messages per second of the Faker-per-field builder, serialised to JSONL."""
    fake = Faker()
    fake.seed_instance(7)
    names = list(tables().kazakh["M"])
    with Path(os.devnull).open("wb") as sink:
        start = time.perf_counter()
        sink.writelines(orjson.dumps(faker_message(fake, names)) + b"\n" for _ in range(count))
        return count / (time.perf_counter() - start)


@dataclass(frozen=True)
class Run:
    """One whole-process `kzcn generate`: wall and CPU seconds, peak RSS, bytes written."""

    wall: float
    cpu: float  # user + system, of the command and every worker it waited for
    peak_mib: float
    size: int


def cli_run(count: int, jobs: int, suffix: str = "jsonl", fmt: str = "jsonl") -> Run:
    """`kzcn generate --count N --jobs J --format F --out out.SUFFIX` in a subprocess.

    The RSS is that of the largest process of the run, the command or one of
    its workers: `wait4` reports the child's own peak and, as
    `RUSAGE_CHILDREN` would, that of every descendant it waited for; unlike
    `RUSAGE_CHILDREN` of this process, it is not carried over from earlier runs.
    """
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / f"out.{suffix}"
        args = [sys.executable, "-m", "kzcn", "generate", "--count", str(count), "--quiet"]
        args += ["--jobs", str(jobs), "--format", fmt, "--out", str(out)]
        start = time.perf_counter()
        child = subprocess.Popen(args)
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - start
        if os.waitstatus_to_exitcode(status):
            raise subprocess.CalledProcessError(os.waitstatus_to_exitcode(status), args)
        size = out.stat().st_size
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, size)


def _spread(values: list[float]) -> str:
    return f"{min(values):7.2f} / {statistics.median(values):7.2f} / {max(values):7.2f}"


def compare(
    count: int, runs: int, variants: dict[str, tuple[int, str, str]]
) -> dict[str, list[Run]]:
    """Each variant (jobs, suffix, format) `runs` times, interleaved so that load hits all alike."""
    done: dict[str, list[Run]] = {name: [] for name in variants}
    for _ in range(runs):
        for name, (jobs, suffix, fmt) in variants.items():
            done[name].append(cli_run(count, jobs, suffix, fmt))
    print(f"{count:,} messages, {runs} runs each; min / median / max")  # noqa: T201
    for name, measured in done.items():
        print(  # noqa: T201
            f"  {name:<22} wall {_spread([r.wall for r in measured])} s   "
            f"cpu {_spread([r.cpu for r in measured])} s   "
            f"peak RSS {max(r.peak_mib for r in measured):7.1f} MiB   "
            f"{measured[0].size / count * 1e6 / 2**20:7.1f} MiB per million"
        )
    return done


def jobs_ratio(count: int, runs: int) -> None:
    """Issue 19: `--jobs 2` against `--jobs 1` (target: wall ratio >= 1.6)."""
    done = compare(
        count, runs, {"--jobs 1": (1, "jsonl", "jsonl"), "--jobs 2": (2, "jsonl", "jsonl")}
    )
    one, two = done["--jobs 1"], done["--jobs 2"]
    walls = [a.wall / b.wall for a, b in zip(one, two, strict=True)]
    cpus = [b.cpu / a.cpu for a, b in zip(one, two, strict=True)]
    print(f"  wall jobs 1 / jobs 2 per run   {_spread(walls)} (target >= 1.6)")  # noqa: T201
    print(f"  cpu  jobs 2 / jobs 1 per run   {_spread(cpus)} (the cost of parallelism)")  # noqa: T201
    print(f"  ideal speed-up on 2 idle cores {2 / statistics.median(cpus):.2f}")  # noqa: T201


def formats(count: int, runs: int, jobs: int) -> None:
    """JSONL, gzip JSONL and Parquet side by side (issue 16: Parquet at about JSONL's pace).

    Parquet is built from the generator's columns (`kzcn._parquet.chunk_table`),
    with no JSON between; the ratio is Parquet's wall time over JSONL's, run by run.
    """
    done = compare(
        count,
        runs,
        {
            "jsonl": (jobs, "jsonl", "jsonl"),
            "jsonl.gz": (jobs, "jsonl.gz", "jsonl"),
            "parquet": (jobs, "parquet", "parquet"),
        },
    )
    ratios = [p.wall / j.wall for p, j in zip(done["parquet"], done["jsonl"], strict=True)]
    print(f"  wall parquet / jsonl per run   {_spread(ratios)} (target <= 1)")  # noqa: T201


def memory(counts: list[int], jobs: int, fmt: str) -> None:
    """Issue 20: peak RSS at each count (target: flat), and the disk per million messages."""
    suffix = {"gzip": "jsonl.gz"}.get(fmt, fmt)
    written = "jsonl" if fmt == "gzip" else fmt
    for count in counts:
        run = cli_run(count, jobs, suffix, written)
        print(  # noqa: T201
            f"  --count {count:>11,} --jobs {jobs} -o out.{suffix}: {run.wall:7.1f} s wall, "
            f"{run.cpu:7.1f} s cpu, peak RSS {run.peak_mib:7.1f} MiB, "
            f"{run.size / 2**30:6.2f} GiB written "
            f"({run.size / count * 1e6 / 1e9:.2f} GB per million)"
        )


def main() -> None:
    """Run the measurements asked for (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "what", nargs="?", default="rate", choices=["rate", "jobs", "formats", "memory"]
    )
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--count", type=int, default=1_500_000)
    parser.add_argument("--counts", default="1000000,5000000")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--format", default="jsonl", choices=["jsonl", "gzip", "parquet"])
    options = parser.parse_args()
    if options.what == "jobs":
        jobs_ratio(options.count, options.runs)
    elif options.what == "formats":
        formats(options.count, options.runs, options.jobs)
    elif options.what == "memory":
        memory([int(c) for c in options.counts.split(",")], options.jobs, options.format)
    else:
        rates(quick=options.quick)


def rates(*, quick: bool) -> None:
    """The bulk rate against Faker, and the whole command at two sizes."""
    # The subprocesses first, while this process is small (see `bulk_rate`).
    big = 150_000 if quick else 1_500_000
    for count, jobs in ((big // 10, 1), (big // 10, 2), (big, 1), (big, 2)):
        run = cli_run(count, jobs)
        met = "met" if run.wall < 60 else "MISSED"
        verdict = f" (target < 60 s: {met})" if count == 1_500_000 else ""
        print(  # noqa: T201
            f"kzcn generate --count {count:>9,} --jobs {jobs}: {run.wall:6.1f} s, "
            f"{count / run.wall:8,.0f} msgs/s, peak RSS {run.peak_mib:6.1f} MiB{verdict}"
        )
    bulk = bulk_rate(50_000 if quick else 200_000)
    faker = faker_rate(2_000 if quick else 10_000)
    print(f"bulk generator to JSONL : {bulk:10,.0f} msgs/s (target >= 40,000)")  # noqa: T201
    print(f"Faker-per-field builder : {faker:10,.0f} msgs/s")  # noqa: T201
    print(f"ratio bulk / Faker      : {bulk / faker:10.1f}x (target >= 4x)")  # noqa: T201


if __name__ == "__main__":
    main()
