"""`widen_pipe` enlarges a pipe's buffer and leaves anything else alone; arrays split by element."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kzcn import _pipes
from kzcn._pipes import PIPE_BYTES, array_separators, array_separators_without_numpy, widen_pipe

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


# --- top-level array elements ---------------------------------------------------------

_JSON_TEXT = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(alphabet='ab"\\[]{},\n é'),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(alphabet='k"\\]', max_size=3), children, max_size=3)
    ),
    max_leaves=12,
)


@given(
    items=st.lists(_JSON_TEXT, max_size=6),
    step=st.integers(1, 64),
    tail=st.sampled_from([b"", b"\n", b" x", b"]"]),
    cut=st.integers(0, 8),
)
def test_array_separators_agree_with_a_tokeniser_at_any_step(
    items: list[object], step: int, tail: bytes, cut: int
) -> None:
    data = b" " + json.dumps(items, ensure_ascii=False).encode() + tail
    data = data[: len(data) - cut] if cut and tail == b"\n" else data
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_pipes, "_SCAN_BYTES", step)
        # The numpy scan against the tokenising regex a light install (no numpy) uses.
        assert array_separators(data, 1) == array_separators_without_numpy(data, 1)
