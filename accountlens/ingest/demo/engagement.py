"""Activities (emails, calls, meetings, notes) with the contacts involved, and support tickets.

Activity is weighted towards recent months. At-risk accounts get a burst of recent, urgent
tickets, which is what "the latest tickets for accounts in the At Risk segment" should surface.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from accountlens.ingest.demo.accounts import AccountProfile
from accountlens.ingest.demo.cast import OrgContext
from accountlens.ingest.demo.corpus import SLOTS
from accountlens.ingest.demo.rand import count_around, new_id, stream, weighted
from accountlens.ingest.demo.stories import BUSY_MONTH
from accountlens.ingest.demo.transcripts import realise
from accountlens.ingest.demo.writer import Batch

SUBJECTS = {
    "email": ("Re: renewal paperwork", "Follow-up: action items from our call",
              "Re: invoice question", "Re: {feature} rollout plan", "Seat count for next term",
              "Re: SSO setup", "QBR deck attached", "Re: pricing for additional seats",
              "Quick question about {feature}", "Intro: our solutions engineer"),
    "call": ("Check-in call", "Call: renewal timeline", "Call: problems with {feature}",
             "Intro call with the new admin", "Call: budget review", "Call: {integration} sync"),
    "meeting": ("Quarterly business review", "Onboarding working session", "Roadmap preview",
                "Executive sync", "Training: {feature}", "Success plan review"),
    "note": ("Internal note: champion sentiment", "Note: {competitor} mentioned",
             "Note: budget freeze rumoured", "Note: usage dip in {dept}", "Account plan updated"),
}  # fmt: skip

BODIES = (
    "[Discussed|Went over|Reviewed] [adoption|usage] in {dept}; [they want|they asked for] "
    "[more training|a refresher session] on {feature}.",
    "[Customer|They] [raised|flagged] [concerns|questions] about the {integration} [sync|"
    "integration] and [asked for|wanted] a [timeline|fix date].",
    "[Agreed|Confirmed] next steps: [send|share] the [proposal|quote] and [book|schedule] a "
    "follow-up in {weeks} weeks.",
    "[They mentioned|It came up that] {competitor} [pitched them|reached out] [recently|last "
    "month]; [no|not an] immediate [threat|risk] but worth [watching|tracking].",
    "[Renewal|Contract] [timing|paperwork] [discussed|reviewed]; [procurement|legal] [needs|wants] "
    "the [security questionnaire|DPA] [first|before signing].",
    "[Positive|Good] [call|conversation]: {dept} [loves|is happy with] {feature} and [may|might] "
    "[add|need] {seats} more seats.",
    "[Left a voicemail|No answer]; [sent|followed up with] an email [instead|with the agenda].",
)  # fmt: skip

TICKETS = (
    ("SSO login fails for some users", "Users in {dept} get an error after the identity "
     "provider redirects back."),
    ("Dashboard export times out", "Exporting large dashboards to PDF fails after a minute."),
    ("{integration} sync stopped", "No records have synced from {integration} since yesterday."),
    ("Scheduled report not delivered", "The weekly report did not arrive for {dept}."),
    ("Invoice shows the wrong seat count", "Billing lists more seats than the contract."),
    ("API returns rate-limit errors", "Our nightly job gets 429 responses from the API."),
    ("Dashboards load slowly", "Dashboards take over 30 seconds to load in the morning."),
    ("Request: bulk user import", "We need to add {seats} users from a CSV file."),
    ("Data missing after migration", "Historical records before last year are missing."),
    ("Alert emails land in spam", "Alert notifications go to spam for {dept}."),
    ("Permission error when sharing reports", "Viewers cannot open reports shared with them."),
    ("Mobile app crashes on login", "The app closes right after sign-in on some phones."),
)  # fmt: skip

_KINDS = [("email", 45.0), ("call", 20.0), ("meeting", 20.0), ("note", 15.0)]
_PARTICIPANTS = {"email": (1, 2), "call": (1, 2), "meeting": (1, 4), "note": (0, 1)}


#: Realised wordings prepared per template; rows pick from these instead of realising their own.
_WORDINGS_PER_TEMPLATE = 40


def _slots(rng: random.Random) -> dict[str, str]:
    return {name: rng.choice(values) for name, values in SLOTS.items()}


@dataclass(frozen=True, slots=True)
class Phrasebook:
    """Ready-made subjects, body sentences and tickets, realised once per seed.

    Realising a template per row was the generator's hottest path at the large preset; a few
    thousand prepared wordings read just as varied.
    """

    subjects: dict[str, tuple[str, ...]]
    sentences: tuple[str, ...]
    tickets: tuple[tuple[str, str], ...]


def _realised(rng: random.Random, templates: tuple[str, ...]) -> tuple[str, ...]:
    wordings = (
        realise(template, rng, _slots(rng))
        for template in templates
        for _ in range(_WORDINGS_PER_TEMPLATE)
    )
    return tuple(dict.fromkeys(wordings))  # unique, in a reproducible order


@lru_cache(maxsize=8)
def phrasebook(seed: int) -> Phrasebook:
    rng = stream(seed, "phrasebook")
    tickets = []
    for subject, description in TICKETS:
        for _ in range(_WORDINGS_PER_TEMPLATE // 4):
            slots = _slots(rng)
            tickets.append((realise(subject, rng, slots), realise(description, rng, slots)))
    return Phrasebook(
        subjects={kind: _realised(rng, templates) for kind, templates in SUBJECTS.items()},
        sentences=_realised(rng, BODIES),
        tickets=tuple(dict.fromkeys(tickets)),
    )


def _when(
    rng: random.Random, ctx: OrgContext, account: AccountProfile, max_days: float
) -> datetime:
    """A working-hours moment in the past, more often recent than old."""
    span = min(max_days, (ctx.now - account.created_at).total_seconds() / 86400)
    at = ctx.now - timedelta(days=span * rng.random() ** 1.6)
    at = at.replace(
        hour=8 + rng.randrange(10), minute=rng.randrange(0, 60, 5), second=0, microsecond=0
    )
    return at if at < ctx.now else at - timedelta(days=1)


def add_activities(
    ctx: OrgContext, account: AccountProfile, out: Batch
) -> dict[uuid.UUID, datetime]:
    """Activities and their participants; returns when each contact was last involved."""
    rng = ctx.rng("account", account.index, "activities")
    count = count_around(rng, ctx.preset.activities * account.weight)
    if account.lifecycle == "prospect":
        count = max(1, int(count * 0.4))
    planned: list[tuple[str, str, str, datetime]] = []
    if account.story is not None and account.story.busy_month:
        for days_ago, kind, subject, body in BUSY_MONTH:
            at = ctx.now - timedelta(days=days_ago) + timedelta(hours=14)
            planned.append((kind, subject, body, at))
    phrases = phrasebook(ctx.seed)
    kinds = rng.choices([kind for kind, _ in _KINDS], [w for _, w in _KINDS], k=count)
    for kind in kinds:
        subject = rng.choice(phrases.subjects[kind])
        body = " ".join(rng.sample(phrases.sentences, rng.randrange(1, 3)))
        planned.append((kind, subject, body, _when(rng, ctx, account, 365)))

    last_contacted: dict[uuid.UUID, datetime] = {}
    for kind, subject, body, at in planned:
        activity_id = new_id(rng)
        user = rng.choice(account.staff)
        out.record(
            "activities",
            ctx.id,
            activity_id,
            at,
            kind=kind,
            subject=subject,
            body=body,
            occurred_at=at,
            account_id=account.id,
            user_id=user.id,
        )
        low, high = _PARTICIPANTS[kind]
        chosen = rng.sample(account.people, k=min(len(account.people), rng.randint(low, high)))
        for person in chosen:
            out.add(
                "activity_participants",
                {"org_id": ctx.id, "activity_id": activity_id, "person_id": person.id},
            )
            if kind != "note" and at > last_contacted.get(person.id, at - timedelta(1)):
                last_contacted[person.id] = at
    return last_contacted


def add_tickets(ctx: OrgContext, account: AccountProfile, out: Batch) -> None:
    """Support tickets; at-risk accounts always have a few recent, pressing ones."""
    if account.lifecycle == "prospect":
        return
    rng = ctx.rng("account", account.index, "tickets")
    plans = [(365.0, False)] * count_around(rng, ctx.preset.tickets * account.weight)
    if account.situation == "at_risk":
        plans += [(30.0, True)] * rng.randint(2, 4)
    requesters = [p for p in account.people if p.persona in ("user", "champion", "influencer")]
    for max_days, pressing in plans:
        opened = _when(rng, ctx, account, max_days)
        age_days = (ctx.now - opened).days
        if pressing or age_days < 14:
            status = weighted(rng, [("new", 2), ("open", 5), ("pending", 2), ("on_hold", 1)])
        else:
            status = weighted(rng, [("solved", 4), ("closed", 6), ("open", 1)])
        priority = weighted(
            rng,
            [("high", 5), ("urgent", 3), ("normal", 2)]
            if pressing
            else [("low", 3), ("normal", 5), ("high", 2), ("urgent", 0.5)],
        )
        closed = None
        if status in ("solved", "closed"):
            closed = min(
                ctx.now - timedelta(minutes=5), opened + timedelta(hours=rng.randrange(2, 24 * 20))
            )
        subject, description = rng.choice(phrasebook(ctx.seed).tickets)
        requester = rng.choice(requesters or account.people) if rng.random() < 0.95 else None
        out.record(
            "tickets",
            ctx.id,
            new_id(rng),
            opened,
            updated_at=closed or opened,
            account_id=account.id,
            requester_id=requester.id if requester else None,
            subject=subject,
            description=description,
            status=status,
            priority=priority,
            opened_at=opened,
            closed_at=closed,
        )
