"""The pre-commit hook this repository offers: its manifest, and a run of `pre-commit try-repo`."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from conftest import EXAMPLES, ROOT
from kzcn._formats import SUFFIXES

MANIFEST = ROOT / ".pre-commit-hooks.yaml"


def _hooks() -> dict[str, dict[str, object]]:
    return {hook["id"]: hook for hook in yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))}


@pytest.mark.parametrize("hook", ["kzcn-validate", "kzcn-validate-strict"])
def test_the_hook_takes_every_format_kzcn_reads(hook: str) -> None:
    files = re.compile(str(_hooks()[hook]["files"]))
    for suffix in SUFFIXES:
        assert files.search(f"samples/a{suffix}")
        assert files.search(f"samples/a{suffix}.gz")
    assert not files.search("README.md")


def test_the_hooks_run_the_validator() -> None:
    hooks = _hooks()
    assert hooks["kzcn-validate"]["entry"] == "kzcn validate"
    assert hooks["kzcn-validate-strict"]["entry"] == "kzcn validate --strict"


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("pre-commit") is None, reason="pre-commit is not installed")
def test_pre_commit_try_repo_passes_good_records_and_fails_bad(tmp_path: Path) -> None:
    """`pre-commit try-repo` against this checkout (its committed state and tracked changes).

    pre-commit clones the checkout locally; installing the hook's environment
    needs the package index (or a pip cache holding the `cli` extra).
    """
    samples = tmp_path / "records"
    (samples / "samples").mkdir(parents=True)
    shutil.copy(EXAMPLES / "valid" / "suspension_notice.json", samples / "samples")
    subprocess.run(["git", "init", "-q"], cwd=samples, check=True)
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "cache")}
    env.pop("PYTHONPATH", None)

    def run() -> subprocess.CompletedProcess[str]:
        subprocess.run(["git", "add", "."], cwd=samples, check=True)
        return subprocess.run(
            ["pre-commit", "try-repo", str(ROOT), "kzcn-validate", "--all-files"],
            cwd=samples, env=env, capture_output=True, text=True, check=False, timeout=900,
        )  # fmt: skip

    good = run()
    assert good.returncode == 0, good.stdout[-3000:]
    assert "Passed" in good.stdout
    (samples / "samples" / "bad.json").write_text('{"kind": "nope"}\n', encoding="utf-8")
    bad = run()
    assert bad.returncode == 1
    assert "samples/bad.json:1: $.kind: structure.unknown_kind" in bad.stdout
