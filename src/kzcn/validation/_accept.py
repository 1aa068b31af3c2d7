"""The model engine's fast accept path: msgspec structs mirrored from the models.

Most lines of a real file are valid, and pydantic spends most of its time on
them building models nobody reads. Here each model becomes a msgspec `Struct`
with the same fields, types, `Literal`s, lengths, bounds and patterns, and the
same rules: the model's field validators, its `after` model validators and
the methods they call (`problems()`, `kind_problems()`, ...) run unchanged
with the struct as `self` (or the model's cheaper yes or no of them, below).
The mirror is read from the models when first used, and follows them as they
change. Each struct's checks
are compiled into one `__post_init__` for its model (`_post_init`).

The rules are then most of a line's time. The bare pydantic loop runs them
too, so a rule made cheaper in its model speeds both; what only this path
gains is that it needs a yes or a no, not what is wrong and where. So a model
whose rules cost much defines `_accepts()` (`FAST_RULE`): True exactly when
its `after` validators raise nothing, answered cheaper (documents and their
MRZ, persons, the envelope and its kind); the struct runs that instead, and
tests/test_fast_rules.py holds each to the validators over generated, mutated
and corrupted messages. A validator of text that takes exactly a set of values
(`ACCEPTED_VALUES`: country codes) becomes a `Literal` the decoder checks in C.

The path only accepts. A line it does not accept (a decoding error, a rule's
exception, anything at all) goes to the pydantic models, which report it as
before; a model using a construct the mirror does not know (a `before` model
validator, a field validator, an `Any` field, ...) is not mirrored, and then
no line is fast-accepted (`accept_path()` is None); so too without msgspec
(a light install). tests/test_accept.py holds
the mirror to the models over generated messages, every corruption fault and
every example.
"""

from __future__ import annotations

import datetime as dt
import inspect
import types
from collections.abc import Callable, Iterable, Mapping
from functools import cache, cached_property
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import annotated_types as at
from pydantic import AfterValidator, BaseModel, BeforeValidator
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from kzcn._patterns import python_end_anchors

try:  # msgspec comes with the `cli` extra; without it, the models judge every line
    import msgspec

    HAVE_MSGSPEC = True
except ImportError:  # pragma: no cover - exercised by a test in a fresh process
    HAVE_MSGSPEC = False

__all__ = [
    "AcceptPath",
    "FastAccept",
    "Paths",
    "UnmirroredError",
    "accept_path",
    "fast_accept",
    "mirror",
]

#: A rule over one decoded value: returns when the value is accepted, raises otherwise.
Check = Callable[[Any], None]
#: Decodes JSON text to a struct every rule accepts; raises otherwise.
AcceptPath = Callable[[bytes], Any]

_SCALARS = (str, int, bool, dt.date)
#: Bounds a `msgspec.Meta` takes under the same name and meaning as `annotated_types`.
_BOUNDS = {at.Ge: "ge", at.Gt: "gt", at.Le: "le", at.Lt: "lt"}
_LENGTHS = {at.MinLen: "min_length", at.MaxLen: "max_length"}
#: Attributes of pydantic's general metadata the mirror understands (strict: msgspec is).
_GENERAL = frozenset({"pattern", "strict"})


#: A class attribute of the structs of the path that takes only messages giving every field.
EVERY_FIELD = "_kzcn_every_field_given"


class UnmirroredError(TypeError):
    """A construct of the models the mirror does not cover: the models alone decide."""


def _same_value(function: Callable[[Any], Any]) -> Check:
    """A validator as a check: it may raise; returning another value is not mirrored."""

    def check(value: Any) -> None:
        result = function(value)
        if result is not value and result != value:
            raise UnmirroredError("a validator changed the value")

    return check


def _all(checks: list[Check]) -> Check | None:
    if not checks:
        return None
    if len(checks) == 1:
        return checks[0]

    def check(value: Any) -> None:
        for one in checks:
            one(value)

    return check


#: Distinct accepted values each check remembers: names, places and codes repeat from
#: line to line; a field whose values never repeat costs a set lookup and this much room.
REMEMBERED = 4096


