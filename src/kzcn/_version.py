"""Version numbers: the package's and the exchange schema's."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("kzcn")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0.0.0"

#: Version of the message schema; it goes into `schema_version` and the schema `$id`.
SCHEMA_VERSION = "1.0"
