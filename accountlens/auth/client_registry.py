"""Dynamic client registration behind the endpoint: deduplication, limits, garbage collection.

A deployment used from Claude.ai sees every user's registration come from Anthropic's egress
range, and Claude registers again on most connection attempts. So:

* identical registrations (same metadata as we would register it: name, redirect URIs, grant
  and response types, auth method, scope, client URI) share one client: the existing client is
  re-issued and nothing is counted. Public clients have no secret, so sharing leaks nothing;
* only *new* clients count, per address (high by default) and against a global ceiling, in
  PostgreSQL buckets every replica shares; a refusal says when the bucket really frees;
* each new registration first deletes a batch of clients that never got a token and were last
  registered longer ago than the configured age, so open registration cannot fill the table.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass

from accountlens.auth import repository
from accountlens.auth.api import RegisteredClient
from accountlens.auth.options import AuthOptions
from accountlens.auth.registration import registration_response
from accountlens.db.engine import Database

GLOBAL_BUCKET = "register-all"
GC_BATCH = 100


@dataclass(frozen=True, slots=True)
class Registered:
    client: RegisteredClient
    issued_at: int


@dataclass(frozen=True, slots=True)
class Refused:
    retry_after: int
    description: str


def fingerprint(client: RegisteredClient) -> str:
    """A hash of what the registration response says about the client, minus its id."""
    body = registration_response(client, 0)
    body.pop("client_id", None)
    body.pop("client_id_issued_at", None)
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


class ClientRegistry:
    """Registers clients over the database, applying the design above."""

    def __init__(self, database: Callable[[], Database], options: AuthOptions) -> None:
        self._database = database
        self.options = options

    async def register(self, client: RegisteredClient, address: str) -> Registered | Refused:
        options = self.options
        key = fingerprint(client)
        async with self._database().sessions() as session:
            found = await repository.reregister_client(session, key)
            if found is not None:
                await session.commit()
                return Registered(found[0], int(found[1].timestamp()))
            limits = (
                (
                    repository.limiter_key("register-ip", address),
                    options.registrations_per_address,
                    "from this address",
                ),
                (GLOBAL_BUCKET, options.registrations_global, "on this server"),
            )
            for bucket, rule, where in limits:
                wait = await repository.take(session, bucket, rule)
                if wait is not None:
                    await session.rollback()  # a hit taken from the other bucket is undone
                    return Refused(
                        wait,
                        f"at most {rule.limit} new clients per "
                        f"{int(rule.window.total_seconds())} s {where}; retry in {wait} s",
                    )
            await repository.delete_unused_clients(
                session, repository.now() - options.unused_client_max_age, GC_BATCH
            )
            stored, created_at = await repository.add_client(session, client, key)
            await session.commit()
        return Registered(stored, int(created_at.timestamp()))
