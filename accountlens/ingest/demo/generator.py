"""Row generation for one org, in batches of accounts. Pure and deterministic: no I/O.

The same seed, anchor date and preset always give the same rows, whatever the batch size,
because every account draws from streams named after its own position (see ``rand``). The
only state carried between batches is the set of company names already used.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from accountlens.ingest.demo.accounts import add_account, profile_account
from accountlens.ingest.demo.cast import OrgContext
from accountlens.ingest.demo.contracts import add_contracts
from accountlens.ingest.demo.engagement import add_activities, add_tickets
from accountlens.ingest.demo.meetings import (
    ChunkBacklog,
    add_account_meetings,
    add_internal_meetings,
    add_kb_articles,
)
from accountlens.ingest.demo.people import add_people, plan_people
from accountlens.ingest.demo.pipeline import add_opportunities
from accountlens.ingest.demo.properties import add_definitions
from accountlens.ingest.demo.transcripts import PassagePool
from accountlens.ingest.demo.usage import UsageCalendar, add_usage
from accountlens.ingest.demo.work import add_account_work, add_internal_work
from accountlens.ingest.demo.writer import Batch


@dataclass
class OrgGenerator:
    """Produces one org's rows: the frame (definitions, internal work, KB), then accounts."""

    ctx: OrgContext
    pool: PassagePool
    backlog: ChunkBacklog
    used_names: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.calendar = UsageCalendar(self.ctx.anchor, self.ctx.preset.usage_days)

    def frame(self, out: Batch) -> None:
        """Property definitions, custom object types, groups and the account-less records."""
        add_definitions(self.ctx, out)
        add_internal_work(self.ctx, out)
        add_internal_meetings(self.ctx, self.pool, out, self.backlog)
        add_kb_articles(self.ctx, self.pool.texts, out, self.backlog)

    def accounts(self, start: int, stop: int) -> Batch:
        """Accounts ``start`` to ``stop - 1`` with everything attached to them."""
        ctx, out = self.ctx, Batch()
        for index in range(start, stop):
            account = profile_account(ctx, index, self.used_names)
            plan_people(ctx, account)
            add_account(ctx, account, out)
            last_contacted = add_activities(ctx, account, out)
            add_people(ctx, account, last_contacted, out)
            add_opportunities(ctx, account, out)
            add_tickets(ctx, account, out)
            add_contracts(ctx, account, out)
            add_account_work(ctx, account, out)
            add_usage(ctx, account, self.calendar, out)
            add_account_meetings(ctx, account, self.pool, out, self.backlog)
        return out

    def batches(self) -> Iterator[tuple[int, int]]:
        """``(start, stop)`` account ranges of the preset's batch size."""
        size = self.ctx.preset.batch_accounts
        for start in range(0, self.ctx.account_count, size):
            yield start, min(start + size, self.ctx.account_count)
