"""Importing transcript rows: linking each meeting to its people and account by e-mail.

A participant's e-mail names one of our users or a customer contact (people); e-mails nobody
has are outsiders and stay unlinked. The account is, in this order: the ``account`` external
ID (which must exist), the ``account_domain`` (which must match an account's domain), the
account most of the linked contacts belong to, or the account whose domain the outsiders'
e-mails share. Everything else (passages, vectors, upserts) is what documents get.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, any_, func, nulls_last, select
from sqlalchemy.ext.asyncio import AsyncConnection

from accountlens.db.models import Account, Person, User
from accountlens.ingest.importer.documents import PassageSpec
from accountlens.ingest.importer.load import ChildRows, table_of, text_array
from accountlens.ingest.importer.records import ImportContext, RowError
from accountlens.ingest.importer.resolve import Ref, Resolved
from accountlens.ingest.importer.specs_crm import optional_ref
from accountlens.ingest.importer.transcripts.folder import LABEL
from accountlens.ingest.importer.transcripts.meeting import TranscriptRow

_USERS = table_of(User)
_PEOPLE = table_of(Person)
_ACCOUNTS = table_of(Account)


def _domain_of(email: str) -> str:
    return email.rsplit("@", 1)[-1].lower()


def _bare(column: ColumnElement[str | None]) -> ColumnElement[str]:
    """An account's domain as ``bare_domain`` writes it (no scheme, www. or trailing slash)."""
    stripped = func.regexp_replace(func.lower(column), r"^(https?://)?(www\.)?", "")
    return func.rtrim(stripped, "/")


class TranscriptSpec(PassageSpec[TranscriptRow]):
    """The transcripts of a ``--source transcripts`` folder."""

    file = LABEL
    model = TranscriptRow

    def __init__(self) -> None:
        super().__init__()
        self._users: dict[str, uuid.UUID] = {}
        #: Per e-mail: the contact and their account.
        self._people: dict[str, tuple[uuid.UUID, uuid.UUID]] = {}
        self._domains: dict[str, uuid.UUID] = {}

    async def prepare(
        self, conn: AsyncConnection, ctx: ImportContext, rows: Sequence[TranscriptRow]
    ) -> None:
        emails = sorted({a.email.lower() for row in rows for a in row.attendees})
        domains = {row.account_domain for row in rows if row.account_domain}
        domains |= {_domain_of(email) for email in emails}
        if emails:
            users = await conn.execute(
                select(func.lower(_USERS.c.email), _USERS.c.id).where(
                    _USERS.c.org_id == ctx.org_id,
                    func.lower(_USERS.c.email) == any_(text_array(emails)),
                )
            )
            self._users.update({email: id_ for email, id_ in users})
            people = await conn.execute(
                select(func.lower(_PEOPLE.c.email), _PEOPLE.c.id, _PEOPLE.c.account_id)
                .where(
                    _PEOPLE.c.org_id == ctx.org_id,
                    func.lower(_PEOPLE.c.email) == any_(text_array(emails)),
                )
                # Two contacts with one e-mail: the first by external ID, every time.
                .order_by(nulls_last(_PEOPLE.c.external_id), _PEOPLE.c.id)
            )
            for email, person, account in people:
                self._people.setdefault(email, (person, account))
        if domains:
            bare = _bare(_ACCOUNTS.c.domain)
            accounts = await conn.execute(
                select(bare, _ACCOUNTS.c.id)
                .where(_ACCOUNTS.c.org_id == ctx.org_id, bare == any_(text_array(sorted(domains))))
                .order_by(nulls_last(_ACCOUNTS.c.external_id), _ACCOUNTS.c.id)
            )
            for domain, account in accounts:
                self._domains.setdefault(domain, account)

    def refs(self, row: TranscriptRow) -> list[Ref]:
        return optional_ref("account", "account", row.account)

    def values(self, row: TranscriptRow, refs: Resolved) -> dict[str, Any]:
        values = super().values(row, refs)
        if values["account_id"] is None:
            values["account_id"] = self._account_of(row)
        return values

    def _account_of(self, row: TranscriptRow) -> uuid.UUID | None:
        if row.account_domain:
            found = self._domains.get(row.account_domain)
            if found is None:
                raise RowError(f"account_domain: no account has the domain '{row.account_domain}'")
            return found
        emails = [attendee.email.lower() for attendee in row.attendees]
        accounts = Counter(self._people[e][1] for e in emails if e in self._people)
        if accounts:
            return accounts.most_common(1)[0][0]  # ties: the first participant's account
        outsiders = [e for e in emails if e not in self._users]
        by_domain = Counter(
            self._domains[_domain_of(e)] for e in outsiders if _domain_of(e) in self._domains
        )
        return by_domain.most_common(1)[0][0] if by_domain else None

    def members(self, row: TranscriptRow, refs: Resolved) -> dict[str, ChildRows]:
        people: ChildRows = {}
        for attendee in row.attendees:
            email = attendee.email.lower()
            if email in self._users:
                people[(self._users[email], None)] = ()
            elif email in self._people:
                people[(None, self._people[email][0])] = ()
        return {"participants": people}
