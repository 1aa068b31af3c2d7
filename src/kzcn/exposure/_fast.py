"""The fast path of reading: msgspec decodes only the values the report needs.

Parsing a whole message into dicts (orjson) builds thousands of objects the
report never looks at (names, MRZ lines, photo hashes). A narrow msgspec
`Struct` skips every field it does not declare without allocating, and
optional fields whose only question is "is a value there?" are declared as
`msgspec.Raw` (a slice of the line, nothing parsed). On the generated
million-message file this halves the reading time (see
`tests/benchmarks/bench_exposure.py`).

The Structs are typed strictly (a string where a string belongs), so a line
of any unusual shape fails to decode and is read by the general orjson path
instead, which decides what it is (skipped, malformed, or kept with its value
as text). The fast path therefore gives the row the general path would, with
one difference in what counts as JSON: bytes in a field the report never reads
are skipped, not checked, so a line whose only fault is there (invalid UTF-8
in such a string, a number too large for a float) is read rather than skipped
as `input.not_json`.
"""

from __future__ import annotations

import keyword
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import msgspec

from kzcn.exposure import _layout as layout

__all__ = [
    "EMPTY_LIST", "NULL", "FastChecks", "FastPlan", "ItemChecks", "fast_plan", "given", "item_bits",
    "non_empty",
]  # fmt: skip

NULL = msgspec.Raw(b"null")
EMPTY_LIST = msgspec.Raw(b"[]")

_Text = str | None
#: The Struct type of each of the layout's value types (`_layout.ValueType`): strict,
#: so a number where a string belongs fails the line over to the general path.
_TYPES: dict[str, Any] = {"text": _Text}
_MESSAGE, _SUBJECT, _DOCUMENT = (
    layout.tree(layout.MESSAGE),
    layout.tree(layout.PERSON),
    layout.tree(layout.DOCUMENT),
)
#: Fields the Structs always decode (the layout's, the subject and its documents).
_SUBJECT_TAKEN = frozenset({*_SUBJECT, layout.DOCUMENTS})
_MESSAGE_TAKEN = frozenset({*_MESSAGE, layout.SUBJECT})
_DOCUMENT_TAKEN = frozenset(_DOCUMENT)
_Field = tuple[str, Any, Any]


def given(raw: msgspec.Raw) -> bool:
    """A value is there: the field was in the object and is not null."""
    return bool(raw) and raw != NULL


def non_empty(raw: msgspec.Raw) -> bool:
    """`given`, and not an empty list (which the message-level checks ignore)."""
    if not raw or raw in (NULL, EMPTY_LIST):
        return False
    text = bytes(raw)
    # `[ ]`, with whitespace inside, is an empty list too.
    return not (text.startswith(b"[") and not text[1:-1].strip())


#: Per list, (bit, path in the item) of each check on its items; `[]` fans out over a list.
ItemChecks = tuple[tuple[str, tuple[tuple[int, tuple[str, ...]], ...]], ...]


@dataclass(frozen=True, slots=True)
class FastChecks:
    """One kind's presence checks over the decoded Structs (only what the kind can carry).

    Attributes:
        subject: (bit, field) checked with `given` on the subject.
        subject_values: (bit, field) of subject fields also decoded as values
            (an extra path starts there), checked with `is not None`.
        documents: (bit, field) checked with `given` on every document.
        message: (bit, field, child) checked with `non_empty` on the message
            (or on its `field` object's `child`).
        lists: (field, ((bit, child), ...)) checked with `given` on every item.
        items: The checks of a list whose items carry a person (`person_lists`),
            made on each item (`item_bits`): the item's bits are its listed
            person's, and any item's are the message's.
    """

    subject: tuple[tuple[int, str], ...]
    subject_values: tuple[tuple[int, str], ...]
    documents: tuple[tuple[int, str], ...]
    message: tuple[tuple[int, str, str | None], ...]
    lists: tuple[tuple[str, tuple[tuple[int, str], ...]], ...]
    items: ItemChecks = ()

    def only(self, mask: int) -> FastChecks:
        """The checks whose bit is in `mask`."""
        lists = ((key, tuple(c for c in children if c[0] & mask)) for key, children in self.lists)
        items = ((key, tuple(c for c in children if c[0] & mask)) for key, children in self.items)
        return FastChecks(
            subject=tuple(c for c in self.subject if c[0] & mask),
            subject_values=tuple(c for c in self.subject_values if c[0] & mask),
            documents=tuple(c for c in self.documents if c[0] & mask),
            message=tuple(c for c in self.message if c[0] & mask),
            lists=tuple((key, children) for key, children in lists if children),
            items=tuple((key, children) for key, children in items if children),
        )


