"""Version numbers: the package's and the exchange schema's."""

from typing import Literal, get_args

#: The package version; hatchling reads it from here into the wheel's metadata.
__version__ = "0.2.0.dev0"

#: The message schema's version: the only value `schema_version` takes.
SchemaVersion = Literal["2.0"]
#: The same, as a string for the schema `$id`.
SCHEMA_VERSION: str = get_args(SchemaVersion)[0]
