"""AccountLens: customer data for AI assistants, through a read-only remote MCP server."""

__version__ = "0.1.0"
