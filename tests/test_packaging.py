"""The package as a user gets it: a wheel, installed into a fresh virtual environment."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from conftest import DEMO_FILES, ROOT
from doc_commands import install_commands
from kzcn import __version__
from kzcn.cli import _CLI_EXTRA


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", str(ROOT), "-w", str(out)],
        check=True,
    )
    return next(out.glob("kzcn-*.whl"))


@pytest.mark.slow  # builds a wheel
def test_wheel_carries_schema_files_data_tables_and_types(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {
        "kzcn/py.typed",
        "kzcn/schema_files/message.schema.json",
        "kzcn/schema_files/person.schema.json",
        "kzcn/data/iso3166_alpha3.txt",
    } <= names


@pytest.mark.slow  # builds a wheel
def test_wheel_carries_the_licence_text(wheel: Path) -> None:
    licence = f"kzcn-{__version__}.dist-info/licenses/LICENSE"
    with zipfile.ZipFile(wheel) as archive:
        assert archive.read(licence) == (ROOT / "LICENSE").read_bytes()
        metadata = archive.read(f"kzcn-{__version__}.dist-info/METADATA").decode()
    assert "License-Expression: MIT" in metadata
    assert "License-File: LICENSE" in metadata


@pytest.fixture(scope="module")
def sdist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sdist")
    subprocess.run(
        [sys.executable, "-m", "build", "--sdist", "--outdir", str(out), str(ROOT)],
        check=True,
        capture_output=True,
    )
    return next(out.glob("kzcn-*.tar.gz"))


@pytest.mark.slow  # builds an sdist
def test_sdist_carries_the_licence_and_changelog(sdist: Path) -> None:
    top = f"kzcn-{__version__}"
    with tarfile.open(sdist) as archive:
        names = set(archive.getnames())
        licence = archive.extractfile(f"{top}/LICENSE")
        assert licence is not None
        assert licence.read() == (ROOT / "LICENSE").read_bytes()
    assert {f"{top}/CHANGELOG.md", f"{top}/README.md", f"{top}/pyproject.toml"} <= names


@pytest.mark.slow  # builds a wheel
def test_wheel_schema_files_are_the_committed_ones(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        for name in ("message", "person"):
            packed = archive.read(f"kzcn/schema_files/{name}.schema.json")
            assert packed == (ROOT / "schema" / f"{name}.schema.json").read_bytes()


def _checkout(into: Path) -> Path:
    """The tracked files, as a fresh clone would have them."""
    listed = (
        subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=ROOT,
            capture_output=True,
            check=True,
        )
        .stdout.decode()
        .split("\0")
    )
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():
            target = into / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    return into


@pytest.fixture(scope="module")
def readme_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The README's first command, run as written in a copy of the repository."""
    clone = _checkout(tmp_path_factory.mktemp("clone"))
    command = install_commands(ROOT / "README.md")[0]
    env = {k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV", "PYTHONPATH"}}
    env["PATH"] = os.pathsep.join(
        p for p in env["PATH"].split(os.pathsep) if not p.startswith(sys.prefix)
    )
    done = subprocess.run(
        ["bash", "-c", command], cwd=clone, env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return clone


@pytest.fixture(scope="module")
def fresh_env(readme_run: Path) -> Path:
    """The virtual environment the README's command made."""
    return readme_run / ".venv"


@pytest.mark.slow
def test_readme_first_command_writes_the_whole_tour(readme_run: Path) -> None:
    out = readme_run / "kzcn-demo"
    written = {str(p.relative_to(out)) for p in out.rglob("*") if p.is_file()}
    assert written >= DEMO_FILES
    assert (out / "messages.jsonl").read_bytes().count(b"\n") == 20_000


@pytest.mark.slow
def test_the_package_is_installed_not_linked(fresh_env: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}  # as a user's shell
    done = subprocess.run(
        [str(fresh_env / "bin" / "python"), "-c", "import kzcn; print(kzcn.__file__)"],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    assert "site-packages" in done.stdout


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
    for command in ("demo", "exposure", "fields", "generate", "schema", "validate"):
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


# --- the light install: models, schema and validator, nothing for data frames ---------

HEAVY = ("polars", "duckdb", "pyarrow", "numpy")


def test_the_wheel_requires_nothing_heavy_without_the_cli_extra(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        metadata = archive.read(f"kzcn-{__version__}.dist-info/METADATA").decode()
    required = [
        line.removeprefix("Requires-Dist: ")
        for line in metadata.splitlines()
        if line.startswith("Requires-Dist: ")
    ]
    light = [spec for spec in required if "extra ==" not in spec]
    assert light
    assert not [spec for spec in light if spec.startswith(HEAVY)]
    cli = [spec for spec in required if "extra == 'cli'" in spec or 'extra == "cli"' in spec]
    assert all(any(spec.startswith(name) for spec in cli) for name in HEAVY)


_LIGHT_SCRIPT = """
import importlib.util, sys
from pathlib import Path
import kzcn
from kzcn.messages import MessageAdapter
from kzcn.schema import build_schema
from kzcn.validation import validate_file
example = Path(sys.argv[1])
MessageAdapter.validate_json(example.read_bytes())
assert build_schema("message")["$schema"]
assert [r.valid for r in validate_file(example)] == [True]
array = Path(sys.argv[2])
array.write_bytes(b"[" + example.read_bytes() + b"," + example.read_bytes() + b"]")
assert [r.valid for r in validate_file(array)] == [True, True]
print(sorted(m for m in sys.argv[3:] if importlib.util.find_spec(m) is not None))
"""


@pytest.mark.slow
def test_a_light_install_builds_models_exports_the_schema_and_validates(
    wheel: Path, tmp_path: Path
) -> None:
    venv = tmp_path / "light"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = str(venv / "bin" / "python")
    subprocess.run([python, "-m", "pip", "install", "--quiet", str(wheel)], check=True)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    example = ROOT / "examples" / "valid" / "citizenship_acquisition.json"
    done = subprocess.run(
        [python, "-c", _LIGHT_SCRIPT, str(example), str(tmp_path / "two.json"), *HEAVY],
        capture_output=True, text=True, check=False, env=env, cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip() == "[]"
    command = subprocess.run(
        [str(venv / "bin" / "kzcn"), "validate", str(example)],
        capture_output=True, text=True, check=False, env=env,
    )  # fmt: skip
    assert (command.returncode, command.stderr) == (
        2, "kzcn: error: the command line needs typer: pip install 'kzcn[cli]'\n"
    )  # fmt: skip


def test_the_cli_names_every_module_of_its_extra() -> None:
    """`kzcn` without the extra says which package is missing: it knows the extra's modules."""
    # Python 3.10 has no tomllib: the extra's list is read as text (one quoted spec a line).
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    block = pyproject.split("\ncli = [", 1)[1].split("\n]", 1)[0]
    specs = re.findall(r'^\s*"([^"]+)"', block, flags=re.MULTILINE)
    modules = {re.split(r"[<>=\[ ;]", spec, maxsplit=1)[0].replace("-", "_") for spec in specs}
    assert modules == _CLI_EXTRA
