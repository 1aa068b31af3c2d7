"""The one declared row layout of the exposure report's readers.

A message becomes one row: its kind, the sender's and recipient's state and
authority, and the values of its subject (a person record); each of the
person's documents gives a key. The three readers (the general Python one in
`_read`, msgspec's Structs in `_fast`, DuckDB's SQL in `_duck`) are built
from the columns declared here, so a new column is one line here, and a
test (`tests/test_exposure_layout.py`) checks that it reaches every reader.

Every path is checked against the models (`check`, the rule of the
generator's `kzcn.synth._regime.fields_of`) by the layout's tests: a field
renamed there fails them, not a report that silently reads nothing. Not at
import: a worker process parsing part of a large file imports the readers but
not the models (0.1 s; `tests/test_public_api.py`).

Where a back-end reads a column its own way, the exception is named below,
next to the layout, rather than kept in a second copy of it.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

__all__ = [
    "DATE_OF_BIRTH",
    "DOCUMENT",
    "DOCUMENTS",
    "DOCUMENT_KEY",
    "ENVELOPE",
    "ITEM_SUBJECT",
    "KIND",
    "MESSAGE",
    "NAME_FORM",
    "PERSON",
    "PLACES",
    "SUBJECT",
    "Column",
    "Tree",
    "check_records",
    "compiled_source",
    "document_key",
    "pick_from_dicts",
    "pick_from_structs",
    "required_leaf",
    "tree",
]

Role = Literal["message", "person", "document"]
#: What a row holds. `text`: a string where the models put one; a number or
#: boolean there is kept as its text by every reader (the report does not validate).
ValueType = Literal["text"]


@dataclass(frozen=True, slots=True)
class Column:
    """One value of a row.

    Attributes:
        name: The row's column.
        path: Field names from the record the role names (the message, a
            person record, one of its documents), as segments.
        type: What the value is (`ValueType`).
        role: Where the path starts.
    """

    name: str
    path: tuple[str, ...]
    type: ValueType
    role: Role


def _column(role: Role, name: str, dotted: str) -> Column:
    return Column(name, tuple(dotted.split(".")), "text", role)


KIND = _column("message", "kind", "kind")
#: The envelope's columns, after `kind`.
ENVELOPE = (
    _column("message", "sender_state", "sender.state"),
    _column("message", "sender_authority", "sender.authority"),
    _column("message", "recipient_state", "recipient.state"),
    _column("message", "recipient_authority", "recipient.authority"),
)
MESSAGE = (KIND, *ENVELOPE)
#: The form a name (`{cyrillic, latin}`) is read by.
NAME_FORM = "latin"
DATE_OF_BIRTH = _column("person", "date_of_birth", "date_of_birth")
#: The birthplace's levels, finest first: each the level's name, by `NAME_FORM`
#: where the models give a name (`_qi` keys a place by them, coarsening along them).
PLACES = (
    _column("person", "place_locality", f"place_of_birth.locality.{NAME_FORM}"),
    _column("person", "place_region", f"place_of_birth.region.{NAME_FORM}"),
    _column("person", "place_country", "place_of_birth.country"),
)
#: The person columns every row has (the subject's, and each listed person's).
PERSON = (
    DATE_OF_BIRTH,
    _column("person", "sex", "sex"),
    _column("person", "citizenship", "citizenship"),
    _column("person", "ethnic_nationality", "ethnic_nationality"),
    *reversed(PLACES),
    _column("person", "place_admin_code", "place_of_birth.admin_code"),
)
#: A document's fields, in the order its key joins them: `STATE|TYPE|NUMBER`.
DOCUMENT = (
    _column("document", "issuing_state", "issuing_state"),
    _column("document", "document_type", "document_type"),
    _column("document", "number", "number"),
)
#: The field whose value names a document: only a string there does (a document
#: without one has no key). DuckDB reads it as JSON to tell a string from a number
#: (`_duck._json_source`); the Python readers ask for a string (`str` Structs, `type()`).
DOCUMENT_KEY = DOCUMENT[-1]
# The records a row's columns start at, by the field that holds each (checked
# against the models by `check_records`).
#: The message's person record (the subject of a person kind).
SUBJECT = "subject"
#: A person record's identity documents (each gives a key, `DOCUMENT`).
DOCUMENTS = "documents"
#: The person record a list's item carries (a prior-change list's items).
ITEM_SUBJECT = "subject"

# Exception of the Python reader over dicts (`pick_from_dicts`): an object
# directly in the record (`place_of_birth`, `sender`) that is missing, null or
# any false value (`[]`, `""`, `0`) reads as empty, so its columns are null; a
# deeper object (`region`) only when missing or null, and any other value there
# is a malformed message. The other readers never see such a value: the Structs
# and DuckDB's declared types reject it and leave the line to the Python reader.


# --- checked against the models ---------------------------------------------------


def _models_of(annotation: Any) -> list[type]:
    """The pydantic models an annotation holds (through `X | None`, tuples, `Annotated`)."""
    from pydantic import BaseModel  # noqa: PLC0415 - see `check`

    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _models_of(typing.get_args(annotation)[0])
    if origin in {typing.Union, types.UnionType, tuple, list}:
        return [m for arg in typing.get_args(annotation) for m in _models_of(arg)]
    return []


def _has_path(model: Any, path: tuple[str, ...]) -> bool:
    head, *rest = path
    info = model.model_fields.get(head)
    if info is None:
        return False
    return not rest or any(_has_path(m, tuple(rest)) for m in _models_of(info.annotation))


def check(columns: tuple[Column, ...]) -> tuple[Column, ...]:
    """`columns`, each checked to be a path of the models (raises ValueError otherwise).

    A path starts at the record its role names: any message kind, the person
    record, an identity document.
    """
    from kzcn.messages import MESSAGE_MODELS  # noqa: PLC0415 - not for the readers' import
    from kzcn.person import IdentityDocument, PersonRecord  # noqa: PLC0415 - ditto

    roots: dict[Role, list[Any]] = {
        "message": list(MESSAGE_MODELS.values()),
        "person": [PersonRecord],
        "document": [IdentityDocument],
    }
    wrong = [c for c in columns if not any(_has_path(m, c.path) for m in roots[c.role])]
    if wrong:
        raise ValueError(f"{[c.name for c in wrong]}: not fields of the models")
    return columns


def _holds(model: Any, name: str, record: type) -> bool:
    """Whether `model`'s field `name` holds `record` (maybe in a list, maybe null)."""
    info = model.model_fields.get(name)
    return info is not None and record in _models_of(info.annotation)