class _Remembered:
    """`check` over text (or a literal), skipped for the first `REMEMBERED` values it accepted.

    The models' validators of text are functions of the text alone (names,
    country codes, photo URIs), so a text accepted once is accepted again.
    The struct's compiled `__post_init__` looks in `seen` itself and calls
    `first` only for a value it has not seen: no call at all on a hit.
    """

    __slots__ = ("check", "seen")

    def __init__(self, check: Check) -> None:
        self.check = check
        self.seen: set[Any] = set()

    def first(self, value: Any) -> None:
        """Check a value not seen yet; remember it when accepted (and there is room)."""
        self.check(value)
        if len(self.seen) < REMEMBERED:
            self.seen.add(value)

    def __call__(self, value: Any) -> None:
        if value not in self.seen:
            self.first(value)


def _remembered(check: Check) -> _Remembered:
    """`check` skipped for values it accepted before (see `_Remembered`)."""
    return _Remembered(check)


#: The attribute of a validator of text that takes exactly a set of values (and raises
#: for any other): the struct's field is then that `Literal`, checked by the decoder.
ACCEPTED_VALUES = "accepted_values"


class _SetCheck:
    """The check of a validator that takes exactly `values`; as a `Literal` where it may be."""

    __slots__ = ("check", "values")

    def __init__(self, check: Check, values: frozenset[str]) -> None:
        self.check = check
        self.values = values

    def __call__(self, value: Any) -> None:
        self.check(value)


def _one_of(check: Check) -> tuple[Any, list[Check]]:
    """A text field whose only check is `check`: its type and checks, the set as a `Literal`.

    The decoder then checks the set in C (`ACCEPTED_VALUES`); any other check stays.
    """
    if not isinstance(check, _SetCheck):
        return str, [check]
    return Literal[tuple(sorted(check.values))], []


class _Optional:
    """The check of an optional field: its value's check, skipped for None (as pydantic does)."""

    __slots__ = ("check",)

    def __init__(self, check: Check) -> None:
        self.check = check

    def __call__(self, value: Any) -> None:
        if value is not None:
            self.check(value)


