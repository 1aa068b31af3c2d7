"""Reading input streams: a pipe in large steps, gzip without losing what precedes damage."""

from __future__ import annotations

import io
import os
import stat
import zlib
from typing import IO, Any

__all__ = ["GZIP_MAGIC", "Gunzip", "widen_pipe"]

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
