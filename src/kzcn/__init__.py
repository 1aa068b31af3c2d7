"""kzcn: the 2023 Kazakhstan-China citizen-information exchange, as data.

Typed models of every message the agreement provides for, the JSON Schema
generated from them, a validator with stable, redacted error codes, a
synthetic-data generator, and a privacy-exposure report.

```py
import json

import kzcn

messages = list(kzcn.generate(100, seed=1))         # synthetic, JSON-ready
assert kzcn.validate_message(json.dumps(messages[0])).valid
exposure = kzcn.compute_exposure(messages)          # what they reveal about people
```
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

from kzcn._version import SCHEMA_VERSION, __version__
from kzcn.authorities import AUTHORITIES, Authority
from kzcn.errors import CATALOGUE, ErrorCode
from kzcn.messages import (
    MESSAGE_KINDS,
    BorderCrossing,
    CitizenshipAcquisition,
    CitizenshipStatusReply,
    EntryStayExitViolation,
    Message,
    MessageAdapter,
    PartyAuthority,
    PriorCitizenshipChange,
    StatisticsRow,
    SuspensionNotice,
    TerminationEvidence,
    VisaFreeStatistics,
    message_warnings,
)
from kzcn.person import IdentityDocument, PersonRecord
from kzcn.schema import build_schema, check_schema_files, write_schema_files
from kzcn.types import BiscriptName, PhotoReference, Place
from kzcn.validation import (
    Problem,
    RecordResult,
    Validation,
    validate_file,
    validate_message,
    validate_records,
    validate_stream,
)

if TYPE_CHECKING:
    from kzcn.catalogue import catalogue
    from kzcn.exposure import ExposureResult, compute_exposure
    from kzcn.synth import Generator, Mix, generate, write_dataset

# Generation (its tables) and exposure (polars) load on first use, so that
# `import kzcn` and the validator start fast.
_LAZY = {
    "catalogue": "kzcn.catalogue",
    "ExposureResult": "kzcn.exposure",
    "compute_exposure": "kzcn.exposure",
    "Generator": "kzcn.synth",
    "Mix": "kzcn.synth",
    "generate": "kzcn.synth",
    "write_dataset": "kzcn.synth",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'kzcn' has no attribute {name!r}")


__all__ = [
    "AUTHORITIES",
    "CATALOGUE",
    "MESSAGE_KINDS",
    "SCHEMA_VERSION",
    "Authority",
    "BiscriptName",
    "BorderCrossing",
    "CitizenshipAcquisition",
    "CitizenshipStatusReply",
    "EntryStayExitViolation",
    "ErrorCode",
    "ExposureResult",
    "Generator",
    "IdentityDocument",
    "Message",
    "MessageAdapter",
    "Mix",
    "PartyAuthority",
    "PersonRecord",
    "PhotoReference",
    "Place",
    "PriorCitizenshipChange",
    "Problem",
    "RecordResult",
    "StatisticsRow",
    "SuspensionNotice",
    "TerminationEvidence",
    "Validation",
    "VisaFreeStatistics",
    "__version__",
    "build_schema",
    "catalogue",
    "check_schema_files",
    "compute_exposure",
    "generate",
    "message_warnings",
    "validate_file",
    "validate_message",
    "validate_records",
    "validate_stream",
    "write_dataset",
    "write_schema_files",
]
