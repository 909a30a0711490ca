"""``asJson(fields: […])``: an object's selected fields as one JSON value.

A typed selection costs graphql-core and Strawberry a resolver call, a completion and an
``Info`` per value: a page of 25 accounts with their owners is ~450 resolved fields, the largest
share of a cheap MCP call's CPU. ``asJson`` returns the same values as one ``JSON`` leaf. Its
``fields`` are dotted paths below the object (``edges.node.owner.displayName``); each segment is
a field of the schema without arguments, resolved by **the same resolver** the typed field
would run (visibility and field-level security are in the rows those resolvers read, so they
apply unchanged) and serialized by **the same scalar or enum type**, so the value equals what
the typed selection ``edges { node { owner { displayName } } }`` returns, key for key.

What it leaves out on purpose: fields that take arguments (paged related lists, the timeline)
are refused, and a path reaches no deeper than a typed query may (``MAX_DEPTH``), so the
query-cost and depth limits keep holding. Fields with permission classes or field extensions
are refused too: nothing here may skip a check the typed field would make.

Plans (which resolver, how it is called, which serializer, per path) are built once per
(type, fields) and kept. An ``async`` resolver runs in place up to its first wait, so a record
whose references were read with it (a page's owners) renders as a plain dict, with no task.
``nodesAsJson`` (:func:`nodes_as_json`) renders records by ID with the same plans, all in one
value.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Callable, Generator, Mapping, Sequence
from dataclasses import dataclass
from inspect import Parameter, isawaitable, signature
from operator import attrgetter
from types import CoroutineType, GeneratorType
from typing import Any, TypeVar, cast

import strawberry
from graphql import (
    GraphQLBoolean,
    GraphQLEnumType,
    GraphQLError,
    GraphQLID,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLString,
    GraphQLUnionType,
)
from strawberry.scalars import JSON
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types import Info
from strawberry.types.field import StrawberryField

from accountlens.schema.errors import BadInputError
from accountlens.schema.limits import MAX_DEPTH

#: Paths one ``asJson`` may list; a record with every field and its references is ~60.
MAX_PATHS = 300
#: Plans kept, least recently used dropped first (shapes are few: tools × types × fields).
PLANS_KEPT = 1024

_BACKREF = GraphQLCoreConverter.DEFINITION_BACKREF

Resolve = Callable[[Any, Info[Any, Any]], Any]
Complete = Callable[[Any, Info[Any, Any]], Any]


@dataclass(frozen=True, slots=True)
class _Field:
    """One field of a plan, with its resolver and serializer chosen once, when planned."""

    key: str
    #: The resolver as it is called: ``read(source)`` when ``one`` (an attribute, or a method
    #: taking ``self`` alone), else ``read(source, info)``. No per-value dispatch on its form.
    read: Callable[..., Any]
    one: bool
    #: Exact types whose values are already their JSON (``str`` of a ``String`` …, ``None`` of
    #: a nullable field): kept as they are, without a call to ``complete``.
    plain: frozenset[type]
    complete: Complete
    is_async: bool  # its resolver or anything below it may return an awaitable


#: A value still resolving: its key (or list index), how to complete it (``None``: completed
#: already), and the awaitable.
_Pending = tuple[Any, Complete | None, Any]
#: What pending values are filled into: an object's dict or a list's items.
_Out = TypeVar("_Out", dict[str, Any], list[Any])


@dataclass(frozen=True, slots=True)
class _Plan:
    """How to render one object type with one selection."""

    fields: tuple[_Field, ...]
    is_async: bool

    def render(self, source: Any, info: Info[Any, Any]) -> Any:
        """The object as a dict, or an awaitable of it when a field waits for a read.

        An ``async`` resolver is run at once up to its first wait (:func:`_started`): one that
        finds its record already read (a page's owners) is done then, and the object is a
        plain dict, with no task, future or gather for the event loop to run.
        """
        out: dict[str, Any] = {}
        pending: list[_Pending] | None = None
        for f in self.fields:
            value = f.read(source) if f.one else f.read(source, info)
            if type(value) in f.plain:
                out[f.key] = value
                continue
            if not f.is_async:
                out[f.key] = f.complete(value, info)
                continue
            if type(value) is CoroutineType:
                value = _started(value)
            if _awaitable(value):
                out[f.key] = None  # keeps the selection's key order
                pending = pending or []
                pending.append((f.key, f.complete, value))
                continue
            value = f.complete(value, info)
            if _awaitable(value):
                out[f.key] = None
                pending = pending or []
                pending.append((f.key, None, value))
                continue
            out[f.key] = value
        return out if pending is None else _settled(out, pending, info)


async def _settled(out: _Out, pending: list[_Pending], info: Info[Any, Any]) -> _Out:
    """``out`` with its pending values filled in."""
    if len(pending) == 1:
        key, complete, value = pending[0]
        out[key] = await _finish(complete, value, info)
        return out
    # Concurrently, as graphql-core resolves siblings (their reads were all asked for already,
    # when each resolver ran to its first wait, so DataLoaders batch them).
    done = await asyncio.gather(*(_finish(c, v, info) for _, c, v in pending))
    for (key, _, _), value in zip(pending, done, strict=True):
        out[key] = value
    return out


async def _finish(complete: Complete | None, value: Any, info: Info[Any, Any]) -> Any:
    if _awaitable(value):
        value = await value
    if complete is None:
        return value
    completed = complete(value, info)
    return await completed if _awaitable(completed) else completed


def _started(coroutine: CoroutineType[Any, Any, Any]) -> Any:
    """The coroutine's result if it finishes without waiting, else an awaitable of it.

    Only its first step runs here, in the caller's frame, as an eager task would start it
    (the DataLoader reads it asks for are then queued at once); awaiting the rest hands each
    later step to whatever awaits it, exactly as awaiting the coroutine itself would.
    """
    try:
        waiting = coroutine.send(None)
    except StopIteration as done:
        return done.value
    # A future it waits on is marked as handed to a task until a task takes it; another
    # coroutine awaiting the same future (a DataLoader's, for a key asked twice) before then
    # would fail. Unmarked here, and marked again when it is handed on (see _Resumed).
    blocking = getattr(waiting, "_asyncio_future_blocking", None) is True
    if blocking:
        waiting._asyncio_future_blocking = False
    return _Resumed(coroutine, waiting, blocking)


class _Resumed:
    """A coroutine started by :func:`_started`, awaitable from where it first waited."""

    __slots__ = ("_blocking", "_coroutine", "_waiting")

    def __init__(
        self, coroutine: CoroutineType[Any, Any, Any], waiting: Any, blocking: bool
    ) -> None:
        self._coroutine = coroutine
        self._waiting = waiting
        self._blocking = blocking

    def __await__(self) -> Generator[Any, Any, Any]:
        coroutine, waiting = self._coroutine, self._waiting
        if self._blocking:
            waiting._asyncio_future_blocking = True  # as the future's own await left it
        while True:
            # Pass what the coroutine waits on up to the task, and the task's answer back.
            try:
                sent = yield waiting
            except GeneratorExit:
                coroutine.close()
                raise
            except BaseException as error:  # a cancellation, or a failed future's error
                try:
                    waiting = coroutine.throw(error)
                except StopIteration as done:
                    return done.value
            else:
                try:
                    waiting = coroutine.send(sent)
                except StopIteration as done:
                    return done.value


#: Whether values of a type are awaitable, by exact type: most of what a field resolves to
#: is plain, and ``isawaitable`` ends in an ``Awaitable`` ABC check for anything not a
#: coroutine, which a page's ~1,000 values paid for. Generators are asked one by one (only a
#: generator-based coroutine is awaitable).
_AWAITABLE: dict[type, bool] = {
    **dict.fromkeys((str, int, float, bool, dict, list, type(None)), False),
    CoroutineType: True,
}
_AWAITABLE_KEPT = 1024


def _awaitable(value: Any) -> bool:
    """``inspect.isawaitable``, answered by the value's exact type once seen."""
    kind = type(value)
    found = _AWAITABLE.get(kind)
    if found is not None:
        return found
    found = isawaitable(value)
    if kind is not GeneratorType and len(_AWAITABLE) < _AWAITABLE_KEPT:
        _AWAITABLE[kind] = found
    return found


class _Planner:
    """Builds plans against the graphql-core schema Strawberry generated."""

    def __init__(self) -> None:
        self._plans: OrderedDict[tuple[int, str, tuple[str, ...], int], _Plan] = OrderedDict()

    def plan(
        self, schema: GraphQLSchema, type_name: str, paths: tuple[str, ...], depth: int
    ) -> _Plan:
        """The plan for ``paths`` below ``type_name``, whose field sits ``depth`` deep."""
        key = (id(schema), type_name, paths, depth)
        found = self._plans.get(key)
        if found is not None:
            self._plans.move_to_end(key)
            return found
        if not paths:
            raise BadInputError("asJson needs at least one field", field="fields")
        if len(paths) > MAX_PATHS:
            raise BadInputError(f"asJson takes at most {MAX_PATHS} fields", field="fields")
        for path in paths:
            segments = path.split(".")
            if not all(segments):
                raise BadInputError(f"asJson: {path!r} is not a field path", field="fields")
            if depth - 1 + len(segments) > MAX_DEPTH:
                raise BadInputError(f"asJson: {path} is deeper than queries may go", field="fields")
        type_ = schema.get_type(type_name)
        assert isinstance(type_, GraphQLObjectType), type_name
        tree: dict[str, Any] = {}
        for path in paths:
            node = tree
            for segment in path.split("."):
                node = node.setdefault(segment, {})
        found = self._object(schema, type_, tree, path=type_name)
        self._plans[key] = found
        if len(self._plans) > PLANS_KEPT:
            self._plans.popitem(last=False)
        return found

    def _object(
        self, schema: GraphQLSchema, type_: GraphQLObjectType, tree: dict[str, Any], path: str
    ) -> _Plan:
        fields = []
        for name, children in tree.items():
            where = f"{path}.{name}"
            graphql_field = type_.fields.get(name)
            # Strawberry links each field it generated back to its own definition.
            strawberry_field = graphql_field.extensions.get(_BACKREF) if graphql_field else None
            if graphql_field is None or not isinstance(strawberry_field, StrawberryField):
                raise BadInputError(f"asJson: {where} is not a field", field="fields")
            if graphql_field.args:
                raise BadInputError(f"asJson: {where} takes arguments", field="fields")
            if strawberry_field.extensions or strawberry_field.permission_classes:
                raise BadInputError(f"asJson: {where} cannot be read here", field="fields")
            complete, below_async = self._completer(schema, graphql_field.type, children, where)
            resolver = strawberry_field.base_resolver
            read, one = _reader(strawberry_field)
            fields.append(
                _Field(
                    name,
                    read,
                    one,
                    _plain_types(graphql_field.type),
                    complete,
                    below_async or bool(resolver and resolver.is_async),
                )
            )
        return _Plan(tuple(fields), any(f.is_async for f in fields))

    def _completer(
        self,
        schema: GraphQLSchema,
        type_: GraphQLOutputType,
        children: dict[str, Any],
        where: str,
    ) -> tuple[Complete, bool]:
        """How to turn a resolved value of ``type_`` into JSON, and whether that may await."""
        if isinstance(type_, GraphQLNonNull):
            inner, is_async = self._completer(schema, type_.of_type, children, where)

            def non_null(value: Any, info: Info[Any, Any]) -> Any:
                if value is None:
                    raise GraphQLError(f"Cannot return null for non-nullable field {where}.")
                return inner(value, info)

            return non_null, is_async
        if isinstance(type_, GraphQLList):
            item, is_async = self._completer(schema, type_.of_type, children, where)
            if not is_async:
                return (
                    lambda value, info: None if value is None else [item(v, info) for v in value]
                ), False

            def items(value: Any, info: Info[Any, Any]) -> Any:
                if value is None:
                    return None
                out: list[Any] = []
                pending: list[_Pending] | None = None
                for v in value:
                    if _awaitable(v):  # graphql-core allows awaitable items
                        if type(v) is CoroutineType:
                            v = _started(v)
                        if _awaitable(v):
                            pending = pending or []
                            pending.append((len(out), item, v))
                            out.append(None)
                            continue
                    done = item(v, info)
                    if _awaitable(done):
                        pending = pending or []
                        pending.append((len(out), None, done))
                        out.append(None)
                        continue
                    out.append(done)
                return out if pending is None else _settled(out, pending, info)

            return items, True
        if isinstance(type_, GraphQLScalarType | GraphQLEnumType):
            if children:
                raise BadInputError(f"asJson: {where} has no fields", field="fields")
            serialize = type_.serialize

            def leaf(value: Any, _: Info[Any, Any]) -> Any:
                if value is None:
                    return None
                serialized = serialize(value)
                if serialized is None:
                    raise GraphQLError(f"Expected a value of type {type_} for {where}.")
                return serialized

            return leaf, False
        if not children:
            raise BadInputError(f"asJson: {where} needs sub-fields", field="fields")
        if isinstance(type_, GraphQLObjectType):
            plan = self._object(schema, type_, children, where)
            return (lambda value, info: None if value is None else plan.render(value, info)), (
                plan.is_async
            )
        if isinstance(type_, GraphQLInterfaceType | GraphQLUnionType):
            return self._abstract(schema, type_, children, where), True
        raise BadInputError(f"asJson: {where} cannot be read here", field="fields")

    def _abstract(
        self,
        schema: GraphQLSchema,
        type_: GraphQLInterfaceType | GraphQLUnionType,
        children: dict[str, Any],
        where: str,
    ) -> Complete:
        """A field typed as an interface (``Node``): planned per concrete type as it comes."""
        plans: dict[str, _Plan] = {}

        def complete(value: Any, info: Info[Any, Any]) -> Any:
            if value is None:
                return None
            definition = getattr(type(value), "__strawberry_definition__", None)
            name = getattr(definition, "name", None)
            concrete = schema.get_type(name) if isinstance(name, str) else None
            if not isinstance(concrete, GraphQLObjectType) or not schema.is_sub_type(
                type_, concrete
            ):
                raise GraphQLError(f"{where} resolved to a value of no type of {type_}.")
            plan = plans.get(concrete.name)
            if plan is None:
                plan = plans[concrete.name] = self._object(schema, concrete, children, where)
            return plan.render(value, info)

        return complete


def _reader(field: StrawberryField) -> tuple[Callable[..., Any], bool]:
    """How to call the field's resolver exactly as Strawberry would (self, root, info).

    ``(read, True)`` when ``read(source)`` is that call (an attribute, a method of ``self``
    alone), ``(read, False)`` for ``read(source, info)``. The two common forms call the
    resolver function itself, with no wrapper between: a page runs them ~1,000 times.
    """
    resolver = field.base_resolver
    if resolver is None:
        return attrgetter(field.python_name), True
    wants_self = resolver.self_parameter is not None
    named = [p.name for p in (resolver.root_parameter, resolver.parent_parameter) if p is not None]
    info_name = resolver.info_parameter.name if resolver.info_parameter else None
    function = resolver.wrapped_func
    assert callable(function)
    if wants_self and not named:
        parameters = list(signature(function).parameters.values())
        positional = all(p.kind is Parameter.POSITIONAL_OR_KEYWORD for p in parameters)
        if positional and len(parameters) == 1 and info_name is None:
            return function, True
        if positional and len(parameters) == 2 and parameters[1].name == info_name:
            return function, False

    def resolve(source: Any, info: Info[Any, Any]) -> Any:
        kwargs: dict[str, Any] = dict.fromkeys(named, source)
        if info_name is not None:
            kwargs[info_name] = info
        return function(source, **kwargs) if wants_self else function(**kwargs)

    return resolve, False


def _plain_types(type_: GraphQLOutputType) -> frozenset[type]:
    """The exact types of values a field of ``type_`` answers unchanged.

    What graphql-core's completion would return as it is: a string of a ``String`` or ``ID``
    (their serializers return a ``str`` itself), a ``bool`` of a ``Boolean``, anything of the
    ``JSON`` scalar (its serializer is the identity), and ``None`` where the field is nullable.
    """
    nullable = not isinstance(type_, GraphQLNonNull)
    inner = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
    found: set[type] = {type(None)} if nullable else set()
    if isinstance(inner, GraphQLScalarType):
        if inner.serialize is GraphQLString.serialize or inner.serialize is GraphQLID.serialize:
            found.add(str)
        elif inner.serialize is GraphQLBoolean.serialize:
            found.add(bool)
        elif _is_identity(inner.serialize):
            found.update((str, int, float, bool, dict, list))
    return frozenset(found)


def _is_identity(serialize: Callable[[Any], Any]) -> bool:
    """True when ``serialize`` hands back what it is given (``JSON``)."""
    probe = object()
    try:
        return serialize(probe) is probe
    except Exception:  # a serializer refusing a foreign value is not the identity
        return False


_PLANNER = _Planner()


def as_json(source: Any, info: Info[Any, Any], fields: Sequence[str]) -> Any:
    """``source`` (the object ``asJson`` is a field of) rendered with ``fields``.

    Paths are checked when their plan is built: a path reaches no deeper than a typed query
    may, counting the fields above ``asJson`` (list indices are not fields).
    """
    raw = info._raw_info
    depth = sum(1 for key in raw.path.as_list() if isinstance(key, str))
    plan = _PLANNER.plan(raw.schema, raw.parent_type.name, tuple(fields), depth)
    return plan.render(source, info)


@strawberry.input(description="The fields to read of records of one type (see `nodesAsJson`).")
class TypeFields:
    type: str = strawberry.field(description="A record type's GraphQL name, e.g. `Ticket`.")
    fields: list[str] = strawberry.field(description="Dotted paths, as `asJson` takes them.")


def by_type(fields: Sequence[TypeFields]) -> dict[str, list[str]]:
    """``[TypeFields]`` as :func:`nodes_as_json` takes them: paths by type name."""
    return {entry.type: entry.fields for entry in fields}


def paths_by_type(fields: object) -> dict[str, list[str]]:
    """A ``JSON`` argument of paths by type (``{"Ticket": ["id", …]}``), checked.

    For fields that name paths for many types at once, where a typed input list would cost
    more to coerce than the records cost to render. Anything but an object of lists of
    strings is refused, as GraphQL would refuse a mistyped ``[TypeFields]``.
    """
    shaped = isinstance(fields, dict) and all(
        isinstance(k, str) and isinstance(v, list) and all(isinstance(p, str) for p in v)
        for k, v in fields.items()
    )
    if not shaped:
        raise BadInputError(
            "fields must be an object of record type names to lists of paths", field="fields"
        )
    return cast(dict[str, list[str]], fields)


def nodes_as_json(
    nodes: Sequence[Any], info: Info[Any, Any], fields: Mapping[str, Sequence[str]]
) -> Any:
    """Records (``None`` where missing), each rendered with the ``fields`` of its type.

    What ``nodes(ids:) { ... on T { asJson(fields:) } }`` answers, without graphql-core
    completing each record as a ``Node`` (its type resolved, its selection collected, its
    ``asJson`` argument converted): the records' plans run here, one after another. A record
    of a type ``fields`` does not name is ``{}``, as an empty selection of it would be. Paths
    are checked as ``asJson`` checks them, from where the typed selection would put them: one
    field below this one (``nodes`` → a record; a search's ``hitsAsJson`` → ``hits.node``).
    """
    raw = info._raw_info
    schema = raw.schema
    for name in fields:
        type_ = schema.get_type(name)
        node = schema.get_type("Node")
        if not isinstance(type_, GraphQLObjectType) or not isinstance(node, GraphQLInterfaceType):
            raise BadInputError(f"nodesAsJson: {name} is not a record type", field="fields")
        if not schema.is_sub_type(node, type_):
            raise BadInputError(f"nodesAsJson: {name} is not a record type", field="fields")
    depth = sum(1 for key in raw.path.as_list() if isinstance(key, str)) + 1
    plans: dict[type, _Plan | None] = {}
    out: list[Any] = []
    pending: list[_Pending] | None = None
    for record in nodes:
        if record is None:
            out.append(None)
            continue
        kind = type(record)
        if kind not in plans:
            name = kind.__strawberry_definition__.name
            paths = fields.get(name)
            plans[kind] = (
                None if paths is None else _PLANNER.plan(schema, name, tuple(paths), depth)
            )
        plan = plans[kind]
        value = {} if plan is None else plan.render(record, info)
        if _awaitable(value):
            pending = pending or []
            pending.append((len(out), None, value))
            out.append(None)
            continue
        out.append(value)
    return out if pending is None else _settled(out, pending, info)


def json_field() -> Any:
    """The ``asJson`` field for a type's class body: ``as_json = json_field()``."""

    def resolve(
        root: strawberry.Parent[Any],
        info: strawberry.Info,
        fields: list[str],
    ) -> JSON:
        # A plain function that may return an awaitable (graphql-core awaits it): a plan with
        # only synchronous resolvers then costs no coroutine at all.
        return cast(JSON, as_json(root, info, fields))

    return strawberry.field(
        resolver=resolve,
        description=(
            "This object's `fields` (dotted paths below it, e.g. `edges.node.owner.displayName`;"
            " fields without arguments) as one JSON value: the same values, keys and nesting "
            "as the typed selection, resolved by the same resolvers, at a fraction of the "
            "per-field cost."
        ),
    )
