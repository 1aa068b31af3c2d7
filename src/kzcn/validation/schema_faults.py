"""JSON Schema errors, told in the catalogue's codes.

A schema validator says which keyword failed where (`pattern` at
`$.subject.surname.latin`); the models say what is wrong (`name.homoglyph`).
This module bridges the two so that both engines report the same code
wherever the schema can tell: the failing keyword, the field it failed on,
and whether it failed inside a conditional rule (`allOf`/`if`/`then`, which
is how the schema writes the rules that depend on another field) decide the
code. Errors of either validator (jsonschema-rs or jsonschema) are first
turned into neutral `Fault`s.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from pydantic import TypeAdapter, ValidationError

from kzcn.types import NationalCharacters, assigned_country_codes, name_problem
from kzcn.validation.problems import code_for_pydantic_type

__all__ = ["Fault", "codes_for_faults"]

Loc = tuple[str | int, ...]
Found = tuple[Loc, str, object]  # location, code, offending value


@dataclass(frozen=True, slots=True)
class Fault:
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
    branches: tuple[tuple[Fault, ...], ...] = ()


_PERSONAL_NUMBER_CODES = {"KAZ": "iin.format", "CHN": "resident_id.format"}
_RULE_CODES: dict[tuple[str, str], str] = {
    ("enum", "authority"): "message.authority_state",
    ("const", "state"): "message.same_state",
}
_SIMPLE_CODES: dict[str, str] = {
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
}
# When several keywords fail on one field, the models report the most basic
# one (a number is not checked against a pattern): keep the lowest rank.
_RANK: dict[str, int] = {
    "structure.wrong_type": 0,
    "structure.missing_field": 0,
    "structure.extra_field": 0,
    "structure.not_allowed": 1,
    "country.unknown": 1,
    "structure.length": 2,
    "structure.range": 2,
}
_DEFAULT_RANK, _RULE_RANK = 3, 4


@cache
def _national_adapter() -> TypeAdapter[str]:
    return TypeAdapter(NationalCharacters)


def _national_code(value: str) -> str:
    try:
        _national_adapter().validate_python(value)
    except ValidationError as error:
        return code_for_pydantic_type(error.errors(include_input=False)[0]["type"])
    return "structure.pattern"


def _leaf(loc: Loc) -> str:
    return next((part for part in reversed(loc) if isinstance(part, str)), "")


def _lookup(root: object, loc: Loc) -> object:
    node = root
    for part in loc:
        if isinstance(node, dict) and isinstance(part, str):
            node = node.get(part)
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
        else:
            return None
    return node


def _name_code(fault: Fault, root: object) -> str:
    del root
    value, leaf = fault.instance, _leaf(fault.loc)
    if not isinstance(value, str):
        return "structure.pattern"
    if leaf == "name_national":
        return _national_code(value)
    return name_problem(value, "latin" if leaf == "latin" else "cyrillic") or "structure.pattern"


def _personal_number_code(fault: Fault, root: object) -> str:
    # Which format applies depends on the holder's citizenship, a sibling field.
    citizenship = _lookup(root, (*fault.loc[:-1], "citizenship"))
    return _PERSONAL_NUMBER_CODES.get(str(citizenship), "personal_number.format")


def _number_code(fault: Fault, root: object) -> str:
    del root
    return "document.number_format" if "documents" in fault.loc else "structure.pattern"


# A pattern on these fields stands for a kzcn rule with its own code.
_PATTERN_CODES: dict[str, Callable[[Fault, object], str]] = {
    "cyrillic": _name_code,
    "latin": _name_code,
    "name_national": _name_code,
    "personal_number": _personal_number_code,
    "number": _number_code,
    "admin_code": lambda _fault, _root: "place.admin_code",
}


def _pattern_code(fault: Fault, root: object) -> str:
    if fault.node.get("format") == "date":
        return "date.invalid"  # the pattern that refuses year 0000
    handler = _PATTERN_CODES.get(_leaf(fault.loc))
    return handler(fault, root) if handler else "structure.pattern"


def _enum_code(fault: Fault, root: object) -> str:
    del root
    options = fault.node.get("enum")
    if (
        isinstance(options, list)
        and len(options) > 100
        and set(options) == set(assigned_country_codes())
    ):
        return "country.unknown"
    return "structure.not_allowed"


def _type_code(fault: Fault, root: object) -> str:
    del root
    return "date.invalid" if fault.node.get("format") == "date" else "structure.wrong_type"


def _format_code(fault: Fault, root: object) -> str:
    del root
    form = fault.node.get("format")
    return {"date": "date.invalid", "uuid": "structure.pattern"}.get(str(form), "structure.invalid")


def _not_code(fault: Fault, root: object) -> str:
    del root
    return "photo.data_uri" if _leaf(fault.loc) == "uri" else "structure.invalid"


_KEYWORD_CODES: dict[str, Callable[[Fault, object], str]] = {
    "pattern": _pattern_code,
    "type": _type_code,
    "format": _format_code,
    "enum": _enum_code,
    "not": _not_code,
}


def _type_mismatch_only(branch: Sequence[Fault], loc: Loc) -> bool:
    return all(f.keyword == "type" and f.loc == loc for f in branch)


def _branch_found(fault: Fault, root: object) -> list[tuple[int, Found]]:
    """An `anyOf` (how the schema writes `X or null`): explain the branch that nearly fit."""
    near = [b for b in fault.branches if not _type_mismatch_only(b, fault.loc)]
    if near:
        return [item for inner in near[0] for item in _found(inner, root)]
    mismatches = [f for branch in fault.branches for f in branch]
    dated = any(f.node.get("format") == "date" for f in mismatches)
    return [(0, (fault.loc, "date.invalid" if dated else "structure.wrong_type", fault.instance))]


def _code(fault: Fault, root: object) -> str:
    rule = _RULE_CODES.get((fault.keyword, _leaf(fault.loc))) if fault.in_rule else None
    if rule:
        return rule
    handler = _KEYWORD_CODES.get(fault.keyword)
    return (
        handler(fault, root) if handler else _SIMPLE_CODES.get(fault.keyword, "structure.invalid")
    )


def _found(fault: Fault, root: object) -> list[tuple[int, Found]]:
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
        return _branch_found(fault, root)
    code = _code(fault, root)
    rank = _RULE_RANK if fault.in_rule else _RANK.get(code, _DEFAULT_RANK)
    return [(rank, (fault.loc, code, fault.instance))]


def codes_for_faults(faults: Sequence[Fault], root: object) -> list[Found]:
    """One `(loc, code, value)` per failing location, in the order the faults came.

    Several keywords failing on one field (a type and an enum, a length and a
    pattern) give one problem, the most basic, as the models do.
    """
    best: dict[Loc, tuple[int, Found]] = {}
    for fault in faults:
        for rank, found in _found(fault, root):
            loc = found[0]
            if loc not in best or rank < best[loc][0]:
                best[loc] = (rank, found)
    return [found for _, found in best.values()]
