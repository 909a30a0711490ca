"""All reads of customer data, with the visibility rules of SPEC §4 inside the SQL.

``visibility`` holds one predicate function per object type; every other module builds its
statements on them (lists, loaders, search, semantic search, usage, timeline, catalog). Reads
return plain rows (``dict``) or small dataclasses; the schema turns them into GraphQL types.
"""
