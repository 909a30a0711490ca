"""Meeting-transcript templates: customer-success topics, each said in many different ways.

A topic is a few *exchanges* (one chunk each): one to three turns, each turn spoken by a role
(``csm`` is our user; ``cust`` the main customer contact; ``exec`` a customer executive). Every
turn lists several phrasings, and a phrasing may hold ``[a|b|c]`` alternatives and ``{slot}``
fillers, so the same idea reaches the index in wordings that share few keywords: a search for
"budget cuts" has to find "finance froze all new software spend" by meaning.
"""

from __future__ import annotations

from typing import Final

Turn = tuple[str, tuple[str, ...]]
Exchange = tuple[Turn, ...]

SLOTS: Final[dict[str, tuple[str, ...]]] = {
    "feature": ("dashboards", "scheduled reports", "alerting", "the API", "workflow automation",
                "data exports", "the mobile app", "role-based permissions"),
    "integration": ("Salesforce", "HubSpot", "Snowflake", "Slack", "Zendesk", "Okta", "Jira"),
    "competitor": ("Brightline", "Cortexa", "Databloom", "Kestrel Insights", "Polaris Metrics"),
    "pct": ("10", "15", "20", "25", "30"),
    "weeks": ("two", "three", "four", "six"),
    "seats": ("forty", "sixty", "a hundred", "two hundred", "three hundred"),
    "dept": ("marketing", "finance", "the support team", "operations", "the EMEA sales team",
             "product"),
    "quarter": ("next quarter", "Q1", "the second half", "the new fiscal year"),
}  # fmt: skip

OPENING: Final[tuple[Exchange, ...]] = (
    (
        ("csm", ("Thanks for making the time today. [I'd like to|Let's] [go through|cover] "
                 "where things stand and [agree on|settle] next steps.",
                 "[Good to see everyone|Thanks for joining]. I've got a short agenda: "
                 "[usage|adoption], open issues, and what's coming up.",
                 "Appreciate you [hopping on|joining]. [Anything urgent|Anything pressing] "
                 "before we [start|dive in]?")),
        ("cust", ("Sure, [happy to|glad to]. We have [a few things|a couple of items] to raise.",
                  "Thanks. [Honestly|To be frank] there's [a lot|quite a bit] on our side "
                  "this [month|quarter].",
                  "Works for me. [Let's keep it tight|I have a hard stop at the hour].")),
    ),
)  # fmt: skip

CLOSING: Final[tuple[Exchange, ...]] = (
    (
        ("csm", ("[Great|Okay], I'll [send|share] a recap with owners and dates [by tomorrow|"
                 "this afternoon].",
                 "Let me [summarize|play back] the action items and we'll [reconnect|check in] "
                 "in {weeks} weeks.",
                 "I'll [follow up in writing|put this in an email] so nothing [falls through "
                 "the cracks|gets lost].")),
        ("cust", ("Sounds good, thanks.", "[Perfect|Great], talk soon.",
                  "Thanks, that [helps|was useful].")),
    ),
)  # fmt: skip

