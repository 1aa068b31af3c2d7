"""Package attributes that import their module on first use (PEP 562).

`import kzcn` then costs almost nothing, and a process that needs one
submodule (an exposure parser worker needs only `kzcn.exposure._read`) does
not pay for pydantic, the models and the validator it never touches.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import Any

__all__ = ["lazy_attributes"]


def lazy_attributes(
    namespace: dict[str, Any], origins: dict[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """A module's `__getattr__` and `__dir__` for names loaded on first use.

    `__getattr__` loads `name` from `origins[name]` and keeps it; `__dir__`
    lists the names not loaded yet too.

    Args:
        namespace: The package's `globals()`, where a loaded name is stored so
            the next access is an ordinary attribute lookup.
        origins: Public name to the module that defines it.
    """
    package = namespace["__name__"]

    def __getattr__(name: str) -> Any:  # noqa: N807 - the PEP 562 hook
        origin = origins.get(name)
        if origin is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(import_module(origin), name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:  # noqa: N807 - the PEP 562 hook
        return sorted({*namespace, *origins})

    return __getattr__, __dir__
