"""Principals of the demo workspace, looked up by the sign-in emails the demo documents."""

from __future__ import annotations

from sqlalchemy import text

from accountlens.auth.principal import Principal
from accountlens.db.engine import Database

#: The demo's personas (see ``accountlens.ingest.demo.cast``), by what they stand for.
DEMO_USERS = {
    "restricted admin": "ada@northwind.example",
    "team member": "grace@northwind.example",
    "account-team member": "alan@northwind.example",
    "narrow member": "katherine@northwind.example",
    "open-org admin": "marie@contoso.example",
    "open-org member": "niels@contoso.example",
}


async def demo_principal(db: Database, email: str) -> Principal:
    async with db.engine.connect() as conn:
        row = (
            await conn.execute(
                text("SELECT id, org_id, role, email, name FROM users WHERE email = :e"),
                {"e": email},
            )
        ).one()
    return Principal(
        user_id=row.id, org_id=row.org_id, role=row.role, email=row.email, name=row.name
    )


async def demo_principals(db: Database) -> dict[str, Principal]:
    return {label: await demo_principal(db, email) for label, email in DEMO_USERS.items()}
