"""Shell and Python blocks of the Markdown docs, so that tests can run them as written."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

_FENCE = re.compile(r"^```(\w+)\n(.*?)^```", re.MULTILINE | re.DOTALL)
_EXIT = re.compile(r"\s+#\s*exit\s+(\d+)\s*$")

#: The fresh-machine commands start like this; the packaging test runs them.
INSTALL_PREFIX = "python3 -m venv .venv"


@dataclass(frozen=True)
class Command:
    """One shell line and the exit status the document says it ends with."""

    line: str
    exit_code: int


def blocks(path: Path, language: str) -> list[str]:
    """The bodies of the fenced blocks of `language`, in order."""
    text = path.read_text(encoding="utf-8")
    return [body for lang, body in _FENCE.findall(text) if lang == language]


def commands(path: Path) -> list[Command]:
    """Every line of every `sh` block; `# exit N` at the end gives its expected status."""
    found = []
    for body in blocks(path, "sh"):
        for raw in body.splitlines():
            if not raw.strip():
                continue
            match = _EXIT.search(raw)
            line = raw[: match.start()] if match else raw
            found.append(Command(line.strip(), int(match.group(1)) if match else 0))
    return found


def install_commands(path: Path) -> list[str]:
    """The fresh-machine lines (new venv, install, run)."""
    return [c.line for c in commands(path) if c.line.startswith(INSTALL_PREFIX)]


def tool_commands(path: Path) -> list[Command]:
    """The lines that run kzcn in an installed environment."""
    return [c for c in commands(path) if not c.line.startswith(INSTALL_PREFIX)]
