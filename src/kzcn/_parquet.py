"""Parquet: the Arrow schema of a message, from the same schema walk as the CSV layout.

The columns nest as the JSON Schema does (`subject` is a struct, `subject.documents`
a list of structs), one leaf per entry of `kzcn.flat.column_types`, so a
reader (DuckDB, polars, pandas, Spark) gets every kind's fields typed, a
field a kind does not have being null. Written with pyarrow (an optional
dependency, imported only here and by the readers): its writer takes a
Python stream and writes the same bytes for the same rows, its arrays are
built from numpy buffers without a copy per value, and its reader gives
Python objects without a second pass (polars would bring a second Arrow
implementation for the same file, and writes through its own engine).

`kzcn generate --format parquet` builds its tables from the generator's
columns (`chunk_table`: each kind's typed view, `kzcn.synth._view`, the
kinds of a chunk stacked so each field is converted once), never writing or
reading JSON; `table_of` reads JSON Lines (labelled runs, tests) into the
same columns, and gives the same bytes.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from functools import cache, lru_cache
from typing import IO, Any

import numpy as np
import numpy.typing as npt
import orjson
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.ipc as pa_ipc
import pyarrow.json as pa_json
import pyarrow.parquet as pq

from kzcn.flat import column_types
from kzcn.synth._view import (
    Built,
    Coded,
    Items,
    Json,
    Number,
    Pick,
    Record,
    Stack,
    Text,
    View,
    stack_records,
)

__all__ = [
    "CHUNKS_PER_ROW_GROUP",
    "arrow_array",
    "arrow_schema",
    "chunk_table",
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


def ipc_of(table: pa.Table) -> bytes:
    """A table as an Arrow IPC stream: what a worker hands over."""
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


# --- from the generator's columns ---------------------------------------------


def chunk_table(columns: list[tuple[npt.NDArray[np.int64], Built]], size: int) -> pa.Table:
    """The first `size` messages of a chunk the generator drew (`Generator.built`), as a table.

    Each kind's column comes from its typed view (`kzcn.synth._view`), with
    no JSON between; the rows are put back in the order the kinds were drawn in.
    """
    if not columns:
        return arrow_schema().empty_table()
    # The kinds' views stacked: each field converted once for the chunk.
    view = stack_records([built.view() for _, built in columns], [len(r) for r, _ in columns])
    drawn = np.concatenate([rows for rows, _ in columns])
    # Row `drawn[i]` of the chunk is row `i` of the stacked view.
    order = np.argsort(drawn, kind="stable")[:size]
    return view_table(view).take(_ints(order))


def view_table(view: Record) -> pa.Table:
    """Messages viewed by field (`Record` of every top-level field) as a table of `arrow_schema`."""
    schema = arrow_schema()
    return pa.Table.from_struct_array(arrow_array(view, pa.struct(list(schema))))


def arrow_array(view: View, arrow_type: pa.DataType, size: int | None = None) -> pa.Array:
    """The Arrow array of `view`, of `arrow_type` (`size` rows, for a constant).

    Raises:
        ValueError: the view names a field that has no column.
    """
    if isinstance(view, Record | Items | Pick | Stack):
        return _nested(view, arrow_type, size)
    if isinstance(view, Coded):
        index = _ints(view.index, view.valid)
        return _table(view.table, arrow_type, json=view.json).take(index)
    if isinstance(view, Number):
        return _ints(view.values, view.valid).cast(arrow_type)
    if size is None:
        raise ValueError("a constant outside a record")
    if isinstance(view, Json):
        return _json_values(view.values, arrow_type, size)
    return _text(view, arrow_type, size)


def _nested(
    view: Record | Items | Pick | Stack, arrow_type: pa.DataType, size: int | None
) -> pa.Array:
    if isinstance(view, Record):
        return _struct(view, arrow_type)
    if isinstance(view, Items):
        item = arrow_array(view.item, arrow_type.value_type, int(view.offsets[-1]))
        offsets = pa.py_buffer(np.ascontiguousarray(view.offsets, dtype=np.int32))
        return pa.ListArray.from_buffers(
            arrow_type, len(view.offsets) - 1, [_validity(view.valid), offsets], children=[item]
        )
    if isinstance(view, Stack):
        parts = zip(view.parts, view.sizes, strict=True)
        return pa.concat_arrays([arrow_array(part, arrow_type, rows) for part, rows in parts])
    # The records picked from, stacked: converted once.
    records = stack_records(view.parts, [part.size for part in view.parts])
    return arrow_array(records, arrow_type, size).take(_ints(view.index, view.index >= 0))


def _struct(view: Record, arrow_type: pa.DataType) -> pa.Array:
    names = [field.name for field in arrow_type]
    unknown = view.fields.keys() - set(names)
    if unknown:
        raise ValueError(f"no Parquet column for {sorted(unknown)}")
    children = [
        arrow_array(view.fields[field.name], field.type, view.size)
        if field.name in view.fields
        else pa.nulls(view.size, field.type)
        for field in arrow_type
    ]
    return pa.StructArray.from_buffers(
        arrow_type, view.size, [_validity(view.valid)], children=children
    )


def _text(view: Text, arrow_type: pa.DataType, size: int) -> pa.Array:
    text = _binary(view.values, size, view.valid)
    if view.quoted:
        text = pc.binary_slice(text, 1, -1)
    return text.cast(arrow_type)  # (checks the UTF-8)


def _json_values(values: bytes | npt.NDArray[Any], arrow_type: pa.DataType, size: int) -> pa.Array:
    """JSON values of few distinct ones: each distinct value read once."""
    if isinstance(values, bytes):
        if values == b"null":
            return pa.nulls(size, arrow_type)
        return _decoded((values,), arrow_type).take(_ints(np.zeros(size, dtype=np.int64)))
    encoded = _binary(values, size).dictionary_encode()
    return _decoded(tuple(encoded.dictionary.to_pylist()), arrow_type).take(encoded.indices)


#: Tables the generator indexes, converted once per process: (id, type, json) -> (table, array).
_TABLES: dict[tuple[int, pa.DataType, bool], tuple[npt.NDArray[Any], pa.Array]] = {}


def _table(table: npt.NDArray[Any], arrow_type: pa.DataType, *, json: bool) -> pa.Array:
    key = (id(table), arrow_type, json)
    if key not in _TABLES:  # (the table is kept, so its id is not reused)
        array = (
            _decoded(tuple(table), arrow_type)
            if json
            else _binary(table, len(table)).cast(arrow_type)
        )
        _TABLES[key] = (table, array)
    return _TABLES[key][1]


@lru_cache(maxsize=4096)
def _decoded(values: tuple[bytes, ...], arrow_type: pa.DataType) -> pa.Array:
    """JSON values as an array of `arrow_type` (a table of values, not messages).

    Remembered: the same few values (parties, authorities, constants) recur in every chunk.
    """
    return _from_python([orjson.loads(value) for value in values], arrow_type)


# Arrays are built from their buffers here, not with `pa.array`: that imports pandas
# when it is installed (0.4 s and 60 MB in every worker process), and is no faster.


def _from_python(values: list[Any], arrow_type: pa.DataType) -> pa.Array:
    """Values read from JSON as an array of `arrow_type` (a field of no column is an error)."""
    valid = np.array([value is not None for value in values], dtype=bool)
    n = len(values)
    if pa.types.is_struct(arrow_type):
        names = {field.name for field in arrow_type}
        if any(value is not None and value.keys() - names for value in values):
            raise ValueError(f"a value does not fit {arrow_type}")
        children = [
            _from_python([None if v is None else v.get(field.name) for v in values], field.type)
            for field in arrow_type
        ]
        return pa.StructArray.from_buffers(arrow_type, n, [_validity(valid)], children=children)
    if pa.types.is_list(arrow_type):
        lists = [value or [] for value in values]
        offsets = np.cumsum([0, *map(len, lists)], dtype=np.int32)
        item = _from_python([item for items in lists for item in items], arrow_type.value_type)
        return pa.ListArray.from_buffers(
            arrow_type, n, [_validity(valid), pa.py_buffer(offsets)], children=[item]
        )
    if pa.types.is_integer(arrow_type):
        return _ints(np.array([v or 0 for v in values], dtype=np.int64), valid).cast(arrow_type)
    if pa.types.is_boolean(arrow_type):
        bits = np.packbits(np.array([bool(v) for v in values]), bitorder="little")
        return pa.Array.from_buffers(arrow_type, n, [_validity(valid), pa.py_buffer(bits)])
    texts = [b"" if v is None else v.encode() for v in values]
    return _binary(np.array(texts, dtype=object), n, valid).cast(arrow_type)


def _validity(valid: npt.NDArray[np.bool_] | None) -> pa.Buffer | None:
    """The validity bitmap of `valid` (None: all valid)."""
    if valid is None:
        return None
    return pa.py_buffer(np.packbits(np.asarray(valid, dtype=bool), bitorder="little"))


def _ints(values: npt.NDArray[Any], valid: npt.NDArray[np.bool_] | None = None) -> pa.Array:
    """Whole numbers as an int64 array, null where not `valid`."""
    data = np.ascontiguousarray(values, dtype=np.int64)
    return pa.Array.from_buffers(pa.int64(), len(data), [_validity(valid), pa.py_buffer(data)])


def _binary(
    values: bytes | npt.NDArray[Any], size: int, valid: npt.NDArray[np.bool_] | None = None
) -> pa.Array:
    """A column of bytes (or one for every row) as a binary array, null where not `valid`."""
    if isinstance(values, bytes):
        lengths = np.full(size, len(values), dtype=np.int64)
        data = values * size
    else:
        lengths = np.fromiter(map(len, values), dtype=np.int64, count=size)
        data = b"".join(values)
    offsets = np.zeros(size + 1, dtype=np.int32)
    np.cumsum(lengths, out=offsets[1:])
    if valid is not None:
        valid = np.broadcast_to(valid, size)
    return pa.Array.from_buffers(
        pa.binary(), size, [_validity(valid), pa.py_buffer(offsets), pa.py_buffer(data)]
    )
