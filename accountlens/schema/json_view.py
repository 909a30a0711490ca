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

Plans (which resolver, which serializer, per path) are built once per (type, fields) and kept.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from inspect import isawaitable
from types import CoroutineType
from typing import Any, cast

import strawberry
from graphql import (
    GraphQLEnumType,
    GraphQLError,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
    GraphQLSchema,
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
    key: str
    resolve: Resolve
    complete: Complete
    is_async: bool  # its resolver or anything below it may return an awaitable


@dataclass(frozen=True, slots=True)
class _Plan:
    """How to render one object type with one selection."""

    fields: tuple[_Field, ...]
    is_async: bool

    def render(self, source: Any, info: Info[Any, Any]) -> Any:
        """The object as a dict, or an awaitable of it when a field resolves asynchronously."""
        if not self.is_async:
            return {f.key: f.complete(f.resolve(source, info), info) for f in self.fields}
        return self._render_async(source, info)

    async def _render_async(self, source: Any, info: Info[Any, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        pending: list[tuple[str, Awaitable[Any]]] = []
        for f in self.fields:
            value = f.resolve(source, info)
            if f.is_async:
                out[f.key] = None  # keeps the selection's key order
                pending.append((f.key, _finish(f.complete, value, info)))
            else:
                out[f.key] = f.complete(value, info)
        if len(pending) == 1:
            out[pending[0][0]] = await pending[0][1]
        elif pending:
            # Concurrently, as graphql-core resolves siblings: DataLoaders batch across them.
            done = await asyncio.gather(*(p for _, p in pending))
            for (key, _), value in zip(pending, done, strict=True):
                out[key] = value
        return out


async def _finish(complete: Complete, value: Any, info: Info[Any, Any]) -> Any:
    if _awaitable(value):
        value = await value
    completed = complete(value, info)
    return await completed if _awaitable(completed) else completed


#: Values that are never awaitable: most of what a field resolves to.
_PLAIN = frozenset({str, int, float, bool, dict, list, type(None)})


def _awaitable(value: Any) -> bool:
    """``inspect.isawaitable``, answering plain values by their exact type first.

    ``isawaitable`` ends in an ``Awaitable`` ABC check for anything not a coroutine, which is
    what a page's ~150 plain values per call paid for.
    """
    kind = type(value)
    if kind is CoroutineType:
        return True
    return kind not in _PLAIN and isawaitable(value)


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
            fields.append(
                _Field(
                    name,
                    _resolver(strawberry_field),
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

            async def items(value: Any, info: Info[Any, Any]) -> Any:
                if value is None:
                    return None
                return list(await asyncio.gather(*(_finish(item, v, info) for v in value)))

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


def _resolver(field: StrawberryField) -> Resolve:
    """Calls the field's resolver exactly as Strawberry would (self, root, info)."""
    resolver = field.base_resolver
    if resolver is None:
        name = field.python_name
        return lambda source, _: getattr(source, name)
    wants_self = resolver.self_parameter is not None
    named = [p.name for p in (resolver.root_parameter, resolver.parent_parameter) if p is not None]
    info_name = resolver.info_parameter.name if resolver.info_parameter else None
    function = resolver.wrapped_func
    assert callable(function)

    def resolve(source: Any, info: Info[Any, Any]) -> Any:
        kwargs: dict[str, Any] = dict.fromkeys(named, source)
        if info_name is not None:
            kwargs[info_name] = info
        return function(source, **kwargs) if wants_self else function(**kwargs)

    return resolve


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
