"""Every command in the README and the workshop guide runs as written."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import EXAMPLES, ROOT
from doc_commands import Command, blocks, install_commands, tool_commands

README = ROOT / "README.md"
WORKSHOP = EXAMPLES / "workshop.md"


def _run_in(folder: Path, commands: list[Command]) -> None:
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "NO_COLOR": "1",
    }
    for command in commands:
        done = subprocess.run(  # noqa: S602 - the document's own shell lines, run as a user would
            command.line,
            shell=True,
            cwd=folder,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == command.exit_code, (
            f"{command.line!r} exited {done.returncode}, expected {command.exit_code}\n"
            f"{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
        )


def test_readme_has_the_two_fresh_machine_commands() -> None:
    install = install_commands(README)
    assert len(install) == 2
    assert install[0].endswith('pip install ".[cli]" && kzcn demo')  # every command
    assert "python -m pytest" in install[1]


def test_ci_runs_the_readme_install_and_test_commands() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    test_command = install_commands(README)[1]
    pip_part = test_command.split("&&")[2].strip()
    pytest_part = test_command.split("&&")[3].strip()
    assert pip_part.replace("pip install", "python -m pip install --quiet") in ci
    assert pytest_part in ci


def test_workshop_installs_as_the_readme_does() -> None:
    assert install_commands(WORKSHOP) == install_commands(README)[:1]


@pytest.mark.slow
def test_readme_commands_run(tmp_path: Path) -> None:
    _run_in(tmp_path, tool_commands(README))
    assert (tmp_path / "report.html").stat().st_size > 1000


@pytest.mark.parametrize("index", range(len(blocks(README, "python"))))
def test_readme_python_blocks_run(index: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    namespace: dict[str, object] = {}
    exec(blocks(README, "python")[index], namespace)  # noqa: S102 - the README's own code
    for name, value in namespace.items():
        if name.startswith("test_") and callable(value):
            value()


@pytest.mark.slow  # a fresh interpreter runs the README example
def test_use_in_your_project_example_runs() -> None:
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / "use_in_your_project.py")],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    assert "homoglyph message problems: ['$.subject.surname.latin: name.homoglyph']" in done.stdout
    assert "property test: passed" in done.stdout


@pytest.mark.parametrize(
    ("page", "source"),
    [
        ("index.md", "README.md"),
        ("workshop.md", "examples/workshop.md"),
        ("changelog.md", "CHANGELOG.md"),
    ],
)
def test_the_site_includes_the_documents_it_shows_not_copies(page: str, source: str) -> None:
    # The API reference site (mkdocs.yml) shows these documents as they are in the
    # repository: the page is one include line, so it cannot drift from its source.
    text = (ROOT / "docs" / page).read_text(encoding="utf-8")
    assert text.strip() == f'--8<-- "{source}"'
    assert (ROOT / source).is_file()


def test_mkdocs_builds_strictly_and_lists_every_page() -> None:
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    assert "strict: true" in config
    pages = {p.relative_to(ROOT / "docs").as_posix() for p in (ROOT / "docs").rglob("*.md")}
    assert all(page in config for page in pages)
