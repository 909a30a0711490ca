"""The GraphQL API: the single permission-enforcing way to read customer data (SPEC §2).

Public surface for other parts of the app:

- ``accountlens.schema.root.schema``: the executable Strawberry schema (queries only).
- ``accountlens.schema.context.build_context(principal, database, request=None, *,
  embedder=None, tuning=None, total_cap=0)``: the context for one operation, for HTTP and
  in-process callers; an async context manager whose exit ends the operation's read transaction.
- ``accountlens.schema.http.graphql_router(settings)``: the ``/graphql`` route.
- ``accountlens.schema.ids.encode_id`` / ``decode_id``: the typed global IDs.
- ``accountlens.schema.export``: writes ``schema.graphql``.

This package runs no SQL; every read goes through ``accountlens.resolvers``.
"""
