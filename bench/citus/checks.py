"""What ``python -m bench.citus`` asks of the real server on the cluster, against a single node.

Both servers hold the same deterministic demo (same seed, same primary keys), so the single
embedded node is the oracle: every call must succeed on both and answer the same (deep links
aside, which name each server's address). On top of that, org isolation is checked directly:
no record listed to one org's users is listed to the other's, and asking for the other org's
records by id finds nothing.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from bench.fault.revocation import revoke_in_web_ui
from bench.load.connect import mint_token, register_client
from bench.load.mcp_client import CallResult, call_tool
from bench.load.workload import UserMix, build_mix

#: Every demo persona that reads differently (SPEC §4), with its org.
PERSONAS: dict[str, tuple[str, str, str]] = {
    "restricted admin": ("ada@northwind.example", "admin", "northwind"),
    "team member": ("grace@northwind.example", "member", "northwind"),
    "account-team member": ("alan@northwind.example", "member", "northwind"),
    "narrow member": ("katherine@northwind.example", "member", "northwind"),
    "open-org admin": ("marie@contoso.example", "admin", "contoso"),
    "open-org member": ("niels@contoso.example", "member", "contoso"),
}
#: Every type ``list_objects`` lists (documents are reached by search, users and teams by
#: lookups).
OBJECT_TYPES = ("account", "person", "opportunity", "activity", "ticket", "task", "project")
PAGE = 100


@dataclass
class Outcome:
    """Named checks, each passed or failed with a reason."""

    results: list[tuple[str, bool, str]] = field(default_factory=list)

    def check(self, name: str, passed: bool, detail: str = "") -> bool:
        self.results.append((name, passed, detail))
        return passed

    @property
    def failed(self) -> list[tuple[str, bool, str]]:
        return [r for r in self.results if not r[1]]


@dataclass
class Side:
    """One server (the cluster's or the single node's) and the tokens minted on it."""

    name: str
    base_url: str
    tokens: dict[str, str] = field(default_factory=dict)
    timings: dict[str, list[float]] = field(default_factory=dict)

    def normal(self, result: CallResult) -> str:
        """The answer without this server's address and the time it was given at."""
        answer = dict(result.structured or {})
        answer.pop("as_of", None)
        return json.dumps(answer, sort_keys=True).replace(self.base_url, "<server>")


async def mint_all(side: Side) -> None:
    client_id = await register_client(side.base_url, "AccountLens citus check")
    for label, (email, role, _) in PERSONAS.items():
        side.tokens[label] = await mint_token(side.base_url, client_id, email, role)


async def _listed(http: httpx.AsyncClient, token: str, object_type: str) -> tuple[list[str], bool]:
    """Every id ``list_objects`` returns for ``object_type``, paging to the end; ok flag."""
    ids: list[str] = []
    cursor = None
    while True:
        arguments: dict[str, Any] = {"object_type": object_type, "limit": PAGE}
        if cursor:
            arguments["cursor"] = cursor
        result = await call_tool(http, token, "list_objects", arguments)
        if not result.ok or result.structured is None:
            return ids, False
        ids.extend(r["id"] for r in result.structured.get("records", []))
        cursor = result.structured.get("next_cursor")
        if not cursor:
            return ids, True


