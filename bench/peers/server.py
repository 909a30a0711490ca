"""The peers AccountLens is judged against: minimal MCP servers on the same data.

``python -m bench.peers serve MODE PORT CONFIG`` serves the official SDK's ``MCPServer``
(stateless Streamable HTTP, JSON answers) with uvicorn on loopback, in its own process like
``accountlens serve``. The harness starts as many of these per peer as AccountLens has workers,
each on its own ``SO_REUSEPORT`` socket of the same port, so the kernel spreads connections over
them as it does over ``accountlens serve --workers N``'s processes. ``CONFIG`` is a JSON file
the harness writes: the database URL, the public URL and secret key of the AccountLens server
under test, and for ``sql`` the callers' facts keyed by token.

* ``sql`` (peer 2): ``list_objects`` (accounts), ``get_objects`` (tickets),
  ``get_product_usage`` (an account, ``-<N>d``), ``account_timeline`` (``-<N>d``) and
  ``search_objects`` (a query, every type), each answering with the floor's one statement for
  the caller's class (:mod:`bench.peers.sql`, :mod:`bench.peers.search`) on an asyncpg pool
  and the tool's own answer shape (:mod:`bench.peers.answers`). No token check: the caller's
  facts are looked up in memory by the bearer token, so this is the SDK plus the SQL and
  nothing else.
* ``graphql`` (peer 3): a bearer check (one SELECT on ``connections`` with the token's digest,
  the salt kept per connection after its first request, as ours does) and our own tool bodies:
  the cached compiled GraphQL document, one ``schema.execute`` through our resolvers (whose
  SQL carries the visibility) and our shaping, so its ``structuredContent`` is ours.
"""

from __future__ import annotations

import asyncio
import gc
import json
import socket
import uuid
from pathlib import Path
from typing import Any

import asyncpg
import uvicorn
from mcp.server.mcpserver import Context, MCPServer
from mcp_types import CallToolResult, TextContent
from sqlalchemy import make_url
from starlette.types import ASGIApp, Receive, Scope, Send

from accountlens.auth import tokens
from accountlens.auth.principal import OrgFacts, Principal
from accountlens.db.engine import Database, create_engine
from accountlens.mcp_adapter.compile import Compiler
from accountlens.mcp_adapter.execute import Executor
from accountlens.mcp_adapter.runtime import Runtime
from accountlens.mcp_adapter.server import transport_security
from accountlens.mcp_adapter.tools import register_tools
from accountlens.schema.context import build_context
from accountlens.schema.root import schema
from bench.peers import answers, search, sql

#: The peer's bearer check: the connection, its user and org, by the presented digest.
CHECK_SQL = """
SELECT c.user_id, c.id, c.client_id, u.role, u.email, u.name, o.name AS org_name, o.slug,
       o.timezone, o.account_visibility
FROM connections c JOIN users u ON u.org_id = c.org_id AND u.id = c.user_id
JOIN orgs o ON o.id = c.org_id
WHERE c.org_id = $1 AND c.id = $2 AND c.token_hash = $3 AND c.revoked_at IS NULL
  AND c.expires_at > now() AND u.is_active"""

SALT_SQL = "SELECT token_salt FROM connections WHERE org_id = $1 AND id = $2"


def _bearer(scope: Scope) -> str:
    for name, value in scope.get("headers", ()):
        if name == b"authorization" and value[:7].lower() == b"bearer ":
            return str(value[7:].decode("ascii", "replace"))
    return ""


class BearerCheck:
    """One SELECT per request; the principal goes where our tools look for it."""

    def __init__(self, app: ASGIApp, pool: asyncpg.Pool, key: bytes) -> None:
        self.app, self.pool, self.key = app, pool, key
        self.salts: dict[uuid.UUID, bytes] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            principal = await self.principal(_bearer(scope))
            if principal is None:
                await send({"type": "http.response.start", "status": 401, "headers": []})
                await send({"type": "http.response.body", "body": b""})
                return
            scope.setdefault("state", {})["principal"] = principal
        await self.app(scope, receive, send)

    async def principal(self, token: str) -> Principal | None:
        parsed = tokens.parse(tokens.ACCESS_TOKEN_PREFIX, token)
        if parsed is None:
            return None
        async with self.pool.acquire() as conn:
            salt = self.salts.get(parsed.row_id)
            if salt is None:
                found = await conn.fetchval(SALT_SQL, parsed.org_id, parsed.row_id)
                if found is None:
                    return None
                salt = self.salts[parsed.row_id] = bytes(found)
            digest = tokens.secret_digest(self.key, salt, parsed.secret)
            row = await conn.fetchrow(CHECK_SQL, parsed.org_id, parsed.row_id, digest)
        if row is None:
            return None
        facts = OrgFacts(row["org_name"], row["slug"], row["timezone"], row["account_visibility"])
        return Principal(
            user_id=row["user_id"], org_id=parsed.org_id, role=row["role"], email=row["email"],
            name=row["name"], connection_id=row["id"], client_id=row["client_id"],
            org_name=row["org_name"], org_facts=facts,
        )  # fmt: skip


def graphql_app(config: dict[str, Any], pool: asyncpg.Pool) -> tuple[MCPServer[Any], ASGIApp]:
    """Peer 3: the SDK, a bearer check and our tool bodies over one GraphQL execution each."""
    engine = create_engine(make_url(config["sqlalchemy_url"]), pool_size=20)
    db = Database(engine=engine, read_engine=engine)
    server: MCPServer[Any] = MCPServer("peer-graphql")

    def context_for(principal: Principal, request: Any) -> Any:
        return build_context(
            principal,
            db,
            total_cap=config["list_total_cap"],
            search_cap=config["search_candidate_cap"],
        )

    executor = Executor(schema, context_for)
    runtime = Runtime(
        executor=executor,
        compiler=Compiler(executor.graphql_schema),
        base_url=config["public_url"].rstrip("/"),
        token_budget=config["token_budget"],
    )
    register_tools(server, runtime)
    return server, BearerCheck(_http(server, config), pool, config["secret_key"].encode())