TOPICS: Final[dict[str, tuple[Exchange, ...]]] = {
    "renewal_risk": (
        (
            ("csm", ("How are you feeling about the renewal [coming up|next quarter]?",
                     "Where does the [renewal|contract extension] stand on your side?",
                     "[Before|Ahead of] the renewal, is there anything that [worries you|"
                     "gives you pause]?")),
            ("cust", ("[Honestly|Candidly], it's not a sure thing. [Leadership|My boss] is "
                      "asking whether we [still need|get enough value from] the platform.",
                      "[To be honest|Truthfully] we're [on the fence|undecided]. Adoption "
                      "outside {dept} never really took off.",
                      "There's a real chance we [don't renew|walk away] unless we can show "
                      "[clear|measurable] value [soon|before the deadline].")),
        ),
        (
            ("cust", ("We've been [evaluating|looking at] {competitor} [in parallel|on the side], "
                      "and their [pitch|demo] was [compelling|pretty convincing].",
                      "[Procurement|Our buying team] asked us to [run a bake-off|compare "
                      "alternatives] with {competitor} before we [sign|commit] again.",
                      "Some people here [prefer|are pushing for] {competitor} because they "
                      "[used it|liked it] at their last company.")),
            ("csm", ("Understood. [Let's|I'd like to] put together [a value review|an ROI "
                     "summary] so the [comparison|decision] is based on [outcomes|results].",
                     "That's [fair|helpful to know]. What would [{competitor}|they] need to "
                     "[beat|match] for you to [stay|stick with us]?")),
        ),
        (
            ("exec", ("I need to see [usage|adoption] [going up|recover] in the next "
                      "{weeks} weeks, otherwise I can't [justify|defend] the [spend|renewal].",
                      "[If nothing changes|Without a turnaround], I'll [recommend|propose] we "
                      "[let the contract lapse|not extend]."),),
        ),
    ),
    "budget_cuts": (
        (
            ("cust", ("[Finance|The CFO] [froze|paused] all new software spend [until further "
                      "notice|for the rest of the year].",
                      "We were told to [cut|trim|reduce] tool costs by {pct} percent across the "
                      "board.",
                      "[Budgets|Our budget] got [slashed|cut back hard] after the [reorg|last "
                      "earnings call], so every [vendor|line item] is under review.",
                      "There's a [hiring freeze|headcount freeze], which means [fewer|no new] "
                      "seats and [tighter|less] money for tools.")),
            ("csm", ("[I hear you|That's tough]. Would it help to [right-size|reduce] the seat "
                     "count instead of [cancelling|dropping] entirely?",
                     "Thanks for [flagging|telling me] early. Let's [look at|review] which "
                     "teams [actually use|get value from] it so you only pay for [that|those].")),
        ),
        (
            ("exec", ("Every [subscription|contract] now needs a [business case|written "
                      "justification] signed off by [me|the CFO].",
                      "We have to [do more with less|stretch every dollar] this year; "
                      "[nice-to-haves|anything optional] [are gone|get cut].",
                      "[Spending|Discretionary spend] is [locked down|on hold] until {quarter}.")),
            ("csm", ("[Understood|Makes sense]. I can [send|prepare] a one-page [ROI|value] "
                     "summary for your [finance review|budget committee].",
                     "[Would a|How about a] [phased|smaller] commitment [help|work] until "
                     "{quarter}?")),
        ),
    ),
    "pricing_pushback": (
        (
            ("cust", ("The [renewal quote|new price] is [too high|hard to swallow] - it went up "
                      "{pct} percent [year over year|from last year].",
                      "[Frankly|Honestly], {competitor} [came in|quoted us] [a lot cheaper|"
                      "well below] what you're asking.",
                      "We can't [accept|approve] a [price increase|higher rate] [right now|"
                      "this cycle]; [procurement|purchasing] will push back.")),
            ("csm", ("Let me [see what flexibility we have on|check with our deal desk about] "
                     "[price|terms].",
                     "[Would|Could] a [multi-year|two-year] term [help|bring the annual cost "
                     "down]?",
                     "[Understood|Fair]. Let's [separate|split] the seats you [use|need] from "
                     "the ones [sitting idle|nobody logs into].")),
        ),
        (
            ("exec", ("[I need|We need] a [discount|better number] to [get this approved|"
                      "sign] - [ideally|at least] {pct} percent off.",
                      "[The value is there|We like the product], but the [cost|price] per seat "
                      "[doesn't work|is out of line] for us.",),),
        ),
    ),
    "champion_leaving": (
        (
            ("cust", ("[Heads up|Before I forget]: I'm [leaving|moving on from] the company "
                      "[at the end of the month|in {weeks} weeks].",
                      "[Just so you know|Quick news], I've [accepted an offer|taken a role] "
                      "elsewhere, so [someone else|a colleague] will [own|take over] this.",
                      "I'm [changing teams|moving to a different group] and won't be [running|"
                      "owning] the rollout anymore.")),
            ("csm", ("[Congratulations|Thanks for telling me]. Who should we [work with|loop "
                     "in] [going forward|after you go]?",
                     "[That's big news|Good to know]. Could you [introduce us|set up an intro] "
                     "to [your successor|whoever takes over] before you [leave|go]?")),
        ),
        (
            ("cust", ("[Nobody|No one] has been [named|picked] to replace me yet, which "
                      "[worries|concerns] me for the [rollout|program].",
                      "My [manager|director] will [probably|likely] [inherit it|take it over], but "
                      "they [haven't used|barely know] the [tool|platform].",),),
            ("csm", ("Let's [schedule|book] a [handover|transition] session and [document|"
                     "write down] what's [working|set up].",
                     "I'll [prepare|put together] an admin [guide|playbook] so the [next|new] "
                     "owner [isn't starting from zero|can ramp quickly].")),
        ),
    ),
    "feature_request": (
        (
            ("cust", ("We [really need|badly want] {feature} to [support|work with] "
                      "{integration}.",
                      "The [biggest|main] [gap|blocker] for us is {feature} - our team "
                      "[keeps asking|asks every week].",
                      "Where are [improvements to|upgrades for] {feature} on the "
                      "[roadmap|plan]? [It's|That's] the [one thing|main thing] [holding "
                      "back|slowing] wider [adoption|rollout].")),
            ("csm", ("I'll [log|file] that with product and [share|send] the [ticket|request] "
                     "so you can [track|follow] it.",
                     "[Good|Great] [feedback|input]. Can you [walk me through|describe] the "
                     "[workflow|use case] so I can [make the case|advocate] internally?")),
        ),
        (
            ("cust", ("[Right now|Today] we [export|copy] data [by hand|manually] into "
                      "{integration} [every week|each Friday], which [wastes|eats] hours.",
                      "Without {feature} [people|our analysts] [fall back to|go back to] "
                      "spreadsheets.",),),
            ("csm", ("[There's a|We have a] [beta|preview] [for that|of {feature}] - want me "
                     "to [enable it|turn it on] for your [workspace|account]?",
                     "[Understood|Makes sense]. [A workaround|One option] for now is a "
                     "[scheduled|nightly] sync through the API.")),
        ),
    ),
    "onboarding_trouble": (
        (
            ("cust", ("The [rollout|implementation] is [behind schedule|slipping] - we're "
                      "[about|roughly] {weeks} weeks [late|behind].",
                      "[Setup|Onboarding] has been [harder|rougher] than we expected; the "
                      "{integration} [connection|sync] keeps [failing|breaking].",
                      "[Our|The] team [hasn't finished|is stuck on] [training|getting trained] "
                      "and people [aren't logging in|don't use it yet].")),
            ("csm", ("Let's [set up|book] a working session with our [onboarding|implementation] "
                     "engineer [this week|in the next few days].",
                     "[Sorry about that|That's on us]. I'll [escalate|raise] the {integration} "
                     "issue and [get|have] someone [on it|look at it] today.")),
        ),
        (
            ("cust", ("[Single sign-on|SSO] [isn't working|fails] for [half|some] of our users, "
                      "so they [gave up|stopped trying].",
                      "We [still haven't|have not yet] [imported|migrated] our historical data, "
                      "so there's no history in {feature} [for now|yet].",),),
            ("csm", ("I'll [bring in|add] a specialist and we'll [aim to|try to] be [live|"
                     "fully set up] within {weeks} weeks.",)),
        ),
    ),
    "executive_escalation": (
        (
            ("exec", ("I'm [joining|on this call] because [the outages|last week's outage] "
                      "[hurt|disrupted] {dept} [badly|a lot].",
                      "[This has|It has] [escalated|gone up] to our [CEO|leadership team]; "
                      "[we can't|I can't] [keep having|tolerate] these [incidents|failures].",
                      "[Frankly|Honestly], our [confidence|trust] in your [platform|service] "
                      "[is shaken|has taken a hit].")),
            ("csm", ("[I understand|You're right to be upset]. [Our VP of Support|Our "
                     "engineering lead] will [own|personally handle] this and send a "
                     "[root-cause|post-incident] report.",
                     "[I apologize|We're sorry]. I'd like to set up a [weekly|standing] "
                     "[executive review|check-in] until this is [resolved|stable].")),
        ),
        (
            ("exec", ("I [want|need] a [written|formal] [recovery plan|remediation plan] with "
                      "dates by [Friday|end of week].",
                      "[If this happens again,|After one more incident,] we'll [escalate to "
                      "legal|claim the SLA credits] [right away|immediately].",),),
        ),
    ),
    "expansion_interest": (
        (
            ("cust", ("{dept} [saw|heard about] what we did and [wants|would like] to [get "
                      "access|come on board] too.",
                      "We're [thinking about|considering] adding [about|roughly] {seats} "
                      "[seats|licenses] for {dept}.",
                      "[Usage|Adoption] has [taken off|grown fast]; we'll [run out of|exceed] "
                      "our seats [soon|before {quarter}].")),
            ("csm", ("[That's great to hear|Love that]. Let's [map out|scope] what {dept} "
                     "[needs|would use] and I'll [send|prepare] a proposal.",
                     "[Great|Fantastic]. I can [put together|draft] [pricing|a quote] for "
                     "{seats} more seats [this week|by Friday].")),
        ),
        (
            ("exec", ("If the [pilot|trial] in {dept} [works|goes well], we'd [roll it out|"
                      "expand] [company-wide|to every region] by {quarter}.",
                      "[I'm open to|I'd consider] a [bigger|broader] [commitment|agreement] if "
                      "the [terms|price breaks] [scale|make sense] with volume.",),),
            ("csm", ("Let's [set up|run] a [pilot|proof of value] with [clear|agreed] success "
                     "[criteria|metrics].",)),
        ),
    ),
}  # fmt: skip

