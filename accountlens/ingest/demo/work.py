"""Internal work: tasks with comment threads, projects, and custom-object records.

Each comes in two flavours: attached to an account (visible with the account) and account-less
(visible to the people involved, or, for custom objects, to everyone). The account-less kind is
handed out across the org's users, named demo users included, so each of them has some.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from decimal import Decimal

from accountlens.ingest.demo.accounts import AccountProfile
from accountlens.ingest.demo.cast import OrgContext, UserInfo
from accountlens.ingest.demo.corpus import SLOTS
from accountlens.ingest.demo.properties import INTEGRATION_STATUSES, RISK_LEVELS
from accountlens.ingest.demo.rand import count_around, new_id, weighted
from accountlens.ingest.demo.transcripts import realise
from accountlens.ingest.demo.vocab import FEATURES, INTEGRATIONS
from accountlens.ingest.demo.writer import Batch

ACCOUNT_TASKS = (
    "Send renewal quote", "Schedule the QBR", "Follow up on the ticket backlog",
    "Prepare a value summary for finance", "Introduce the solutions engineer",
    "Review the usage dip with the champion", "Draft the success plan",
    "Confirm seat count for the renewal", "Set up an executive sponsor meeting",
    "Share {feature} best practices", "Chase the signed order form",
    "Book {integration} integration workshop",
)  # fmt: skip
INTERNAL_TASKS = (
    "Update the renewal forecast", "Refresh the QBR deck template",
    "Review churn retrospective notes", "Clean up stale opportunities",
    "Prepare onboarding training", "Write handover notes for the new hire",
    "Audit account ownership", "Plan the customer advisory board",
)  # fmt: skip
COMMENTS = (
    "Left a voicemail, will try again Thursday.", "Sent the draft, waiting on feedback.",
    "Blocked until finance signs off.", "Done - notes are in the account timeline.",
    "Pushed to next week; the customer asked to reschedule.",
    "Looped in the solutions engineer.", "Customer confirmed the new date.",
    "Can you take a look before I send it?", "Updated the numbers with last month's usage.",
)  # fmt: skip
INTERNAL_PROJECTS = (
    "Renewal playbook refresh", "Health score model v2", "CS tooling consolidation",
    "Customer advisory board", "Churn analysis", "Onboarding curriculum rewrite",
)  # fmt: skip
RISK_DRIVERS = (
    "Champion left; no executive sponsor.", "Usage down sharply over the last quarter.",
    "Budget freeze announced by finance.", "Evaluating a competitor.",
    "Repeated outages eroded trust.", "Price increase pushback from procurement.",
)  # fmt: skip


def _task(
    ctx: OrgContext, rng: random.Random, out: Batch, *, title: str, account: AccountProfile | None,
    assignee: UserInfo, creator: UserInfo, people: list[UserInfo], earliest: datetime,
) -> None:  # fmt: skip
    created = max(
        earliest, ctx.now - timedelta(days=rng.randrange(1, 180), minutes=rng.randrange(1440))
    )
    status = weighted(rng, [("open", 4), ("in_progress", 2), ("done", 5), ("cancelled", 0.5)])
    due = (created + timedelta(days=rng.randrange(2, 45))).date()
    completed = None
    if status == "done":
        completed = min(
            ctx.now - timedelta(minutes=10), created + timedelta(days=rng.randrange(1, 30))
        )
    task_id = new_id(rng)
    out.record(
        "tasks",
        ctx.id,
        task_id,
        created,
        updated_at=completed or created,
        title=title,
        description=None if rng.random() < 0.5 else f"Context: {title.lower()}.",
        status=status,
        priority=weighted(rng, [("low", 2), ("medium", 5), ("high", 2), ("urgent", 0.5)]),
        due_date=due,
        completed_at=completed,
        account_id=account.id if account else None,
        assignee_id=assignee.id,
        creator_id=creator.id,
    )
    posted = created
    for _ in range(rng.choice((0, 0, 1, 2, 3))):
        posted = min(ctx.now - timedelta(minutes=1), posted + timedelta(hours=rng.randrange(1, 96)))
        out.record(
            "task_comments",
            ctx.id,
            new_id(rng),
            posted,
            task_id=task_id,
            author_id=rng.choice(people).id,
            body=rng.choice(COMMENTS),
            posted_at=posted,
        )


def _project(
    ctx: OrgContext, rng: random.Random, out: Batch, *, name: str, kind: str,
    account: AccountProfile | None, owner: UserInfo, members: list[UserInfo], earliest: datetime,
) -> None:  # fmt: skip
    start = max(earliest.date(), ctx.anchor - timedelta(days=rng.randrange(0, 240)))
    due = start + timedelta(days=rng.randrange(30, 150))
    status = (
        "completed"
        if due < ctx.anchor and rng.random() < 0.8
        else weighted(rng, [("planned", 1), ("active", 5), ("on_hold", 1)])
    )
    project_id = new_id(rng)
    created = datetime.combine(start, datetime.min.time(), tzinfo=ctx.now.tzinfo) - timedelta(
        days=3
    )
    out.record(
        "projects",
        ctx.id,
        project_id,
        created,
        name=name,
        kind=kind,
        status=status,
        start_date=start,
        due_date=due,
        account_id=account.id if account else None,
        owner_id=owner.id,
    )
    for member in {user.id: user for user in [owner, *members]}.values():
        out.add(
            "project_members", {"org_id": ctx.id, "project_id": project_id, "user_id": member.id}
        )


def _custom(
    ctx: OrgContext, rng: random.Random, out: Batch, *, key: str, name: str,
    account: AccountProfile | None, created: datetime, values: dict[str, object],
) -> None:  # fmt: skip
    out.record(
        "custom_object_instances",
        ctx.id,
        new_id(rng),
        created,
        custom=values,
        type_id=ctx.custom_type_ids[key],
        account_id=account.id if account else None,
        name=name,
    )


def _iso(day: date) -> str:
    return day.isoformat()


def add_account_work(ctx: OrgContext, account: AccountProfile, out: Batch) -> None:
    """Tasks, projects and custom-object records attached to one account."""
    rng = ctx.rng("account", account.index, "work")
    staff = account.staff
    slots = {name: rng.choice(values) for name, values in SLOTS.items()}
    for _ in range(count_around(rng, ctx.preset.tasks * account.weight)):
        _task(
            ctx,
            rng,
            out,
            title=realise(rng.choice(ACCOUNT_TASKS), rng, slots),
            account=account,
            assignee=rng.choice(staff),
            creator=rng.choice([account.owner, *ctx.users[:1]]),
            people=staff,
            earliest=account.created_at,
        )

    projects: list[tuple[str, str]] = []
    if account.lifecycle == "onboarding":
        projects.append((f"{account.name} onboarding", "onboarding"))
    if account.lifecycle == "customer" and rng.random() < 0.12:
        projects.append(
            (f"{account.name} {rng.choice(INTEGRATIONS)} implementation", "implementation")
        )
    if "Strategic" in account.segments:
        projects.append((f"{account.name} success plan {ctx.anchor.year}", "success_plan"))
    for name, kind in projects:
        _project(
            ctx,
            rng,
            out,
            name=name,
            kind=kind,
            account=account,
            owner=account.owner,
            members=account.account_team,
            earliest=account.created_at,
        )

    if account.situation == "at_risk" or (
        account.renewal is not None
        and 0 <= (account.renewal - ctx.anchor).days <= 120
        and rng.random() < 0.3
    ):
        assessed = ctx.anchor - timedelta(days=rng.randrange(1, 30))
        level = (
            rng.choice(RISK_LEVELS[2:])
            if account.situation == "at_risk"
            else rng.choice(RISK_LEVELS[:3])
        )
        share = Decimal(rng.randrange(30, 101)) / 100
        _custom(
            ctx,
            rng,
            out,
            key="renewal_risk",
            account=account,
            name=f"{account.name} renewal risk – {assessed:%b %Y}",
            created=datetime.combine(assessed, datetime.min.time(), tzinfo=ctx.now.tzinfo),
            values={
                "risk_level": level,
                "drivers": " ".join(rng.sample(RISK_DRIVERS, 2)),
                "arr_at_risk": float((account.arr or 0) * share),
                "assessed_on": _iso(assessed),
                "mitigation_plan": "Executive sponsor meeting, usage review, "
                "right-sized renewal offer.",
            },
        )
    if account.has_usage:
        for system in rng.sample(INTEGRATIONS, k=weighted(rng, [(0, 4), (1, 4), (2, 2)])):
            live = account.created_at.date() + timedelta(days=rng.randrange(5, 60))
            _custom(
                ctx,
                rng,
                out,
                key="integration",
                account=account,
                name=f"{system} integration – {account.name}",
                created=account.created_at,
                values={
                    "system": system,
                    "status": weighted(
                        rng, list(zip(INTEGRATION_STATUSES, (1, 1, 8, 1), strict=True))
                    ),
                    "feature": rng.choice(FEATURES),
                    "live_since": _iso(live),
                    "records_synced": rng.randrange(100, 500_000),
                },
            )


def add_internal_work(ctx: OrgContext, out: Batch) -> None:
    """Account-less tasks, projects and custom-object records, spread over the org's users."""
    rng = ctx.rng("internal-work")
    users = ctx.users
    for position in range(ctx.preset.internal_items):
        # Named users come first in ``users``, so each of them gets some of these.
        assignee = users[position % len(users)]
        creator = rng.choice(users)
        _task(
            ctx,
            rng,
            out,
            title=rng.choice(INTERNAL_TASKS),
            account=None,
            assignee=assignee,
            creator=creator,
            people=[assignee, creator],
            earliest=ctx.now - timedelta(days=365),
        )
    for position in range(max(2, ctx.preset.internal_items // 2)):
        owner = users[position % len(users)]
        members = rng.sample(users, k=min(len(users), 2))
        _project(
            ctx,
            rng,
            out,
            name=f"{INTERNAL_PROJECTS[position % len(INTERNAL_PROJECTS)]} {ctx.anchor.year}",
            kind="internal",
            account=None,
            owner=owner,
            members=members,
            earliest=ctx.now - timedelta(days=365),
        )
    for quarter in range(1, 3):
        _custom(
            ctx,
            rng,
            out,
            key="renewal_risk",
            account=None,
            name=f"Portfolio renewal risk review – Q{quarter}",
            created=ctx.now - timedelta(days=90 * quarter),
            values={
                "risk_level": "medium",
                "drivers": "Budget pressure across the mid-market book.",
                "arr_at_risk": float(rng.randrange(200_000, 900_000)),
                "assessed_on": _iso(ctx.anchor - timedelta(days=90 * quarter)),
                "mitigation_plan": "Weekly review of every at-risk renewal.",
            },
        )
    for system in INTEGRATIONS[:3]:
        _custom(
            ctx,
            rng,
            out,
            key="integration",
            account=None,
            name=f"Internal {system} sync",
            created=ctx.now - timedelta(days=400),
            values={
                "system": system,
                "status": "live",
                "feature": "integrations",
                "live_since": _iso(ctx.anchor - timedelta(days=400)),
                "records_synced": rng.randrange(10_000, 900_000),
            },
        )
