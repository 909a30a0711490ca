"""Small ``create_*`` helpers that insert exactly the rows a test needs.

Each takes the database and the fields that matter, fills the rest with plain defaults, and
returns the new id. Tests read as: given these rows, when this query runs, then that answer.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import insert
from sqlalchemy.dialects.postgresql import insert as pg_insert

from accountlens.auth.principal import Principal
from accountlens.db.engine import Database
from accountlens.db.models import (
    Account,
    AccountTeamMember,
    AccountUsageDaily,
    Activity,
    ChunkEmbedding,
    Contract,
    CustomObjectInstance,
    CustomObjectType,
    Document,
    DocumentChunk,
    DocumentParticipant,
    FeatureUsageDaily,
    Group,
    GroupMember,
    Opportunity,
    OpportunityStageChange,
    Org,
    Person,
    Project,
    ProjectMember,
    PropertyDefinition,
    Task,
    TaskComment,
    Team,
    TeamMember,
    Ticket,
    User,
    passage_hash,
)


async def _insert(db: Database, model: type[Any], **values: Any) -> uuid.UUID:
    values.setdefault("id", uuid.uuid4())
    async with db.sessions() as session, session.begin():
        await session.execute(insert(model).values(**values))
    new_id: uuid.UUID = values["id"]
    return new_id


async def create_org(db: Database, *, visibility: str = "restricted", tz: str = "UTC") -> uuid.UUID:
    org_id = uuid.uuid4()
    await _insert(
        db,
        Org,
        id=org_id,
        name=f"Org {org_id.hex[:6]}",
        slug=f"org-{org_id.hex[:8]}",
        account_visibility=visibility,
        timezone=tz,
    )
    return org_id


async def create_user(
    db: Database, org_id: uuid.UUID, *, role: str = "member", name: str = ""
) -> Principal:
    user_id = uuid.uuid4()
    name = name or f"User {user_id.hex[:6]}"
    email = f"{user_id.hex[:8]}@example.com"
    await _insert(db, User, id=user_id, org_id=org_id, email=email, name=name, role=role)
    return Principal(user_id=user_id, org_id=org_id, role=role, email=email, name=name)  # type: ignore[arg-type]


async def create_team(
    db: Database, org_id: uuid.UUID, *members: uuid.UUID, name: str = ""
) -> uuid.UUID:
    team_id = await _insert(db, Team, org_id=org_id, name=name or f"Team {uuid.uuid4().hex[:6]}")
    for user_id in members:
        await _insert_link(db, TeamMember, org_id=org_id, team_id=team_id, user_id=user_id)
    return team_id


async def _insert_link(db: Database, model: type[Any], **values: Any) -> None:
    async with db.sessions() as session, session.begin():
        await session.execute(insert(model).values(**values))


async def create_account(
    db: Database,
    org_id: uuid.UUID,
    name: str = "Acme Corp",
    *,
    owner: uuid.UUID | None = None,
    team: uuid.UUID | None = None,
    account_team: tuple[uuid.UUID, ...] = (),
    **fields: Any,
) -> uuid.UUID:
    account_id = await _insert(
        db, Account, org_id=org_id, name=name, owner_id=owner, team_id=team, **fields
    )
    for user_id in account_team:
        await _insert_link(
            db, AccountTeamMember, org_id=org_id, account_id=account_id, user_id=user_id, role="csm"
        )
    return account_id


async def create_person(
    db: Database, org_id: uuid.UUID, account_id: uuid.UUID, name: str = "Pat Doe", **fields: Any
) -> uuid.UUID:
    return await _insert(db, Person, org_id=org_id, account_id=account_id, name=name, **fields)


async def create_opportunity(
    db: Database,
    org_id: uuid.UUID,
    account_id: uuid.UUID,
    name: str = "Deal",
    *,
    amount: int = 10_000,
    stage_category: str = "open",
    close_date: date | None = None,
    **fields: Any,
) -> uuid.UUID:
    return await _insert(
        db,
        Opportunity,
        org_id=org_id,
        account_id=account_id,
        name=name,
        stage=fields.pop("stage", "Discovery"),
        stage_category=stage_category,
        amount=Decimal(amount),
        close_date=close_date,
        **fields,
    )


async def create_stage_change(
    db: Database, org_id: uuid.UUID, opportunity_id: uuid.UUID, account_id: uuid.UUID, at: datetime
) -> uuid.UUID:
    return await _insert(
        db,
        OpportunityStageChange,
        org_id=org_id,
        opportunity_id=opportunity_id,
        account_id=account_id,
        from_stage="Discovery",
        to_stage="Proposal",
        changed_at=at,
    )


async def create_task(
    db: Database,
    org_id: uuid.UUID,
    title: str = "Follow up",
    *,
    account_id: uuid.UUID | None = None,
    assignee: uuid.UUID | None = None,
    creator: uuid.UUID | None = None,
    **fields: Any,
) -> uuid.UUID:
    return await _insert(
        db,
        Task,
        org_id=org_id,
        title=title,
        status=fields.pop("status", "open"),
        priority=fields.pop("priority", "medium"),
        account_id=account_id,
        assignee_id=assignee,
        creator_id=creator,
        **fields,
    )


async def create_comment(
    db: Database, org_id: uuid.UUID, task_id: uuid.UUID, body: str, at: datetime
) -> uuid.UUID:
    return await _insert(db, TaskComment, org_id=org_id, task_id=task_id, body=body, posted_at=at)


async def create_activity(
    db: Database,
    org_id: uuid.UUID,
    account_id: uuid.UUID,
    subject: str,
    at: datetime,
    **fields: Any,
) -> uuid.UUID:
    values = {"kind": "email", **fields, "subject": subject, "occurred_at": at}
    return await _insert(db, Activity, org_id=org_id, account_id=account_id, **values)


async def create_ticket(
    db: Database,
    org_id: uuid.UUID,
    account_id: uuid.UUID,
    subject: str,
    at: datetime,
    **fields: Any,
) -> uuid.UUID:
    values = {"status": "open", **fields, "subject": subject, "opened_at": at}
    return await _insert(db, Ticket, org_id=org_id, account_id=account_id, **values)


async def create_contract(
    db: Database,
    org_id: uuid.UUID,
    account_id: uuid.UUID,
    name: str,
    start: date,
    **fields: Any,
) -> uuid.UUID:
    values = {"status": "active", **fields, "name": name, "start_date": start}
    return await _insert(db, Contract, org_id=org_id, account_id=account_id, **values)


async def create_project(
    db: Database,
    org_id: uuid.UUID,
    name: str = "Onboarding",
    *,
    account_id: uuid.UUID | None = None,
    owner: uuid.UUID | None = None,
    members: tuple[uuid.UUID, ...] = (),
) -> uuid.UUID:
    project_id = await _insert(
        db,
        Project,
        org_id=org_id,
        name=name,
        kind="onboarding",
        status="active",
        account_id=account_id,
        owner_id=owner,
    )
    for user_id in members:
        await _insert_link(db, ProjectMember, org_id=org_id, project_id=project_id, user_id=user_id)
    return project_id


async def create_group(
    db: Database,
    org_id: uuid.UUID,
    name: str,
    *,
    member_type: str = "account",
    kind: str = "segment",
    members: tuple[uuid.UUID, ...] = (),
) -> uuid.UUID:
    group_id = await _insert(
        db, Group, org_id=org_id, name=name, kind=kind, member_type=member_type
    )
    column = "account_id" if member_type == "account" else "person_id"
    for member in members:
        await _insert(db, GroupMember, org_id=org_id, group_id=group_id, **{column: member})
    return group_id


async def create_property(
    db: Database,
    org_id: uuid.UUID,
    object_type: str,
    key: str,
    data_type: str = "string",
    **fields: Any,
) -> uuid.UUID:
    return await _insert(
        db,
        PropertyDefinition,
        org_id=org_id,
        object_type=object_type,
        key=key,
        label=fields.pop("label", key.replace("_", " ").title()),
        data_type=data_type,
        **fields,
    )


async def create_custom_type(db: Database, org_id: uuid.UUID, key: str, label: str) -> uuid.UUID:
    return await _insert(db, CustomObjectType, org_id=org_id, key=key, label=label)


async def create_custom_object(
    db: Database,
    org_id: uuid.UUID,
    type_id: uuid.UUID,
    name: str,
    *,
    account_id: uuid.UUID | None = None,
    custom: dict[str, Any] | None = None,
) -> uuid.UUID:
    return await _insert(
        db,
        CustomObjectInstance,
        org_id=org_id,
        type_id=type_id,
        name=name,
        account_id=account_id,
        custom=custom or {},
    )


async def create_document(
    db: Database,
    org_id: uuid.UUID,
    title: str,
    *,
    kind: str = "transcript",
    account_id: uuid.UUID | None = None,
    at: datetime | None = None,
    participants: tuple[uuid.UUID, ...] = (),
    chunks: tuple[tuple[str | None, str, list[float] | None], ...] = (),
) -> uuid.UUID:
    """A document with ``(speaker, text, embedding)`` chunks and user participants.

    A chunk's embedding is stored once per distinct text of the org, as the app stores it.
    """
    at = at or datetime(2025, 1, 15, tzinfo=UTC)
    document_id = await _insert(
        db,
        Document,
        org_id=org_id,
        kind=kind,
        title=title,
        account_id=account_id,
        occurred_at=at,
        body="\n".join(text for _, text, _ in chunks),
    )
    for user_id in participants:
        await _insert(
            db, DocumentParticipant, org_id=org_id, document_id=document_id, user_id=user_id
        )
    for ordinal, (speaker, text, embedding) in enumerate(chunks):
        key = None if embedding is None else passage_hash(text)
        if embedding is not None:
            async with db.sessions() as session, session.begin():
                await session.execute(
                    pg_insert(ChunkEmbedding)
                    .values(org_id=org_id, text_hash=key, embedding=embedding)
                    .on_conflict_do_nothing()
                )
        await _insert(
            db,
            DocumentChunk,
            org_id=org_id,
            document_id=document_id,
            ordinal=ordinal,
            kind=kind,
            account_id=account_id,
            occurred_at=at,
            speaker=speaker,
            start_seconds=ordinal * 30,
            text=text,
            text_hash=key,
        )
    return document_id


async def create_usage(
    db: Database,
    org_id: uuid.UUID,
    account_id: uuid.UUID,
    day: date,
    *,
    events: int,
    minutes: int = 0,
    active_users: int = 0,
    feature: str | None = None,
) -> None:
    if feature is None:
        await _insert_link(
            db,
            AccountUsageDaily,
            org_id=org_id,
            account_id=account_id,
            day=day,
            events=events,
            minutes=minutes,
            active_users=active_users,
            licensed_seats=50,
            active_seats=active_users,
        )
    else:
        await _insert_link(
            db,
            FeatureUsageDaily,
            org_id=org_id,
            account_id=account_id,
            feature=feature,
            day=day,
            events=events,
            minutes=minutes,
            active_users=active_users,
        )
