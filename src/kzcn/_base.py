"""The shared model base: one configuration for every kzcn model, and errors without input."""

from __future__ import annotations

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

from kzcn.errors import CATALOGUE, redacted
from kzcn.provenance import annotate

__all__ = ["KzcnModel", "RedactingAdapter"]

T = TypeVar("T")

#: A date in JSON is this and nothing else (the JSON Schema's `format: date`).
ISO_DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"


def _iso_dates_only(node: Any) -> Any:
    """The core schema with every date read from JSON as `YYYY-MM-DD` text only.

    pydantic, even strict, reads `"1700006400"` from JSON as a Unix time; the
    JSON Schema's `format: date` refuses it. So a JSON date must first match
    `ISO_DATE` (else `date.invalid`, as the schema engine says), and is then
    parsed as a calendar date. Python input (`date` objects) and the JSON
    Schema are unchanged.
    """
    if isinstance(node, dict):
        if node.get("type") == "date":
            entry = CATALOGUE["date.invalid"]
            text = cs.custom_error_schema(
                cs.str_schema(pattern=ISO_DATE),
                "date.invalid",
                custom_error_message=f"{entry.title}: {entry.description}",
            )
            from_json = cs.chain_schema([text, {**node, "strict": False}])
            return cs.json_or_python_schema(
                json_schema=from_json,
                python_schema=node,
                metadata={"pydantic_js_functions": [lambda _s, handler: handler(node)]},
            )
        return {key: _iso_dates_only(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_iso_dates_only(value) for value in node]
    return node


class KzcnModel(BaseModel):
    """Base of every kzcn model.

    - `extra="forbid"`: an unknown field is an error, never silently dropped.
    - `frozen`: records are values; nothing mutates an exchanged message.
    - `strict`: no coercion (`"5"` is not 5, a number is not a date), so that
      the models accept exactly what the JSON Schema accepts. Validate JSON
      text with `model_validate_json`; dates then come as `YYYY-MM-DD` strings,
      and only those: an integer string is not a date (see `_iso_dates_only`).
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
        """The model's schema, with dates from JSON as ISO text only (`_iso_dates_only`)."""
        schema: CoreSchema = _iso_dates_only(handler(source))
        return schema

    @classmethod
    def model_validate(cls, *args: Any, **kwargs: Any) -> Self:
        """`BaseModel.model_validate`, its errors redacted."""
        try:
            return super().model_validate(*args, **kwargs)
        except ValidationError as error:
            raise redacted(error) from None

    @classmethod
    def model_validate_json(cls, *args: Any, **kwargs: Any) -> Self:
        """`BaseModel.model_validate_json`, its errors redacted."""
        try:
            return super().model_validate_json(*args, **kwargs)
        except ValidationError as error:
            raise redacted(error) from None

    @classmethod
    def model_validate_strings(cls, *args: Any, **kwargs: Any) -> Self:
        """`BaseModel.model_validate_strings`, its errors redacted."""
        try:
            return super().model_validate_strings(*args, **kwargs)
        except ValidationError as error:
            raise redacted(error) from None


# `TypeAdapter` is marked final for typing only; overriding the three validation
# entry points (and nothing else) keeps every other method pydantic's own.
class RedactingAdapter(TypeAdapter[T]):  # type: ignore[misc]
    """A `TypeAdapter` whose errors are redacted like the models' (see `KzcnModel`).

    The validator's own `validator.validate_json` stays unwrapped for the
    engines, which map the full error to located problems themselves.
    """

    def validate_python(self, *args: Any, **kwargs: Any) -> T:
        """`TypeAdapter.validate_python`, its errors redacted."""
        try:
            return super().validate_python(*args, **kwargs)
        except ValidationError as error:
            raise redacted(error) from None

    def validate_json(self, *args: Any, **kwargs: Any) -> T:
        """`TypeAdapter.validate_json`, its errors redacted."""
        try:
            return super().validate_json(*args, **kwargs)
        except ValidationError as error:
            raise redacted(error) from None

    def validate_strings(self, *args: Any, **kwargs: Any) -> T:
        """`TypeAdapter.validate_strings`, its errors redacted."""
        try:
            return super().validate_strings(*args, **kwargs)
        except ValidationError as error:
            raise redacted(error) from None
