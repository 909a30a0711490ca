"""The admin pages' reads work as the app role, which may not read password hashes and sees
teams only in an org-bound transaction (migration 0020)."""

from __future__ import annotations

from accountlens.auth import admin_reads
from accountlens.db.engine import Database
from tests.factories import create_org, create_team, create_user


async def test_people_and_teams_are_read_as_the_app_role_without_password_hashes(
    fresh_db: Database,
) -> None:
    # given an org with an admin, a member and a team of the member
    org = await create_org(fresh_db)
    admin = await create_user(fresh_db, org, role="admin")
    member = await create_user(fresh_db, org)
    await create_team(fresh_db, org, member.user_id, name="Renewals")
    # when the admin pages read them through the app role's (row-level-security-bound) engine
    async with fresh_db.read_sessions() as session:
        people = await admin_reads.list_users(session, admin)
        teams = await admin_reads.list_teams(session, admin)
    # then both come back, the team with its member
    assert {p.id for p in people} == {admin.user_id, member.user_id}
    assert [(t.name, t.member_ids) for t in teams] == [("Renewals", (member.user_id,))]
