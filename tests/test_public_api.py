"""The public API is a deliberate list."""

from __future__ import annotations

import subprocess
import sys
from importlib.resources import files

import pytest

import kzcn

PUBLIC = [
    "AUTHORITIES",
    "Authority",
    "BiscriptName",
    "BorderCrossing",
    "CATALOGUE",
    "CitizenshipAcquisition",
    "Code",
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
    "EvidenceItem",
    "FormerCitizenship",
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


def test_all_is_pinned() -> None:
    assert sorted(kzcn.__all__) == sorted(PUBLIC)


def test_every_public_name_resolves() -> None:
    for name in kzcn.__all__:
        assert getattr(kzcn, name) is not None, name


def test_package_is_typed() -> None:
    assert files("kzcn").joinpath("py.typed").is_file()


def test_lazy_names_are_exactly_the_public_ones() -> None:
    """The load-on-use table names every public name not defined eagerly, and no other."""
    import kzcn.exposure  # noqa: PLC0415 - the subpackage's own lazy names

    eager = {"SCHEMA_VERSION", "__version__"}
    assert set(kzcn._ORIGINS) == set(kzcn.__all__) - eager
    assert set(kzcn.exposure._ORIGINS) == set(kzcn.exposure.__all__)


def test_exposure_names_resolve_and_unknown_names_fail() -> None:
    import kzcn.exposure  # noqa: PLC0415 - the subpackage's own lazy names

    for name in kzcn.exposure.__all__:
        assert getattr(kzcn.exposure, name) is not None, name
    assert set(kzcn.__all__) <= set(dir(kzcn))
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        _ = kzcn.nope


def test_a_parser_worker_imports_only_the_reader() -> None:
    """Parser processes import `kzcn.exposure._read`; models and validator stay unloaded."""
    code = (
        "import sys, kzcn.exposure._read; "
        "print(sorted(m for m in ('pydantic', 'kzcn.messages', 'kzcn.validation', 'kzcn.synth') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# --- names deprecated in 0.2.0, removed in 0.3.0 ------------------------------------


def test_the_old_catalogue_function_warns_and_is_the_field_dictionary() -> None:
    from kzcn.dictionary import field_dictionary  # noqa: PLC0415

    with pytest.warns(DeprecationWarning, match=r"kzcn\.dictionary\.field_dictionary"):
        old = kzcn.catalogue
    assert old is field_dictionary
    assert "catalogue" not in kzcn.__all__


def test_the_old_catalogue_module_warns_and_keeps_its_names() -> None:
    code = "import warnings; warnings.simplefilter('error'); import kzcn.catalogue"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert "DeprecationWarning: kzcn.catalogue is deprecated" in done.stderr
    code = (
        "import warnings; warnings.simplefilter('ignore'); "
        "import kzcn.catalogue as old, kzcn.dictionary as new; "
        "assert old.catalogue is new.field_dictionary; "
        "assert old.catalogue_dict is new.dictionary_data; "
        "assert old.render_catalogue_markdown is new.render_dictionary_markdown; "
        "assert old.Catalogue is new.FieldDictionary; "
        "assert old.person_fields is new.person_fields"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_the_old_fault_name_warns_and_is_the_planted_fault() -> None:
    from kzcn.synth import corruption  # noqa: PLC0415

    with pytest.warns(DeprecationWarning, match="PlantedFault"):
        old = corruption.Fault
    assert old is corruption.PlantedFault
