"""JSON Schema errors, told in the catalogue's codes.

A schema validator says which keyword failed where (`pattern` at
`$.subject.surname.latin`); the models say what is wrong (`name.homoglyph`).
This module bridges the two so that both engines report the same code. The
failing keyword decides it where the keyword is the whole story (a length, a
range, a type, a missing field). Where the schema writes a kzcn rule as a
`pattern`, an `enum`, a `const` or a `not` (a name's letters, a country code,
a document number by issuing state, an authority of the other state), the
models are asked which rule failed at that location, only when the schema
rejected the record, and only the objects around that location. Nothing here names a field or
recognises a list by its length. Errors of either validator (jsonschema-rs or
jsonschema) are first turned into neutral `SchemaFault`s.
"""

from __future__ import annotations

import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from types import MappingProxyType
from typing import Any

import orjson
from pydantic import BaseModel, ValidationError

from kzcn._deprecated import deprecated_attributes
from kzcn.errors import Code
from kzcn.messages import MESSAGE_MODELS
from kzcn.validation.problems import code_for_pydantic_type

__all__ = ["SchemaFault", "codes_for_faults"]

Loc = tuple[str | int, ...]
Found = tuple[Loc, Code, object]  # location, code, offending value


@dataclass(frozen=True, slots=True)
class SchemaFault:
    """One schema error, independent of the validator that raised it.

    Attributes:
        keyword: The failing keyword (`required`, `pattern`, `anyOf`...).
        loc: Where in the instance.
        instance: The value that failed.
        node: The subschema holding the keyword (empty when unknown).
        in_rule: The keyword sits under a `then`: a rule that depends on
            another field (document formats by state, authorities by state).
        names: Missing (`required`) or unexpected (`additionalProperties`) keys.
        branches: For `anyOf`/`oneOf`, each branch's own faults.
    """

    keyword: str
    loc: Loc
    instance: object
    node: Mapping[str, Any] = field(default_factory=dict)
    in_rule: bool = False
    names: tuple[str, ...] = ()
    branches: tuple[tuple[SchemaFault, ...], ...] = ()


_SIMPLE_CODES: dict[str, Code] = {
    "minLength": "structure.length",
    "maxLength": "structure.length",
    "minItems": "structure.length",
    "maxItems": "structure.length",
    "minimum": "structure.range",
    "maximum": "structure.range",
    "exclusiveMinimum": "structure.range",
    "exclusiveMaximum": "structure.range",
    "uniqueItems": "structure.not_unique",
    "const": "structure.not_allowed",
    "enum": "structure.not_allowed",
    "pattern": "structure.pattern",
    "not": "structure.invalid",
}
_FORMAT_CODES: dict[str, Code] = {"date": "date.invalid", "uuid": "structure.pattern"}
# Where the schema writes a kzcn rule (a name's letters, a country code, a
# document number by state...), the failing keyword is only the symptom: the
# models say which rule it is, at the same location.
_ASK_THE_MODELS = frozenset({"pattern", "enum", "const", "not"})
# When several keywords fail on one field, the models report the most basic
# one (a number is not checked against a pattern): keep the lowest rank.
_RANK: dict[Code, int] = {
    "structure.wrong_type": 0,
    "structure.missing_field": 0,
    "structure.extra_field": 0,
    "structure.not_allowed": 1,
    "country.unknown": 1,
    "structure.length": 2,
    "structure.range": 2,
}
_DEFAULT_RANK, _RULE_RANK = 3, 4


class _ModelCodes:
    """What the models say is wrong where, for one record; asked only when needed.

    A location is explained by the model of the nearest object that holds it
    (a name by its `BiscriptName`, a document number by its `IdentityDocument`),
    and by the enclosing ones in turn when that says nothing there (the rule that
    sender and recipient differ belongs to the message). Validating the small
    object keeps the cost of a rejected record low.
    """

    def __init__(self, root: object) -> None:
        self._root = root
        self._model = MESSAGE_MODELS.get(str(root.get("kind"))) if isinstance(root, dict) else None
        self._codes: dict[int, Mapping[Loc, Code]] = {}

    def at(self, loc: Loc) -> Code | None:
        """The models' code at `loc` (the first, if several), or None."""
        for depth, model in reversed(_models_along(self._model, loc)):
            code = self._codes_of(depth, model, loc).get(loc[depth:])
            if code is not None:
                return code
        return None

    def _codes_of(self, depth: int, model: type[BaseModel], loc: Loc) -> Mapping[Loc, Code]:
        if depth not in self._codes:
            self._codes[depth] = _model_codes(model, _value_at(self._root, loc[:depth]))
        return self._codes[depth]


@lru_cache(maxsize=4096)
def _models_along(
    model: type[BaseModel] | None, loc: Loc
) -> tuple[tuple[int, type[BaseModel]], ...]:
    """`(depth, model)` for each object on the way to `loc`, outermost first (paths recur)."""
    found: list[tuple[int, type[BaseModel]]] = []
    depth = 0
    while model is not None:
        found.append((depth, model))
        if depth >= len(loc) or not isinstance(loc[depth], str):
            break
        info = model.model_fields.get(str(loc[depth]))
        inner, is_list = _model_in(info.annotation) if info else (None, False)
        depth += 1
        if is_list:
            if depth >= len(loc) or not isinstance(loc[depth], int):
                break
            depth += 1
        model = inner
    return tuple(found)