def sql_app(config: dict[str, Any], pool: asyncpg.Pool) -> tuple[MCPServer[Any], ASGIApp]:
    """Peer 2: the SDK and the floor's SQL for the caller's class, nothing else."""
    server: MCPServer[Any] = MCPServer("peer-sql")
    facts: dict[str, dict[str, Any]] = config["facts"]
    base_url = config["public_url"].rstrip("/")

    def who(ctx: Context[Any]) -> sql.Caller:
        request = ctx.request_context.request
        token = (getattr(request, "headers", None) or {}).get("authorization", "")[7:]
        fact = facts[token]
        return sql.Caller(
            uuid.UUID(fact["org_id"]),
            uuid.UUID(fact["user_id"]),
            bool(fact["sees_all"]),
            frozenset(fact["hidden"]),
            fact["timezone"],
            bool(fact["admin"]),
            frozenset((t, n) for t, n in fact["concealed"]),
        )

    async def respond(payload: dict[str, Any]) -> CallToolResult:
        text = json.dumps(payload, separators=(",", ":"), ensure_ascii=False)
        return CallToolResult(content=[TextContent(type="text", text=text)],
                              structured_content=payload)  # fmt: skip

    @server.tool()
    async def list_objects(
        ctx: Context[Any], object_type: str, limit: int | None = None
    ) -> CallToolResult:
        async with pool.acquire() as conn:
            cap = config["list_total_cap"]
            payload = await answers.list_accounts(conn, who(ctx), base_url, limit or 25, cap)
        return await respond(payload)

    @server.tool()
    async def get_objects(ctx: Context[Any], ids: list[str]) -> CallToolResult:
        async with pool.acquire() as conn:
            return await respond(await answers.get_tickets(conn, who(ctx), base_url, ids))

    @server.tool()
    async def search_objects(ctx: Context[Any], query: str) -> CallToolResult:
        async with pool.acquire() as conn:
            cap = config["search_candidate_cap"]
            found = await search.search_objects(conn, who(ctx), base_url, query, cap)
            return await respond(found)

    @server.tool()
    async def get_product_usage(
        ctx: Context[Any], id: str, since: str = "-30d", interval: str = "week"
    ) -> CallToolResult:
        async with pool.acquire() as conn:
            try:
                payload = await answers.product_usage(
                    conn, who(ctx), base_url, id, _days(since), interval
                )
            except answers.NotVisibleError:
                return _error("no account or person with that ID")
        return await respond(payload)

    @server.tool()
    async def account_timeline(
        ctx: Context[Any], account: str, since: str = "-30d"
    ) -> CallToolResult:
        async with pool.acquire() as conn:
            try:
                payload = await answers.account_timeline(
                    conn, who(ctx), base_url, account, _days(since)
                )
            except answers.NotVisibleError:
                return _error("no account with that ID")
        return await respond(payload)

    return server, _http(server, config)


def _days(since: str) -> int:
    """``-90d`` -> 90: the only window form the peers step sends."""
    if not (since.startswith("-") and since.endswith("d") and since[1:-1].isdigit()):
        raise ValueError(f"peer 2 answers windows of the form -<N>d only, not {since!r}")
    return int(since[1:-1])


def _error(message: str) -> CallToolResult:
    return CallToolResult(content=[TextContent(type="text", text=message)], is_error=True)


def _http(server: MCPServer[Any], config: dict[str, Any]) -> ASGIApp:
    return server.streamable_http_app(
        streamable_http_path="/mcp",
        json_response=True,
        stateless_http=True,
        transport_security=transport_security(config["peer_url"]),
    )


async def _pool(config: dict[str, Any]) -> asyncpg.Pool:
    return await asyncpg.create_pool(config["asyncpg_dsn"], min_size=2, max_size=20)


def main(argv: list[str]) -> None:
    """``MODE PORT CONFIG``: serve one peer until interrupted."""
    mode, port, config_path = argv[0], int(argv[1]), Path(argv[2])
    config = json.loads(config_path.read_text())
    config["peer_url"] = f"http://127.0.0.1:{port}"
    build = graphql_app if mode == "graphql" else sql_app
    holder: dict[str, Any] = {}

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            pool = await _pool(config)
            server, holder["app"] = build(config, pool)
            # As ``accountlens serve``'s workers do (cli.worker_app): the start-up heap frozen,
            # so the collector's full passes cost the peers what they cost AccountLens.
            gc.collect()
            gc.freeze()
            async with server.session_manager.run():
                while True:
                    message = await receive()
                    if message["type"] == "lifespan.startup":
                        await send({"type": "lifespan.startup.complete"})
                    elif message["type"] == "lifespan.shutdown":
                        await pool.close()
                        await send({"type": "lifespan.shutdown.complete"})
                        return
        await holder["app"](scope, receive, send)

    # Bound here, not by uvicorn, so that several processes share the port (one per worker).
    # uvicorn listens on it only after the lifespan has started: a worker joins the kernel's
    # balancing once it can answer, which is what the harness waits for.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    # Accepted connections inherit this: without it a response written in two pieces waits for
    # the client's delayed ACK (a flat ~40 ms on every call), which uvicorn's own bind avoids.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind(("127.0.0.1", port))
    settings = uvicorn.Config(app, log_level="warning", access_log=False)
    asyncio.run(uvicorn.Server(settings).serve(sockets=[sock]))
