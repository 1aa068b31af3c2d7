"""Version numbers: the package's and the exchange schema's."""

from importlib.metadata import PackageNotFoundError, version
from typing import Literal, get_args

try:
    __version__ = version("kzcn")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0.0.0"

#: The message schema's version: the only value `schema_version` takes.
SchemaVersion = Literal["1.0"]
#: The same, as a string for the schema `$id`.
SCHEMA_VERSION: str = get_args(SchemaVersion)[0]
