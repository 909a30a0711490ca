"""The evaluation's queries and their graded relevance (0-3), written by hand.

A judgment names passage *labels* rather than chunk IDs: ``t:<topic>/<exchange>`` for a meeting
exchange, ``i:<topic>/<exchange>`` for an internal meeting, ``kb:<article title>/<paragraph>``
for a knowledge-base paragraph. A label without its ``/<n>`` covers every exchange or paragraph
of that topic or article. The demo generator knows each chunk's label (see ``labels.py``), so
the judgments survive a rebuild of the demo. Unnamed labels grade 0.

Most queries share no content words with the passages they should find (paraphrases); the
``trap`` queries share words with passages that are *not* relevant (a keyword distractor).
"""

from __future__ import annotations

from dataclasses import dataclass

PRICE_KB = "kb:Responding to pricing pushback"
BUDGET_KB = "kb:Playbook: handling budget objections at renewal"
CHAMPION_KB = "kb:Playbook: when your champion leaves"
RISK_KB = "kb:Recognising renewal risk early"
ESCALATION_KB = "kb:Executive escalations: what to do in the first 24 hours"
ONBOARDING_KB = "kb:Onboarding checklist for new customers"
SSO_KB = "kb:Configuring single sign-on"
EXPANSION_KB = "kb:Spotting expansion opportunities"
SEATS_KB = "kb:Understanding seat licensing and usage reports"
QBR_KB = "kb:Running a quarterly business review"
REQUESTS_KB = "kb:Handling feature requests"
EXPORTS_KB = "kb:Data exports and integrations"

#: The query whose top 5 a test checks (the issue's example of hybrid losing to vector).
TRAP_QUERY = "customer worried the cost goes up when they renew"


@dataclass(frozen=True, slots=True)
class Query:
    text: str
    grades: dict[str, int]
    kind: str = "paraphrase"  # paraphrase | trap | account | date
    #: Account-scoped: the topic whose most-discussed visible account the search is scoped to.
    account_topic: str | None = None
    since: str | None = None
    until: str | None = None


def _g(
    text: str,
    grades: dict[str, int],
    kind: str = "paraphrase",
    *,
    account_topic: str | None = None,
    since: str | None = None,
    until: str | None = None,
) -> Query:
    return Query(text, grades, kind, account_topic, since, until)


