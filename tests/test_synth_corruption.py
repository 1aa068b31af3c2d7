"""Labelled corruption: the validator reports exactly the labelled codes on the labelled lines."""

from __future__ import annotations

import io
import random
from collections import Counter

import orjson
import pytest

from kzcn.messages import MESSAGE_KINDS
from kzcn.synth import FAULTS, Generator, corrupt, write_dataset
from kzcn.validation import validate_message


def _rng(seed: int | str) -> random.Random:
    return random.Random(seed)  # noqa: S311 - test data, not secrets


def _errors(line: bytes) -> tuple[str, ...]:
    result = validate_message(line)
    return tuple(sorted(p.code for p in result.problems if p.severity == "error"))


@pytest.mark.slow  # thousands of records through the models
def test_the_validator_reports_exactly_the_labelled_codes_over_thousands_of_records() -> None:
    out, labels = io.BytesIO(), io.BytesIO()
    # A seed whose 4,000 records meet every fault, the rarest (a cancelled suspension) too.
    summary = write_dataset(out, 4000, seed=18, invalid_rate=0.5, labels=labels)
    lines = out.getvalue().splitlines()
    truth = [orjson.loads(line) for line in labels.getvalue().splitlines()]
    assert len(lines) == len(truth) == 4000
    faults: Counter[str | None] = Counter()
    for number, (line, label) in enumerate(zip(lines, truth, strict=True), start=1):
        assert label["line"] == number
        assert _errors(line) == tuple(label["codes"]), label
        assert label["valid"] == (label["codes"] == [])
        faults[label["fault"]] += 1
    assert summary.invalid == 4000 - faults[None]
    assert 1800 < summary.invalid < 2200
    assert set(faults) - {None} == set(FAULTS)


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_each_fault_gives_its_codes_on_every_kind_it_fits(fault: str) -> None:
    generator = Generator(_rng(fault))
    rng = _rng(1)
    fitted = 0
    for kind in MESSAGE_KINDS:
        for sender in ("KAZ", "CHN"):
            for message in map(orjson.loads, generator.lines(15, kind, sender)):
                try:
                    broken = corrupt(message, rng, [fault])
                except ValueError:
                    continue
                fitted += 1
                assert broken.fault == fault
                assert _errors(orjson.dumps(broken.message)) == broken.codes
    assert fitted > 0


def test_there_are_at_least_twelve_faults() -> None:
    assert len(FAULTS) >= 12
    assert all(f.description for f in FAULTS.values())


def test_corrupt_leaves_the_original_and_its_shared_parts_alone() -> None:
    generator = Generator(_rng(3))
    message = generator.message("citizenship_acquisition", "KAZ")
    before = orjson.dumps(message)
    for seed in range(200):
        corrupt(message, _rng(seed))
    assert orjson.dumps(message) == before
    assert validate_message(before).valid


def test_a_fault_that_fits_nothing_is_refused() -> None:
    message = Generator(_rng(1)).message("suspension_notice")
    with pytest.raises(ValueError, match="none of the faults"):
        corrupt(message, _rng(1), ["iin_check_digit"])


def test_valid_records_are_the_same_with_or_without_corruption() -> None:
    plain, corrupted, labels = io.BytesIO(), io.BytesIO(), io.BytesIO()
    write_dataset(plain, 300, seed=5)
    write_dataset(corrupted, 300, seed=5, invalid_rate=0.3, labels=labels)
    truth = [orjson.loads(x) for x in labels.getvalue().splitlines()]
    pairs = zip(
        plain.getvalue().splitlines(), corrupted.getvalue().splitlines(), truth, strict=True
    )
    for original, line, label in pairs:
        assert (original == line) == label["valid"]
