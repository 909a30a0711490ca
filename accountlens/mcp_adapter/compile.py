"""Compiling tool calls into GraphQL operations with gql's DSL.

A tool names a type and the ``fields`` it wants; :class:`Compiler` turns that into a selection
against the schema (``{id objectType displayName …}`` plus one sub-selection per field kind) and
wraps it in a named query operation with typed variables, so caller values never become GraphQL
source text. The printed document is what the executor runs.

Building a selection with the DSL and printing it costs about a millisecond of CPU, and tool
calls of the same *shape* (tool, type, chosen fields) differ only in their variables, so the
printed document is kept per shape: a repeated call skips the DSL and the printer, and hands
Strawberry the very same text, so its parse and validation caches hit as well.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from gql.dsl import (
    DSLInlineFragment,
    DSLQuery,
    DSLSchema,
    DSLVariableDefinitions,
    dsl_gql,
)
from graphql import GraphQLObjectType, GraphQLSchema, print_ast

from accountlens.mcp_adapter.catalog import RELATED_PAGE, Catalog, FieldInfo
from accountlens.mcp_adapter.errors import unknown
from accountlens.mcp_adapter.shape import ENVELOPE_KEYS

#: Printed documents kept per compiler, least recently used dropped first. Shapes are bounded
#: by tools × types × field choices; a caller inventing field lists cannot grow memory past this.
DOCUMENTS_KEPT = 1024

#: Builds an operation's root fields, declaring the ``$variables`` it uses on the given set.
RootBuilder = Callable[[DSLVariableDefinitions], Sequence[Any]]


@dataclass(frozen=True, slots=True)
class Operation:
    """A printed GraphQL document with its operation name and variables."""

    document: str
    name: str
    variables: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class FieldChoice:
    """The fields a caller asked for, split into schema fields and custom-field keys."""

    standard: list[FieldInfo]
    custom: list[str]


class Compiler:
    """Builds DSL selections and operations against one schema."""

    def __init__(self, schema: GraphQLSchema) -> None:
        self.dsl = DSLSchema(schema)
        self.catalog = Catalog(schema)
        self._documents: OrderedDict[tuple[str, Hashable], str] = OrderedDict()
        self._aliases: dict[Hashable, dict[str, dict[str, str]]] = {}

    # Fields --------------------------------------------------------------------------------

    def choose(
        self,
        graphql_type: str,
        requested: Sequence[str] | None,
        defaults: Sequence[str],
        custom_keys: Iterable[str] | None = None,
        *,
        argument: str = "fields",
    ) -> FieldChoice:
        """Resolve requested names (snake_case, or ``custom.key``) to fields of the type.

        ``custom_keys`` are the type's custom fields; when it is ``None`` an unknown name is kept
        as a custom key to be checked after execution (see ``tools.records``).
        """
        known = self.catalog.fields(graphql_type)
        # None: the compact default set; an empty list: identity only (id, type, name, url).
        names = list(requested) if requested is not None else list(defaults)
        standard: list[FieldInfo] = []
        custom: list[str] = []
        keys = set(custom_keys) if custom_keys is not None else None
        for raw in dict.fromkeys(n.strip() for n in names):
            name = raw.removeprefix("custom.")
            info = known.get(raw) or known.get(_snake_guess(raw)) or known.get(_unqualified(raw))
            if info is not None and not raw.startswith("custom."):
                standard.append(info)
            elif keys is None or name in keys:
                custom.append(name)
            else:
                raise unknown("field", raw, [*known, *sorted(keys)], argument=argument)
        return FieldChoice(standard, custom)

    def record(
        self,
        graphql_type: str,
        fields: Iterable[FieldInfo],
        custom: bool,
        aliases: Mapping[str, str] | None = None,
    ) -> list[Any]:
        """``id objectType displayName`` plus the chosen fields, as selections on the type.

        ``aliases`` (GraphQL field name -> response key) renames fields that would clash with a
        field of the same name and another type in a sibling fragment (see :func:`aliases_for`).
        """
        type_ = getattr(self.dsl, graphql_type)
        selected: list[Any] = [type_.id, type_.objectType, type_.displayName]
        if "updated_at" in self.catalog.fields(graphql_type):
            selected.append(type_.updatedAt)  # every record says how fresh it is
        for info in fields:
            selection = self.select(graphql_type, info)
            alias = (aliases or {}).get(info.graphql)
            selected.append(selection.alias(alias) if alias else selection)
        if custom and "custom" in self.catalog.fields(graphql_type):
            selected.append(type_.custom)
        return selected

    def select(self, graphql_type: str, info: FieldInfo, depth: int = 0) -> Any:
        """One field's selection, by kind."""
        dsl_field = getattr(getattr(self.dsl, graphql_type), info.graphql)
        if info.paged:
            dsl_field = dsl_field.args(first=RELATED_PAGE)
        if info.kind == "scalar":
            return dsl_field
        assert info.target is not None
        target = getattr(self.dsl, info.target)
        if info.kind == "money":
            return dsl_field.select(target.amount, target.currency)
        if info.kind in ("ref", "refs"):
            return dsl_field.select(target.id, target.objectType, target.displayName)
        inner = [
            self.select(info.target, sub, depth + 1)
            for sub in self.catalog.fields(info.target).values()
            if sub.kind in ("scalar", "money") or (depth == 0 and sub.kind in ("ref", "refs"))
        ]
        type_ = self.catalog.schema.get_type(info.target)
        if isinstance(type_, GraphQLObjectType) and "objectType" in type_.fields:
            inner.append(target.objectType)  # a timeline event names its record's type
        return dsl_field.select(*inner)

    # The same selections as one JSON value (``asJson``, see accountlens.schema.json_view) ---

    def record_paths(
        self, graphql_type: str, fields: Iterable[FieldInfo], custom: bool
    ) -> list[str] | None:
        """:meth:`record`'s selection as ``asJson`` paths, in the same order.

        ``None`` when a field takes arguments (a paged related list): ``asJson`` reads fields
        without arguments only, so such a record keeps its typed selection.
        """
        known = self.catalog.fields(graphql_type)
        paths = ["id", "objectType", "displayName"]
        if "updated_at" in known:
            paths.append("updatedAt")
        for info in fields:
            below = self.field_paths(info)
            if below is None:
                return None
            paths.extend(below)
        if custom and "custom" in known:
            paths.append("custom")
        return paths

    def field_paths(self, info: FieldInfo, depth: int = 0) -> list[str] | None:
        """:meth:`select` as dotted paths (``owner.displayName``); ``None`` when paged."""
        if info.paged:
            return None
        name = info.graphql
        if info.kind == "scalar":
            return [name]
        assert info.target is not None
        if info.kind == "money":
            return [f"{name}.amount", f"{name}.currency"]
        if info.kind in ("ref", "refs"):
            return [f"{name}.id", f"{name}.objectType", f"{name}.displayName"]
        inner: list[str] = []
        for sub in self.catalog.fields(info.target).values():
            if sub.kind in ("scalar", "money") or (depth == 0 and sub.kind in ("ref", "refs")):
                below = self.field_paths(sub, depth + 1)
                if below is None:
                    return None
                inner.extend(below)
        type_ = self.catalog.schema.get_type(info.target)
        if isinstance(type_, GraphQLObjectType) and "objectType" in type_.fields:
            inner.append("objectType")
        return [f"{name}.{path}" for path in inner]

    def as_json(self, graphql_type: str, paths: Iterable[str]) -> Any:
        """``asJson(fields: [...])`` on ``graphql_type``."""
        return getattr(self.dsl, graphql_type).asJson.args(fields=list(paths))

    def json_connection(self, connection_type: str, node_paths: Iterable[str]) -> list[Any]:
        """:meth:`connection` with the edges (cursor and node) as one ``asJson`` value."""
        conn = getattr(self.dsl, connection_type)
        page = self.dsl.PageInfo
        selected = [conn.totalCount]
        if "totalIsLowerBound" in conn._type.fields:
            selected.append(conn.totalIsLowerBound)
        edges = ["edges.cursor", *(f"edges.node.{path}" for path in node_paths)]
        return [
            *selected,
            conn.pageInfo.select(page.hasNextPage, page.endCursor),
            self.as_json(connection_type, edges),
        ]

    def node_fragments(
        self, by_type: Mapping[str, tuple[list[FieldInfo], bool]]
    ) -> list[DSLInlineFragment]:
        """``... on Account { … }`` for each type present (for ``node``/``nodes``/``search``).

        Fields that share a name but not a return type across the fragments (a person's
        nullable ``title`` and a task's required one) are aliased, so the operation passes
        GraphQL's "fields can be merged" validation whatever mix of types is asked for.
        """
        aliases = self.aliases_for(by_type)
        fragments = []
        for graphql_type, (fields, custom) in by_type.items():
            selections = self.record(graphql_type, fields, custom, aliases.get(graphql_type))
            fragment = DSLInlineFragment().on(getattr(self.dsl, graphql_type))
            fragments.append(fragment.select(*selections))
        return fragments

    def aliases_for(
        self, by_type: Mapping[str, tuple[list[FieldInfo], bool]]
    ) -> dict[str, dict[str, str]]:
        """Per type, the response key of each field that would conflict with a sibling's.

        Fields of one name are grouped by their printed return type; the largest group keeps
        the bare name and every other group answers under ``<type>_<field>`` (aliases count
        against the schema's alias limit, so only conflicting fields get one).
        """
        if len(by_type) < 2:
            return {}  # one type's fields never conflict with each other
        key = tuple((t, tuple(f.graphql for f in fields)) for t, (fields, _) in by_type.items())
        known = self._aliases.get(key)
        if known is not None:
            return known
        signatures: dict[str, dict[str, list[str]]] = {}
        for graphql_type, (fields, _) in by_type.items():
            type_ = self.catalog.schema.get_type(graphql_type)
            assert isinstance(type_, GraphQLObjectType), graphql_type
            for info in fields:
                printed = str(type_.fields[info.graphql].type)
                signatures.setdefault(info.graphql, {}).setdefault(printed, []).append(graphql_type)
        aliases: dict[str, dict[str, str]] = {}
        for name, groups in signatures.items():
            if len(groups) < 2:
                continue
            ranked = sorted(groups.values(), key=lambda types: (-len(types), types))
            for types in ranked[1:]:
                for graphql_type in types:
                    aliases.setdefault(graphql_type, {})[name] = f"{graphql_type}_{name}"
        if len(self._aliases) >= DOCUMENTS_KEPT:
            self._aliases.clear()  # bounded like the documents; recomputing is cheap
        self._aliases[key] = aliases
        return aliases

    # Operations ----------------------------------------------------------------------------

    def operation(
        self,
        name: str,
        roots: RootBuilder,
        *,
        shape: Hashable = (),
        values: dict[str, Any] | None = None,
    ) -> Operation:
        """A named query over the root fields ``roots`` builds, printed once per shape.

        ``shape`` must capture everything ``roots`` depends on besides ``name`` (the type, the
        chosen fields …); ``values`` are the variables, which never change the document.
        """
        key = (name, shape)
        document = self._documents.get(key)
        if document is None:
            variables = DSLVariableDefinitions()  # type: ignore[no-untyped-call]  # untyped DSL
            query = DSLQuery(*roots(variables))
            query.variable_definitions = variables
            document = print_ast(dsl_gql(**{name: query}).document)
            self._documents[key] = document
            if len(self._documents) > DOCUMENTS_KEPT:
                self._documents.popitem(last=False)
        else:
            self._documents.move_to_end(key)
        return Operation(document, name, dict(values or {}))

    def connection(self, connection_type: str, node: Any) -> list[Any]:
        """``totalCount pageInfo{…} edges{cursor node{…}}`` of a connection type."""
        conn = getattr(self.dsl, connection_type)
        edge = getattr(self.dsl, connection_type.removesuffix("Connection") + "Edge")
        page = self.dsl.PageInfo
        selected = [conn.totalCount]
        if "totalIsLowerBound" in conn._type.fields:  # lists; timelines count exactly
            selected.append(conn.totalIsLowerBound)
        return [
            *selected,
            conn.pageInfo.select(page.hasNextPage, page.endCursor),
            conn.edges.select(edge.cursor, edge.node.select(*node)),
        ]


def _unqualified(name: str) -> str:
    """``opportunity_type`` (how a record shows its ``type`` field) -> ``type``."""
    head, _, tail = name.rpartition("_")
    return tail if head and tail in ENVELOPE_KEYS else name


def _snake_guess(name: str) -> str:
    """Accept camelCase from a model that read the GraphQL schema: ``closeDate``."""
    out = []
    for char in name:
        if char.isupper():
            out.append("_" + char.lower())
        else:
            out.append(char)
    return "".join(out).replace(" ", "_").replace("-", "_").lower()