async def matrix(cluster: Side, single: Side, outcome: Outcome) -> None:
    """Every persona × every object type: the same ids as the single node, none of the other
    org's; and the other org's ids, asked for directly, are not found."""
    seen: dict[str, set[str]] = {"northwind": set(), "contoso": set()}
    async with (
        httpx.AsyncClient(base_url=cluster.base_url, timeout=60) as on_cluster,
        httpx.AsyncClient(base_url=single.base_url, timeout=60) as on_single,
    ):
        for label, (_, _, org) in PERSONAS.items():
            for object_type in OBJECT_TYPES:
                # Untimed, so both servers may work at once.
                (got, ok), (want, _) = await asyncio.gather(
                    _listed(on_cluster, cluster.tokens[label], object_type),
                    _listed(on_single, single.tokens[label], object_type),
                )
                outcome.check(
                    f"matrix {label} × {object_type}",
                    ok and sorted(got) == sorted(want),
                    f"cluster {len(got)} ids, single node {len(want)}",
                )
                seen[org].update(got)
        overlap = seen["northwind"] & seen["contoso"]
        outcome.check("no record listed to both orgs", not overlap, f"{len(overlap)} shared")
        outcome.check(
            "both orgs see records on the cluster",
            bool(seen["northwind"]) and bool(seen["contoso"]),
            f"northwind {len(seen['northwind'])}, contoso {len(seen['contoso'])}",
        )
        for label, (_, _, org) in PERSONAS.items():
            other = sorted(seen["contoso" if org == "northwind" else "northwind"])[:50]
            result = await call_tool(on_cluster, cluster.tokens[label], "get_objects",
                                     {"ids": other})  # fmt: skip
            records = (result.structured or {}).get("records") or []
            outcome.check(
                f"cross-org lookup by id finds nothing ({label})",
                result.status == 200 and bool(other) and not records,
                f"{len(records)} of {len(other)} foreign ids answered (HTTP {result.status})",
            )


async def questions(cluster: Side, single: Side, outcome: Outcome, rounds: int) -> None:
    """The four SPEC §1 questions, searches and semantic search for every persona, compared
    with the single node; every call is timed ``rounds`` times on each side."""
    async with (
        httpx.AsyncClient(base_url=cluster.base_url, timeout=60) as on_cluster,
        httpx.AsyncClient(base_url=single.base_url, timeout=60) as on_single,
    ):
        for label, (email, role, _) in PERSONAS.items():
            mix_c = await build_mix(on_cluster, UserMix(label, email, role, cluster.tokens[label]))
            mix_s = await build_mix(on_single, UserMix(label, email, role, single.tokens[label]))
            for call_c, call_s in zip(mix_c.calls, mix_s.calls, strict=True):
                answers = []
                for side, http, call, token in (
                    (cluster, on_cluster, call_c, mix_c.token),
                    (single, on_single, call_s, mix_s.token),
                ):
                    result = None
                    for _ in range(rounds):
                        started = time.perf_counter()
                        result = await call_tool(http, token, call.tool, call.arguments)
                        elapsed = (time.perf_counter() - started) * 1000
                        side.timings.setdefault(call.label, []).append(elapsed)
                    assert result is not None
                    answers.append((result, side.normal(result)))
                (got, got_text), (want, want_text) = answers
                outcome.check(
                    f"{call_c.label} ({label})",
                    got.ok and want.ok and got_text == want_text,
                    "" if got_text == want_text else f"cluster: {got_text[:160]}",
                )


async def _probe(http: httpx.AsyncClient, token: str) -> int:
    result = await call_tool(http, token, "list_objects", {"object_type": "account", "limit": 1})
    return 0 if result.status == 200 and not result.ok else result.status


async def revocation(cluster: Side, outcome: Outcome) -> None:
    """A client revokes its token (RFC 7009), an admin revokes one in the web UI: the very
    next call with each is refused."""
    client_id = await register_client(cluster.base_url, "AccountLens citus victim")
    email, role, _ = PERSONAS["narrow member"]
    for how in ("RFC 7009 /oauth/revoke", "an admin in the web UI"):
        token = await mint_token(cluster.base_url, client_id, email, role)
        async with httpx.AsyncClient(base_url=cluster.base_url, timeout=30) as http:
            before = await _probe(http, token)
            if how.startswith("RFC"):
                revoked = await http.post(
                    "/oauth/revoke",
                    data={"token": token, "token_type_hint": "access_token",
                          "client_id": client_id},
                )  # fmt: skip
                status = revoked.status_code
            else:
                admin_email, admin_role, _ = PERSONAS["restricted admin"]
                status = await revoke_in_web_ui(http, token, (admin_email, admin_role))
            after = await _probe(http, token)
        outcome.check(
            f"revocation by {how}",
            (before, status, after) == (200, 200, 401),
            f"before {before}, revoke {status}, after {after}",
        )


def p50(side: Side) -> float:
    """The median over every timed call of the side (milliseconds)."""
    return statistics.median(t for times in side.timings.values() for t in times)