def check_records() -> None:
    """Check `SUBJECT`, `DOCUMENTS` and `ITEM_SUBJECT` against the models (ValueError if not).

    The subject is a message's person record, the documents a person
    record's identity documents, an item's subject the person record of an
    item of some message's list.
    """
    from kzcn.messages import MESSAGE_MODELS  # noqa: PLC0415 - see `check`
    from kzcn.person import IdentityDocument, PersonRecord  # noqa: PLC0415 - ditto

    messages = list(MESSAGE_MODELS.values())
    items = [
        item
        for model in messages
        for info in model.model_fields.values()
        if typing.get_origin(info.annotation) in {list, tuple}
        for item in _models_of(info.annotation)
    ]
    wrong = [
        name
        for name, ok in (
            ("SUBJECT", any(_holds(m, SUBJECT, PersonRecord) for m in messages)),
            ("DOCUMENTS", _holds(PersonRecord, DOCUMENTS, IdentityDocument)),
            ("ITEM_SUBJECT", any(_holds(i, ITEM_SUBJECT, PersonRecord) for i in items)),
        )
        if not ok
    ]
    if wrong:
        raise ValueError(f"{wrong}: not the fields of the models that hold those records")


def required_leaf(key: str) -> str | None:
    """A field the models require of the person record's object `key`, or None.

    An enumeration first (its few values are cheap to read), else a text: one
    value every valid object holds, so that a columnar reader can tell the
    object given from one leaf rather than from all of its fields (`_duck`'s
    Parquet presence checks: the photo's three fields took 0.08 CPU-s a
    million rows, its media type 0.01). None where `key` is no object of the
    models, or its object requires no such field.
    """
    from kzcn.person import PersonRecord  # noqa: PLC0415 - see `check`

    info = PersonRecord.model_fields.get(key)
    model = None if info is None else _object_of(info.annotation)
    if model is None:
        return None
    fields = model.model_fields.items()
    required: list[tuple[str, Any]] = [(n, f.annotation) for n, f in fields if f.is_required()]
    for wanted in (_is_enumeration, _is_text):
        found = next((name for name, annotation in required if wanted(annotation)), None)
        if found is not None:
            return found
    return None


