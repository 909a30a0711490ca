"""Customer contacts: who they are, what role they play in the deal, and the lists they are on.

Most customers have a champion, an economic buyer and a decision maker, then users, the odd
influencer and the odd detractor. Champions join the "Champions" list; the executives of
strategic accounts join "Executive Sponsors".
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta

from accountlens.ingest.demo.accounts import AccountProfile, PersonInfo
from accountlens.ingest.demo.cast import OrgContext
from accountlens.ingest.demo.properties import CHANNELS
from accountlens.ingest.demo.rand import count_around, new_id, weighted
from accountlens.ingest.demo.vocab import FIRST_NAMES, LAST_NAMES, TITLES_BY_PERSONA
from accountlens.ingest.demo.writer import Batch

_LATER_PERSONAS = [
    ("user", 60.0), ("influencer", 15.0), ("detractor", 10.0), ("champion", 10.0),
    ("decision_maker", 5.0),
]  # fmt: skip


def plan_people(ctx: OrgContext, account: AccountProfile) -> list[PersonInfo]:
    """Choose the account's contacts (stored on the profile for the other generators)."""
    rng = ctx.rng("account", account.index, "people")
    count = max(2, count_around(rng, ctx.preset.people * account.weight))
    if account.lifecycle == "prospect":
        count = max(2, count // 2)
    champions = account.story.champions if account.story is not None else 0
    people = []
    for position in range(count):
        if position < champions:
            persona = "champion"
        elif position == 0:
            persona = "champion" if rng.random() < 0.75 else "user"
        elif position == 1:
            persona = "economic_buyer"
        elif position == 2:
            persona = "decision_maker"
        else:
            persona = weighted(rng, _LATER_PERSONAS)
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        people.append(PersonInfo(new_id(rng), name, persona))
    account.people = people
    return people


def add_people(
    ctx: OrgContext,
    account: AccountProfile,
    last_contacted: Mapping[uuid.UUID, datetime],
    out: Batch,
) -> None:
    """Person rows (with when we last spoke to them) and their list memberships."""
    rng = ctx.rng("account", account.index, "people-rows")
    strategic = "Strategic" in account.segments
    for person in account.people:
        first, last = person.name.split(" ", 1)
        handle = f"{first}.{last}".lower()
        created = account.created_at + timedelta(hours=rng.randrange(1, 72))
        out.record(
            "people",
            ctx.id,
            person.id,
            created,
            updated_at=max(created, ctx.now - timedelta(days=rng.randrange(1, 90))),
            custom={
                "linkedin_url": f"https://linkedin.example/in/{handle}-{rng.randrange(16**4):04x}",
                "preferred_channel": rng.choice(CHANNELS),
            },
            account_id=account.id,
            name=person.name,
            email=f"{handle}@{account.domain}",
            title=rng.choice(TITLES_BY_PERSONA[person.persona]),
            persona=person.persona,
            phone=f"+1 555-01{rng.randrange(100):02d}",
            last_contacted_at=last_contacted.get(person.id),
        )
        lists = []
        if person.persona == "champion":
            lists.append("Champions")
        if person.persona in ("economic_buyer", "decision_maker") and (
            strategic or rng.random() < 0.05
        ):
            lists.append("Executive Sponsors")
        for name in lists:
            out.record(
                "group_members",
                ctx.id,
                new_id(rng),
                created + timedelta(days=2),
                group_id=ctx.group_ids[name],
                account_id=None,
                person_id=person.id,
            )
