"""A cheap pickle for the slotted dataclasses that cross to and from `--jobs` workers.

A slotted dataclass pickles by the generic route: its `__getstate__` and
`__setstate__` walk `dataclasses.fields()` in Python for every object, which
for a million lines costs seconds. Pickled as its class and a plain tuple of
its fields instead, it is rebuilt by one call of its `__init__`.
"""

from __future__ import annotations

from dataclasses import fields
from operator import attrgetter
from typing import Any, TypeVar

__all__ = ["pickled_by_fields"]

_T = TypeVar("_T")


def pickled_by_fields(cls: type[_T]) -> type[_T]:
    """Pickle instances of the dataclass `cls` as `cls(*every field)`.

    Every field is taken, so a field added later travels too; every field
    must be an `__init__` parameter, in order. A subclass pickles by the
    generic route (or its own `__reduce__`), never as `cls`.
    """
    names = [item.name for item in fields(cls)]  # type: ignore[arg-type]
    if len(names) < 2 or not all(item.init for item in fields(cls)):  # type: ignore[arg-type]
        message = f"{cls.__name__}: needs two or more fields, each an __init__ parameter"
        raise TypeError(message)
    values = attrgetter(*names)  # two or more names: a tuple

    def __reduce_ex__(self: _T, protocol: Any) -> Any:  # noqa: N807 - pickle's own protocol
        if type(self) is cls:
            return cls, values(self)
        return object.__reduce_ex__(self, protocol)

    cls.__reduce_ex__ = __reduce_ex__  # type: ignore[assignment,method-assign]
    return cls
