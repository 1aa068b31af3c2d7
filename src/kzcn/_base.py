"""The shared model base: one configuration for every kzcn model."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

from kzcn.provenance import annotate


class KzcnModel(BaseModel):
    """Base of every kzcn model.

    - `extra="forbid"`: an unknown field is an error, never silently dropped.
    - `frozen`: records are values; nothing mutates an exchanged message.
    - `strict`: no coercion (`"5"` is not 5, a number is not a date), so that
      the models accept exactly what the JSON Schema accepts. Validate JSON
      text with `model_validate_json`; dates then come as `YYYY-MM-DD` strings.
    - `hide_input_in_errors`: `str(ValidationError)` never echoes a value.
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
