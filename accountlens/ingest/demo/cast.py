"""The demo orgs and the people who work in them: teams, users, and the sign-ins we print.

Two orgs show both visibility modes. Northwind Analytics is ``restricted`` and its named users
cover every way a member comes to see an account: by team, by account team, and by ownership
alone (a deliberately narrow book). Contoso Cloud is ``open``. Generated reps fill the teams and
own the bulk of the accounts; every user shares their role's demo password.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cached_property

from accountlens.ingest.demo.presets import RESTRICTED_SHARE, Preset
from accountlens.ingest.demo.rand import midnight, new_id, stream
from accountlens.ingest.demo.summary import DemoLogin, DemoOrg
from accountlens.ingest.demo.vocab import FIRST_NAMES, LAST_NAMES
from accountlens.ingest.demo.writer import Batch

#: One demo password per role. They are printed on purpose: this is a demo workspace.
DEMO_PASSWORDS: dict[str, str] = {"admin": "demo-admin-pass", "member": "demo-member-pass"}

TEAMS = ("Enterprise", "Mid-Market", "Strategic")


@dataclass(frozen=True, slots=True)
class NamedUser:
    """A hand-written user whose sign-in is printed. ``key`` is how the generator refers to it."""

    key: str
    name: str
    role: str
    team: str | None
    book: str


@dataclass(frozen=True, slots=True)
class OrgSpec:
    slug: str
    name: str
    visibility: str
    timezone: str
    share: float
    #: Customer accounts with a written story, at the first account positions.
    named_accounts: tuple[str, ...]
    named_users: tuple[NamedUser, ...]
    #: Fields the org's admin hides from members (field-level security): ``(type, key)``.
    hidden_fields: tuple[tuple[str, str], ...] = ()

    @property
    def email_domain(self) -> str:
        return f"{self.slug}.example"


ORGS: tuple[OrgSpec, ...] = (
    OrgSpec(
        slug="northwind",
        name="Northwind Analytics",
        visibility="restricted",
        timezone="America/New_York",
        share=RESTRICTED_SHARE,
        named_accounts=("Acme Corp", "Globex", "Hooli Health", "Pied Piper Data"),
        named_users=(
            NamedUser("admin", "Ada Lovelace", "admin", None, "admin: every record in the org"),
            NamedUser(
                "team", "Grace Hopper", "member", "Enterprise",
                "member: the accounts of team Enterprise",
            ),
            NamedUser(
                "account_team", "Alan Turing", "member", None,
                "member: only accounts whose account team they are on",
            ),
            NamedUser(
                "narrow", "Katherine Johnson", "member", None,
                "member, narrow book: owns 3 accounts (Acme Corp among them), no team",
            ),
        ),
        # Members see neither what an account pays nor its NPS; admins see both.
        hidden_fields=(("account", "arr_amount"), ("account", "nps")),
    ),
    OrgSpec(
        slug="contoso",
        name="Contoso Cloud",
        visibility="open",
        timezone="Europe/London",
        share=1 - RESTRICTED_SHARE,
        named_accounts=("Acme Corp", "Globex", "Initech", "Vandelay Industries"),
        named_users=(
            NamedUser("admin", "Marie Curie", "admin", None, "admin: every record in the org"),
            NamedUser(
                "team", "Niels Bohr", "member", "Mid-Market",
                "member: open visibility, so every account",
            ),
        ),
    ),
)  # fmt: skip

DEMO_ORG_SLUGS: tuple[str, ...] = tuple(spec.slug for spec in ORGS)


@dataclass(frozen=True, slots=True)
class UserInfo:
    id: uuid.UUID
    name: str
    email: str
    role: str
    team: str | None


@dataclass
class OrgContext:
    """Everything the per-account generators need to know about one org."""

    spec: OrgSpec
    id: uuid.UUID
    seed: int
    preset: Preset
    anchor: date
    account_count: int
    users: list[UserInfo] = field(default_factory=list)
    named: dict[str, UserInfo] = field(default_factory=dict)
    team_ids: dict[str, uuid.UUID] = field(default_factory=dict)
    reps_by_team: dict[str, list[UserInfo]] = field(default_factory=dict)
    reps: list[UserInfo] = field(default_factory=list)
    group_ids: dict[str, uuid.UUID] = field(default_factory=dict)
    custom_type_ids: dict[str, uuid.UUID] = field(default_factory=dict)

    @cached_property
    def now(self) -> datetime:
        """The build's "now": midnight UTC at the start of the anchor day."""
        return midnight(self.anchor)

    def rng(self, *labels: object) -> random.Random:
        return stream(self.seed, self.spec.slug, *labels)

    @property
    def demo_org(self) -> DemoOrg:
        return DemoOrg(self.spec.name, self.spec.slug, self.spec.visibility, self.id)


