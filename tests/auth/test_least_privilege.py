"""Sign-in, rehashing, password changes and admin changes work as the app role, whose grants
hide password hashes and refuse writes to users and orgs (``accountlens/db/grants.py``).

Everything here runs as the app role, as requests do in production; the owner only sets up
and looks.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import text

from accountlens.auth import admin_writes, passwords, users, web_sessions
from accountlens.auth.api import AdminWriteRefused, AuthService
from accountlens.auth.principal import Principal
from accountlens.db.engine import Database
from accountlens.db.row_security import bind_org
from tests.auth.helpers import PASSWORD, People, Person, build_app

#: What the person is told, per kind of refusal (the functions' own words, nothing from input).
REASONS = {
    "forbidden": {"only an active admin of this org may do this"},
    "not_found": {"no such user in this org"},
    "invalid": {"an org keeps at least one active admin", "a role is admin or member"},
}


def _principal(person: Person, role: str) -> Principal:
    return Principal(
        user_id=person.user_id,
        org_id=person.org_id,
        role="admin" if role == "admin" else "member",
        email=person.email,
        name="",
    )


async def _stored_hash(db: Database, person: Person) -> str:
    async with db.engine.connect() as conn:  # the owner may read it
        stored = await conn.scalar(
            text("SELECT password_hash FROM users WHERE org_id = :o AND id = :u"),
            {"o": person.org_id, "u": person.user_id},
        )
    assert isinstance(stored, str)
    return stored


async def _column(db: Database, table: str, column: str, key: str, value: uuid.UUID) -> object:
    async with db.engine.connect() as conn:
        return await conn.scalar(
            text(f"SELECT {column} FROM {table} WHERE {key} = :v"), {"v": value}
        )


async def test_sign_in_as_the_app_role_opens_the_account_without_ever_reading_its_hash(
    fresh_db: Database, people: People
) -> None:
    # given the app role, which may not read password hashes
    async with fresh_db.read_sessions() as session:
        # when Alice signs in with her password, and someone else with a wrong one
        matched = await users.authenticate(session, people.alice.email, PASSWORD)
        refused = await users.authenticate(session, people.alice.email, "not her password")
        unknown = await users.authenticate(session, "nobody@acme.test", PASSWORD)
    # then only the right password opens her account
    assert [(u.org_id, u.id) for u in matched] == [(people.alice.org_id, people.alice.user_id)]
    assert refused == []
    assert unknown == []


async def test_what_the_sign_in_function_hands_out_is_not_the_hash(
    fresh_db: Database, people: People
) -> None:
    # given Alice's stored hash
    stored = await _stored_hash(fresh_db, people.alice)
    digest = stored.rsplit("$", 1)[1]
    # when the app role asks the sign-in function about her e-mail
    async with fresh_db.read_engine.connect() as conn:
        rows = (
            await conn.execute(
                text("SELECT * FROM accountlens_password_salts(:e)"), {"e": people.alice.email}
            )
        ).all()
    # then it gets her algorithm, costs and salt, but not the digest an attacker would crack
    assert len(rows) == 1
    handed_out = " ".join(str(v) for v in rows[0])
    assert digest not in handed_out
    assert rows[0].salted == stored[: -len(digest)]


async def test_a_password_hashed_at_older_costs_is_upgraded_at_sign_in_as_the_app_role(
    fresh_db: Database, people: People
) -> None:
    # given Bob's password stored with other argon2 costs than the current ones
    old = PasswordHasher(time_cost=2, memory_cost=16, parallelism=1).hash(PASSWORD)
    async with fresh_db.engine.begin() as conn:
        await conn.execute(
            text("UPDATE users SET password_hash = :h WHERE id = :u"),
            {"h": old, "u": people.bob.user_id},
        )
    assert passwords.needs_rehash(old)
    # when he signs in through the app role
    async with fresh_db.read_sessions() as session:
        matched = await users.authenticate(session, people.bob.email, PASSWORD)
        await session.commit()
    # then he is in, and his hash now has the current costs and still opens his account
    assert [u.id for u in matched] == [people.bob.user_id]
    new = await _stored_hash(fresh_db, people.bob)
    assert new != old
    assert not passwords.needs_rehash(new)
    assert passwords.verify_password(new, PASSWORD)


async def test_a_person_changes_their_own_password_as_the_app_role(
    fresh_db: Database, people: People
) -> None:
    async with fresh_db.read_sessions() as session:
        (carol,) = await users.authenticate(session, people.carol.email, PASSWORD)
        # when Carol gives a wrong current password, nothing changes
        with pytest.raises(users.AccountError, match="not your current password"):
            await users.change_own_password(session, carol, "wrong", "a new long password", b"k")
        # and with the right one, the new password is stored
        await users.change_own_password(session, carol, PASSWORD, "a new long password", b"k")
        await session.commit()
    assert passwords.verify_password(
        await _stored_hash(fresh_db, people.carol), "a new long password"
    )


async def test_the_app_role_cannot_set_a_password_hash_without_the_current_password(
    fresh_db: Database, people: People
) -> None:
    # given Dave's stored hash
    before = await _stored_hash(fresh_db, people.dave)
    intruder = passwords.hash_password("the intruder's password")
    # when the app role tries to replace it, with a made-up proof or the bare salt
    async with fresh_db.read_engine.begin() as conn:
        salted = await conn.scalar(
            text("SELECT salted FROM accountlens_password_salts(:e)"), {"e": people.dave.email}
        )
        for proof in ("made up", salted, intruder):
            replaced = await conn.scalar(
                text("SELECT accountlens_replace_password_hash(:o, :u, :p, :n)"),
                {"o": people.dave.org_id, "u": people.dave.user_id, "p": proof, "n": intruder},
            )
            # then the database refuses, and the hash stays
            assert replaced is False
    assert await _stored_hash(fresh_db, people.dave) == before


async def test_an_admin_changes_a_role_in_their_org_through_the_checked_function(
    fresh_db: Database, people: People
) -> None:
    # when Alice (admin of acme) makes Bob an admin, as the app role
    async with fresh_db.read_sessions() as session:
        await admin_writes.set_user_role(
            session, _principal(people.alice, "admin"), people.bob.user_id, "admin"
        )
        await session.commit()
    # then he is one
    assert await _column(fresh_db, "users", "role", "id", people.bob.user_id) == "admin"


@pytest.mark.parametrize(
    ("actor", "org", "target", "role", "kind"),
    [
        ("bob", "acme", "carol", "admin", "forbidden"),  # a member may not make anyone admin
        ("bob", "acme", "bob", "admin", "forbidden"),  # nor themself
        ("dave", "acme", "bob", "admin", "forbidden"),  # globex's admin is no admin of acme
        ("dave", "globex", "bob", "admin", "not_found"),  # and from globex, acme's people
        ("alice", "acme", "dave", "member", "not_found"),  # are out of reach, and vice versa
        ("alice", "acme", "alice", "member", "invalid"),  # acme would be left without an admin
        ("alice", "acme", "bob", "owner", "invalid"),  # no such role
    ],
)
async def test_a_role_change_the_rules_forbid_is_refused_by_the_database(
    fresh_db: Database, people: People, actor: str, org: str, target: str, role: str, kind: str
) -> None:
    # given an actor who claims to be an admin acting in ``org``: the database checks the
    # stored role and membership, not the caller's word
    org_id = {"acme": people.alice.org_id, "globex": people.dave.org_id}[org]
    claimed = replace(_principal(getattr(people, actor), "admin"), org_id=org_id)
    user_id = getattr(people, target).user_id
    before = await _column(fresh_db, "users", "role", "id", user_id)
    # when it asks for the change as the app role
    async with fresh_db.read_sessions() as session:
        with pytest.raises(AdminWriteRefused) as refused:
            await admin_writes.set_user_role(session, claimed, user_id, role)  # type: ignore[arg-type]
        await session.commit()
    # then the database refuses, saying why, and the role stays
    assert refused.value.kind == kind
    assert refused.value.reason in REASONS[kind]
    assert await _column(fresh_db, "users", "role", "id", user_id) == before


async def test_an_admin_changes_their_orgs_settings_and_no_one_else_may(
    fresh_db: Database, people: People
) -> None:
    org = people.alice.org_id
    async with fresh_db.read_sessions() as session:
        # given a member and another org's admin, who are refused
        for outsider in (_principal(people.bob, "admin"), _principal(people.dave, "admin")):
            with pytest.raises(AdminWriteRefused) as refused:
                await admin_writes.update_org(
                    session, replace(outsider, org_id=org), account_visibility="open"
                )
            assert refused.value.kind == "forbidden"
        # and values the rules refuse
        alice = _principal(people.alice, "admin")
        for bad in ({"account_visibility": "public"}, {"timezone": "Mars/Olympus"}, {"name": " "}):
            with pytest.raises(AdminWriteRefused) as refused:
                await admin_writes.update_org(session, alice, **bad)
            assert refused.value.kind == "invalid"
        # when acme's admin changes its settings
        await admin_writes.update_org(
            session, alice, name="Acme Inc", account_visibility="open", timezone="Europe/Berlin"
        )
        await session.commit()
    # then they are stored, and only they
    assert await _column(fresh_db, "orgs", "name", "id", org) == "Acme Inc"
    assert await _column(fresh_db, "orgs", "account_visibility", "id", org) == "open"
    assert await _column(fresh_db, "orgs", "timezone", "id", org) == "Europe/Berlin"
    assert await _column(fresh_db, "orgs", "name", "id", people.dave.org_id) == "Globex"


async def test_web_sessions_are_seen_only_inside_their_own_org_and_still_work(
    fresh_db: Database, people: People
) -> None:
    # given a web session each for Alice (acme) and Dave (globex), started as the app role
    key = b"k" * 32
    async with fresh_db.read_sessions() as session:
        alice = await web_sessions.start(
            session, key, people.alice.org_id, people.alice.user_id, timedelta(days=1)
        )
        await web_sessions.start(
            session, key, people.dave.org_id, people.dave.user_id, timedelta(days=1)
        )
        await session.commit()
    # when the app role reads the table without an org, and bound to acme
    async with fresh_db.read_engine.connect() as conn:
        unbound = await conn.scalar(text("SELECT count(*) FROM web_sessions"))
        await bind_org(conn, people.alice.org_id)
        seen = (await conn.execute(text("SELECT org_id FROM web_sessions"))).scalars().all()
    # then it sees nothing, then acme's session alone
    assert unbound == 0
    assert seen == [people.alice.org_id]
    # and Alice's session still signs her in, in acme only
    async with fresh_db.read_sessions() as session:
        found = await web_sessions.signed_in_user(session, key, people.alice.org_id, alice)
        elsewhere = await web_sessions.signed_in_user(session, key, people.dave.org_id, alice)
    assert found is not None
    assert found[0].id == people.alice.user_id
    assert elsewhere is None


async def test_the_auth_service_offers_the_admin_changes_to_the_admin_pages(
    fresh_db: Database, people: People
) -> None:
    # given the app's own auth service (which runs as the app role, tests/auth/helpers.py)
    service: AuthService = build_app(fresh_db, "http://127.0.0.1:8000").state.auth_service
    # when a member asks for an admin change, then it is refused and nothing changes
    with pytest.raises(AdminWriteRefused):
        await service.update_org(_principal(people.bob, "admin"), timezone="Asia/Tokyo")
    # and when acme's admin asks, both changes are stored
    await service.set_user_role(_principal(people.alice, "admin"), people.carol.user_id, "admin")
    await service.update_org(_principal(people.alice, "admin"), timezone="Asia/Tokyo")
    assert await _column(fresh_db, "users", "role", "id", people.carol.user_id) == "admin"
    assert await _column(fresh_db, "orgs", "timezone", "id", people.alice.org_id) == "Asia/Tokyo"