def _model_in(annotation: Any) -> tuple[type[BaseModel] | None, bool]:
    """The model an annotation holds (through `| None`, `list[...]`), and whether in a list."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation, False
    # The models hold arrays as tuples (`tuple[X, ...]`); an index steps into either.
    is_list = typing.get_origin(annotation) in (list, tuple)
    for arg in typing.get_args(annotation):
        inner, inner_list = _model_in(arg)
        if inner is not None:
            return inner, is_list or inner_list
    return None, False


def _value_at(root: object, loc: Loc) -> object:
    node = root
    for part in loc:
        if isinstance(node, dict) and isinstance(part, str):
            node = node.get(part)
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        else:
            return None
    return node


def _model_codes(model: type[BaseModel], value: object) -> Mapping[Loc, Code]:
    """The code at each location `model` reports for `value`, read as JSON (dates are text)."""
    try:
        text = orjson.dumps(value)
    except orjson.JSONEncodeError:
        return {}  # not JSON at all: the keywords alone decide
    return _codes_of_text(model, text)


@lru_cache(maxsize=1024)
def _codes_of_text(model: type[BaseModel], text: bytes) -> Mapping[Loc, Code]:
    # Cached: a broken value recurs (an authority from the wrong state, a name
    # in lower case), and the same text gets the same codes.
    try:
        # The core validator, not `model_validate_json`: only the error types and
        # locations are read here, and the redaction that method adds for
        # display cost half of asking.
        model.__pydantic_validator__.validate_json(text)
    except ValidationError as error:
        codes: dict[Loc, Code] = {}
        details = error.errors(include_url=False, include_context=False, include_input=False)
        for detail in details:
            codes.setdefault(tuple(detail["loc"]), code_for_pydantic_type(detail["type"]))
        return MappingProxyType(codes)
    return MappingProxyType({})


def _keyword_code(fault: SchemaFault) -> Code:
    if fault.keyword == "type":
        return "date.invalid" if fault.node.get("format") == "date" else "structure.wrong_type"
    if fault.keyword == "format":
        return _FORMAT_CODES.get(str(fault.node.get("format")), "structure.invalid")
    return _SIMPLE_CODES.get(fault.keyword, "structure.invalid")


def _type_mismatch_only(branch: Sequence[SchemaFault], loc: Loc) -> bool:
    return all(f.keyword == "type" and f.loc == loc for f in branch)


def _branch_found(fault: SchemaFault, models: _ModelCodes) -> list[tuple[int, Found]]:
    """An `anyOf` (how the schema writes `X or null`): explain the branch that nearly fit."""
    near = [b for b in fault.branches if not _type_mismatch_only(b, fault.loc)]
    if near:
        return [item for inner in near[0] for item in _found(inner, models)]
    mismatches = [f for branch in fault.branches for f in branch]
    dated = any(f.node.get("format") == "date" for f in mismatches)
    return [(0, (fault.loc, "date.invalid" if dated else "structure.wrong_type", fault.instance))]


def _code(fault: SchemaFault, models: _ModelCodes) -> Code:
    # Under a `then`, any keyword (a `minItems`, a `type: null`) may stand for a rule.
    if fault.keyword in _ASK_THE_MODELS or fault.in_rule:
        told = models.at(fault.loc)
        if told is not None:
            return told
    return _keyword_code(fault)


def _found(fault: SchemaFault, models: _ModelCodes) -> list[tuple[int, Found]]:
    """`(rank, (loc, code, value))` for one fault."""
    keyword = fault.keyword
    if keyword == "required":
        missing = [(*fault.loc, n) for n in fault.names]
        if fault.in_rule:  # a field a rule asks for (a carrier, the areas): the rule's code
            return [
                (_RULE_RANK, (loc, models.at(loc) or "structure.missing_field", None))
                for loc in missing
            ]
        return [(0, (loc, "structure.missing_field", None)) for loc in missing]
    if keyword in ("additionalProperties", "unevaluatedProperties"):
        instance = fault.instance if isinstance(fault.instance, dict) else {}
        return [
            (0, ((*fault.loc, n), "structure.extra_field", instance.get(n))) for n in fault.names
        ]
    if keyword in ("anyOf", "oneOf") and fault.branches:
        return _branch_found(fault, models)
    code = _code(fault, models)
    rank = _RULE_RANK if fault.in_rule else _RANK.get(code, _DEFAULT_RANK)
    return [(rank, (fault.loc, code, fault.instance))]


def codes_for_faults(faults: Sequence[SchemaFault], root: object) -> list[Found]:
    """One `(loc, code, value)` per failing location, in the order the faults came.

    Several keywords failing on one field (a type and an enum, a length and a
    pattern) give one problem, the most basic, as the models do.
    """
    best: dict[Loc, tuple[int, Found]] = {}
    models = _ModelCodes(root)
    for fault in faults:
        for rank, found in _found(fault, models):
            loc = found[0]
            if loc not in best or rank < best[loc][0]:
                best[loc] = (rank, found)
    return [found for _, found in best.values()]


# `Fault` was the name in 0.1.0; the generator plants faults of its own (`PlantedFault`).
__getattr__ = deprecated_attributes(__name__, {"Fault": (__name__, "SchemaFault")})
