"""Validation: turn records into problems with stable codes, never printing."""

from kzcn.validation.problems import Problem, json_path, problems_from_error
from kzcn.validation.core import FileReport, RecordResult, validate_file, validate_message

__all__ = [
    "FileReport",
    "Problem",
    "RecordResult",
    "json_path",
    "problems_from_error",
    "validate_file",
    "validate_message",
]
