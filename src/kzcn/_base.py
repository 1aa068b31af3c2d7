"""The shared model base: one configuration for every kzcn model, and errors without input."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Self, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    TypeAdapter,
    ValidationError,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema
from pydantic_core import core_schema as cs

from kzcn.errors import CATALOGUE, Code, redacted
from kzcn.provenance import annotate

__all__ = ["RULE_KEY", "KzcnModel", "RedactingAdapter", "schema_rule"]

T = TypeVar("T")

#: A date in JSON is this and nothing else (the JSON Schema's `format: date`).
ISO_DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"


#: On a schema clause: the code of the kzcn rule the clause says (the models raise it there).
RULE_KEY = "x-kzcn-rule"


def schema_rule(code: Code, clause: dict[str, Any]) -> dict[str, Any]:
    """`clause`, a JSON Schema that says the rule `code` in full, marked with that code.

    The schema then leaves the rule out of `x-kzcn-rules` (which lists what the
    schema does not say), and a generic validator's failing schema path leads
    to the code. The model still enforces the rule itself; tests hold the two
    to one verdict.
    """
    return {RULE_KEY: code, **clause}


def _date_error() -> tuple[str, str]:
    entry = CATALOGUE["date.invalid"]
    return "date.invalid", f"{entry.title}: {entry.description}"


def _date_from_text(node: CoreSchema) -> CoreSchema:
    """`YYYY-MM-DD` text, then a calendar date (`date.invalid` otherwise)."""
    code, message = _date_error()
    text = cs.custom_error_schema(
        cs.str_schema(pattern=ISO_DATE), code, custom_error_message=message
    )
    return cs.chain_schema([text, {**node, "strict": False}])


def _same_json_schema(node: CoreSchema) -> dict[str, Any]:
    """Metadata that keeps the JSON Schema of `node` for a rewritten node."""
    return {"pydantic_js_functions": [lambda _s, handler: handler(node)]}


def _json_shaped_date(node: CoreSchema) -> CoreSchema:
    """A date from JSON text, or from JSON-shaped Python data (`json.loads`).

    JSON: `YYYY-MM-DD` text only. Python: a `date`, or that same text (what
    `json.loads`, FastAPI and `kzcn.generate()` hand over). Never a number.
    """
    code, message = _date_error()
    from_text = _date_from_text(node)
    either = cs.union_schema(
        [node, from_text], custom_error_type=code, custom_error_message=message
    )
    return cs.json_or_python_schema(
        json_schema=from_text, python_schema=either, metadata=_same_json_schema(node)
    )


def _integral_float_as_int(value: Any) -> Any:
    """48211.0 is the integer 48211, as every JSON Schema validator says."""
    if type(value) is float and value.is_integer():
        return int(value)
    return value


def _as_is(value: Any, handler: cs.SerializerFunctionWrapHandler) -> Any:
    return handler(value)


def _tuple_as_list(value: Any) -> Any:
    return list(value) if type(value) is tuple else value


def _array_as_tuple(node: dict[str, Any]) -> CoreSchema:
    """A `tuple[X, ...]` validated as a list (JSON array or Python list or tuple), kept as a tuple.

    pydantic's own variadic tuple adds a spurious `too_short` when an item
    fails; a list reports only the item. The result is a tuple all the same,
    serialised by the tuple's own serialiser.
    """
    (items,) = node["items_schema"]
    bounds = {key: node[key] for key in ("min_length", "max_length") if key in node}
    array = cs.list_schema(items, **bounds)
    return cs.no_info_before_validator_function(
        _tuple_as_list,
        cs.no_info_after_validator_function(tuple, array),
        metadata=_same_json_schema(array),
        serialization=cs.wrap_serializer_function_ser_schema(_as_is, schema=node),
    )


def _json_shaped(node: Any) -> Any:
    """The core schema rewritten so that the models take what the JSON Schema takes.

    The models are strict, and strict pydantic differs from JSON Schema in three
    places; each is rewritten here, nowhere else:

    - dates: even strict, pydantic reads `"1700006400"` from JSON as a Unix time,
      and in Python mode refuses the ISO text `json.loads` gives. A date is
      `YYYY-MM-DD` text (else `date.invalid`, as the schema engine says) or, in
      Python, a `date` (`_json_shaped_date`).
    - integers: `48211.0` is an integer to JSON Schema; strict pydantic refuses
      it. An integral float becomes that int; `1.5` and `true` stay refused.
    - arrays: the models hold tuples (deeply frozen, hashable); a JSON array
      or a Python list is taken as the tuple it stands for (`_array_as_tuple`).

    The JSON Schema of every rewritten node is the original's.
    """
    if isinstance(node, dict):
        rewritten = {key: _json_shaped(value) for key, value in node.items()}
        kind = node.get("type")
        if kind == "date":
            return _json_shaped_date(node)
        if kind == "int":
            return cs.no_info_before_validator_function(
                _integral_float_as_int, rewritten, metadata=_same_json_schema(rewritten)
            )
        if kind == "tuple" and rewritten.get("variadic_item_index") == 0:
            return _array_as_tuple(rewritten)
        return rewritten
    if isinstance(node, list):
        return [_json_shaped(value) for value in node]
    return node


@contextmanager
def _redacting() -> Iterator[None]:
    """Raise a validation error with its input values hidden (`redacted`), never the original."""
    try:
        yield
    except ValidationError as error:
        raise redacted(error) from None


class KzcnModel(BaseModel):
    """Base of every kzcn model.

    - `extra="forbid"`: an unknown field is an error, never silently dropped.
    - `frozen`, deeply: records are values; nothing mutates an exchanged
      message. Arrays are tuples, so a message is hashable and
      `message.subject.documents.append(...)` fails.
    - `strict`: no coercion (`"5"` is not 5, a number is not a date), so that
      the models accept no more than the JSON Schema accepts. JSON text
      (`model_validate_json`) and JSON-shaped Python data (`model_validate` of
      `json.loads`, a FastAPI body) are both taken: a date is `YYYY-MM-DD`
      text or a `date`, an integral float is an integer, an array may be a
      list (see `_json_shaped`).
    - `hide_input_in_errors`, and every `ValidationError` of the `model_validate*`
      methods passed through `kzcn.errors.redacted`: `str()` and `repr()` of an
      error never echo a value, a key of the input or a quoted tag (only
      failures pay for the rewrite). `__init__` is not wrapped: a model with
      its own `__init__` is validated through it in Python mode, which would
      refuse dates from JSON; its errors still hide values, and its keys are
      the caller's own keyword arguments.
    """

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        strict=True,
        hide_input_in_errors=True,
        validate_default=False,
        use_enum_values=True,
    )

    @classmethod
    def __get_pydantic_json_schema__(
        cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        """The model's schema with each property's provenance (`x-kzcn-source`)."""
        schema = handler(core_schema)
        annotate(cls, handler.resolve_ref_schema(schema))
        return schema

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: type[BaseModel], handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        """The model's schema, taking JSON-shaped data (`_json_shaped`)."""
        schema: CoreSchema = _json_shaped(handler(source))
        return schema

    @classmethod
    def model_validate(cls, *args: Any, **kwargs: Any) -> Self:
        """`BaseModel.model_validate`, its errors redacted."""
        with _redacting():
            return super().model_validate(*args, **kwargs)

    @classmethod
    def model_validate_json(cls, *args: Any, **kwargs: Any) -> Self:
        """`BaseModel.model_validate_json`, its errors redacted."""
        with _redacting():
            return super().model_validate_json(*args, **kwargs)

    @classmethod
    def model_validate_strings(cls, *args: Any, **kwargs: Any) -> Self:
        """`BaseModel.model_validate_strings`, its errors redacted."""
        with _redacting():
            return super().model_validate_strings(*args, **kwargs)


# `TypeAdapter` is marked final for typing only; overriding the three validation
# entry points (and nothing else) keeps every other method pydantic's own.
class RedactingAdapter(TypeAdapter[T]):  # type: ignore[misc]
    """A `TypeAdapter` whose errors are redacted like the models' (see `KzcnModel`).

    The validator's own `validator.validate_json` stays unwrapped for the
    engines, which map the full error to located problems themselves.
    """

    def validate_python(self, *args: Any, **kwargs: Any) -> T:
        """`TypeAdapter.validate_python`, its errors redacted."""
        with _redacting():
            return super().validate_python(*args, **kwargs)

    def validate_json(self, *args: Any, **kwargs: Any) -> T:
        """`TypeAdapter.validate_json`, its errors redacted."""
        with _redacting():
            return super().validate_json(*args, **kwargs)

    def validate_strings(self, *args: Any, **kwargs: Any) -> T:
        """`TypeAdapter.validate_strings`, its errors redacted."""
        with _redacting():
            return super().validate_strings(*args, **kwargs)
