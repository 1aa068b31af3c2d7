"""An estimate, before reading, of how many messages a file holds and the report's peak memory.

The figures are the measured ones (`tests/benchmarks/bench_scale.py`, README "At
scale"), not a model of the code: `kzcn generate`'s files take about 2,000 bytes
a message as JSON text (JSONL, JSON, CSV), 410 gzip-compressed, 520 as xlsx
(a zip of XML) and 190 as Parquet; the default report peaked at 0.64 GiB for a
million messages, 0.63 GiB for five and 0.70 GiB for twenty (DuckDB's limit 320MB
less what the footer takes, `default_limit`, its tables in a file past twice
that, `tables_on_disk`; medians of 3 on a quiet machine), about 0.63 GiB plus
0.0036 GiB a million (a least-squares line, within 3 % of each). The in-memory path
(`--per-record`, an HTML page, `--linkage`) holds every person in Python: 0.96
GiB for a million and 3.73 GiB for five, about 0.27 GiB plus 0.69 GiB a million.
Real files whose records are larger or smaller than generated ones move the
estimate in proportion.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "PeakEstimate",
    "default_limit",
    "estimate_peak",
    "footer_bytes",
    "size_in_bytes",
    "tables_on_disk",
]

_GIB = 1024**3
#: Bytes a generated message takes, by how the file is stored.
_BYTES_PER_MESSAGE = {"parquet": 190, "gzip": 410, "xlsx": 520, "text": 2_000}
#: (GiB at no messages, GiB per million messages), by path; see the module's note.
_PEAK_LINE = {"in_engine": (0.63, 0.0036), "in_memory": (0.27, 0.69)}
_UNITS = {"B": 1, "KB": 1000, "MB": 1000**2, "GB": 1000**3, "TB": 1000**4}
_SIZE = re.compile(r"(\d+(?:\.\d+)?)\s*([KMGT]?)(i?)B", re.IGNORECASE)
#: Memory a Parquet footer holds beside DuckDB's, per byte of it in the file. The
#: load parses it twice (DuckDB for the rows, pyarrow for the person lists), each
#: copy about 7 times its size: the 20M file's 7.7 MB footer took 54 MB in DuckDB
#: and 55 MB in pyarrow. DuckDB keeps its copy to the end (its metadata cache, which
#: its limit counts as 8 MB); pyarrow's is freed after the load. Only DuckDB's copy
#: is spared: sparing both (213MB at 20M) left too little for the linking of people,
#: which ran out of memory. The spared limit holds after the load too: the linking's
#: joins spill at 20M in 266MB, but running them in the whole 320MB (24.2 against 20.4
#: CPU-s for the linking) raised the peak from 0.73 to 0.78-0.81 GiB, too near 1.3x the
#: 1M peak (issue 20's flatness). (Mapping pyarrow's blocks apart from glibc's heap, so
#: that they went back when freed, peaked no lower at 20M and cost 9 % more CPU.)
_FOOTER_FACTOR = 7
#: The default limit is lowered to this share of it at most: what the 20M file's
#: report was measured to run in (266MB).
_LOWEST_SHARE = 5 / 6
#: Bytes a generated message takes in the report's in-memory DuckDB tables: a
#: million outgrew the default limit (317MB for that Parquet file) by 28MB.
_TABLE_BYTES_PER_MESSAGE = 350
#: The tables go to a database file once they would take this many times the limit:
#: measured, a file cost 7 % more time at a million messages (tables 1.1 times the
#: limit) and saved 7 % at 5M (5.5 times) and 17 % at 20M (22 times).
_ON_DISK_PAST = 2
#: A Parquet file ends in its footer's length (4 bytes, little-endian) and this.
_PARQUET_MAGIC = b"PAR1"


@dataclass(frozen=True, slots=True)
class PeakEstimate:
    """About how many messages a file holds, and the report's expected peak memory."""

    messages: int
    peak_bytes: int


