"""Reading a pipe in large steps."""

from __future__ import annotations

import os
import stat
from typing import IO

__all__ = ["widen_pipe"]

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
