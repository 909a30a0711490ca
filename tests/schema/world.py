"""A small two-org world covering every visibility rule of SPEC §4 (built in ``fresh_db``)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from accountlens.auth.principal import Principal
from accountlens.db.engine import Database
from tests.factories import (
    create_account,
    create_activity,
    create_comment,
    create_contract,
    create_custom_object,
    create_custom_type,
    create_document,
    create_group,
    create_opportunity,
    create_org,
    create_person,
    create_project,
    create_task,
    create_team,
    create_ticket,
    create_user,
)

AT = datetime(2025, 2, 1, tzinfo=UTC)


@dataclass
class World:
    admin: Principal
    narrow: Principal
    teamed: Principal
    account_teamed: Principal
    open_member: Principal
    open_admin: Principal

    @property
    def principals(self) -> dict[str, Principal]:
        return {
            "admin": self.admin,
            "narrow member": self.narrow,
            "team member": self.teamed,
            "account-team member": self.account_teamed,
            "open-org member": self.open_member,
            "open-org admin": self.open_admin,
        }


async def build_world(db: Database) -> World:
    restricted = await create_org(db)
    admin = await create_user(db, restricted, role="admin")
    narrow = await create_user(db, restricted)
    teamed = await create_user(db, restricted)
    account_teamed = await create_user(db, restricted)
    team = await create_team(db, restricted, teamed.user_id, name="East")
    owned = await create_account(db, restricted, "Owned Co", owner=narrow.user_id)
    by_team = await create_account(db, restricted, "Team Co", team=team)
    by_account_team = await create_account(
        db, restricted, "Covered Co", account_team=(account_teamed.user_id,)
    )
    nobody = await create_account(db, restricted, "Hidden Co")
    for account in (owned, by_team, by_account_team, nobody):
        await _attach_everything(db, restricted, account)
    await create_group(db, restricted, "At Risk", members=(owned, nobody))
    # Account-less records with their own rules.
    await create_task(db, restricted, "Mine to do", assignee=narrow.user_id)
    await create_task(db, restricted, "I asked", creator=narrow.user_id)
    await create_task(db, restricted, "Someone else's")
    await create_project(db, restricted, "Internal A", owner=narrow.user_id)
    await create_project(db, restricted, "Internal B", members=(teamed.user_id,))
    await create_project(db, restricted, "Internal C")
    await create_document(db, restricted, "Internal sync", participants=(narrow.user_id,))
    await create_document(db, restricted, "Other sync")
    await create_document(db, restricted, "How to export", kind="kb_article")
    kinds = await create_custom_type(db, restricted, "contract", "Contract")
    await create_custom_object(db, restricted, kinds, "Template", custom={"value": 1})

    open_org = await create_org(db, visibility="open")
    open_admin = await create_user(db, open_org, role="admin")
    open_member = await create_user(db, open_org)
    globex = await create_account(db, open_org, "Globex")
    await _attach_everything(db, open_org, globex)
    await create_task(db, open_org, "Open-org private", assignee=open_admin.user_id)
    return World(admin, narrow, teamed, account_teamed, open_member, open_admin)


async def _attach_everything(db: Database, org: uuid.UUID, account: uuid.UUID) -> None:
    """One record of every account-attached type."""
    person = await create_person(db, org, account, "Contact", persona="champion")
    await create_opportunity(db, org, account, "Deal")
    await create_activity(db, org, account, "Call", AT)
    await create_ticket(db, org, account, "Help", AT, requester_id=person)
    await create_contract(db, org, account, "Subscription", AT.date())
    task = await create_task(db, org, "Account task", account_id=account)
    await create_comment(db, org, task, "Looks good", AT)
    await create_project(db, org, "Rollout", account_id=account)
    await create_document(db, org, "QBR", account_id=account, chunks=((None, "hello", None),))
    kind = await create_custom_type(db, org, f"k{account.hex[:8]}", "Thing")
    await create_custom_object(db, org, kind, "Thing one", account_id=account)
