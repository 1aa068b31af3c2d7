"""kzcn: the 2023 Kazakhstan-China citizen-information exchange, as data.

Typed models of every message the agreement provides for, the JSON Schema
generated from them, a validator with stable, redacted error codes, a
synthetic-data generator, and a privacy-exposure report.

```py
import kzcn

result = kzcn.validate_message(open("examples/valid/citizenship_acquisition.json").read())
assert result.valid
```
"""

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
from kzcn.validation import Problem, RecordResult, validate_file, validate_message

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
    "IdentityDocument",
    "Message",
    "MessageAdapter",
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
    "VisaFreeStatistics",
    "__version__",
    "build_schema",
    "check_schema_files",
    "message_warnings",
    "validate_file",
    "validate_message",
    "write_schema_files",
]
