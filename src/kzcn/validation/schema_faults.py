"""JSON Schema errors, told in the catalogue's codes.

A schema validator says which keyword failed where (`pattern` at
`$.subject.surname.latin`); the models say what is wrong (`name.homoglyph`).
This module bridges the two so that both engines report the same code. The
failing keyword decides it where the keyword is the whole story (a length, a
range, a type, a missing field). Where the schema writes a kzcn rule as a
`pattern`, an `enum`, a `const` or a `not` (a name's letters, a country code,
a document number by issuing state, an authority of the other state), the
models are asked which rule failed at that location: the record is validated
once, and only when the schema rejected it. Nothing here names a field or
recognises a list by its length. Errors of either validator (jsonschema-rs or
jsonschema) are first turned into neutral `SchemaFault`s.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
from pydantic import ValidationError

from kzcn._deprecated import deprecated_attributes
from kzcn.errors import Code
from kzcn.messages import MessageAdapter
from kzcn.validation.problems import code_for_pydantic_type, strip_tag

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
    """The codes the models report for one record, by location; validated on first use."""

    def __init__(self, root: object) -> None:
        self._root = root
        self._codes: dict[Loc, Code] | None = None

    def at(self, loc: Loc) -> Code | None:
        """The models' code at `loc` (the first, if several), or None."""
        if self._codes is None:
            self._codes = self._validate()
        return self._codes.get(loc)

    def _validate(self) -> dict[Loc, Code]:
        try:
            text = orjson.dumps(self._root)
        except orjson.JSONEncodeError:
            return {}  # not JSON at all: the keywords alone decide
        try:
            # As JSON, as the model engine reads it (a date is text in JSON).
            MessageAdapter.validate_json(text)
        except ValidationError as error:
            codes: dict[Loc, Code] = {}
            details = error.errors(include_url=False, include_context=False, include_input=False)
            for detail in details:
                codes.setdefault(strip_tag(detail["loc"]), code_for_pydantic_type(detail["type"]))
            return codes
        return {}


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
    if fault.keyword in _ASK_THE_MODELS:
        told = models.at(fault.loc)
        if told is not None:
            return told
    return _keyword_code(fault)


def _found(fault: SchemaFault, models: _ModelCodes) -> list[tuple[int, Found]]:
    """`(rank, (loc, code, value))` for one fault."""
    keyword = fault.keyword
    if keyword == "required":
        return [(0, ((*fault.loc, n), "structure.missing_field", None)) for n in fault.names]
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
