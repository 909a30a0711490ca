"""No bearer token (an MCP connection's) can reach any mutation: every one the schema has,
the admin pages' included, is refused before it runs, with nothing changed."""

from __future__ import annotations

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    get_named_type,
)
from sqlalchemy import text

from accountlens.db.engine import Database
from accountlens.schema.ids import encode_id
from accountlens.schema.root import schema
from tests.auth.helpers import People, build_app, client_for, connect

#: A value of each scalar type that passes validation, so only the policy can refuse.
PLACEHOLDERS = {"ID": '"usr_0"', "String": '"x"', "Boolean": "true", "Int": "1"}


def literal(kind: GraphQLInputType, user_id: str) -> str:
    """A valid literal of ``kind``: required fields filled in, lists empty, enums' first."""
    if isinstance(kind, GraphQLNonNull):
        return literal(kind.of_type, user_id)
    if isinstance(kind, GraphQLList):
        return "[]"
    if isinstance(kind, GraphQLEnumType):
        return str(next(iter(kind.values)))
    if isinstance(kind, GraphQLInputObjectType):
        fields = [
            f"{name}: {literal(field.type, user_id)}"
            for name, field in kind.fields.items()
            if isinstance(field.type, GraphQLNonNull)
        ]
        return "{" + ", ".join(fields) + "}"
    assert isinstance(kind, GraphQLScalarType), kind
    return f'"{user_id}"' if kind.name == "ID" else PLACEHOLDERS[kind.name]


def mutation_documents(user_id: str) -> dict[str, str]:
    """One minimal document per mutation field of the schema, all required arguments given."""
    mutation = schema._schema.mutation_type
    assert mutation is not None
    documents = {}
    for name, field in mutation.fields.items():
        arguments = []
        for arg_name, arg in field.args.items():
            if isinstance(arg.type, GraphQLNonNull):
                arguments.append(f"{arg_name}: {literal(arg.type, user_id)}")
        selection = (
            " { __typename }" if isinstance(get_named_type(field.type), GraphQLObjectType) else ""
        )
        call = f"({', '.join(arguments)})" if arguments else ""
        documents[name] = f"mutation {{ {name}{call}{selection} }}"
    return documents


async def test_every_mutation_is_refused_to_an_mcp_token_even_an_admins(
    fresh_db: Database, people: People
) -> None:
    # given an admin's MCP connection token
    async with client_for(build_app(fresh_db, "http://127.0.0.1:8000")) as http:
        _, token = await connect(http, people.alice.email)
        http.cookies.clear()
        documents = mutation_documents(encode_id("user", people.bob.user_id))
        # the admin pages' mutations are among them
        assert {
            "inviteUser",
            "setUserRole",
            "setUserActive",
            "issuePasswordReset",
            "signOutUser",
            "createTeam",
            "renameTeam",
            "deleteTeam",
            "addTeamMember",
            "removeTeamMember",
            "updateOrgSettings",
        } <= set(documents)
        # when the token sends each one
        codes = {}
        for name, document in documents.items():
            answer = await http.post(
                "/graphql",
                json={"query": document},
                headers={"Authorization": f"Bearer {token}"},
            )
            body = answer.json()
            assert body.get("data") is None, (name, body)
            codes[name] = body["errors"][0]["extensions"]["code"]
    # then every one is refused as read-only, and nothing was written or audited
    assert codes == dict.fromkeys(documents, "READ_ONLY_TOKEN")
    async with fresh_db.engine.connect() as conn:
        assert await conn.scalar(text("SELECT count(*) FROM admin_audit")) == 0
        assert await conn.scalar(text("SELECT count(*) FROM teams")) == 0
        role = await conn.scalar(
            text("SELECT role FROM users WHERE id = :i"), {"i": people.bob.user_id}
        )
    assert role == "member"
