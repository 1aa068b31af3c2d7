"""Old public names kept for one release: they still work, with a DeprecationWarning.

Each deprecation is listed in CHANGELOG.md under *Deprecated*, with the
release that removes it.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from importlib import import_module
from typing import Any

__all__ = ["REMOVED_IN", "deprecated_attributes"]

#: The release that removes the names deprecated now.
REMOVED_IN = "0.3.0"


def deprecated_attributes(
    package: str,
    aliases: dict[str, tuple[str, str]],
    fallback: Callable[[str], Any] | None = None,
) -> Callable[[str], Any]:
    """A module's `__getattr__` (PEP 562) that serves `aliases` with a warning.

    Args:
        package: The module's name, for messages.
        aliases: Old name to (module, new name).
        fallback: The module's other `__getattr__` (lazy names), if any.
    """

    def __getattr__(name: str) -> Any:  # noqa: N807 - the PEP 562 hook
        if name in aliases:
            module, new = aliases[name]
            warnings.warn(
                f"{package}.{name} is deprecated and will be removed in {REMOVED_IN}; "
                f"use {module}.{new}",
                DeprecationWarning,
                stacklevel=2,
            )
            return getattr(import_module(module), new)
        if fallback is not None:
            return fallback(name)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    return __getattr__
