"""Shared test configuration."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"

# Deterministic in CI (same examples every run); exploratory locally.
settings.register_profile(
    "ci", derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("ci" if os.environ.get("CI") else "dev")


#: The files `kzcn demo` writes into its folder (besides its marker file).
DEMO_FILES = frozenset({
    "messages.jsonl",
    "messages.csv",
    "labels.jsonl",
    "validation.txt",
    "validation.json",
    "exposure.html",
    "exposure.md",
    "exposure.json",
    "fields.en.md",
    "schema/message.schema.json",
    "schema/person.schema.json",
})  # fmt: skip


def example_files(folder: str) -> list[Path]:
    """The example messages of `examples/<folder>/`, without their `.expected.json` sidecars."""
    return sorted(p for p in (EXAMPLES / folder).glob("*.json") if ".expected" not in p.name)


_INTEROP = ROOT / "tests" / "interop"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """`slow`, out of the inner loop: interop (other tools: node, code generators, FastAPI)
    and every test that drives a real browser (the `driver` fixture starts Chromium)."""
    for item in items:
        in_interop = _INTEROP in Path(item.path).parents
        if in_interop or "driver" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.slow)