def _object_of(annotation: Any) -> Any:
    """The model of an object field (through `X | None` and `Annotated`; not a list's items)."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _object_of(typing.get_args(annotation)[0])
    if origin in {typing.Union, types.UnionType}:
        found = [a for a in typing.get_args(annotation) if a is not type(None)]
        return _object_of(found[0]) if len(found) == 1 else None
    return annotation if origin is None and _models_of(annotation) else None


def _is_enumeration(annotation: Any) -> bool:
    return typing.get_origin(annotation) is Literal and all(
        isinstance(value, str) for value in typing.get_args(annotation)
    )


def _is_text(annotation: Any) -> bool:
    if typing.get_origin(annotation) is typing.Annotated:
        return _is_text(typing.get_args(annotation)[0])
    return annotation is str


# --- the shape the paths make -------------------------------------------------------

#: Columns as a nested shape: field name to its column, or to the shape of an object.
Tree = dict[str, "Column | Tree"]


def tree(columns: tuple[Column, ...]) -> Tree:
    """The columns' paths as nested objects, in the columns' order."""
    shape: Tree = {}
    for column in columns:
        if not all(segment.isidentifier() for segment in column.path):
            raise ValueError(f"{column.name}: {column.path} is not a path of field names")
        node = shape
        for segment in column.path[:-1]:
            child = node.setdefault(segment, {})
            if isinstance(child, Column):
                raise ValueError(f"{column.name}: {segment} is a value and an object")  # noqa: TRY004
            node = child
        node[column.path[-1]] = column
    return shape


# --- the Python readers' pickers ----------------------------------------------------
#
# The pickers run once per message in the hot loop, where a helper call per
# value would double the time; so each is compiled from the layout into the
# straight-line code one would write by hand (as `dataclasses` compiles
# `__init__`): one function call per record, values as the old inline code
# computed them.


#: A picker's value expressions, by column.
_Values = dict[Column, str]


def _lines(shape: Tree, record: str, depth: int, out: list[str], *, structs: bool) -> _Values:
    """Lines of a picker over Structs (attributes) or dicts (`.get`).

    Depth 0 is the record. Over dicts, an object at depth 1 is never None (the
    exception above: a false value there reads as empty, `or {}`), so only deeper
    ones are guarded; over Structs every object below the record may be None.
    """
    values: _Values = {}
    for key, node in shape.items():
        get = f"{record}.{key}" if structs else f"{record}.get({key!r})"
        if depth > (0 if structs else 1):
            get = f"None if {record} is None else {get}"
        if isinstance(node, Column):
            values[node] = get
            continue
        name = f"_{len(out)}"
        if depth == 0 and not structs:
            get += " or {}"
        out.append(f"    {name} = {get}")
        values.update(_lines(node, name, depth + 1, out, structs=structs))
    return values


def _compiled(columns: tuple[Column, ...], *, structs: bool) -> Callable[[Any], tuple[Any, ...]]:
    body: list[str] = []
    values = _lines(tree(columns), "record", 0, body, structs=structs)
    row = ", ".join(values[c] for c in columns)  # the columns' order, not the shape's
    source = "\n".join(["def pick(record):", *body, f"    return ({row},)"])
    return compiled_source(source, f"the values of {[c.name for c in columns]}")


def compiled_source(
    source: str, what: str, scope: dict[str, Any] | None = None
) -> Callable[[Any], Any]:
    """The function `pick` that `source` defines (with the names in `scope`).

    Not arbitrary code: callers make the text from field names of the models
    (see `check`), each a Python identifier (`tree` checks; `_fast` its own).
    """
    scope = dict(scope or {})
    exec(compile(source, f"<layout: {what}>", "exec"), scope)  # noqa: S102
    picker: Callable[[Any], Any] = scope["pick"]
    picker.__doc__ = f"Compiled from the layout: {what}.\n\n{source}"
    return picker


def _key_source(columns: tuple[Column, ...], *, structs: bool) -> str:
    def get(column: Column) -> str:
        name = column.path[-1]
        return f"record.{name}" if structs else f"record.get({name!r})"

    named = "None" if structs else "str"
    test = f"_k is not {named}" if structs else f"type(_k) is {named}"
    parts = "|".join("{_k}" if c is DOCUMENT_KEY else "{" + get(c) + "}" for c in columns)
    return "\n".join([
        "def pick(record):",
        f"    _k = {get(DOCUMENT_KEY)}",
        f"    return f{parts!r} if {test} else None",
    ])  # fmt: skip


def document_key(*, structs: bool) -> Callable[[Any], str | None]:
    """A document's key, `STATE|TYPE|NUMBER` (`DOCUMENT`), or None when it has no number.

    A number is a string (`DOCUMENT_KEY`): over dicts, any other value names
    no document; a Struct holds nothing else. Other values are written as
    f-strings write them (None as `None`).
    """
    return compiled_source(_key_source(DOCUMENT, structs=structs), "document key")


def pick_from_dicts(columns: tuple[Column, ...]) -> Callable[[Any], tuple[Any, ...]]:
    """The columns' values from a parsed record (dicts), in the columns' order.

    Raises AttributeError or TypeError on a shape no message has (the caller's
    malformed line).
    """
    return _compiled(columns, structs=False)


def pick_from_structs(columns: tuple[Column, ...]) -> Callable[[Any], tuple[Any, ...]]:
    """The columns' values from a decoded Struct (`_fast`), in the columns' order."""
    return _compiled(columns, structs=True)