class _Mirror:
    """Structs for models, built once per model (and per tag for a union member)."""

    def __init__(
        self,
        *,
        rules: bool = True,
        defaults: bool = True,
        defer: Mapping[str, Callable[..., Any]] | None = None,
    ) -> None:
        self.rules = rules
        self.defaults = defaults
        self.defer = defer or {}
        self._structs: dict[tuple[type[BaseModel], str | None], type[msgspec.Struct]] = {}

    # --- types ---------------------------------------------------------------------

    def translate(self, annotation: Any, metadata: Iterable[Any] = ()) -> tuple[Any, Check | None]:
        """The msgspec type of an annotation and the check of its validators."""
        items = self._flat(annotation, metadata)
        base = annotation
        while get_origin(base) is Annotated:
            base = get_args(base)[0]
        if get_origin(base) in (Union, types.UnionType):
            # pydantic applies an optional field's constraints to the value, not to None.
            return self._optional(get_args(base), items)
        meta: dict[str, Any] = {}
        checks: list[Check] = []
        before: list[Check] = []
        for item in items:
            self._constraint(item, meta, checks, before)
        kind, inner = self._base(base)
        if kind is str and not meta and not before and len(checks) == 1:
            kind, checks = _one_of(checks[0])
        if before and kind not in (str, int, bool) and get_origin(kind) is not Literal:
            raise UnmirroredError("a before validator on a value JSON does not hold as it is")
        typed = Annotated[kind, msgspec.Meta(**meta)] if meta else kind
        check = _all([*before, *([inner] if inner else []), *checks])
        if check is not None and (kind is str or get_origin(kind) is Literal):
            return typed, _remembered(check)
        return typed, check

    def _flat(self, annotation: Any, metadata: Iterable[Any]) -> list[Any]:
        items = list(metadata)
        while get_origin(annotation) is Annotated:
            annotation, *extra = get_args(annotation)
            items += extra
        flat: list[Any] = []
        for item in items:
            flat += item.metadata if isinstance(item, FieldInfo) else [item]
        return flat

    def _constraint(
        self, item: Any, meta: dict[str, Any], checks: list[Check], before: list[Check]
    ) -> None:
        if type(item) in _BOUNDS:
            meta[_BOUNDS[type(item)]] = getattr(item, _BOUNDS[type(item)])
        elif type(item) in _LENGTHS:
            meta[_LENGTHS[type(item)]] = getattr(item, _LENGTHS[type(item)])
        elif isinstance(item, AfterValidator):
            accepted = getattr(item.func, ACCEPTED_VALUES, None)
            check = _same_value(item.func)  # type: ignore[arg-type]
            checks.append(check if accepted is None else _SetCheck(check, accepted))
        elif isinstance(item, BeforeValidator):
            before.append(_same_value(item.func))  # type: ignore[arg-type]
        elif type(item).__name__ == "_PydanticGeneralMetadata":
            found = vars(item)
            if not set(found) <= _GENERAL or found.get("strict") is False:
                raise UnmirroredError(f"constraint {sorted(found)}")
            if "pattern" in found:
                meta["pattern"] = python_end_anchors(found["pattern"])
        else:
            raise UnmirroredError(f"metadata {type(item).__name__}")

    def _base(self, base: Any) -> tuple[Any, Check | None]:
        origin = get_origin(base)
        if base in _SCALARS or origin is Literal:
            return base, None
        if base is type(None):
            return None, None
        if isinstance(base, type) and issubclass(base, BaseModel):
            return self.struct(base), None
        if origin in (list, tuple):
            return self._sequence(origin, get_args(base))
        raise UnmirroredError(f"type {base!r}")

    def _optional(self, members: tuple[Any, ...], items: list[Any]) -> tuple[Any, Check | None]:
        present = [member for member in members if member is not type(None)]
        if len(present) != 1 or len(members) != 2:
            raise UnmirroredError("a union of several types")
        kind, check = self.translate(present[0], items)
        return kind | None, None if check is None else _Optional(check)

    def _sequence(self, origin: Any, args: tuple[Any, ...]) -> tuple[Any, Check | None]:
        if origin is tuple and (len(args) != 2 or args[1] is not Ellipsis):
            raise UnmirroredError("a fixed-length tuple")
        kind, check = self.translate(args[0])
        typed = tuple[kind, ...] if origin is tuple else list[kind]  # type: ignore[valid-type]
        if check is None:
            return typed, None

        def each(values: Any) -> None:
            for value in values:
                check(value)

        return typed, each

    # --- models --------------------------------------------------------------------

    def struct(self, model: type[BaseModel], tag: str | None = None) -> type[msgspec.Struct]:
        """The struct mirroring `model`; with `tag`, a member of a union told apart by `kind`."""
        key = (model, tag)
        if key not in self._structs:
            self._structs[key] = self._build(model, tag)
        return self._structs[key]

    def _build(self, model: type[BaseModel], tag: str | None) -> type[msgspec.Struct]:
        _refuse_unmirrored_hooks(model)
        fields: list[tuple[str, Any, Any]] = []
        checks: list[tuple[str, Check]] = []
        for name, info in model.model_fields.items():
            if tag is not None and name == "kind":
                continue
            kind, check = self.translate(info.annotation, info.metadata)
            fields.append((name, kind, _default(info) if self.defaults else msgspec.NODEFAULT))
            if check is not None:
                checks.append((name, check))
        rules = [_deferring(rule, self.defer) for rule in _after_validators(model)]
        namespace = {
            name: self.defer.get(name, _deferring(value, self.defer))
            for name, value in _behaviour(model).items()
        }
        if self.rules and (checks or rules):  # a struct without rules skips the call
            namespace["__post_init__"] = _post_init(checks, rules)
        if tag is not None:
            namespace["kind"] = tag
        if not self.defaults:
            namespace[EVERY_FIELD] = True
        return msgspec.defstruct(
            model.__name__,
            fields,
            namespace=namespace,
            kw_only=True,
            frozen=True,
            forbid_unknown_fields=True,
            # Never in a reference cycle (decoded JSON is a tree, and its rules keep
            # nothing): the garbage collector need not track it. No `__dict__` either,
            # so a model's cached property is a plain one here (see `_behaviour`).
            gc=False,
            tag_field="kind" if tag is not None else None,
            tag=tag,
        )


def _deferring(rule: Any, defer: Mapping[str, Callable[..., Any]]) -> Any:
    """`rule` (a function, or a `_Fast` of one) calling `defer`'s functions by their global names.

    The chunk path's mirror (`kzcn.validation._chunks`) runs the models' own
    rules with the questions it answers for a chunk at once deferred: a rule
    that calls one of them by its module's global name gets a copy of its
    module's globals with that name bound to the deferring function.
    """
    if isinstance(rule, _Fast):
        return _Fast(_deferring(rule.function, defer))
    if not defer or not isinstance(rule, types.FunctionType):
        return rule
    names = [name for name in rule.__code__.co_names if name in defer and name in rule.__globals__]
    if not names:
        return rule
    bound = {**rule.__globals__, **{name: defer[name] for name in names}}
    copy = types.FunctionType(
        rule.__code__, bound, rule.__name__, rule.__defaults__, rule.__closure__
    )
    copy.__kwdefaults__ = rule.__kwdefaults__
    copy.__qualname__ = rule.__qualname__
    return copy


