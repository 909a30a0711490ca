"""mcp_adapter"""