def _present(value: Any) -> bool:
    """A value is there, not null nor an empty list (`non_empty` for a Raw).

    As the general reader's `_read._present`: a list with nothing in it carries
    nothing (and a CSV cell cannot tell it from a missing one). A value decoded
    as itself (an extra path starts there) is not a Raw.
    """
    return non_empty(value) if type(value) is msgspec.Raw else value is not None and value != []


#: Paths into an item as a tree: a segment to its subtree, or a path's end to its bits.
_PathTree = dict[str, "_PathTree | int"]


def _item_lines(tree: _PathTree, node: str, depth: int, out: list[str]) -> None:
    """Lines of `item_bits`' body under `node` (a variable), one level deeper per object."""
    pad = "    " * (depth + 1)
    for segment, child in tree.items():
        if isinstance(child, int):
            out.append(f"{pad}if _present({node}.{segment}): bits |= {child}")
            continue
        name = f"_{len(out)}"
        out.append(f"{pad}{name} = {node}.{segment}")
        if "[]" in child:  # a list: every item
            (inner,) = child.values()
            out.append(f"{pad}for {name}_ in {name} or ():")
            assert not isinstance(inner, int)  # noqa: S101 - `_item_shape` takes no list end
            _item_lines(inner, f"{name}_", depth + 1, out)
        else:
            out.append(f"{pad}if {name} is not None:")
            _item_lines(child, name, depth + 1, out)


def item_bits(checks: tuple[tuple[int, tuple[str, ...]], ...]) -> Callable[[Any], int]:
    """The bits of the checks (`FastChecks.items`) a decoded item passes, as one function.

    Compiled to straight-line code (as `_layout`'s pickers are): a helper
    call per check and item cost a tenth of the fast path's time.
    """
    tree: _PathTree = {}
    for bit, path in checks:
        node = tree
        for segment in path[:-1]:
            node = node.setdefault(segment, {})  # type: ignore[assignment]
        node[path[-1]] = bit | int(node.get(path[-1], 0))  # type: ignore[arg-type]
    body: list[str] = []
    _item_lines(tree, "item", 0, body)
    source = "\n".join(["def pick(item):", "    bits = 0", *body, "    return bits"])
    return layout.compiled_source(source, "item checks", {"_present": _present})


@dataclass(frozen=True, slots=True)
class FastPlan:
    """The narrow decoder, and per known kind its presence checks.

    Attributes:
        decode: Bytes of one line to its message Struct (raises `msgspec.DecodeError`).
        checks: Per known kind, the checks of the paths that kind can carry.
        extra: (subject field, remaining segments) of every extra path.
        item_bits: Per known kind, per list of persons, its checks on an item
            (`FastChecks.items`) as one function (`item_bits`).
    """

    decode: Callable[[bytes], Any]
    checks: dict[str, FastChecks]
    extra: tuple[tuple[str, tuple[str, ...]], ...]
    item_bits: dict[str, dict[str, Callable[[Any], int]]]


def _struct(name: str, fields: list[_Field]) -> Any:
    # No Struct here can be part of a reference cycle, so the collector need not track them.
    return msgspec.defstruct(name, fields, gc=False)


def layout_fields(shape: layout.Tree) -> list[_Field]:
    """Struct fields of a layout's shape: a value by its type, an object as a Struct."""
    return [
        (key, _TYPES[node.type], None)
        if isinstance(node, layout.Column)
        else (key, _struct(key.title().replace("_", ""), layout_fields(node)) | None, None)
        for key, node in shape.items()
    ]