def _post_init(
    checks: list[tuple[str, Check]], rules: list[Callable[[Any], Any]]
) -> Callable[[Any], Any]:
    """The struct's `__post_init__` (msgspec): the field checks, then the model's rules.

    Compiled once per model from generated source, so that each line pays for
    exactly the checks of its model and nothing else: no loop over a list of
    checks, no wrapper per check; a remembered value costs one set lookup in
    this frame, an optional field that is None a comparison.
    """
    if not checks and len(rules) == 1 and not isinstance(rules[0], _Fast):
        # The model validator itself (one frame less on every struct): msgspec
        # ignores what it returns, and what it raises refuses the line.
        return rules[0]
    namespace: dict[str, Any] = {}
    body: list[str] = []
    for index, (name, check) in enumerate(checks):
        body.append(f"value = self.{name}")
        body += _check_source(check, index, namespace)
    for index, rule in enumerate(rules):
        if isinstance(rule, _Fast):
            namespace[f"rule_{index}"], namespace["Refused"] = rule.function, _RefusedError
            body += [f"if not rule_{index}(self):", "    raise Refused"]
        else:
            namespace[f"rule_{index}"] = rule
            body.append(f"rule_{index}(self)")
    source = "def __post_init__(self):\n" + "".join(f"    {line}\n" for line in body)
    exec(compile(source, "<kzcn mirror>", "exec"), namespace)  # noqa: S102 - our own source
    function: Callable[[Any], Any] = namespace["__post_init__"]
    return function


def _check_source(check: Check, index: int, namespace: dict[str, Any]) -> list[str]:
    """Source lines running `check` over `value`, its pieces bound in `namespace`."""
    guard = ""
    if isinstance(check, _Optional):
        guard, check = "value is not None and ", check.check
    if isinstance(check, _Remembered):
        namespace[f"seen_{index}"], namespace[f"first_{index}"] = check.seen, check.first
        return [f"if {guard}value not in seen_{index}:", f"    first_{index}(value)"]
    namespace[f"check_{index}"] = check
    if guard:
        return ["if value is not None:", f"    check_{index}(value)"]
    return [f"check_{index}(value)"]


def _default(info: FieldInfo) -> Any:
    if info.default_factory is not None:
        return msgspec.field(default_factory=info.default_factory)  # type: ignore[arg-type]
    if info.default is PydanticUndefined:
        return msgspec.NODEFAULT
    return info.default


def _refuse_unmirrored_hooks(model: type[BaseModel]) -> None:
    decorators = model.__pydantic_decorators__
    if decorators.field_validators or decorators.validators or decorators.root_validators:
        raise UnmirroredError(f"{model.__name__}: field validators")
    if any(d.info.mode != "after" for d in decorators.model_validators.values()):
        raise UnmirroredError(f"{model.__name__}: a model validator that is not `after`")
    if model.__private_attributes__:
        raise UnmirroredError(f"{model.__name__}: private attributes")


#: The method a model may define to answer its `after` validators' question cheaply.
FAST_RULE = "_accepts"


class _RefusedError(ValueError):
    """A model's fast rule said no: the models judge the line (and say what is wrong)."""


class _Fast:
    """A model's `FAST_RULE`: True exactly when its `after` validators raise nothing.

    The accept path needs only a yes or a no, not what is wrong and where: a
    model whose rules cost much (documents and their MRZ, persons) answers
    that question in a cheaper method, which the struct runs in place of the
    validators. tests/test_fast_rules.py holds each to the validators.
    """

    __slots__ = ("function",)

    def __init__(self, function: Callable[[Any], bool]) -> None:
        self.function = function

    def __call__(self, struct: Any) -> None:
        """The rule as a validator: raise when it says no (`_post_init` inlines this)."""
        if not self.function(struct):
            raise _RefusedError


def _fast_rule(model: type[BaseModel]) -> _Fast | None:
    """The model's fast rule, if the class defining it (or a base) defines every validator.

    A subclass that adds a validator of its own is judged by its validators:
    the fast rule it inherits does not know the new one.
    """
    owner = next((cls for cls in model.__mro__ if FAST_RULE in vars(cls)), None)
    if owner is None or not isinstance(vars(owner)[FAST_RULE], types.FunctionType):
        return None
    known = {cls.__qualname__ for cls in owner.__mro__}
    validators = model.__pydantic_decorators__.model_validators.values()
    if any(v.func.__qualname__.rpartition(".")[0] not in known for v in validators):
        return None
    return _Fast(vars(owner)[FAST_RULE])


