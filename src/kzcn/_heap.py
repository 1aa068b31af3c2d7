"""The C heap of a `kzcn` process: a setting the CLI makes for its own process.

The library never makes it: a program that imports `kzcn` keeps its allocator
as it set it (the setting is process-wide, and costs a system call per large
block).
"""

from __future__ import annotations

import ctypes
import functools
import sys

__all__ = ["map_large_blocks_apart"]

#: glibc's `mallopt` parameter: the size from which a block is mapped on its own.
_M_MMAP_THRESHOLD = -3
#: Blocks this large or larger are mapped apart (glibc's default: 128 KiB, rising to
#: 32 MiB as such blocks are freed).
_MAPPED_APART = 64 * 1024


@functools.cache
def map_large_blocks_apart() -> bool:
    """Have glibc map every block of `_MAPPED_APART` or more on its own; False elsewhere.

    For `kzcn exposure` on a large Parquet file: its footer, parsed by DuckDB and by
    pyarrow, is mostly a vector of column chunks a row group (about 130 KiB each at
    132 columns); in the heap, among the small objects DuckDB makes as it loads,
    the freed copies were not given back (`malloc_trim` found 5 MB of 0.1 GiB at 20M
    messages). Mapped apart, each goes back to the system when freed. DuckDB's and
    pyarrow's own data have allocators of their own.
    """
    if not sys.platform.startswith("linux"):
        return False
    mallopt = getattr(ctypes.CDLL(None), "mallopt", None)
    return mallopt is not None and bool(mallopt(_M_MMAP_THRESHOLD, _MAPPED_APART))