def _name_ok(name: str) -> bool:
    return name.isidentifier() and not keyword.iskeyword(name) and not name.startswith("_")


@dataclass(slots=True)
class _Shapes:
    """The presence checks sorted by shape while the Structs are planned."""

    subject: dict[str, int]
    documents: dict[str, int]
    message: dict[str, int]
    children: dict[str, dict[str, int]]
    lists: dict[str, dict[str, int]]
    #: Per listing list, (bit, path in the item) of its checks.
    items: dict[str, list[tuple[int, tuple[str, ...]]]]
    #: The fields the items' Structs decode as Raw besides the layout's: their own,
    #: their objects' (object to its children), their persons', their documents'.
    item_fields: dict[str, set[str]]
    item_parts: dict[str, dict[str, set[str]]]
    item_subject: set[str]
    item_documents: set[str]


def _item_shape(shapes: _Shapes, key: str, path: tuple[str, ...]) -> bool:
    """Add a check on `key`'s items to `shapes`; False for a shape the Structs do not cover."""
    match path:
        case (layout.ITEM_SUBJECT, child) if child not in _SUBJECT_TAKEN:
            shapes.item_subject.add(child)
        case (layout.ITEM_SUBJECT, layout.DOCUMENTS, "[]", child) if child not in _DOCUMENT_TAKEN:
            shapes.item_documents.add(child)
        case (child,) if child != layout.ITEM_SUBJECT:
            shapes.item_fields.setdefault(key, set()).add(child)
        case (part, child) if part != layout.ITEM_SUBJECT and "[]" not in path:
            shapes.item_parts.setdefault(key, {}).setdefault(part, set()).add(child)
        case _:
            return False
    return True


def _shapes(
    presence: tuple[tuple[str, ...], ...], listing: frozenset[str] = frozenset()
) -> _Shapes | None:
    """Presence paths by shape (bit per path), or None for a shape the fast path lacks.

    A path into the items of a list in `listing` is checked per item (`FastChecks.items`).
    """
    shapes = _Shapes({}, {}, {}, {}, {}, {}, {}, {}, set(), set())
    for position, segments in enumerate(presence):
        bit = 1 << position
        match segments:
            case (key, "[]", *path) if key in listing:
                if not _item_shape(shapes, key, tuple(path)):
                    return None
                shapes.items.setdefault(key, []).append((bit, tuple(path)))
            case (layout.SUBJECT, key) if key not in _SUBJECT_TAKEN:
                shapes.subject[key] = shapes.subject.get(key, 0) | bit
            case (layout.SUBJECT, layout.DOCUMENTS, "[]", key) if key not in _DOCUMENT_TAKEN:
                shapes.documents[key] = shapes.documents.get(key, 0) | bit
            case (key,) if key not in _MESSAGE_TAKEN:
                shapes.message[key] = shapes.message.get(key, 0) | bit
            case (key, child) if key not in _MESSAGE_TAKEN and child != "[]":
                shapes.children.setdefault(key, {})[child] = bit
            case (key, "[]", child) if key not in _MESSAGE_TAKEN:
                shapes.lists.setdefault(key, {})[child] = bit
            case _:
                return None
    groups = (
        *shapes.children.values(), *shapes.lists.values(), *shapes.item_fields.values(),
        *(parts for item in shapes.item_parts.values() for parts in (item, *item.values())),
        shapes.item_subject, shapes.item_documents,
    )  # fmt: skip
    names = [
        *shapes.subject, *shapes.documents, *shapes.message, *shapes.children, *shapes.lists,
        *(child for group in groups for child in group),
    ]  # fmt: skip
    message_keys = [*shapes.message, *shapes.children, *shapes.lists]
    if len(set(message_keys)) != len(message_keys) or not all(_name_ok(n) for n in names):
        return None
    # An item's own field and its object's name must differ (one Struct field each).
    parts = shapes.item_parts.items()
    if any(set(objects) & shapes.item_fields.get(key, set()) for key, objects in parts):
        return None
    return shapes


