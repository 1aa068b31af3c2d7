"""Worker process pools that leave Ctrl-C to the parent and can be stopped at once.

Shared by `kzcn generate --jobs` (`kzcn.synth.writers`) and
`kzcn validate --jobs` (`kzcn.validation._parallel`).
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from multiprocessing.pool import Pool

__all__ = ["abandon", "usable_cpus", "worker_pool"]

#: Seconds to wait for a killed worker to be gone (SIGKILL takes milliseconds).
_KILLED_WITHIN = 1.0


def usable_cpus() -> int:
    """The CPUs this process may run on (a container or `taskset` may allow fewer)."""
    usable = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
    return len(usable) if usable else os.cpu_count() or 1


def abandon(pool: Pool) -> None:
    """Kill the workers mid-task, and let the pool's own cleanup never hold us up.

    `Pool.terminate` can block for good on a queue lock that a worker held
    while sending a large chunk (seen after Ctrl-C). So the workers are killed
    first and `terminate` runs in a daemon thread: it releases what it can,
    and no exit waits for it.
    """
    from multiprocessing.pool import TERMINATE  # noqa: PLC0415 - a pool exists: already loaded

    # The pool replaces a worker that dies: told first that it is terminating, it
    # starts none, where a replacement still reading its start-up data from this
    # process when it exits would print a traceback (EOFError) over the one line.
    pool._worker_handler._state = TERMINATE  # type: ignore[attr-defined]  # noqa: SLF001
    workers = pool._pool  # type: ignore[attr-defined]  # noqa: SLF001 - no public handle
    for process in workers:
        process.kill()
    for process in workers:  # gone within milliseconds: then nothing they write outlives the run
        process.join(_KILLED_WITHIN)
    threading.Thread(target=pool.terminate, name="kzcn-pool-cleanup", daemon=True).start()


def worker_pool(
    workers: int, setup: Callable[..., None] | None = None, args: tuple[Any, ...] = ()
) -> Pool:
    """Spawned worker processes that leave Ctrl-C to the parent; each runs `setup(*args)`.

    Ctrl-C reaches the whole process group; a worker that took it would print
    a traceback. The workers are started with SIGINT ignored (a child keeps an
    ignored signal through `exec`, and Python then installs no handler, so
    even one still importing is safe) and ignore it again once running. The
    parent blocks SIGINT meanwhile, so a Ctrl-C in those few milliseconds
    usually arrives when it unblocks; one delivered to another thread of the
    parent (numpy's) in that moment is ignored, and a second Ctrl-C is needed.

    Spawn, not fork: a forked child of a threaded parent (a test runner, a
    progress bar's refresh thread) can inherit a held lock and hang.
    """
    hold = hasattr(signal, "pthread_sigmask")
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT}) if hold else set()
    handler = signal.signal(signal.SIGINT, signal.SIG_IGN)  # after the block: see the docstring

    def restore() -> None:  # a Ctrl-C held meanwhile is raised here
        signal.signal(signal.SIGINT, handler)
        if hold:
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)

    # Imported here: `kzcn validate` imports this module, and most runs start no pool.
    import multiprocessing  # noqa: PLC0415

    try:
        pool = multiprocessing.get_context("spawn").Pool(workers, _start, (setup, args))
    except BaseException:
        restore()
        raise
    try:
        restore()
    except BaseException:  # the held Ctrl-C: the caller never sees this pool, so stop it here
        abandon(pool)
        raise
    return pool


def _start(setup: Callable[..., None] | None, args: tuple[Any, ...]) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if setup is not None:
        setup(*args)
