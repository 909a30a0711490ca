"""What the tools can ask for: object types, their fields, and how each field is selected.

Read from the GraphQL schema itself (graphql-core types), so a field the schema gains is a field
the tools offer, under its snake_case name. Each field gets a *kind* that decides both its
selection (a scalar, money with its currency, a reference as ``{id displayName}``, a short list of
references, a small object) and how the shaped record shows it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from graphql import (
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLType,
)

from accountlens.object_types import DEFAULT_FIELDS, LIST_TYPES, NODE_TYPES, snake_case

#: A GraphQL field name as the key an MCP record shows (``healthScore`` -> ``health_score``).
snake = snake_case

# The type catalogue (list types, node types, default fields) comes from the plain-data type
# catalogue (accountlens/object_types.py), so a new type needs no edit here.
__all__ = ["DEFAULT_FIELDS", "LIST_TYPES", "NODE_TYPES"]

#: Fields every record carries anyway (as id, type, name), so they are never selectable, and
#: ``asJson``, which is how the tools read the others (see ``Compiler.record_paths``).
_HIDDEN = {"id", "objectType", "displayName", "row", "asJson"}

#: How many related records a list field shows inside one record.
RELATED_PAGE = 5

Kind = Literal["scalar", "money", "ref", "refs", "object", "objects"]


@dataclass(frozen=True, slots=True)
class FieldInfo:
    """One selectable field: its tool name, GraphQL name, kind and the type it points at."""

    name: str
    graphql: str
    kind: Kind
    target: str | None
    paged: bool


def _unwrap(type_: GraphQLType) -> tuple[GraphQLType, bool]:
    """The named type inside NonNull/List wrappers, and whether a list was among them."""
    is_list = False
    while isinstance(type_, GraphQLNonNull | GraphQLList):
        is_list = is_list or isinstance(type_, GraphQLList)
        type_ = type_.of_type
    return type_, is_list


def _is_node(type_: GraphQLType) -> bool:
    if isinstance(type_, GraphQLInterfaceType):
        return type_.name == "Node"
    if isinstance(type_, GraphQLObjectType):
        return any(i.name == "Node" for i in type_.interfaces)
    return False


def _kind(field: GraphQLField) -> tuple[Kind, str | None]:
    inner, is_list = _unwrap(field.type)
    if not isinstance(inner, GraphQLObjectType | GraphQLInterfaceType):
        return "scalar", None
    if inner.name == "Money":
        return "money", inner.name
    if _is_node(inner):
        return ("refs" if is_list else "ref"), inner.name
    return ("objects" if is_list else "object"), inner.name


class Catalog:
    """The selectable fields of every record type, read once from the schema."""

    def __init__(self, schema: GraphQLSchema) -> None:
        self.schema = schema
        self._fields: dict[str, dict[str, FieldInfo]] = {}

    def fields(self, graphql_type: str) -> dict[str, FieldInfo]:
        """Tool name -> field, for one GraphQL object type."""
        found = self._fields.get(graphql_type)
        if found is None:
            type_ = self.schema.get_type(graphql_type)
            assert isinstance(type_, GraphQLObjectType | GraphQLInterfaceType), graphql_type
            found = {}
            for name, field in type_.fields.items():
                if name in _HIDDEN:
                    continue
                required = [
                    a for a, arg in field.args.items()
                    if isinstance(arg.type, GraphQLNonNull) and arg.default_value is None
                ]  # fmt: skip
                if required:
                    continue  # needs arguments only a dedicated tool can supply
                kind, target = _kind(field)
                found[snake(name)] = FieldInfo(
                    snake(name), name, kind, target, "first" in field.args
                )
            self._fields[graphql_type] = found
        return found
