"""Batched loads of many-to-many relations, one statement per batch of parents.

Each returns, for every parent id asked, the list of visible related rows. The DataLoaders in the
GraphQL context call these, so nested lists cost the same number of statements for 5 parents
as for 100.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, select

from accountlens.db.models import (
    AccountTeamMember,
    ActivityParticipant,
    Group,
    GroupMember,
    Person,
    ProjectMember,
    Team,
    TeamMember,
    User,
)
from accountlens.resolvers.reader import Reader, Row
from accountlens.resolvers.registry import GROUP, PERSON, TEAM, USER
from accountlens.resolvers.visibility import (
    visible_account_ids,
    visible_activity_participants,
    visible_group_members,
    visible_people,
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


async def load_groups_of(
    reader: Reader, member_column: str, member_ids: Sequence[uuid.UUID]
) -> list[list[Row]]:
    """The groups each account (``account_id``) or person (``person_id``) belongs to."""
    member = getattr(GroupMember, member_column)
    statement = (
        select(*GROUP.columns, member.label("_parent"))
        .join(GroupMember, GroupMember.group_id == Group.id)
        .where(
            GROUP.visible(reader.principal),
            visible_group_members(reader.principal),
            GroupMember.org_id == Group.org_id,
            member.in_(set(member_ids)),
        )
        .order_by(Group.name)
    )
    return await _grouped(reader, statement, "_parent", member_ids)


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
    statement = (
        select(*PERSON.columns, ActivityParticipant.activity_id.label("_parent"))
        .join(ActivityParticipant, ActivityParticipant.person_id == Person.id)
        .where(
            visible_people(reader.principal),
            visible_activity_participants(reader.principal),
            ActivityParticipant.org_id == Person.org_id,
            ActivityParticipant.activity_id.in_(set(activity_ids)),
        )
        .order_by(Person.name)
    )
    return await _grouped(reader, statement, "_parent", activity_ids)


async def load_project_members(reader: Reader, project_ids: Sequence[uuid.UUID]) -> list[list[Row]]:
    statement = (
        select(*USER.columns, ProjectMember.project_id.label("_parent"))
        .join(ProjectMember, ProjectMember.user_id == User.id)
        .where(
            visible_users(reader.principal),
            visible_project_members(reader.principal),
            ProjectMember.org_id == User.org_id,
            ProjectMember.project_id.in_(set(project_ids)),
        )
        .order_by(User.name)
    )
    return await _grouped(reader, statement, "_parent", project_ids)


async def load_team_members(reader: Reader, team_ids: Sequence[uuid.UUID]) -> list[list[Row]]:
    statement = (
        select(*USER.columns, TeamMember.team_id.label("_parent"))
        .join(TeamMember, TeamMember.user_id == User.id)
        .where(
            visible_users(reader.principal),
            visible_team_members(reader.principal),
            TeamMember.org_id == User.org_id,
            TeamMember.team_id.in_(set(team_ids)),
        )
        .order_by(User.name)
    )
    return await _grouped(reader, statement, "_parent", team_ids)


async def load_user_teams(reader: Reader, user_ids: Sequence[uuid.UUID]) -> list[list[Row]]:
    statement = (
        select(*TEAM.columns, TeamMember.user_id.label("_parent"))
        .join(TeamMember, TeamMember.team_id == Team.id)
        .where(
            TEAM.visible(reader.principal),
            visible_team_members(reader.principal),
            TeamMember.org_id == Team.org_id,
            TeamMember.user_id.in_(set(user_ids)),
        )
        .order_by(Team.name)
    )
    return await _grouped(reader, statement, "_parent", user_ids)
