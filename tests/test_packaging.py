"""The package as a user gets it: a wheel, installed into a fresh virtual environment."""

from __future__ import annotations

import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

from conftest import ROOT
from kzcn import __version__


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", str(ROOT), "-w", str(out)],
        check=True,
    )
    return next(out.glob("kzcn-*.whl"))


def test_wheel_carries_schema_files_data_tables_and_types(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {
        "kzcn/py.typed",
        "kzcn/schema_files/message.schema.json",
        "kzcn/schema_files/person.schema.json",
        "kzcn/data/iso3166_alpha3.txt",
    } <= names


def test_wheel_schema_files_are_the_committed_ones(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        for name in ("message", "person"):
            packed = archive.read(f"kzcn/schema_files/{name}.schema.json")
            assert packed == (ROOT / "schema" / f"{name}.schema.json").read_bytes()


@pytest.fixture(scope="module")
def fresh_env(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new venv with only the wheel (and its dependencies from the index) installed."""
    env = tmp_path_factory.mktemp("venv")
    venv.create(env, with_pip=True)
    subprocess.run(
        [str(env / "bin" / "python"), "-m", "pip", "install", "--quiet", str(wheel)], check=True
    )
    return env


@pytest.mark.slow
def test_installed_cli_reports_the_metadata_version(fresh_env: Path) -> None:
    out = subprocess.run(
        [str(fresh_env / "bin" / "kzcn"), "--version"], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == f"kzcn {__version__}"


@pytest.mark.slow
def test_python_dash_m_lists_every_command(fresh_env: Path) -> None:
    out = subprocess.run(
        [str(fresh_env / "bin" / "python"), "-m", "kzcn", "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    for command in ("schema", "validate"):
        assert f"  {command} " in out.stdout


@pytest.mark.slow
def test_installed_package_validates_an_example(fresh_env: Path) -> None:
    example = ROOT / "examples" / "valid" / "citizenship_acquisition.json"
    out = subprocess.run(
        [str(fresh_env / "bin" / "kzcn"), "validate", str(example)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 0, out.stdout + out.stderr
