"""`kzcn exposure` counts the people found in more than one message, and those messages."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import orjson
import pytest

from cli_runner import invoke_command
from exposure_fixtures import build_messages
from kzcn.exposure import compute_exposure
from kzcn.synth import generate


def test_recurring_people_and_their_messages_are_counted() -> None:
    messages = list(build_messages(300, seed=3, repeat_rate=0.3))
    result = compute_exposure(messages)
    # The fixture's people are told apart by their passport number.
    seen = Counter(m["subject"]["documents"][0]["number"] for m in messages if "subject" in m)
    again = {number: n for number, n in seen.items() if n > 1}
    assert result.input.recurring_persons == len(again) > 0
    assert result.input.recurring_messages == sum(again.values())
    assert result.to_dict()["input"]["recurring_persons"] == len(again)


@pytest.mark.slow  # a generated dataset through the report
def test_a_generated_dataset_has_people_in_several_messages(tmp_path: Path) -> None:
    path = tmp_path / "generated.jsonl"
    path.write_bytes(b"".join(orjson.dumps(m) + b"\n" for m in generate(5_000, seed=2)))
    code, out = invoke_command("exposure", [str(path), "--format", "md"])
    assert code == 0
    result = compute_exposure(path)
    assert result.input.recurring_persons > 10
    assert "People in more than one message" in out
