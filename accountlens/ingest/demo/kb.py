"""Knowledge-base articles: the playbooks and how-tos a customer-success team keeps.

Each article is a title and paragraphs; one paragraph becomes one chunk (no speaker). The same
articles exist in every demo org, so their vectors are computed once and shared.
"""

from __future__ import annotations

from typing import Final

Article = tuple[str, tuple[str, ...]]

ARTICLES: Final[tuple[Article, ...]] = (
    (
        "Playbook: handling budget objections at renewal",
        (
            "When a customer says money is tight, find out whether the whole contract is at stake "
            "or only part of it. A spending freeze, a headcount freeze and a mandate to cut "
            "vendor costs each call for a different response.",
            "Offer to right-size before you offer a discount. Show which teams use the product "
            "every week and propose dropping idle seats; a smaller renewal beats a churned one.",
            "Prepare a one-page value summary for the finance reviewer: hours saved, reports "
            "automated, and the cost of switching. Finance teams approve outcomes, not features.",
            "If the freeze is temporary, propose a short extension at current terms and revisit "
            "the expansion once the new fiscal year starts.",
        ),
    ),
    (
        "Playbook: when your champion leaves",
        (
            "A departing champion is the most common early sign of churn. As soon as you hear "
            "about it, ask for an introduction to their successor and their manager.",
            "Run a handover session while the champion is still there: document admins, "
            "integrations, saved reports and the goals in the success plan.",
            "Map the remaining stakeholders. If no one is named within two weeks, escalate to "
            "the economic buyer and agree who owns the program.",
        ),
    ),
    (
        "Recognising renewal risk early",
        (
            "Usage that declines for three consecutive weeks, unanswered emails and a rise in "
            "urgent tickets together predict churn far better than any single signal.",
            "Customers rarely say they will not renew. Listen for questions about contract "
            "terms, requests for data exports and mentions of competing tools.",
            "Log a renewal risk assessment with drivers and a mitigation plan, and review it in "
            "the weekly pipeline meeting until the risk is resolved.",
        ),
    ),
    (
        "Responding to pricing pushback",
        (
            "Separate price from value. Ask what the customer compares the price with: last "
            "year's invoice, a competitor's quote, or an internal budget line.",
            "Multi-year terms, phased seat ramps and removing unused add-ons lower the annual "
            "cost without discounting the list price.",
            "Discounts above fifteen percent need deal-desk approval; bring the usage data and "
            "the account's strategic value to that conversation.",
        ),
    ),
    (
        "Executive escalations: what to do in the first 24 hours",
        (
            "Acknowledge the escalation within one hour, name a single owner, and tell the "
            "executive when they will hear from you next.",
            "Within a day, send a written remediation plan with dates, and set up a standing "
            "executive check-in until the issue is closed.",
            "After resolution, share a root-cause report and the changes that prevent a "
            "repeat. Trust is rebuilt by follow-through, not by the apology.",
        ),
    ),
    (
        "Onboarding checklist for new customers",
        (
            "Week one: kickoff with the sponsor, agree on success criteria, and connect single "
            "sign-on so every user can log in on day one.",
            "Weeks two to four: import historical data, connect the CRM and ticketing "
            "integrations, and train the first team of admins.",
            "By day sixty the customer should have weekly active usage in every licensed team. "
            "If not, schedule a working session rather than another status call.",
        ),
    ),
    (
        "Configuring single sign-on",
        (
            "Single sign-on works with any SAML 2.0 or OpenID Connect identity provider. "
            "Admins find the settings under Admin, Security, Single sign-on.",
            "Most failed logins come from a mismatched entity ID or an expired signing "
            "certificate on the identity provider side.",
            "Turn on just-in-time provisioning so new employees get an account the first time "
            "they sign in, and deactivate users from the identity provider, not by hand.",
        ),
    ),
    (
        "Spotting expansion opportunities",
        (
            "Accounts that hit their seat limit, add a new department or ask about "
            "company-wide rollout are ready for an expansion conversation.",
            "Propose a pilot with clear success metrics for the new team, then price the "
            "expansion on the results of the pilot.",
            "Volume pricing tiers start at two hundred seats; mention them early so the buyer "
            "can plan the budget.",
        ),
    ),
    (
        "Understanding seat licensing and usage reports",
        (
            "A licensed seat is paid for; an active seat signed in at least once in the last "
            "thirty days. The gap between the two is the first thing finance asks about.",
            "Usage reports break activity down by day, by person and by feature, so you can see "
            "which teams adopted the product and which never started.",
        ),
    ),
    (
        "Running a quarterly business review",
        (
            "A good QBR looks back at the goals from the last review, shows the outcomes with "
            "numbers, and agrees on goals for the next quarter.",
            "Invite the economic buyer, not only the day-to-day users. Renewals are decided by "
            "people who rarely log in.",
            "Send the deck two days in advance and keep the meeting for decisions and questions.",
        ),
    ),
    (
        "Handling feature requests",
        (
            "Log every request with the customer's use case and the revenue attached, and link "
            "it to the product board so the customer can follow it.",
            "Offer a workaround where one exists: an API sync, a scheduled export or a "
            "workflow rule often covers most of the need.",
        ),
    ),
    (
        "Data exports and integrations",
        (
            "Scheduled exports deliver CSV or Parquet files to cloud storage daily. The API "
            "returns the same data for custom pipelines.",
            "Native integrations sync with CRM, ticketing and chat tools every fifteen minutes; "
            "a failing sync shows a red status on the integrations page.",
        ),
    ),
)