def fast_plan(  # noqa: PLR0913 - keyword-only: the plan's fields, passed through
    *,
    kinds: frozenset[str],
    extra_paths: tuple[tuple[str, ...], ...],
    presence: tuple[tuple[str, ...], ...],
    carried: dict[str, frozenset[str]],
    validate: bool,
    person_lists: dict[str, tuple[str, ...]] | None = None,
) -> FastPlan | None:
    """The narrow decoder for this plan, or None when a path has a shape it does not cover.

    `person_lists` names, per kind, the lists whose items carry a person as
    `subject` (decoded as the message's own subject is).
    """
    listing = sorted({key for keys in (person_lists or {}).values() for key in keys})
    shapes = _shapes(presence, frozenset(listing))
    if validate or shapes is None:
        return None
    if any(
        key in _MESSAGE_TAKEN or key in shapes.message or key in shapes.children
        or layout.ITEM_SUBJECT in shapes.lists.get(key, {}) or not _name_ok(key)
        for key in listing
    ):  # fmt: skip
        return None
    extra_heads = {path[0] for path in extra_paths}
    if extra_heads & _SUBJECT_TAKEN or not all(_name_ok(head) for head in extra_heads):
        return None
    raw: Any = (msgspec.Raw, msgspec.Raw())
    document_raw = dict.fromkeys([*shapes.documents, *sorted(shapes.item_documents)])
    document = _struct("Document", [*layout_fields(_DOCUMENT), *((k, *raw) for k in document_raw)])
    subject_raw = dict.fromkeys([*shapes.subject, *sorted(shapes.item_subject)])
    subject_fields: list[_Field] = [
        *layout_fields(_SUBJECT),
        (layout.DOCUMENTS, list[document] | None, None),  # type: ignore[valid-type]
        *((key, Any, None) for key in sorted(extra_heads)),
        *((key, *raw) for key in subject_raw if key not in extra_heads),
    ]
    subject = _struct("Subject", subject_fields)
    item_fields: dict[str, list[_Field]] = {
        key: [(c, *raw) for c in children] for key, children in shapes.lists.items()
    }
    for key in listing:
        parts = shapes.item_parts.get(key, {})
        item_fields.setdefault(key, []).extend([
            (layout.ITEM_SUBJECT, subject | None, None),
            *((c, *raw) for c in sorted(shapes.item_fields.get(key, ()))),
            *(
                (part, _struct(f"Part_{key}_{part}", [(c, *raw) for c in sorted(children)])
                 | None, None)
                for part, children in sorted(parts.items())
            ),
        ])  # fmt: skip
    message_fields: list[_Field] = [
        *layout_fields(_MESSAGE),
        (layout.SUBJECT, subject | None, None),
        *((key, *raw) for key in shapes.message),
        *(
            (key, _struct(f"Part_{key}", [(c, *raw) for c in children]) | None, None)
            for key, children in shapes.children.items()
        ),
        *(
            (key, list[_struct(f"Item_{key}", fields)] | None, None)  # type: ignore[misc]
            for key, fields in item_fields.items()
        ),
    ]
    every = FastChecks(
        subject=tuple((bit, k) for k, bit in shapes.subject.items() if k not in extra_heads),
        subject_values=tuple((bit, k) for k, bit in shapes.subject.items() if k in extra_heads),
        documents=tuple((bit, k) for k, bit in shapes.documents.items()),
        message=(
            *((bit, k, None) for k, bit in shapes.message.items()),
            *((bit, k, c) for k, group in shapes.children.items() for c, bit in group.items()),
        ),
        lists=tuple(
            (k, tuple((b, c) for c, b in group.items())) for k, group in shapes.lists.items()
        ),
        items=tuple((k, tuple(checks)) for k, checks in shapes.items.items()),
    )
    bits = {".".join(segments): 1 << i for i, segments in enumerate(presence)}
    checks = {
        kind: every.only(sum(bits[path] for path in carried.get(kind, ()) if path in bits))
        for kind in kinds
    }
    return FastPlan(
        decode=msgspec.json.Decoder(_struct("Message", message_fields)).decode,
        checks=checks,
        extra=tuple((path[0], path[1:]) for path in extra_paths),
        item_bits={
            kind: {key: item_bits(group) for key, group in checks[kind].items} for kind in kinds
        },
    )
