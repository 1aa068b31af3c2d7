"""The JSON Schema files, generated from the models by one function.

`schema/message.schema.json` (the union of all kinds) and
`schema/person.schema.json` are Draft 2020-12, written deterministically
(`indent=2`, sorted keys, trailing newline). `check_schema_files` compares the
committed files with what the models give now.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter

from kzcn._version import SCHEMA_VERSION
from kzcn.messages import MessageAdapter
from kzcn.person import PersonRecord

__all__ = [
    "SCHEMA_NAMES",
    "SchemaCheck",
    "build_schema",
    "check_schema_files",
    "render_schema",
    "write_schema_files",
]

DIALECT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_NAMES = ("message", "person")

_RULES_NOTE = (
    "Rules a JSON Schema cannot express (check digits of the IIN, resident ID number and MRZ; "
    "agreement of the IIN and resident ID with birth date and sex; date order; the 2023-11-10 "
    "boundary; whose citizen) are listed under `x-kzcn-rules` of the definitions and are "
    "enforced by the kzcn models. Deadlines are warnings, not errors."
)


def _adapter(name: str) -> TypeAdapter[Any]:
    if name == "message":
        return MessageAdapter
    if name == "person":
        return TypeAdapter(PersonRecord)
    raise ValueError(f"unknown schema {name!r}; choose from {SCHEMA_NAMES}")


def build_schema(name: str) -> dict[str, Any]:
    """The JSON Schema `name` ("message" or "person") as a dict."""
    body = _adapter(name).json_schema(mode="validation")
    title = {"message": "kzcn message", "person": "kzcn person record"}[name]
    head = {
        "$schema": DIALECT,
        "$id": f"urn:kzcn:schema:{name}:{SCHEMA_VERSION}",
        "title": title,
        "version": SCHEMA_VERSION,
        "$comment": _RULES_NOTE,
    }
    body.pop("title", None)
    return {**head, **body}


def render_schema(name: str) -> str:
    """The schema as the committed file's exact text."""
    return json.dumps(build_schema(name), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _path(directory: Path, name: str) -> Path:
    return directory / f"{name}.schema.json"


def write_schema_files(directory: Path) -> list[Path]:
    """Write every schema file into `directory`; return the paths written."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name in SCHEMA_NAMES:
        path = _path(directory, name)
        path.write_text(render_schema(name), encoding="utf-8")
        written.append(path)
    return written


@dataclass(frozen=True, slots=True)
class SchemaCheck:
    """Outcome of comparing schema files with the models."""

    up_to_date: tuple[Path, ...]
    stale: tuple[Path, ...]
    missing: tuple[Path, ...]

    @property
    def ok(self) -> bool:
        """True when every file exists and matches the models."""
        return not self.stale and not self.missing


def check_schema_files(directory: Path) -> SchemaCheck:
    """Compare the schema files in `directory` with the models."""
    up_to_date, stale, missing = [], [], []
    for name in SCHEMA_NAMES:
        path = _path(directory, name)
        if not path.is_file():
            missing.append(path)
        elif path.read_text(encoding="utf-8") == render_schema(name):
            up_to_date.append(path)
        else:
            stale.append(path)
    return SchemaCheck(tuple(up_to_date), tuple(stale), tuple(missing))
