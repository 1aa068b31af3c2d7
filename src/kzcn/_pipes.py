"""Reading input: a pipe in large steps, gzip past damage, arrays element by element.

Shared by `kzcn validate`'s readers and `kzcn exposure`'s, and light enough
for the latter (no models imported).
"""

from __future__ import annotations

import io
import os
import re
import stat
import zlib
from typing import IO, Any

__all__ = ["GZIP_MAGIC", "Gunzip", "array_separators", "widen_pipe"]

GZIP_MAGIC = b"\x1f\x8b"

#: What an unprivileged process may ask for on Linux (`/proc/sys/fs/pipe-max-size`).
PIPE_BYTES = 1024 * 1024


def widen_pipe(stream: IO[bytes]) -> bool:
    """Ask for a 1 MiB buffer if `stream` is a pipe; whether it was granted.

    With Linux's default 64 KiB, the writer and reader take turns every 64 KiB:
    piping the million-message file (1.8 GB) into a reader cost 10-14 s of
    system time against 2.3 s with 1 MiB. Anything else, or a refusal, leaves
    the stream as it was.
    """
    try:
        import fcntl  # noqa: PLC0415 - POSIX only: Windows has no such module

        command = getattr(fcntl, "F_SETPIPE_SZ", None)  # Linux only (Python >= 3.10)
        descriptor = stream.fileno()
        if command is None or not stat.S_ISFIFO(os.fstat(descriptor).st_mode):
            return False
        fcntl.fcntl(descriptor, command, PIPE_BYTES)
    except (ImportError, OSError, ValueError, AttributeError):  # not Linux, no pipe, refused
        return False
    return True


class Gunzip(io.RawIOBase):
    """gzip members, decompressed; damage ends the stream instead of raising.

    `gzip.GzipFile` raises at the damage, and a buffered reader above it then
    loses the data it had already decompressed but not handed out (a file cut
    short lost a quarter of its readable lines; trailing junk lost them all).
    Here every byte before the damage is handed out, then end of stream, and
    `damaged` is set. Zero padding after the last member is ignored, as gzip does.
    """

    _STEP = 1 << 16

    def __init__(self, source: IO[bytes]) -> None:
        self._source = source
        self._inflate = zlib.decompressobj(wbits=31)
        self._pending = b""  # compressed bytes not yet given to the decompressor
        self._out = b""
        self._ended = False
        self.damaged = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._out and not self._ended:
            self._step()
        size = min(len(buffer), len(self._out))
        buffer[:size] = self._out[:size]
        self._out = self._out[size:]
        return size

    def _stop(self, *, damaged: bool) -> None:
        self._ended, self.damaged = True, damaged

    def _step(self) -> None:
        data = self._pending or self._source.read(self._STEP)
        self._pending = b""
        if not data:  # the input ended inside a member: cut short
            self._out = self._inflate.flush()
            self._stop(damaged=True)
            return
        try:
            self._out = self._inflate.decompress(data, self._STEP)
        except zlib.error:
            self._stop(damaged=True)
            return
        self._pending = self._inflate.unconsumed_tail
        if self._inflate.eof:
            self._next_member(self._inflate.unused_data)

    def _next_member(self, rest: bytes) -> None:
        while len(rest) < len(GZIP_MAGIC) and (more := self._source.read(self._STEP)):
            rest += more
        if rest.startswith(GZIP_MAGIC):  # a file of several members is one stream
            self._inflate = zlib.decompressobj(wbits=31)
            self._pending = rest
            return
        while rest and not rest.strip(b"\0"):  # zero padding is ignored, as gzip does
            rest = self._source.read(self._STEP)
        self._stop(damaged=bool(rest))


#: Bytes scanned per step by `array_separators` (its arrays are a few times this).
_SCAN_BYTES = 1 << 20
_QUOTE, _BACKSLASH, _COMMA = ord('"'), ord("\\"), ord(",")


def array_separators(data: bytes, start: int) -> list[int] | None:
    """Offsets of `[`, each top-level `,` and `]` of the array at `start`, or None if unbalanced.

    Vectorised with numpy, a step at a time: which quotes are escaped (an odd
    run of backslashes before them), hence which bytes are inside strings,
    hence the nesting depth at each bracket and comma. A tokenising regex took
    4.7 s over an 82 MB array; this takes a fraction of a second and holds a
    few arrays the size of one step.
    """
    try:
        import numpy as np  # noqa: PLC0415 - only a `.json` array needs it
    except ImportError:  # the light install (models and validator only): the slow way
        return array_separators_without_numpy(data, start)
    view = np.frombuffer(data, np.uint8)
    state = _ScanState()
    found: list[int] = []
    for offset in range(start, len(data), _SCAN_BYTES):
        chunk = view[offset : offset + _SCAN_BYTES]
        end = _scan(np, chunk, offset, state, found)
        if end is not None:
            return found if not data[end + 1 :].strip() else None
        if state.depth < 0:
            return None
    return None


