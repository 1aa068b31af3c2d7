"""Files a command writes: refused up front when they clash, renamed into place only on success.

Two promises (README, "Guarantees"):
- no output is the same file as an input or as another output (the same
  path, a hard link, a symlink, a redirected standard input or output:
  compared by device and inode), checked before anything is opened;
- each output is written to a temporary file beside its target and renamed
  over it only when the command succeeds, so a failed, interrupted or
  refused run leaves every existing file as it was.
"""

from __future__ import annotations

import gzip
import os
import stat
import sys
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Self, cast

from kzcn.cli._common import fail

__all__ = ["STDIN_NAME", "Outputs", "refuse_clashes", "written"]

#: How an argument names standard input.
STDIN_NAME = "-"
_STDIN, _STDOUT = 0, 1

#: Files being written by the running command, removed if it is interrupted.
_LIVE: set[Path] = set()


def _identity(status: os.stat_result) -> tuple[int, int] | None:
    """Device and inode of a regular file; None for a device, pipe or socket."""
    if not stat.S_ISREG(status.st_mode):
        return None
    return status.st_dev, status.st_ino


def _path_identity(name: str | Path) -> tuple[int, int] | str | None:
    """What makes a path one file: its inode if it exists, else its resolved path."""
    path = Path(name)
    try:
        return _identity(path.stat())
    except FileNotFoundError:
        return str(path.resolve())
    except OSError:
        return None


def _stream_identity(descriptor: int) -> tuple[int, int] | None:
    try:
        return _identity(os.fstat(descriptor))
    except OSError:
        return None


def refuse_clashes(
    inputs: Iterable[str], outputs: Iterable[tuple[str, Path]], *, stdout: bool = True
) -> None:
    """Stop with a usage error if an output is an input, another output or redirected stdout.

    `inputs` are file names (`-` for standard input); `outputs` pairs each
    option name with its file. With `stdout`, standard output redirected to
    a file counts as an output too (the report goes there).
    """
    seen: dict[tuple[int, int] | str, str] = {}
    for name in inputs:
        key = _stream_identity(_STDIN) if name == STDIN_NAME else _path_identity(name)
        if key is not None:
            seen.setdefault(key, "standard input" if name == STDIN_NAME else f"input {name}")
    named = [(f"{option} {path}", _path_identity(path)) for option, path in outputs]
    if stdout:
        named.insert(0, ("standard output", _stream_identity(_STDOUT)))
    for label, key in named:
        if key is None:
            continue
        if key in seen:
            fail(f"{label} is the same file as {seen[key]}; choose another output")
        seen[key] = label


def _mode_for(target: Path) -> int:
    """The permissions the output gets: the file's own if it exists, else the umask's."""
    try:
        return stat.S_IMODE(target.stat().st_mode)
    except OSError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask


def _renamable(target: Path) -> bool:
    """Whether the output can be replaced by a rename: not a device or a pipe."""
    try:
        return stat.S_ISREG(target.stat().st_mode)
    except FileNotFoundError:
        return True
    except OSError:
        return False


@dataclass
class Outputs:
    """The outputs of one command, committed together (see the module docstring).

    Use as a context manager: leaving it normally renames every temporary
    file into place; leaving it by an exception (a usage error, Ctrl-C, a
    crash) removes them all.
    """

    _pending: list[tuple[Path, Path]] = field(default_factory=list)
    _handles: list[IO[bytes]] = field(default_factory=list)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: object, error: object, trace: object) -> None:
        if kind is None:
            self.commit()
        else:
            self.discard()

    def path(self, target: Path) -> Path:
        """A temporary path to write instead of `target` (or `target` itself if not a file).

        A symlink is written through: the file it points to is replaced, not the link.
        """
        if not _renamable(target):
            return target
        if target.is_symlink():
            target = target.resolve()
        try:
            descriptor, name = tempfile.mkstemp(
                dir=target.parent, prefix=f".{target.name}.", suffix=".kzcn-partial"
            )
        except OSError as error:
            fail(f"{target}: cannot write: {error.strerror or error}")
        temporary = Path(name)
        _LIVE.add(temporary)
        os.fchmod(descriptor, _mode_for(target))
        os.close(descriptor)
        self._pending.append((temporary, target))
        return temporary

    def open(self, target: Path, *, compress: bool | None = None) -> IO[bytes]:
        """A binary handle writing (eventually) to `target`; gzip for `.gz` unless told."""
        handle: IO[bytes] = self.path(target).open("wb")
        self._handles.append(handle)
        if target.suffix == ".gz" if compress is None else compress:
            # Named after the target, not the temporary file, in the gzip header.
            handle = cast("IO[bytes]", gzip.GzipFile(target.name, "wb", fileobj=handle))
            self._handles.append(handle)
        return handle

    def _close(self) -> None:
        for handle in reversed(self._handles):
            handle.close()
        self._handles.clear()

    def commit(self) -> None:
        """Close every handle and rename each temporary file over its target."""
        self._close()
        for temporary, target in self._pending:
            temporary.replace(target)
            _LIVE.discard(temporary)
        self._pending.clear()

    def discard(self) -> None:
        """Close every handle and remove the temporary files: the targets stay as they were."""
        try:
            self._close()
        finally:
            for temporary, _ in self._pending:
                temporary.unlink(missing_ok=True)
                _LIVE.discard(temporary)
            self._pending.clear()


def remove_partial_outputs() -> None:
    """Remove every temporary output still being written (on a signal, before exiting)."""
    for temporary in list(_LIVE):
        temporary.unlink(missing_ok=True)
        _LIVE.discard(temporary)


@contextmanager
def written(target: Path | None) -> Iterator[IO[str]]:
    """A text handle for one report: `target` atomically, or standard output."""
    if target is None:
        yield sys.stdout
        sys.stdout.flush()
        return
    with Outputs() as outputs, outputs.path(target).open("w", encoding="utf-8") as handle:
        yield handle
