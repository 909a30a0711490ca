"""The bearer check reads what the reader would read first: a member's book and hidden fields.

The columns are the reader's (``accountlens.resolvers.reader.read_along``), read in the check's
own statement once the token is accepted and the transaction bound (``bearer_query``). They
must be what the reader's own org statement reads, and nothing for a refused token.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import insert

from accountlens.auth import bearer_query, repository, tokens
from accountlens.auth.principal import Principal
from accountlens.auth.request_unit import RequestUnit
from accountlens.db.engine import Database
from accountlens.db.models import Connection, FieldSecurity
from accountlens.resolvers.reader import Reader, read_along
from accountlens.resolvers.visibility import Viewer
from tests.factories import create_account, create_org, create_team, create_user

RESOURCE = "http://testserver/mcp"


async def connect_principal(db: Database, principal: Principal) -> tuple[uuid.UUID, bytes]:
    """A connection of ``principal``'s (straight in the database): its id and token digest."""
    issued = tokens.issue(tokens.ACCESS_TOKEN_PREFIX, b"test-key", principal.org_id)
    now = repository.now()
    async with db.sessions() as session, session.begin():
        await session.execute(
            insert(Connection).values(
                org_id=principal.org_id, id=issued.row_id, user_id=principal.user_id,
                client_id="test", client_name="test", redirect_host="127.0.0.1", scope="read",
                resource=RESOURCE, token_salt=issued.salt, token_hash=issued.digest,
                created_at=now, expires_at=now + timedelta(hours=1),
            )
        )  # fmt: skip
    return issued.row_id, issued.digest


async def _checked(
    db: Database, org_id: uuid.UUID, connection_id: uuid.UUID, digest: bytes
) -> bearer_query.AccessRow | None:
    """The check with the reader's columns, in a unit rolled back afterwards."""
    unit = await RequestUnit.begin(db.read_engine)
    try:
        return await bearer_query.check_in_transaction(
            unit.fetch,
            org_id=org_id,
            connection_id=connection_id,
            digest=digest,
            resources=(RESOURCE,),
            moment=repository.now(),
            bucket=None,
            window=repository.now(),
            along=read_along(),
        )
    finally:
        await unit.end()


async def test_the_check_reads_a_members_book_and_hidden_fields_as_the_reader_would(
    fresh_db: Database,
) -> None:
    # given a member of a restricted org with accounts by ownership, account team and team,
    # another member's account, and a field the org hides from members
    org = await create_org(fresh_db)
    member = await create_user(fresh_db, org)
    other = await create_user(fresh_db, org)
    team = await create_team(fresh_db, org, member.user_id)
    mine = {
        await create_account(fresh_db, org, "Owned", owner=member.user_id),
        await create_account(fresh_db, org, "On its team", account_team=(member.user_id,)),
        await create_account(fresh_db, org, "Team's", team=team),
    }
    await create_account(fresh_db, org, "Not mine", owner=other.user_id)
    async with fresh_db.sessions() as session, session.begin():
        await session.execute(
            insert(FieldSecurity).values(org_id=org, object_type="account", field="industry")
        )
    connection_id, digest = await connect_principal(fresh_db, member)
    # when the token is checked with the reader's columns
    row = await _checked(fresh_db, org, connection_id, digest)
    # then the book and the hidden fields came with it, as the reader's own statement reads them
    assert row is not None
    assert row.accepted
    assert row.org is not None
    along = row.org.along
    assert along is not None
    assert set(along["book"]) == mine
    assert along["hidden"] == [["account", "industry"]]
    own = Reader.open(member, fresh_db)
    await own.org()
    try:
        assert isinstance(own.principal, Viewer)
        assert set(own.principal.book or ()) == mine
        assert [tuple(pair) for pair in along["hidden"]] == own.hidden_rows
    finally:
        await own.close()


async def test_a_refused_token_reads_nothing_along(fresh_db: Database) -> None:
    # given a member who owns an account, and a wrong secret for their connection
    org = await create_org(fresh_db)
    member = await create_user(fresh_db, org)
    await create_account(fresh_db, org, owner=member.user_id)
    connection_id, _ = await connect_principal(fresh_db, member)
    # when the check runs with the reader's columns
    row = await _checked(fresh_db, org, connection_id, b"\x00" * 32)
    # then it refuses, and nothing was read for the layers above
    assert row is not None
    assert not row.accepted
    assert row.org is not None
    assert row.org.along is None


async def test_an_admins_check_reads_no_book(fresh_db: Database) -> None:
    # given an admin of a restricted org who owns an account
    org = await create_org(fresh_db)
    admin = await create_user(fresh_db, org, role="admin")
    await create_account(fresh_db, org, owner=admin.user_id)
    connection_id, digest = await connect_principal(fresh_db, admin)
    # when their token is checked with the reader's columns
    row = await _checked(fresh_db, org, connection_id, digest)
    # then neither a book nor hidden fields were read (an admin sees every account and field)
    assert row is not None
    assert row.org is not None
    assert row.org.along is not None
    assert row.org.along == {"book": None, "hidden": None}
