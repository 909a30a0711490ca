"""Specs of the people-and-accounts files: users, teams, accounts, people, opportunities."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import any_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from accountlens.auth.passwords import hash_password, verify_password
from accountlens.db.models import (
    Account,
    AccountTeamMember,
    Opportunity,
    OpportunityStageChange,
    Person,
    Team,
    TeamMember,
    User,
)
from accountlens.ingest.importer.formats import (
    AccountRow,
    OpportunityRow,
    OpportunityStageChangeRow,
    PersonRow,
    TeamRow,
    UserRow,
)
from accountlens.ingest.importer.load import (
    ChildRows,
    ChildTable,
    NaturalKey,
    table_of,
    text_array,
)
from accountlens.ingest.importer.records import ImportContext, RecordSpec, referencing, with_custom
from accountlens.ingest.importer.resolve import Ref, Resolved


def optional_ref(field: str, kind: str, key: str | None) -> list[Ref]:
    return [Ref(field, kind, key)] if key is not None else []


def list_refs(field: str, kind: str, keys: Sequence[str]) -> list[Ref]:
    return [Ref(f"{field}[{index}]", kind, key) for index, key in enumerate(keys)]


def list_members(refs: Resolved, field: str, count: int) -> ChildRows:
    """A child collection of plain members (no other columns) from ``field[0..count)``."""
    return {(id_,): () for id_ in refs.ids(f"{field}[{index}]" for index in range(count))}


class UserSpec(RecordSpec[UserRow]):
    """Users sign in only once they have a password; a given password is hashed, never shown.

    A password in the file is hashed only when the stored hash does not already match it, so
    a re-run leaves users untouched. A user without ``password`` keeps any stored hash.
    """

    file = "users.jsonl"
    kind = "user"
    model = UserRow
    table = table_of(User)
    natural_key = NaturalKey(("email",), case_insensitive=True)
    keep_when_null = ("password_hash",)

    def __init__(self) -> None:
        self._hashes: dict[str, str] = {}

    def identity(self, raw: Mapping[str, Any]) -> list[object]:
        return [raw.get("external_id"), raw.get("email")]

    async def prepare(
        self, conn: AsyncConnection, ctx: ImportContext, rows: Sequence[UserRow]
    ) -> None:
        with_password = [row for row in rows if row.password is not None]
        if not with_password:
            return
        result = await conn.execute(
            select(self.table.c.external_id, self.table.c.password_hash).where(
                self.table.c.org_id == ctx.org_id,
                self.table.c.external_id
                == any_(text_array([row.external_id for row in with_password])),
            )
        )
        stored: dict[str, str | None] = {ext: hashed for ext, hashed in result}
        for row in with_password:
            assert row.password is not None
            password = row.password.get_secret_value()
            current = stored.get(row.external_id)
            if current is None or not await asyncio.to_thread(verify_password, current, password):
                self._hashes[row.external_id] = await asyncio.to_thread(hash_password, password)

    def values(self, row: UserRow, refs: Resolved) -> dict[str, Any]:
        return with_custom(
            row,
            {
                "email": row.email.lower(),
                "name": row.name,
                "role": row.role,
                "is_active": row.is_active,
                "sso_subject": row.sso_subject,
                "password_hash": self._hashes.get(row.external_id),
            },
        )


class TeamSpec(RecordSpec[TeamRow]):
    file = "teams.jsonl"
    kind = "team"
    model = TeamRow
    table = table_of(Team)
    natural_key = NaturalKey(("name",))
    children = (ChildTable("members", table_of(TeamMember), "team_id", ("user_id",)),)

    def refs(self, row: TeamRow) -> list[Ref]:
        return list_refs("members", "user", row.members)

    def values(self, row: TeamRow, refs: Resolved) -> dict[str, Any]:
        return with_custom(row, {"name": row.name})

    def members(self, row: TeamRow, refs: Resolved) -> dict[str, ChildRows]:
        return {"members": list_members(refs, "members", len(row.members))}


class AccountSpec(RecordSpec[AccountRow]):
    file = "accounts.jsonl"
    kind = "account"
    model = AccountRow
    table = table_of(Account)
    canonical = ("industry", "lifecycle_stage")
    children = (
        ChildTable(
            "account_team", table_of(AccountTeamMember), "account_id", ("user_id",), ("role",)
        ),
    )

    def refs(self, row: AccountRow) -> list[Ref]:
        return [
            *optional_ref("owner", "user", row.owner),
            *optional_ref("team", "team", row.team),
            *(
                Ref(f"account_team[{i}].user", "user", e.user)
                for i, e in enumerate(row.account_team)
            ),
        ]

    def values(self, row: AccountRow, refs: Resolved) -> dict[str, Any]:
        return referencing(row, refs, "owner", "team", lists=("account_team",))

    def members(self, row: AccountRow, refs: Resolved) -> dict[str, ChildRows]:
        team: ChildRows = {}
        for index, entry in enumerate(row.account_team):
            team[(refs.target(f"account_team[{index}].user").id,)] = (entry.role,)
        return {"account_team": team}


class PersonSpec(RecordSpec[PersonRow]):
    file = "people.jsonl"
    kind = "person"
    model = PersonRow
    table = table_of(Person)
    canonical = ("persona",)

    def refs(self, row: PersonRow) -> list[Ref]:
        return [Ref("account", "account", row.account)]

    def values(self, row: PersonRow, refs: Resolved) -> dict[str, Any]:
        return referencing(row, refs, "account")


class OpportunitySpec(RecordSpec[OpportunityRow]):
    file = "opportunities.jsonl"
    kind = "opportunity"
    model = OpportunityRow
    table = table_of(Opportunity)
    canonical = ("stage",)

    def refs(self, row: OpportunityRow) -> list[Ref]:
        return [Ref("account", "account", row.account), *optional_ref("owner", "user", row.owner)]

    def values(self, row: OpportunityRow, refs: Resolved) -> dict[str, Any]:
        return referencing(row, refs, "account", "owner")


class OpportunityStageChangeSpec(RecordSpec[OpportunityStageChangeRow]):
    """A stage move; its account is the opportunity's, so it follows the opportunity."""

    file = "opportunity_stage_changes.jsonl"
    kind = "opportunity_stage_change"
    model = OpportunityStageChangeRow
    table = table_of(OpportunityStageChange)
    canonical = ("from_stage", "to_stage")
    spelt_as = (table_of(Opportunity).c.stage,)

    def event_time(self, row: OpportunityStageChangeRow) -> datetime | None:
        return row.changed_at

    def refs(self, row: OpportunityStageChangeRow) -> list[Ref]:
        return [
            Ref("opportunity", "opportunity", row.opportunity),
            *optional_ref("changed_by", "user", row.changed_by),
        ]

    def values(self, row: OpportunityStageChangeRow, refs: Resolved) -> dict[str, Any]:
        opportunity = refs.target("opportunity")
        return with_custom(
            row,
            {
                "opportunity_id": opportunity.id,
                "account_id": opportunity.account_id,
                "from_stage": row.from_stage,
                "to_stage": row.to_stage,
                "changed_at": row.changed_at,
                "changed_by_id": refs.id("changed_by"),
            },
        )
