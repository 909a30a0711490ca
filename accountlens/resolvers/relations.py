"""Batched loads of many-to-many relations, one statement per batch of parents.

Each returns, for every parent id asked, the list of visible related rows. The DataLoaders in the
GraphQL context call these, so nested lists cost the same number of statements for 5 parents
as for 100.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, select

from accountlens.db.models import (
    AccountTeamMember,
    ActivityParticipant,
    GroupMember,
    ProjectMember,
    TeamMember,
    User,
)
from accountlens.resolvers.field_security import hidden_fields, projection
from accountlens.resolvers.reader import Reader, Row
from accountlens.resolvers.registry import GROUP, PERSON, TEAM, USER, Attr, ObjectSpec
from accountlens.resolvers.visibility import (
    visible_account_ids,
    visible_activity_participants,
    visible_group_members,
    visible_project_members,
    visible_team_members,
    visible_users,
)


async def _grouped(
    reader: Reader, statement: Select[Any], key: str, parent_ids: Sequence[uuid.UUID]
) -> list[list[Row]]:
    if not parent_ids:
        return []
    grouped: dict[uuid.UUID, list[Row]] = {}
    for row in await reader.rows(statement):
        grouped.setdefault(row.pop(key), []).append(row)
    return [grouped.get(i, []) for i in parent_ids]


async def _load_linked(
    reader: Reader,
    target: ObjectSpec,
    link_model: type[Any],
    link_target: Attr,
    link_parent: Attr,
    link_visible: ColumnElement[bool],
    parent_ids: Sequence[uuid.UUID],
) -> list[list[Row]]:
    """For each parent, the visible ``target`` rows joined to it through ``link_model``.

    Both the target's and the link's visibility predicates apply, ordered by display name.
    """
    hidden = await hidden_fields(reader)
    statement = (
        select(*projection(target, hidden.of(target.key)), link_parent.label("_parent"))
        .join(link_model, link_target == target.model.id)
        .where(
            target.visible(reader.principal),
            link_visible,
            link_model.org_id == target.model.org_id,
            link_parent.in_(set(parent_ids)),
        )
        .order_by(target.name_column)
    )
    return await _grouped(reader, statement, "_parent", parent_ids)


async def load_groups_of(
    reader: Reader, member_column: str, member_ids: Sequence[uuid.UUID]
) -> list[list[Row]]:
    """The groups each account (``account_id``) or person (``person_id``) belongs to."""
    member = getattr(GroupMember, member_column)
    visible_links = visible_group_members(reader.principal)
    return await _load_linked(
        reader, GROUP, GroupMember, GroupMember.group_id, member, visible_links, member_ids
    )


async def load_account_teams(reader: Reader, account_ids: Sequence[uuid.UUID]) -> list[list[Row]]:
    """Each account's account team: users with their role on the account."""
    statement = (
        select(
            *USER.columns,
            AccountTeamMember.role.label("team_role"),
            AccountTeamMember.account_id.label("_parent"),
        )
        .join(AccountTeamMember, AccountTeamMember.user_id == User.id)
        .where(
            visible_users(reader.principal),
            AccountTeamMember.org_id == User.org_id,
            AccountTeamMember.account_id.in_(
                visible_account_ids(reader.principal)
                .where(AccountTeamMember.account_id.in_(set(account_ids)))
                .scalar_subquery()
            ),
        )
        .order_by(User.name)
    )
    return await _grouped(reader, statement, "_parent", account_ids)


async def load_activity_people(
    reader: Reader, activity_ids: Sequence[uuid.UUID]
) -> list[list[Row]]:
    links = visible_activity_participants(reader.principal)
    return await _load_linked(
        reader,
        PERSON,
        ActivityParticipant,
        ActivityParticipant.person_id,
        ActivityParticipant.activity_id,
        links,
        activity_ids,
    )


async def load_project_members(reader: Reader, project_ids: Sequence[uuid.UUID]) -> list[list[Row]]:
    links = visible_project_members(reader.principal)
    return await _load_linked(
        reader, USER, ProjectMember, ProjectMember.user_id, ProjectMember.project_id, links,
        project_ids,
    )  # fmt: skip


async def load_team_members(reader: Reader, team_ids: Sequence[uuid.UUID]) -> list[list[Row]]:
    links = visible_team_members(reader.principal)
    return await _load_linked(
        reader, USER, TeamMember, TeamMember.user_id, TeamMember.team_id, links, team_ids
    )


async def load_user_teams(reader: Reader, user_ids: Sequence[uuid.UUID]) -> list[list[Row]]:
    links = visible_team_members(reader.principal)
    return await _load_linked(
        reader, TEAM, TeamMember, TeamMember.team_id, TeamMember.user_id, links, user_ids
    )
