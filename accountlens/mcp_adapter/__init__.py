"""The MCP server: twelve read-only tools compiled to GraphQL (SPEC §2, §5).

- ``server``: the SDK's ``MCPServer`` at ``/mcp`` (stateless Streamable HTTP, JSON answers),
  what the app must hand in (``McpBackend``) and how it is mounted and run.
- ``tools/``: the tool signatures, descriptions and bodies, one module per family.
- ``compile``: gql DSL selections and operations; ``execute``: running them in-process through
  the Strawberry schema as the connection's principal (queries only).
- ``shape``: compact records; ``budget``: the token budget; ``errors``: errors a model can act on.
- ``audit`` and ``arguments``: SDK middleware recording every call and refusing unknown names.

This package imports neither ``accountlens.db`` nor ``accountlens.resolvers`` (import-linter).
"""