def account_counts(total: int) -> list[int]:
    """Split the preset's accounts between the orgs (each gets at least its named accounts)."""
    counts = [max(len(spec.named_accounts) + 4, round(total * spec.share)) for spec in ORGS]
    return counts


def _email_local(name: str) -> str:
    return ".".join(part.lower() for part in name.split())


def build_cast(
    spec: OrgSpec,
    *,
    seed: int,
    preset: Preset,
    anchor: date,
    account_count: int,
    password_hashes: dict[str, str],
    out: Batch,
) -> OrgContext:
    """Add the org, its teams, users and team memberships to ``out``; return its context."""
    rng = stream(seed, spec.slug, "cast")
    ctx = OrgContext(spec, new_id(rng), seed, preset, anchor, account_count)
    founded = ctx.now - timedelta(days=3 * 365 + rng.randrange(200))
    out.add(
        "orgs",
        {
            "id": ctx.id,
            "name": spec.name,
            "slug": spec.slug,
            "account_visibility": spec.visibility,
            "timezone": spec.timezone,
            "settings": {"demo": True, "demo_seed": seed},
            "token_lifetime_days": None,
            "created_at": founded,
            "updated_at": founded,
        },
    )
    for team in TEAMS:
        ctx.team_ids[team] = new_id(rng)
        out.record("teams", ctx.id, ctx.team_ids[team], founded, name=team)
        ctx.reps_by_team[team] = []

    for named in spec.named_users:
        info = UserInfo(
            new_id(rng), named.name, named_user_email(spec, named), named.role, named.team
        )
        ctx.named[named.key] = info
        ctx.users.append(info)

    used = {user.email for user in ctx.users}
    for position in range(preset.reps_per_org):
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        email = f"{_email_local(name)}@{spec.email_domain}"
        while email in used:
            name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
            email = f"{_email_local(name)}@{spec.email_domain}"
        used.add(email)
        info = UserInfo(new_id(rng), name, email, "member", TEAMS[position % len(TEAMS)])
        ctx.users.append(info)
        ctx.reps.append(info)
        ctx.reps_by_team[TEAMS[position % len(TEAMS)]].append(info)

    for user in ctx.users:
        joined = founded + timedelta(days=rng.randrange(0, 600))
        out.record(
            "users",
            ctx.id,
            user.id,
            joined,
            email=user.email,
            name=user.name,
            role=user.role,
            password_hash=password_hashes[user.role],
            sso_subject=None,
            is_active=True,
        )
        if user.team is not None:
            out.add(
                "team_members",
                {"org_id": ctx.id, "team_id": ctx.team_ids[user.team], "user_id": user.id},
            )
    return ctx


def named_user_email(spec: OrgSpec, named: NamedUser) -> str:
    """The sign-in e-mail of a named user: first name at the org's demo domain."""
    return f"{named.name.split()[0].lower()}@{spec.email_domain}"


def named_logins() -> list[DemoLogin]:
    """The printed sign-ins of every demo org, known without reading the database."""
    return [
        DemoLogin(
            spec.name,
            spec.visibility,
            named_user_email(spec, named),
            DEMO_PASSWORDS[named.role],
            named.role,
            named.book,
        )
        for spec in ORGS
        for named in spec.named_users
    ]


def logins(ctx: OrgContext) -> list[DemoLogin]:
    """The printed sign-ins: the org's named users."""
    found = []
    for named in ctx.spec.named_users:
        user = ctx.named[named.key]
        found.append(
            DemoLogin(
                ctx.spec.name,
                ctx.spec.visibility,
                user.email,
                DEMO_PASSWORDS[user.role],
                user.role,
                named.book,
            )
        )
    return found
