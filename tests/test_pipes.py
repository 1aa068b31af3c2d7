"""`widen_pipe` enlarges a pipe's buffer and leaves anything else alone."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from kzcn._pipes import PIPE_BYTES, widen_pipe

fcntl = pytest.importorskip("fcntl")

F_GETPIPE_SZ = getattr(fcntl, "F_GETPIPE_SZ", 1032)  # Linux's number, for Python's without it


@pytest.mark.skipif(not Path("/proc/sys/fs/pipe-max-size").exists(), reason="Linux pipes only")
def test_a_pipe_gets_a_mebibyte() -> None:
    reader, writer = os.pipe()
    try:
        with os.fdopen(reader, "rb", closefd=False) as stream:
            assert fcntl.fcntl(reader, F_GETPIPE_SZ) < PIPE_BYTES
            assert widen_pipe(stream)
            assert fcntl.fcntl(reader, F_GETPIPE_SZ) == PIPE_BYTES
    finally:
        os.close(reader)
        os.close(writer)


def test_files_and_memory_are_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"x")
    with path.open("rb") as handle:
        assert not widen_pipe(handle)
    assert not widen_pipe(io.BytesIO(b"x"))  # no descriptor at all