def _after_validators(model: type[BaseModel]) -> list[Callable[[Any], Any]]:
    fast = _fast_rule(model)
    if fast is not None and model.__pydantic_decorators__.model_validators:
        return [fast]
    rules = []
    for decorator in model.__pydantic_decorators__.model_validators.values():
        function = decorator.func
        if len(inspect.signature(function).parameters) != 1:
            raise UnmirroredError(f"{model.__name__}: a model validator taking more than self")
        rules.append(function)
    return rules


def _behaviour(model: type[BaseModel]) -> dict[str, Any]:
    """The model's own methods, properties and class variables, for the struct to run.

    A cached property is computed on each read: a struct keeps no `__dict__`
    to cache it in (one allocation and the collector's tracking on every struct
    of its model), and the rules the path runs read none twice (documents run
    `_accepts`, which never parses the MRZ into `mrz_fields`).
    """
    namespace: dict[str, Any] = {}
    for cls in reversed(model.__mro__):
        if cls is object or cls.__module__.startswith("pydantic"):
            continue
        for name, value in vars(cls).items():
            if name.startswith("__") or name in model.model_fields:
                continue
            if (
                isinstance(
                    value,
                    types.FunctionType | property | cached_property | staticmethod | classmethod,
                )
                or name in model.__class_vars__
            ):
                cached = isinstance(value, cached_property)
                namespace[name] = property(value.func) if cached else value
    return namespace


def mirror(
    union: Any,
    discriminator: str = "kind",
    *,
    rules: bool = True,
    defaults: bool = True,
    defer: Mapping[str, Callable[..., Any]] | None = None,
) -> Any:
    """The msgspec union of the struct of each model of `union`, told apart by `discriminator`.

    Without `rules`, the structs decode types, lengths and patterns only: the
    benchmark's peer (typed decoding), not a validator. Without `defaults`,
    every field must be given, even one the model lets the input leave out.
    `defer`: methods (by name) and functions the rules call (by their global
    name) replaced in the structs, for the chunk path (`_chunks.DEFERRED`).
    """
    if discriminator != "kind":
        raise UnmirroredError("a discriminator other than kind")
    members = get_args(union)
    while len(members) == 1 or get_origin(union) is Annotated:
        union = members[0]
        members = get_args(union)
    built = _Mirror(rules=rules, defaults=defaults, defer=defer)
    structs = []
    for model in members:
        tags = get_args(model.model_fields["kind"].annotation)
        if len(tags) != 1:
            raise UnmirroredError(f"{model.__name__}: kind is not one value")
        structs.append(built.struct(model, tags[0]))
    return Union[tuple(structs)]  # noqa: UP007 - built at run time


@cache
def accept_path(*, complete: bool = False) -> AcceptPath | None:
    """Decode a message to a struct the models' every rule accepts; None: not mirrored.

    `complete`: the struct of a message that gives every field, even those
    the models let it leave out (see `FastAccept.names_each_key_once`).
    """
    return _decode_with(complete=complete)


@cache
def deferring_path(*, complete: bool = False) -> AcceptPath | None:
    """`accept_path` of structs that defer the chunk path's questions (`_chunks.DEFERRED`).

    It accepts more than the models (the deferred questions answer yes): only
    `kzcn.validation._chunks` uses it, and answers them.
    """
    from kzcn.validation._chunks import DEFERRED  # noqa: PLC0415

    return _decode_with(complete=complete, defer=DEFERRED)


def _decode_with(
    *, complete: bool, defer: Mapping[str, Callable[..., Any]] | None = None
) -> AcceptPath | None:
    """The decoder of the models' mirror (`mirror`); None without msgspec or a mirror."""
    from kzcn.messages import Message  # noqa: PLC0415 - the models load with the engine

    if not HAVE_MSGSPEC:
        return None
    try:
        decoder = msgspec.json.Decoder(mirror(Message, defaults=not complete, defer=defer))
    except UnmirroredError:
        return None
    return decoder.decode


def _missing_field(error: Exception) -> bool:
    """Whether a decoder refused a line for a field it does not give (and only for that).

    msgspec stops at the first error: any other means the decoder with
    defaults, which differs in nothing else, would refuse the line too.
    """
    return isinstance(error, msgspec.ValidationError) and str(error).startswith(
        "Object missing required field"
    )