_TOKENS = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{},]', re.DOTALL)


def array_separators_without_numpy(data: bytes, start: int) -> list[int] | None:
    """`array_separators` by a tokenising regex: the same offsets, about ten times slower.

    For an install without numpy (`pip install kzcn`, the models and the
    validator only); a test holds the two to the same answers.
    """
    depth, found = 0, []
    for token in _TOKENS.finditer(data, start):
        mark = token[0]
        if mark.startswith(b'"'):
            continue
        if mark in {b"[", b"{"}:
            depth += 1
            if depth == 1:
                found.append(token.start())
        elif mark in {b"]", b"}"}:
            depth -= 1
            if depth < 0:
                return None
            if depth == 0:
                found.append(token.start())
                return found if not data[token.end() :].strip() else None
        elif depth == 1:
            found.append(token.start())
    return None


class _ScanState:
    """What one step of `array_separators` hands to the next."""

    def __init__(self) -> None:
        self.depth = 0
        self.in_string = False
        self.backslashes = 0  # the run of backslashes ending the previous step


_OPEN_KIND, _CLOSE_KIND, _COMMA_KIND, _QUOTE_KIND, _BACKSLASH_KIND = 1, 2, 3, 4, 5


def _kinds(np: Any) -> Any:
    """A table from byte to what it may be in JSON's structure (0: nothing)."""
    table = np.zeros(256, np.int8)
    for chars, kind in (
        (b"[{", _OPEN_KIND), (b"]}", _CLOSE_KIND), (b",", _COMMA_KIND),
        (b'"', _QUOTE_KIND), (b"\\", _BACKSLASH_KIND),
    ):  # fmt: skip
        table[list(chars)] = kind
    return table


def _real_quotes(np: Any, chunk: Any, quotes: Any, carried: int) -> Any:
    """The quotes not escaped: preceded by an even run of backslashes."""
    positions = np.arange(chunk.size)
    last_other = np.maximum.accumulate(np.where(chunk == _BACKSLASH, -1, positions))
    before = np.where(quotes > 0, last_other[np.maximum(quotes - 1, 0)], -1)
    runs = np.where(before >= 0, quotes - 1 - before, quotes + carried)
    return quotes[runs % 2 == 0]


def _scan(np: Any, chunk: Any, offset: int, state: _ScanState, found: list[int]) -> int | None:
    """Add this step's separators to `found`; the offset of the closing `]`, if in this step.

    Only the bytes that may be structural are looked at after one table
    lookup; the escape analysis runs only for a step with a backslash.
    """
    kinds = _kinds(np)[chunk]
    candidates = np.flatnonzero(kinds)
    kind = kinds[candidates]
    quotes = candidates[kind == _QUOTE_KIND]
    if state.backslashes or (kind == _BACKSLASH_KIND).any():
        quotes = _real_quotes(np, chunk, quotes, state.backslashes)
    marks = (kind != _QUOTE_KIND) & (kind != _BACKSLASH_KIND)
    structural, kind = candidates[marks], kind[marks]
    outside = (np.searchsorted(quotes, structural) + state.in_string) % 2 == 0
    structural, kind = structural[outside], kind[outside]
    step = (kind == _OPEN_KIND).astype(np.int32) - (kind == _CLOSE_KIND)
    depth = state.depth + np.cumsum(step)
    if depth.size and depth.min() < 0:
        state.depth = -1
        return None
    top = ((kind != _CLOSE_KIND) & (depth == 1)) | ((kind == _CLOSE_KIND) & (depth == 0))
    for index in np.flatnonzero(top).tolist():
        found.append(offset + int(structural[index]))
        if depth[index] == 0:
            return found[-1]
    state.depth = int(depth[-1]) if depth.size else state.depth
    state.in_string = bool((quotes.size + state.in_string) % 2)
    trailing = 0
    while trailing < chunk.size and chunk[chunk.size - 1 - trailing] == _BACKSLASH:
        trailing += 1
    state.backslashes = trailing if trailing < chunk.size else state.backslashes + trailing
    return None
