"""Parquet: the Arrow schema of a message, from the same schema walk as the CSV layout.

The columns nest as the JSON Schema does (`subject` is a struct, `subject.documents`
a list of structs), one leaf per entry of `kzcn.flat.column_types`, so a
reader (DuckDB, polars, pandas, Spark) gets every kind's fields typed, a
field a kind does not have being null. Written with pyarrow (an optional
dependency, imported only here and by the readers): its writer takes a
Python stream and writes the same bytes for the same rows, and its reader
gives Python objects without a second pass.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from functools import cache
from typing import IO, Any

import pyarrow as pa
import pyarrow.ipc as pa_ipc
import pyarrow.json as pa_json
import pyarrow.parquet as pq

from kzcn.flat import column_types

__all__ = [
    "CHUNKS_PER_ROW_GROUP",
    "arrow_schema",
    "ipc_of",
    "parquet_writer",
    "table_from_ipc",
    "table_of",
    "write_row_group",
]

#: JSON type -> Arrow type. Dates stay ISO text: `kzcn validate` reads them back as written.
_LEAVES = {"string": pa.string(), "integer": pa.int64(), "number": pa.float64(),
           "boolean": pa.bool_()}  # fmt: skip
COMPRESSION = "zstd"
#: Chunks of the generator in one row group (50,000 messages, about 5 MB). The
#: writer keeps about 1 KB per column of each row group until it closes the file:
#: with a row group per chunk, 5M messages held 140 MiB more than 1M did.
CHUNKS_PER_ROW_GROUP = 10
#: pyarrow parses JSON in blocks of this many bytes; a chunk of the generator
#: (about 9 MB) in one block parses fastest.
_BLOCK = 16 << 20

Tree = dict[str, Any]


def _tree() -> Tree:
    root: Tree = {}
    for pattern, json_type in column_types().items():
        *path, leaf = pattern.split(".")
        node = root
        for part in path:
            node = node.setdefault(part, {})
        node[leaf] = json_type
    return root


def _arrow_type(node: Tree | str) -> pa.DataType:
    if isinstance(node, str):
        return _LEAVES.get(node, pa.string())
    if set(node) == {"*"}:  # a list: its only child is the item
        return pa.list_(_arrow_type(node["*"]))
    return pa.struct([pa.field(name, _arrow_type(child)) for name, child in node.items()])


@cache
def arrow_schema() -> pa.Schema:
    """The Arrow schema of a message of any kind: every field nullable."""
    return pa.schema([pa.field(name, _arrow_type(child)) for name, child in _tree().items()])


def table_of(lines: bytes) -> pa.Table:
    """JSON Lines of messages as a table under `arrow_schema`.

    Raises:
        ValueError: A record with a field of no column, or a value of the
            wrong type (Parquet's columns are typed: a corrupted record has
            no place there).
    """
    if not lines or lines.isspace():  # (`isspace` stops at the first record; `strip` copies)
        return arrow_schema().empty_table()
    # pyarrow's own JSON reader, told the schema: about six times `from_pylist` over
    # orjson's objects, and a field of no column is an error rather than dropped.
    options = pa_json.ParseOptions(explicit_schema=arrow_schema(),
                                   unexpected_field_behavior="error")  # fmt: skip
    # One thread: the chunks are converted in parallel already, one per worker process.
    reading = pa_json.ReadOptions(use_threads=False, block_size=_BLOCK)
    try:
        table = pa_json.read_json(io.BytesIO(lines), reading, options)
    except (pa.ArrowInvalid, pa.ArrowTypeError) as error:
        raise ValueError("a record does not fit the Parquet columns of a message") from error
    return table.select(arrow_schema().names).cast(arrow_schema())


def ipc_of(lines: bytes) -> bytes:
    """JSON Lines of messages as an Arrow IPC stream (see `table_of`): what a worker hands over."""
    table = table_of(lines)
    sink = pa.BufferOutputStream()
    with pa_ipc.new_stream(sink, table.schema) as stream:
        stream.write_table(table)
    return bytes(sink.getvalue())


def table_from_ipc(stream: bytes | str) -> pa.Table:
    """The table of an Arrow IPC stream, given as bytes or as the name of a file holding them."""
    source = pa.memory_map(stream) if isinstance(stream, str) else pa.py_buffer(stream)
    return pa_ipc.open_stream(source).read_all()


def write_row_group(writer: pq.ParquetWriter, tables: list[pa.Table]) -> None:
    """Write `tables` (of `arrow_schema`) as one row group."""
    rows = sum(table.num_rows for table in tables)
    writer.write_table(pa.concat_tables(tables), row_group_size=max(rows, 1))


def parquet_writer(out: IO[bytes]) -> pq.ParquetWriter:
    """A writer of `arrow_schema` tables to `out`; the same rows give the same bytes."""
    return pq.ParquetWriter(out, arrow_schema(), compression=COMPRESSION)


def records_of(table: pa.Table) -> Iterator[dict[str, Any]]:
    """The rows of a table as objects (nulls kept: see `kzcn.validation._binary`)."""
    for batch in table.to_batches(max_chunksize=4096):
        yield from batch.to_pylist()
