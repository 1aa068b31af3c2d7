"""The interop suite runs other tools (node, code generators, FastAPI): slow, not inner loop."""

from __future__ import annotations

from pathlib import Path

import pytest

_HERE = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test of this folder `slow` (`pytest -m "not slow"` leaves them to CI)."""
    for item in items:
        if _HERE in Path(item.path).parents:
            item.add_marker(pytest.mark.slow)