#: Internal (account-less) meetings between our own users.
INTERNAL: Final[dict[str, tuple[Exchange, ...]]] = {
    "pipeline_review": (
        (
            ("lead", ("Let's [walk through|go over] renewals closing [this quarter|before the "
                      "end of the quarter] and [flag|call out] anything at risk.",
                      "[Which|What] deals [moved|slipped] since last week, and why?")),
            ("csm", ("Two [renewals|deals] [slipped|got pushed] to {quarter}; both cite "
                     "[budget|spend] reviews.",
                     "[Most|The bulk] of the [forecast|commit] is [on track|holding], but one "
                     "[large|big] account [went quiet|stopped responding].")),
        ),
    ),
    "churn_review": (
        (
            ("lead", ("[What|Which] [patterns|themes] are we seeing in [churned|lost] "
                      "accounts this [month|quarter]?",),),
            ("csm", ("[Mostly|Largely] [low adoption|weak usage] after the [champion left|main "
                     "contact left], plus [pricing|price] [pressure|objections].",
                     "[Onboarding|Implementation] [delays|problems] [early on|in the first "
                     "months] [show up|keep appearing] in nearly every [churn|loss].")),
        ),
    ),
}  # fmt: skip

#: Which topics a meeting with an account in a given situation tends to cover.
TOPICS_BY_SITUATION: Final[dict[str, tuple[str, ...]]] = {
    "at_risk": ("renewal_risk", "budget_cuts", "pricing_pushback", "champion_leaving",
                "executive_escalation"),
    "onboarding": ("onboarding_trouble", "feature_request"),
    "expansion": ("expansion_interest", "feature_request"),
    "steady": ("feature_request", "expansion_interest", "pricing_pushback", "renewal_risk",
               "champion_leaving", "budget_cuts"),
    "prospect": ("pricing_pushback", "feature_request"),
}  # fmt: skip

MEETING_TITLES: Final[dict[str, tuple[str, ...]]] = {
    "at_risk": ("Renewal check-in", "Executive escalation call", "Account health review"),
    "onboarding": ("Onboarding sync", "Implementation status call", "Kickoff follow-up"),
    "expansion": ("Expansion discovery", "Quarterly business review", "Roadmap session"),
    "steady": ("Quarterly business review", "Monthly check-in", "Success plan review"),
    "prospect": ("Discovery call", "Product demo", "Commercial discussion"),
}  # fmt: skip

INTERNAL_TITLES: Final[dict[str, str]] = {
    "pipeline_review": "Weekly renewal pipeline review",
    "churn_review": "Monthly churn retrospective",
}