def size_in_bytes(size: str) -> int:
    """`320MB`, `2GB`, `512MiB` (DuckDB's units: KB = 1000 bytes, KiB = 1024) in bytes."""
    match = _SIZE.fullmatch(size.strip())
    if match is None:
        raise ValueError(f"memory limit must be a size such as 2GB or 512MiB, not {size!r}")
    number, prefix, binary = match.groups()
    prefix = prefix.upper()
    unit = 1024 ** ("KMGT".index(prefix) + 1) if binary and prefix else _UNITS[f"{prefix}B"]
    return int(float(number) * unit)


def estimate_peak(file_bytes: int, suffixes: list[str], *, in_engine: bool) -> PeakEstimate:
    """The estimate for a file of `file_bytes` whose name ends in `suffixes` (`Path.suffixes`)."""
    lowered = [s.lower() for s in suffixes]
    stored = _stored(lowered)
    messages = file_bytes // _BYTES_PER_MESSAGE[stored]
    base, per_million = _PEAK_LINE["in_engine" if in_engine else "in_memory"]
    peak = (base + per_million * messages / 1_000_000) * _GIB
    return PeakEstimate(messages=messages, peak_bytes=int(peak))


def _stored(suffixes: list[str]) -> str:
    """How a file whose lowered `suffixes` these are stores its messages (`_BYTES_PER_MESSAGE`)."""
    if ".parquet" in suffixes:
        return "parquet"
    if ".xlsx" in suffixes:  # a zip already, compressed or not
        return "xlsx"
    return "gzip" if ".gz" in suffixes[-1:] else "text"


def footer_bytes(path: Path) -> int:
    """The length of a Parquet file's footer (its metadata); 0 for any other file.

    From the file's last 8 bytes: the footer's length, then `PAR1`. It grows with
    row groups times columns (0.4 MB at a million generated messages, 7.7 MB at 20M).
    """
    try:
        # Only a regular file: opening a named pipe would wait for (and take) its writer.
        if not stat.S_ISREG(path.stat().st_mode):
            return 0
        with path.open("rb") as handle:
            handle.seek(-len(_PARQUET_MAGIC) - 4, os.SEEK_END)
            tail = handle.read()
    except OSError:  # no such file, shorter than 8 bytes
        return 0
    if tail[4:] != _PARQUET_MAGIC:
        return 0
    return int.from_bytes(tail[:4], "little")


def default_limit(source: object, default: str) -> str:
    """DuckDB's memory limit for `source` when none is given: `default`, less a Parquet footer.

    For a Parquet file, less what its footer holds beside DuckDB (`_FOOTER_FACTOR`),
    down to `_LOWEST_SHARE` of `default`. The footer grows with the file (54 MB at
    20M messages, 3 MB at a million): taken out of DuckDB's share, the report's peak
    grows less with the file (issue 20).
    """
    footer = footer_bytes(Path(source)) if isinstance(source, str | Path) else 0
    if not footer:
        return default
    total = size_in_bytes(default)
    spared = max(int(total * _LOWEST_SHARE), total - _FOOTER_FACTOR * footer)
    return f"{spared // _UNITS['MB']}MB"


def tables_on_disk(source: object, limit: str) -> bool:
    """Whether the report's DuckDB tables for `source` are better in a database file.

    When the estimated tables (`estimate_peak`'s messages) would take more than
    `_ON_DISK_PAST` times `limit`: most of them would spill anyway, and a file
    stores them compressed (`duck.open_database`). Standard input, a pipe, or a
    limit that is not a size: in memory.
    """
    if not isinstance(source, str | Path):
        return False
    path = Path(source)
    try:
        info = path.stat()
        allowed = size_in_bytes(limit)
    except (OSError, ValueError):
        return False
    if not stat.S_ISREG(info.st_mode):
        return False
    messages = estimate_peak(info.st_size, path.suffixes, in_engine=True).messages
    return messages * _TABLE_BYTES_PER_MESSAGE > _ON_DISK_PAST * allowed
