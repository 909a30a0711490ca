"""The admin pages and the audit page read and write through GraphQL, like every other client.

``run`` executes one operation in-process as the signed-in person (``app.state.graphql_execute``;
the web package may not import the schema) and turns a refusal into :class:`Refusal`, whose
``status`` is what the page answers: 403 forbidden, 404 not found, 400 bad input.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

from fastapi import Request

from accountlens.auth.principal import Principal
from accountlens.web.connections_source import GraphQLExecutor

USERS = """
query AdminUsers {
  adminUsers { id email name role active invited linkExpiresAt teamIds }
  adminTeams { id name memberIds }
}
"""
SETTINGS = """
query OrgSettings {
  orgSettings { name slug accountVisibility timezone tokenLifetimeDays deploymentTokenLifetimeDays }
  adminAuditLog(first: 50) { at actorEmail action target details }
}
"""
INVITE = """
mutation Invite($email: String!, $name: String!, $role: String!) {
  inviteUser(email: $email, name: $name, role: $role) { userId email url purpose }
}
"""
RESET = """
mutation Reset($userId: ID!) { issuePasswordReset(userId: $userId) { userId email url purpose } }
"""
SET_ROLE = (
    "mutation Role($userId: ID!, $role: String!) { setUserRole(userId: $userId, role: $role) }"
)
SET_ACTIVE = """
mutation Active($userId: ID!, $active: Boolean!) { setUserActive(userId: $userId, active: $active) }
"""
SIGN_OUT = "mutation SignOut($userId: ID!) { signOutUser(userId: $userId) }"
CREATE_TEAM = "mutation CreateTeam($name: String!) { createTeam(name: $name) { id } }"
RENAME_TEAM = (
    "mutation RenameTeam($id: ID!, $name: String!) { renameTeam(id: $id, name: $name) { id } }"
)
DELETE_TEAM = "mutation DeleteTeam($id: ID!) { deleteTeam(id: $id) }"
ADD_MEMBER = """
mutation AddMember($teamId: ID!, $userId: ID!) { addTeamMember(teamId: $teamId, userId: $userId) }
"""
REMOVE_MEMBER = """
mutation RemoveMember($teamId: ID!, $userId: ID!) {
  removeTeamMember(teamId: $teamId, userId: $userId)
}
"""
UPDATE_SETTINGS = """
mutation Settings($visibility: String!, $timezone: String!, $days: Int) {
  updateOrgSettings(accountVisibility: $visibility, timezone: $timezone, tokenLifetimeDays: $days)
}
"""
AUDIT = """
query Audit($userId: ID, $clientId: String, $tool: String, $since: DateTime, $until: DateTime,
            $first: Int!, $after: String) {
  toolCallAudit(userId: $userId, clientId: $clientId, tool: $tool, since: $since, until: $until,
                first: $first, after: $after) {
    nodes { id calledAt userEmail clientId clientName tool arguments outcome errorCode
            resultCount recordIds }
    endCursor hasNextPage
  }
}
"""
AUDIT_FILTERS = """
query AuditFilters {
  toolCallAuditFilters { users { value label } clients { value label } tools }
}
"""

_STATUS = {"FORBIDDEN": 403, "NOT_FOUND": 404, "BAD_INPUT": 400, "UNAVAILABLE": 503}


@dataclass(frozen=True, slots=True)
class Refusal:
    """GraphQL refused the operation; ``message`` is fit for the page."""

    status: int
    message: str


async def run(
    request: Request,
    principal: Principal,
    document: str,
    variables: Mapping[str, Any] | None = None,
) -> dict[str, Any] | Refusal:
    execute = cast(GraphQLExecutor, request.app.state.graphql_execute)
    try:
        return await execute(request, principal, document, variables)
    except Exception as failure:  # OperationFailed, which the web may not import
        codes: list[str] | None = getattr(failure, "codes", None)
        if codes is None:
            raise
        messages: list[str] = getattr(failure, "messages", [])
        status = max((_STATUS.get(code, 400) for code in codes), default=400)
        if "VALIDATION" in codes or any(code not in _STATUS for code in codes):
            status = 400
        return Refusal(status, messages[0] if messages else "That request was refused.")
