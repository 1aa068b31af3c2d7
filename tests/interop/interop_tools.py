"""Shared helpers of the interop suite: other people's tools run on our schema and models.

Each tool is skipped when it is absent outside CI, and fails the run in CI
(`CI=true`), where `.ci/run` installs all of them (Python ones through the
`interop` extra, JavaScript ones with `npm ci --prefix tests/interop/node`).
"""

from __future__ import annotations

import importlib
import json
import os
import shutil
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
NODE_DIR = HERE / "node"
SCHEMA_DIR = ROOT / "schema"
NPM_CI = "npm ci --prefix tests/interop/node"


def _absent(what: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} is missing in CI; .ci/run installs it")
    pytest.skip(f"{what} is not installed (pip install -e '.[interop]'; {NPM_CI})")


def need_module(name: str) -> ModuleType:
    """The Python module `name`, or a skip (a failure in CI)."""
    try:
        return importlib.import_module(name)
    except ImportError:
        _absent(f"the Python package providing {name}")
        raise  # unreachable: _absent skips or fails


def need_executable(name: str) -> str:
    """The path of the program `name` on PATH, or a skip (a failure in CI)."""
    found = shutil.which(name)
    if found is None:
        _absent(f"the program {name}")
        raise AssertionError  # unreachable
    return found


def need_node_package(name: str) -> Path:
    """`tests/interop/node/node_modules/<name>`, with node on PATH, or a skip (a failure in CI)."""
    need_executable("node")
    folder = NODE_DIR / "node_modules" / name
    if not folder.is_dir():
        _absent(f"the npm package {name}")
    return folder


@cache
def schema(name: str) -> dict[str, Any]:
    """The committed schema `name` ("message" or "person")."""
    loaded: dict[str, Any] = json.loads((SCHEMA_DIR / f"{name}.schema.json").read_text("utf-8"))
    return loaded


def examples(kind: str) -> list[Path]:
    """The example files of `kind` ("valid" or "invalid"), sidecars left out."""
    folder = ROOT / "examples" / kind
    return sorted(p for p in folder.glob("*.json") if not p.name.endswith(".expected.json"))


def string_leaves(node: Any) -> set[str]:
    """Every string value inside a parsed JSON document (keys left out)."""
    if isinstance(node, str):
        return {node}
    if isinstance(node, dict):
        return set().union(*(string_leaves(v) for v in node.values())) if node else set()
    if isinstance(node, list):
        return set().union(*(string_leaves(v) for v in node)) if node else set()
    return set()