QUERIES: tuple[Query, ...] = (
    # -- renewal risk
    _g("the client might not sign with us again",
       {"t:renewal_risk/0": 3, "t:renewal_risk/2": 3, "t:renewal_risk/1": 2, RISK_KB: 2}),
    _g("they are comparing us against another vendor",
       {"t:renewal_risk/1": 3, "t:pricing_pushback/0": 1, f"{RISK_KB}/1": 2}),
    _g("leadership doubts the product is worth keeping",
       {"t:renewal_risk/0": 3, "t:renewal_risk/2": 2}),
    _g("the executive wants adoption to improve within weeks or the deal ends",
       {"t:renewal_risk/2": 3, "t:renewal_risk/0": 1}),
    _g("warning signs that an account is about to churn",
       {RISK_KB: 3, f"{CHAMPION_KB}/0": 2, "t:renewal_risk": 1, "i:churn_review": 2}),
    # -- budget cuts
    _g("money is tight on their side",
       {"t:budget_cuts": 3, f"{BUDGET_KB}/0": 3, BUDGET_KB: 2}),
    _g("the CFO must approve every purchase now",
       {"t:budget_cuts/1": 3, "t:budget_cuts/0": 1, f"{BUDGET_KB}/2": 1}),
    _g("they were ordered to lower what they pay suppliers by a percentage",
       {"t:budget_cuts/0": 3, f"{BUDGET_KB}/0": 2}),
    _g("no new hires so fewer licences",
       {"t:budget_cuts/0": 3, f"{BUDGET_KB}/0": 1}),
    _g("discretionary purchases are on hold for months",
       {"t:budget_cuts": 3, f"{BUDGET_KB}/3": 2}),
    # -- pricing pushback
    _g("the quote is too expensive for them",
       {"t:pricing_pushback": 3, PRICE_KB: 2}),
    _g("a rival offered them a lower number",
       {"t:pricing_pushback/0": 3, "t:renewal_risk/1": 1, f"{PRICE_KB}/0": 1}),
    _g("they want a reduction before they will sign",
       {"t:pricing_pushback/1": 3, "t:pricing_pushback/0": 2, f"{PRICE_KB}/2": 2}),
    _g("commit for several years to bring the yearly bill down",
       {f"{PRICE_KB}/1": 3, "t:pricing_pushback/0": 2}),
    # -- champion leaving
    _g("our main contact is quitting", {"t:champion_leaving/0": 3, CHAMPION_KB: 2,
                                        "t:champion_leaving/1": 1}),
    _g("nobody has been chosen to take over from the person who is going",
       {"t:champion_leaving/1": 3, f"{CHAMPION_KB}/2": 2, "t:champion_leaving/0": 1}),
    _g("hand-over plan when the sponsor departs",
       {CHAMPION_KB: 3, "t:champion_leaving/1": 2, "t:champion_leaving/0": 1}),
    # -- feature requests
    _g("they keep asking for a capability we lack",
       {"t:feature_request/0": 3, REQUESTS_KB: 2}),
    _g("the team does the work in Excel instead",
       {"t:feature_request/1": 3}),
    _g("staff copy numbers across systems by hand every week",
       {"t:feature_request/1": 3, f"{REQUESTS_KB}/1": 1, f"{EXPORTS_KB}/0": 1}),
    _g("when will product build what they want", {"t:feature_request/0": 3, REQUESTS_KB: 2}),
    # -- onboarding trouble
    _g("the go-live date keeps moving out", {"t:onboarding_trouble/0": 3}),
    _g("people cannot get in through their identity provider",
       {"t:onboarding_trouble/1": 3, f"{SSO_KB}/1": 3, SSO_KB: 2}),
    _g("old records never got moved over", {"t:onboarding_trouble/1": 3, f"{ONBOARDING_KB}/1": 2}),
    _g("what a brand-new customer should do in the first month",
       {ONBOARDING_KB: 3, "t:onboarding_trouble": 1}),
    # -- executive escalation
    _g("an angry senior leader after the service went down",
       {"t:executive_escalation/0": 3, "t:executive_escalation/1": 2, ESCALATION_KB: 2}),
    _g("they threatened lawyers or contractual credits",
       {"t:executive_escalation/1": 3}),
    _g("what to do on day one when a complaint reaches the C-suite",
       {ESCALATION_KB: 3, "t:executive_escalation": 1}),
    # -- expansion
    _g("another group in the company wants in", {"t:expansion_interest/0": 3, EXPANSION_KB: 2}),
    _g("they will soon use up every licence they bought",
       {"t:expansion_interest/0": 3, f"{EXPANSION_KB}/0": 2}),
    _g("rolling it out everywhere if the trial succeeds",
       {"t:expansion_interest/1": 3, f"{EXPANSION_KB}/1": 2}),
    _g("cheaper per unit when buying in bulk",
       {f"{EXPANSION_KB}/2": 3, "t:expansion_interest/1": 2}),
    # -- knowledge base only
    _g("difference between paid users and those who actually sign in",
       {f"{SEATS_KB}/0": 3, SEATS_KB: 1}),
    _g("how to prepare the quarterly meeting with the customer", {QBR_KB: 3}),
    _g("who should attend the business review", {f"{QBR_KB}/1": 3, QBR_KB: 1}),
    _g("files delivered to cloud buckets every day", {f"{EXPORTS_KB}/0": 3}),
    _g("a connector that stopped syncing turns red", {f"{EXPORTS_KB}/1": 3}),
    _g("an out-of-date cert breaks people's logins",
       {f"{SSO_KB}/1": 3, "t:onboarding_trouble/1": 1}),
    _g("create accounts automatically for new employees the first time they log on",
       {f"{SSO_KB}/2": 3}),
    # -- internal meetings
    _g("deals that were pushed back to a later quarter", {"i:pipeline_review": 3}),
    _g("why have we been losing customers lately", {"i:churn_review": 3, RISK_KB: 1}),
    # -- keyword traps: shared words point at the wrong passages
    _g(TRAP_QUERY, {"t:pricing_pushback": 3, "t:renewal_risk/0": 2, PRICE_KB: 2,
                 f"{BUDGET_KB}/1": 1, f"{RISK_KB}/1": 1}, "trap"),
    _g("the renewal of their login certificate lapsed",
       {f"{SSO_KB}/1": 3, "t:onboarding_trouble/1": 1}, "trap"),
    _g("a report explaining why the outage happened",
       {"t:executive_escalation/0": 3, f"{ESCALATION_KB}/2": 3}, "trap"),
    _g("usage is falling week after week",
       {f"{RISK_KB}/0": 3, "t:renewal_risk/2": 2, f"{CHAMPION_KB}/0": 1}, "trap"),
    _g("the seats question: they want to pay for fewer people",
       {"t:budget_cuts/0": 3, f"{BUDGET_KB}/1": 3, "t:pricing_pushback/0": 2}, "trap"),
    _g("a weekly check-in with their leadership until things are fixed",
       {"t:executive_escalation/0": 3, f"{ESCALATION_KB}/1": 3}, "trap"),
    _g("our champion wants to expand to the whole company",
       {"t:expansion_interest": 3, EXPANSION_KB: 2}, "trap"),
    _g("integration request: they want data in their warehouse",
       {"t:feature_request": 3, EXPORTS_KB: 2, REQUESTS_KB: 1}, "trap"),
    _g("training new admins for the renewal team",
       {f"{ONBOARDING_KB}/1": 3, "t:onboarding_trouble/0": 2}, "trap"),
    _g("the price of losing the account when the champion leaves",
       {"t:champion_leaving": 3, CHAMPION_KB: 3}, "trap"),
    # -- account-scoped: scoped to the visible account that discusses the topic most
    _g("what did they say about money", {"t:budget_cuts": 3, "t:pricing_pushback": 2},
       "account", account_topic="budget_cuts"),
    _g("are they thinking of leaving us", {"t:renewal_risk": 3}, "account",
       account_topic="renewal_risk"),
    _g("complaints about downtime", {"t:executive_escalation": 3}, "account",
       account_topic="executive_escalation"),
    _g("plans to grow their footprint", {"t:expansion_interest": 3}, "account",
       account_topic="expansion_interest"),
    _g("trouble getting started", {"t:onboarding_trouble": 3}, "account",
       account_topic="onboarding_trouble"),
    _g("who replaces our contact there", {"t:champion_leaving": 3}, "account",
       account_topic="champion_leaving"),
    _g("what capabilities are they missing", {"t:feature_request": 3}, "account",
       account_topic="feature_request"),
    # -- date-scoped
    _g("cost complaints this quarter", {"t:pricing_pushback": 3, "t:budget_cuts": 1}, "date",
       since="-90d"),
    _g("worries about the contract ending, lately", {"t:renewal_risk": 3}, "date",
       since="-60d"),
    _g("leadership upset about reliability in the past month",
       {"t:executive_escalation": 3}, "date", since="-30d"),
    _g("new teams joining, last six months", {"t:expansion_interest": 3}, "date",
       since="-180d"),
    _g("setup problems before this quarter", {"t:onboarding_trouble": 3}, "date",
       since="-365d", until="-90d"),
    _g("people moving on, in the last 120 days", {"t:champion_leaving": 3}, "date",
       since="-120d"),
)  # fmt: skip
