"""The errors a GraphQL client may see, and which ones are masked.

Typed client errors (defined beside the resolvers that raise them) pass through with their
``extensions.code``; GraphQL's own validation errors (unknown fields, bad syntax, limits) pass
too; any other exception reaches the client as "Unexpected error." with no detail.
"""

from __future__ import annotations

from graphql import GraphQLError

from accountlens.resolvers.errors import (
    BadInputError,
    ClientError,
    ForbiddenError,
    NotFoundError,
    UnauthenticatedError,
    unknown_choice,
)

__all__ = [
    "BadInputError",
    "ClientError",
    "ForbiddenError",
    "NotFoundError",
    "UnauthenticatedError",
    "should_mask_error",
    "unknown_choice",
]


def should_mask_error(error: GraphQLError) -> bool:
    """Mask everything that did not come from the caller's own input."""
    original = error.original_error
    if original is None:
        return False  # parse and validation errors describe the query, not our internals
    if isinstance(original, GraphQLError):
        return should_mask_error(original)
    return not isinstance(original, ClientError)
