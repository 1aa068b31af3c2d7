"""The regime's values as the generator draws them, read from the models' `Literal`s.

The generator and the faults keep only what is their own: the order in which it draws values
(which fixes what a seed gives) and how often each comes up. The values
themselves come from the models, so a table here naming a value the models do
not allow fails at import, and `tests/test_synth_regime.py` fails when the
models allow a value that nothing generates.
"""

from __future__ import annotations

import typing
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel

from kzcn.messages import MESSAGE_KINDS

__all__ = ["fields_of", "in_draw_order", "kinds", "shares", "values_of"]


def values_of(literal: Any) -> tuple[str, ...]:
    """The values a `Literal` type allows, in the model's order."""
    values = typing.get_args(literal)
    if typing.get_origin(literal) is not typing.Literal or not all(
        isinstance(v, str) for v in values
    ):
        raise TypeError(f"{literal!r} is not a Literal of strings")
    return values


def in_draw_order(literal: Any, order: Sequence[str]) -> tuple[str, ...]:
    """`order`, checked against the values `literal` allows.

    The generator draws an index into this tuple, so its order is part of what
    a seed gives; a value the model does not allow is a `ValueError` here.
    """
    unknown = [value for value in order if value not in values_of(literal)]
    if unknown:
        raise ValueError(f"{unknown} not allowed by {literal!r}")
    return tuple(order)


def shares(literal: Any, weights: Sequence[tuple[str, int]]) -> tuple[tuple[str, int], ...]:
    """`(value, weight)` pairs in draw order, each value checked against `literal`."""
    in_draw_order(literal, [value for value, _ in weights])
    return tuple(weights)


def fields_of(
    model: type[BaseModel], names: Sequence[str], *, required: bool = False
) -> tuple[str, ...]:
    """`names`, each checked to be a field of `model` (and required, if `required`)."""
    fields = model.model_fields
    wrong = [n for n in names if n not in fields or (required and not fields[n].is_required())]
    if wrong:
        qualifier = "required " if required else ""
        raise ValueError(f"{wrong}: not {qualifier}fields of {model.__name__}")
    return tuple(names)


def kinds(*names: str) -> tuple[str, ...]:
    """`names`, each checked to be a message kind."""
    unknown = [name for name in names if name not in MESSAGE_KINDS]
    if unknown:
        raise ValueError(f"unknown kinds {unknown}")
    return names
