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

from typing import TYPE_CHECKING

from kzcn._deprecated import deprecated_attributes
from kzcn._lazy import lazy_attributes
from kzcn._version import SCHEMA_VERSION, __version__

if TYPE_CHECKING:
    from kzcn.authorities import AUTHORITIES, Authority
    from kzcn.dictionary import field_dictionary
    from kzcn.errors import CATALOGUE, Code, ErrorCode
    from kzcn.exposure import ExposureResult, compute_exposure
    from kzcn.messages import (
        MESSAGE_KINDS,
        BorderCrossing,
        CitizenshipAcquisition,
        CitizenshipStatusReply,
        EntryStayExitViolation,
        EvidenceItem,
        FormerCitizenship,
        Message,
        MessageAdapter,
        PartyAuthority,
        PriorCitizenshipChange,
        StatisticsRow,
        SuspensionNotice,
        VisaFreeStatistics,
        message_warnings,
    )
    from kzcn.person import IdentityDocument, PersonRecord
    from kzcn.schema import build_schema, check_schema_files, write_schema_files
    from kzcn.synth import Generator, Mix, generate, write_dataset
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

# Every public name loads its module on first use: `import kzcn` stays cheap,
# and so does a worker process that imports one submodule of the package.
_ORIGINS = {
    name: module
    for module, names in {
        "kzcn.authorities": ("AUTHORITIES", "Authority"),
        "kzcn.dictionary": ("field_dictionary",),
        "kzcn.errors": ("CATALOGUE", "Code", "ErrorCode"),
        "kzcn.exposure": ("ExposureResult", "compute_exposure"),
        "kzcn.messages": (
            "MESSAGE_KINDS", "BorderCrossing", "CitizenshipAcquisition",
            "CitizenshipStatusReply", "EntryStayExitViolation", "Message", "MessageAdapter",
            "PartyAuthority", "PriorCitizenshipChange", "StatisticsRow", "SuspensionNotice",
            "EvidenceItem", "FormerCitizenship", "VisaFreeStatistics", "message_warnings",
        ),
        "kzcn.person": ("IdentityDocument", "PersonRecord"),
        "kzcn.schema": ("build_schema", "check_schema_files", "write_schema_files"),
        "kzcn.synth": ("Generator", "Mix", "generate", "write_dataset"),
        "kzcn.types": ("BiscriptName", "PhotoReference", "Place"),
        "kzcn.validation": (
            "Problem", "RecordResult", "Validation", "validate_file", "validate_message",
            "validate_records", "validate_stream",
        ),
    }.items()
    for name in names
}  # fmt: skip
_lazy, __dir__ = lazy_attributes(globals(), _ORIGINS)
# Old public names, kept for one release (CHANGELOG.md, Deprecated).
__getattr__ = deprecated_attributes(
    __name__, {"catalogue": ("kzcn.dictionary", "field_dictionary")}, _lazy
)


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
    "Code",
    "EntryStayExitViolation",
    "ErrorCode",
    "EvidenceItem",
    "ExposureResult",
    "FormerCitizenship",
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
    "Validation",
    "VisaFreeStatistics",
    "__version__",
    "build_schema",
    "check_schema_files",
    "compute_exposure",
    "field_dictionary",
    "generate",
    "message_warnings",
    "validate_file",
    "validate_message",
    "validate_records",
    "validate_stream",
    "write_dataset",
    "write_schema_files",
]