class Paths:
    """The complete path first, then the path with defaults: the struct of a line.

    The complete path (of messages that give every field) makes a struct that
    tells cheaply whether its text names a key twice. A line that leaves a
    field out goes on to `decode`, and so do the next `FastAccept.MAX_PAUSE`
    lines: a file that leaves fields out mostly does so on every line. Used
    by the line path (`FastAccept`) and the chunk path (`_chunks.ChunkAccept`).
    """

    def __init__(self, decode: AcceptPath, complete: AcceptPath | None = None) -> None:
        self._decode = decode
        self._complete = complete
        self._incomplete = 0  # lines left before `complete` is tried again

    def __call__(self, text: bytes) -> Any:
        """The struct of `text`; raises what refused it when a rule does."""
        if self._complete is not None:
            if self._incomplete:
                self._incomplete -= 1
            else:
                try:
                    return self._complete(text)
                except Exception as error:
                    if not _missing_field(error):
                        raise
                self._incomplete = FastAccept.MAX_PAUSE
        return self._decode(text)


class FastAccept:
    """The accept path with a brake, for one engine: the struct of an accepted line, or None.

    A line the path does not accept is decoded twice (here, then by the
    models): in a run of invalid lines that costs more than it saves (about
    1.4x on a file of nothing else). So after two lines in a row it does not
    accept, the path steps aside for the next 1, 2, 4, ... up to 64 lines (the
    models judge those), and the next line it accepts releases the brake. A
    line refused alone among valid ones (most invalid lines of a real file)
    does not: the valid line after it would cost pydantic's time (about twice
    the path's) for nothing. Which path judged a line never changes its result.

    With `complete`, a line is tried there first (`Paths`): the struct it
    makes tells cheaply whether the text names a key twice (`names_each_key_once`).
    """

    #: The longest the path steps aside after lines it did not accept.
    MAX_PAUSE = 64

    def __init__(self, decode: AcceptPath, complete: AcceptPath | None = None) -> None:
        self._paths = Paths(decode, complete)
        self._pause = 0
        self._skip = 0
        self._refused_last = False  # the last line tried was refused
        self._encoder = msgspec.json.Encoder() if HAVE_MSGSPEC else None
        self._written = bytearray()  # a struct written back, the same buffer each line

    def __call__(self, text: bytes) -> Any:
        """The struct of `text` if every rule accepts it, else None."""
        if self._skip:
            self._skip -= 1
            return None
        try:
            message = self._paths(text)
        except Exception:  # noqa: BLE001 - whatever is not accepted, the models judge
            return self._refused()
        # Whichever of the paths took it: when only the path with defaults let go of
        # the brake, a file of complete messages kept the brake of its first refused
        # line, and each refused line after it doubled the pause (at one line in ten,
        # three lines in four went to pydantic, and `--jobs 2` cost three times `--jobs 1`).
        self._pause = 0
        self._refused_last = False
        return message

    def _refused(self) -> None:
        if not self._refused_last:  # one refused line alone: the next is tried
            self._refused_last = True
            return
        self._pause = min(max(1, 2 * self._pause), self.MAX_PAUSE)
        self._skip = self._pause

    def names_each_key_once(self, text: bytes, message: Any) -> bool:
        """Whether `text`, which this path accepted as `message`, certainly names no key twice.

        False is not certain: the caller then asks the exact question. True
        when the complete path took the text (every field of every object was
        given), it holds no escape, and it is as long as `message` written back
        (compact text: see below), or has as many colons: each key has one
        colon after it, a colon inside a string is written back as it was
        read, and the written struct names every field once; a key named twice
        would be a colon more.
        """
        # `find`, not `in`: about half the time over a line of 2 kB (Python 3.11).
        if not getattr(message, EVERY_FIELD, False) or text.find(b"\\") >= 0:
            return False
        if self._encoder is None:
            return False
        written = self._written
        self._encoder.encode_into(message, written)
        # A line as read ends in its line feed, which no document writes back.
        if len(text) - text.endswith(b"\n") == len(written):
            # Most lines (compact, as a program writes them). Each key and value is
            # written back no longer than it was read (the text has no escape; strings
            # and dates are written as read, a number as short as it can be: "-0" as
            # "0"): a key named twice, or a space, would leave the text longer.
            return True
        return text.count(b":") == written.count(b":")


def fast_accept() -> FastAccept | None:
    """A fresh accept path for one engine; None when the models are not mirrored."""
    decode = accept_path()
    return None if decode is None else FastAccept(decode, accept_path(complete=True))
