"""The public API is a deliberate list."""

from __future__ import annotations

from importlib.resources import files

import kzcn

PUBLIC = [
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


def test_all_is_pinned() -> None:
    assert sorted(kzcn.__all__) == sorted(PUBLIC)


def test_every_public_name_resolves() -> None:
    for name in kzcn.__all__:
        assert getattr(kzcn, name) is not None, name


def test_package_is_typed() -> None:
    assert files("kzcn").joinpath("py.typed").is_file()
