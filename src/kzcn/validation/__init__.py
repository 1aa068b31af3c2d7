"""Validation: turn records into problems with stable codes, never printing.

- `validate_message(text)`: one message, one `RecordResult`.
- `validate_file(path)`, `validate_stream(stream)`, `validate_records(items)`:
  a lazy `Validation`, one `RecordResult` per record as it is read.
- Two engines: `model` (the pydantic models, every rule, deadline warnings)
  and `schema` (the committed JSON Schema only).
- `report(...)` streams results through a text or JSON reporter and can split
  the input into valid and invalid records, byte for byte.
"""

from typing import TYPE_CHECKING

from kzcn._lazy import lazy_attributes
from kzcn.validation.core import (
    EngineName,
    make_engine,
    validate_file,
    validate_message,
    validate_records,
    validate_stream,
)
from kzcn.validation.engines import Engine, ModelEngine
from kzcn.validation.problems import Problem, json_path, problems_from_error
from kzcn.validation.readers import FORMATS, MAX_DEPTH, MAX_RECORD_BYTES, InputFormat
from kzcn.validation.report import (
    REPORTERS,
    JsonReporter,
    Outcome,
    Splitter,
    TextReporter,
    report,
    summary_line,
)
from kzcn.validation.results import RecordResult, Summary, Validation

if TYPE_CHECKING:
    from kzcn.validation.schema_engine import SchemaEngine

# The schema engine loads jsonschema and builds the schema: a model-engine run
# (`kzcn validate` by default) never pays for them.
__getattr__, __dir__ = lazy_attributes(globals(), {"SchemaEngine": "kzcn.validation.schema_engine"})

__all__ = [
    "FORMATS",
    "MAX_DEPTH",
    "MAX_RECORD_BYTES",
    "REPORTERS",
    "Engine",
    "EngineName",
    "InputFormat",
    "JsonReporter",
    "ModelEngine",
    "Outcome",
    "Problem",
    "RecordResult",
    "SchemaEngine",
    "Splitter",
    "Summary",
    "TextReporter",
    "Validation",
    "json_path",
    "make_engine",
    "problems_from_error",
    "report",
    "summary_line",
    "validate_file",
    "validate_message",
    "validate_records",
    "validate_stream",
]
