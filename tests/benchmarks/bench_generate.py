"""Benchmark: `kzcn generate` to JSONL against a Faker-per-field builder of the same message.

Run: `python tests/benchmarks/bench_generate.py [--quick]`. Prints messages
per second for

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

import os
import subprocess
import sys
import tempfile
import time
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


def cli_run(count: int, jobs: int) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of `kzcn generate --count N --jobs J` in a subprocess.

    The RSS is that of the largest process of the run, the command or one of
    its workers: `wait4` reports the child's own peak and, as
    `RUSAGE_CHILDREN` would, that of every descendant it waited for; unlike
    `RUSAGE_CHILDREN` of this process, it is not carried over from earlier runs.
    """
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        child = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "kzcn",
                "generate",
                "--count",
                str(count),
                "--quiet",
                "--jobs",
                str(jobs),
                "--out",
                str(Path(tmp) / "out.jsonl"),
            ],
        )
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)  # already reaped
    if child.returncode:
        raise subprocess.CalledProcessError(child.returncode, child.args)
    return wall, usage.ru_maxrss / 1024


def main() -> None:
    """Run every measurement and print the figures and ratios."""
    quick = "--quick" in sys.argv
    # The subprocesses first, while this process is small (see `bulk_rate`).
    big = 150_000 if quick else 1_500_000
    for count, jobs in ((big // 10, 1), (big // 10, 2), (big, 1), (big, 2)):
        wall, peak = cli_run(count, jobs)
        met = "met" if wall < 60 else "MISSED"
        verdict = f" (target < 60 s: {met})" if count == 1_500_000 else ""
        print(  # noqa: T201
            f"kzcn generate --count {count:>9,} --jobs {jobs}: {wall:6.1f} s, "
            f"{count / wall:8,.0f} msgs/s, peak RSS {peak:6.1f} MiB{verdict}"
        )
    bulk = bulk_rate(50_000 if quick else 200_000)
    faker = faker_rate(2_000 if quick else 10_000)
    print(f"bulk generator to JSONL : {bulk:10,.0f} msgs/s (target >= 40,000)")  # noqa: T201
    print(f"Faker-per-field builder : {faker:10,.0f} msgs/s")  # noqa: T201
    print(f"ratio bulk / Faker      : {bulk / faker:10.1f}x (target >= 4x)")  # noqa: T201


if __name__ == "__main__":
    main()
