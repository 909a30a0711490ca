"""Scale presets: how many of each thing the demo workspace holds.

Counts are totals across both demo orgs (the restricted org gets :data:`RESTRICTED_SHARE` of the
accounts); per-account rates are means, scaled up for bigger customers. The large preset matches
SPEC §7 (≥ 50k accounts, 500k people, 2M activities, 100k transcript chunks).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Scale = Literal["small", "medium", "large"]

#: Share of the accounts that belong to the restricted org (the one visibility rules matter in).
RESTRICTED_SHARE = 0.6


@dataclass(frozen=True, slots=True)
class Preset:
    """Sizes for one scale. Rates are per account unless named otherwise."""

    name: Scale
    accounts: int
    reps_per_org: int
    people: float
    activities: float
    opportunities: float
    tickets: float
    tasks: float
    transcripts: float
    #: Account-less (internal) tasks, projects and transcripts per org.
    internal_items: int
    #: Distinct wordings prepared per transcript exchange template. The embedding work is
    #: bounded by templates x this number, however many transcripts are built.
    wordings_per_exchange: int
    usage_days: int
    tracked_people: int
    features: int
    #: Accounts generated and written per batch (bounds memory at every scale).
    batch_accounts: int


PRESETS: dict[Scale, Preset] = {
    "small": Preset(
        name="small",
        accounts=120,
        reps_per_org=6,
        people=4.0,
        activities=12.0,
        opportunities=2.5,
        tickets=2.5,
        tasks=2.0,
        transcripts=0.6,
        internal_items=6,
        wordings_per_exchange=6,
        usage_days=90,
        tracked_people=3,
        features=6,
        batch_accounts=200,
    ),
    "medium": Preset(
        name="medium",
        accounts=5_000,
        reps_per_org=20,
        people=8.0,
        activities=20.0,
        opportunities=3.0,
        tickets=3.0,
        tasks=2.0,
        transcripts=0.25,
        internal_items=40,
        wordings_per_exchange=40,
        usage_days=90,
        tracked_people=2,
        features=5,
        batch_accounts=500,
    ),
    "large": Preset(
        name="large",
        accounts=50_000,
        reps_per_org=60,
        # Rates sit a little above SPEC's totals / 50k: prospects get fewer people and activities.
        people=11.0,
        activities=45.0,
        opportunities=3.0,
        tickets=4.0,
        tasks=2.0,
        # About six chunks per meeting: 0.35 x 50k accounts gives the 100k chunks SPEC asks for.
        transcripts=0.35,
        internal_items=200,
        wordings_per_exchange=250,
        usage_days=90,
        tracked_people=1,
        features=3,
        batch_accounts=1_000,
    ),
}
