"""The public API is a deliberate list."""

from __future__ import annotations

from importlib.resources import files

import kzcn

PUBLIC = [
    "AUTHORITIES",
    "Authority",
    "BiscriptName",
    "BorderCrossing",
    "CATALOGUE",
    "CitizenshipAcquisition",
    "CitizenshipStatusReply",
    "EntryStayExitViolation",
    "ErrorCode",
    "ExposureResult",
    "Generator",
    "IdentityDocument",
    "MESSAGE_KINDS",
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
    "SCHEMA_VERSION",
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


def test_all_is_pinned() -> None:
    assert sorted(kzcn.__all__) == sorted(PUBLIC)


def test_every_public_name_resolves() -> None:
    for name in kzcn.__all__:
        assert getattr(kzcn, name) is not None, name


def test_package_is_typed() -> None:
    assert files("kzcn").joinpath("py.typed").is_file()
