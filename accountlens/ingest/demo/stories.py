"""Hand-written accounts: the customers the SPEC's example questions ask about.

A story pins what matters for a demo conversation (Acme Corp is at risk with a busy last month,
Globex has champions and an open expansion) and leaves the rest to the generator. The restricted
org's narrow-book member owns Acme Corp, Hooli Health and Pied Piper Data and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True, slots=True)
class Deal:
    type: str
    stage: str
    amount: int
    days_to_close: int


@dataclass(frozen=True, slots=True)
class Story:
    #: A named user's key (see ``cast.ORGS``), or None for a generated rep of ``team``.
    owner: str | None
    team: str | None
    lifecycle: str
    health: int | None
    trend: str | None
    employees: int
    seats: int
    seat_price: int
    renewal_in_days: int | None
    segments: tuple[str, ...]
    champions: int = 1
    #: Named users to put on the account team (beyond one generated rep).
    account_team: tuple[str, ...] = ()
    #: Named users who must never be on the account team (keeps their book as described).
    never_on_team: tuple[str, ...] = ()
    open_deals: tuple[Deal, ...] = ()
    #: (days ago, topics) of meetings that must exist.
    meetings: tuple[tuple[int, tuple[str, ...]], ...] = ()
    #: Add the scripted "last 30 days" activities.
    busy_month: bool = False


_NOT_ALAN = ("account_team",)

STORIES: Final[dict[tuple[str, str], Story]] = {
    ("northwind", "Acme Corp"): Story(
        owner="narrow", team="Enterprise", lifecycle="customer", health=34, trend="down",
        employees=4200, seats=350, seat_price=816, renewal_in_days=55,
        segments=("At Risk",), champions=2, never_on_team=_NOT_ALAN,
        open_deals=(Deal("renewal", "Negotiation", 285_600, 20),),
        meetings=((4, ("executive_escalation", "budget_cuts")),
                  (19, ("renewal_risk", "pricing_pushback"))),
        busy_month=True,
    ),
    ("northwind", "Globex"): Story(
        owner=None, team="Strategic", lifecycle="customer", health=84, trend="up",
        employees=12_500, seats=900, seat_price=780, renewal_in_days=210,
        segments=("Strategic", "Expansion Candidates"), champions=3,
        account_team=("account_team",),
        open_deals=(Deal("expansion", "Proposal", 156_000, 25),
                    Deal("renewal", "Discovery", 702_000, 210)),
        meetings=((10, ("expansion_interest", "feature_request")),),
    ),
    ("northwind", "Hooli Health"): Story(
        owner="narrow", team=None, lifecycle="onboarding", health=61, trend="flat",
        employees=800, seats=120, seat_price=600, renewal_in_days=300,
        segments=(), never_on_team=_NOT_ALAN,
        meetings=((7, ("onboarding_trouble",)),),
    ),
    ("northwind", "Pied Piper Data"): Story(
        owner="narrow", team=None, lifecycle="prospect", health=None, trend=None,
        employees=90, seats=0, seat_price=0, renewal_in_days=None, segments=(),
        never_on_team=_NOT_ALAN,
        open_deals=(Deal("new", "Qualification", 42_000, 40),),
    ),
    ("contoso", "Acme Corp"): Story(
        owner=None, team="Strategic", lifecycle="customer", health=77, trend="flat",
        employees=3900, seats=400, seat_price=690, renewal_in_days=140,
        segments=("Strategic",), champions=1,
    ),
    ("contoso", "Globex"): Story(
        owner=None, team="Enterprise", lifecycle="customer", health=39, trend="down",
        employees=11_000, seats=260, seat_price=540, renewal_in_days=70,
        segments=("At Risk",), champions=1,
        meetings=((6, ("champion_leaving", "renewal_risk")),),
    ),
    ("contoso", "Initech"): Story(
        owner="team", team="Mid-Market", lifecycle="customer", health=81, trend="up",
        employees=640, seats=85, seat_price=480, renewal_in_days=95,
        segments=("Expansion Candidates",), champions=2,
        open_deals=(Deal("expansion", "Negotiation", 64_000, 15),),
    ),
    ("contoso", "Vandelay Industries"): Story(
        owner=None, team="Mid-Market", lifecycle="onboarding", health=58, trend="flat",
        employees=310, seats=60, seat_price=420, renewal_in_days=330, segments=(),
    ),
}  # fmt: skip

#: The "last 30 days" at Acme Corp: (days ago, kind, subject, body).
BUSY_MONTH: Final[tuple[tuple[int, str, str, str], ...]] = (
    (2, "email", "Re: remediation plan and dates",
     "Sent the written recovery plan the VP asked for; they want a daily status until the "
     "reporting outages stop."),
    (4, "meeting", "Executive escalation: reporting outages",
     "Their VP Operations joined. Two outages last week hit month-end reporting; trust is low and "
     "they mentioned SLA credits."),
    (8, "call", "Call with finance about the renewal budget",
     "Finance has been told to cut tool spend; they asked for a smaller seat count and a value "
     "summary before renewal."),
    (11, "note", "Internal note: champion may be leaving",
     "Our main champion hinted she is interviewing elsewhere; need a second sponsor quickly."),
    (14, "email", "Renewal quote and seat options",
     "Shared the renewal quote with a right-sized option at 280 seats and a two-year term."),
    (19, "meeting", "Renewal check-in",
     "Walked through usage by team. Adoption outside analytics is low; they are comparing us with "
     "Brightline."),
    (24, "call", "Check-in on SSO failures",
     "Some users still cannot sign in through SSO; engineering is on it, ticket escalated."),
    (27, "note", "Competitor evaluation under way",
     "Procurement started a formal comparison with Brightline; decision expected before renewal."),
)  # fmt: skip
