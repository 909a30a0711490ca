"""Local accounts: password sign-in and the operator commands' user and org management."""

from __future__ import annotations

import re
from functools import lru_cache

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from accountlens.auth import repository, web_sessions
from accountlens.auth.password_policy import PasswordRejected, check_password
from accountlens.auth.passwords import (
    candidate_hash,
    hash_password,
    needs_rehash,
    verify_password,
)
from accountlens.auth.principal import Role
from accountlens.db.models import Org, User

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


class AccountError(ValueError):
    """An operator command cannot be carried out; the message says why."""


@lru_cache(maxsize=1)
def _decoy_hash() -> str:
    return hash_password("a password no account has")


async def authenticate(session: AsyncSession, email: str, password: str) -> list[User]:
    """Every active account with this e-mail whose own password matches, oldest first.

    E-mail is unique per org, so one address may have accounts in several orgs, each with its
    own password hash; the person then picks among the ones that matched (an org whose
    password did not match is never named). Every candidate is verified, so the answer does
    not depend on which one matched first, and an unknown address still costs one argon2
    hash, so response time does not reveal which addresses exist. The stored hashes stay in
    the database, which only gives its verdict (:mod:`accountlens.auth.passwords`); a hash made
    with older argon2 costs is replaced on the way, which needs that same proof.
    """
    salts = await repository.password_salts(session, email)
    if not salts:
        verify_password(_decoy_hash(), password)
        return []
    matched = []
    for salt in salts:
        candidate = candidate_hash(salt.salted, salt.digest_length, password)
        if candidate is None or not await repository.password_matches(
            session, salt.org_id, salt.user_id, candidate
        ):
            continue
        if needs_rehash(candidate):
            await repository.replace_password_hash(
                session, salt.org_id, salt.user_id, candidate, hash_password(password)
            )
        user = await repository.active_user(session, salt.org_id, salt.user_id)
        if user is not None:
            matched.append(user)
    return matched


def check_password_rules(password: str) -> None:
    """Raise :class:`AccountError` when ``password`` breaks the one policy
    (:func:`accountlens.auth.password_policy.check_password`)."""
    try:
        check_password(password)
    except PasswordRejected as rejected:
        raise AccountError(str(rejected)) from None


async def org_by_slug(session: AsyncSession, slug: str) -> Org:
    org = await session.scalar(select(Org).where(Org.slug == slug))
    if org is None:
        raise AccountError(f"no org with slug {slug!r}")
    return org


async def create_org(session: AsyncSession, name: str, slug: str, visibility: str) -> Org:
    if not SLUG.match(slug):
        raise AccountError("slug: lower-case letters, digits and '-', at most 63 characters")
    if visibility not in ("open", "restricted"):
        raise AccountError("visibility is 'open' or 'restricted'")
    if await session.scalar(select(Org.id).where(Org.slug == slug)):
        raise AccountError(f"an org with slug {slug!r} already exists")
    org = Org(name=name.strip() or slug, slug=slug, account_visibility=visibility)
    session.add(org)
    await session.flush()
    return org


async def list_orgs(session: AsyncSession) -> list[Org]:
    return list(await session.scalars(select(Org).order_by(Org.name)))


async def create_user(
    session: AsyncSession, org_slug: str, email: str, name: str, password: str, role: Role
) -> User:
    check_password_rules(password)
    if "@" not in email or len(email) > 320:
        raise AccountError("not an e-mail address")
    org = await org_by_slug(session, org_slug)
    email = email.strip().lower()
    if await _user(session, org, email, missing_ok=True):
        raise AccountError(f"{email} already exists in {org_slug}")
    user = User(
        org_id=org.id,
        email=email,
        name=name.strip() or email,
        role=role,
        password_hash=hash_password(password),
    )
    session.add(user)
    await session.flush()
    return user


async def _user(
    session: AsyncSession, org: Org, email: str, missing_ok: bool = False
) -> User | None:
    user = await session.scalar(
        select(User).where(User.org_id == org.id, User.email == email.strip().lower())
    )
    if user is None and not missing_ok:
        raise AccountError(f"no user {email} in {org.slug}")
    return user


async def find_user(session: AsyncSession, org_slug: str, email: str) -> User:
    """The user ``email`` of the org ``org_slug``; :class:`AccountError` when either is missing."""
    user = await _user(session, await org_by_slug(session, org_slug), email)
    assert user is not None
    return user


async def list_users(session: AsyncSession, org_slug: str | None) -> list[tuple[User, Org]]:
    statement = select(User, Org).join(Org, Org.id == User.org_id).order_by(Org.slug, User.email)
    if org_slug:
        statement = statement.where(Org.slug == org_slug)
    return [(user, org) for user, org in (await session.execute(statement)).all()]


async def set_role(session: AsyncSession, org_slug: str, email: str, role: Role) -> User:
    user = await _user(session, await org_by_slug(session, org_slug), email)
    assert user is not None
    user.role = role
    return user


async def set_active(session: AsyncSession, org_slug: str, email: str, active: bool) -> User:
    """Disabling a user ends their web sessions (rows deleted) and connections (every token
    check re-reads the user) at once."""
    user = await _user(session, await org_by_slug(session, org_slug), email)
    assert user is not None
    user.is_active = active
    if not active:
        await web_sessions.end_all(session, user.org_id, user.id)
    return user


async def set_password(session: AsyncSession, org_slug: str, email: str, password: str) -> User:
    """An operator's password reset: the new hash, and every web session of the user ends."""
    check_password_rules(password)
    user = await _user(session, await org_by_slug(session, org_slug), email)
    assert user is not None
    user.password_hash = hash_password(password)
    await web_sessions.end_all(session, user.org_id, user.id)
    return user


async def change_own_password(
    session: AsyncSession, user: User, current: str, new: str, keep: bytes
) -> None:
    """A signed-in person changes their password; their other sessions end, this one stays.

    ``keep`` is the hash of the session making the change. Raises :class:`AccountError` when
    ``current`` is wrong or ``new`` breaks the rules.
    """
    salts = await repository.password_salts(session, user.email)
    salt = next((s for s in salts if (s.org_id, s.user_id) == (user.org_id, user.id)), None)
    proof = candidate_hash(salt.salted, salt.digest_length, current) if salt else None
    if proof is None or not await repository.password_matches(session, user.org_id, user.id, proof):
        raise AccountError("That is not your current password.")
    check_password_rules(new)
    # The database checks the proof again as it replaces the hash, so the app role cannot
    # set anyone's password without knowing the current one.
    if not await repository.replace_password_hash(
        session, user.org_id, user.id, proof, hash_password(new)
    ):
        raise AccountError("That is not your current password.")
    await web_sessions.end_all(session, user.org_id, user.id, keep=keep)


async def sign_out_everywhere(session: AsyncSession, org_slug: str | None, email: str) -> int:
    """End every web session of ``email`` (in one org, or in every org it has an account in).

    Connections (MCP tokens) are not touched: ``connections revoke --user`` ends those.
    """
    if org_slug is not None:
        found = [await find_user(session, org_slug, email)]
    else:
        same_email = func.lower(User.email) == email.strip().lower()
        found = list(await session.scalars(select(User).where(same_email)))
        if not found:
            raise AccountError(f"no user {email} in any org")
    return sum([await web_sessions.end_all(session, u.org_id, u.id) for u in found])
