"""What did the assistant see: the tool calls admins (whole org) or members (their own) may see.

Filters by person, client, tool and a date range (UTC days, both ends inclusive); 50 calls a
page, keyset-paged ("Older calls" carries the cursor); each call lists the record IDs it
returned, linked to their pages. ``/activity.csv`` exports the filtered set (every page, up to
``ACCOUNTLENS_AUDIT_EXPORT_MAX_ROWS`` rows).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, StreamingResponse
from starlette.responses import Response

from accountlens.auth.api import get_auth_service
from accountlens.auth.principal import Principal
from accountlens.web import admin_source as gql
from accountlens.web.browser import current_principal, error_page, render, sign_in_redirect

router = APIRouter(include_in_schema=False)

ACTIVITY_PATH = "/activity"
PAGE_SIZE = 50
CSV_COLUMNS = (
    "called_at", "user", "client_id", "client_name", "tool", "outcome", "error_code",
    "result_count", "record_ids", "arguments",
)  # fmt: skip


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _variables(request: Request) -> tuple[dict[str, Any], dict[str, str]] | None:
    """GraphQL variables and the filter as the form shows it; None for a malformed date."""
    params = request.query_params
    shown = {k: params.get(k, "")[:200] for k in ("user", "client", "tool", "from", "to")}
    since, until = _day(shown["from"]), _day(shown["to"])
    if (shown["from"] and since is None) or (shown["to"] and until is None):
        return None
    variables: dict[str, Any] = {
        "userId": shown["user"] or None,
        "clientId": shown["client"] or None,
        "tool": shown["tool"] or None,
        "since": datetime.combine(since, time(), UTC).isoformat() if since else None,
        # "to" is inclusive: calls before the start of the next day.
        "until": (datetime.combine(until, time(), UTC) + timedelta(days=1)).isoformat()
        if until
        else None,
    }
    return variables, shown


async def _page(
    request: Request, principal: Principal, variables: dict[str, Any], first: int, after: str | None
) -> dict[str, Any] | gql.Refusal:
    data = await gql.run(
        request, principal, gql.AUDIT, {**variables, "first": first, "after": after}
    )
    return data if isinstance(data, gql.Refusal) else data["toolCallAudit"]


@router.get(ACTIVITY_PATH, response_class=HTMLResponse)
async def activity(request: Request) -> Response:
    principal = await current_principal(request)
    if principal is None:
        return sign_in_redirect(request)
    parsed = _variables(request)
    if parsed is None:
        return error_page(request, "Not a date", "Dates are written 2026-12-31.", 400)
    variables, shown = parsed
    after = request.query_params.get("after") or None
    page = await _page(request, principal, variables, PAGE_SIZE, after)
    if isinstance(page, gql.Refusal):
        return error_page(request, "Not shown", page.message, page.status)
    choices = await gql.run(request, principal, gql.AUDIT_FILTERS)
    if isinstance(choices, gql.Refusal):
        return error_page(request, "Not shown", choices.message, choices.status)
    filters = {k: v for k, v in shown.items() if v}
    older = None
    if page["hasNextPage"]:
        older = f"{ACTIVITY_PATH}?{urlencode({**filters, 'after': page['endCursor']})}"
    context = {
        "calls": page["nodes"],
        "shown": shown,
        "choices": choices["toolCallAuditFilters"],
        "older": older,
        "first_page": f"{ACTIVITY_PATH}?{urlencode(filters)}" if after else None,
        "csv": f"{ACTIVITY_PATH}.csv?{urlencode(filters)}",
    }
    return render(request, "activity.html", context, principal=principal)


@router.get(ACTIVITY_PATH + ".csv")
async def activity_csv(request: Request) -> Response:
    principal = await current_principal(request)
    if principal is None:
        return sign_in_redirect(request)
    parsed = _variables(request)
    if parsed is None:
        return error_page(request, "Not a date", "Dates are written 2026-12-31.", 400)
    variables, _ = parsed
    limit = get_auth_service(request).options.audit_export_max_rows
    first = await _page(request, principal, variables, min(200, limit), None)
    if isinstance(first, gql.Refusal):
        return error_page(request, "Not exported", first.message, first.status)

    async def rows() -> AsyncIterator[str]:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(CSV_COLUMNS)
        page: dict[str, Any] | gql.Refusal = first
        written = 0
        while isinstance(page, dict):
            for call in page["nodes"][: limit - written]:
                writer.writerow(_csv_row(call))
                written += 1
            yield out.getvalue()
            out.seek(0)
            out.truncate()
            if not page["hasNextPage"] or written >= limit:
                return
            size = min(200, limit - written)
            page = await _page(request, principal, variables, size, page["endCursor"])

    headers = {
        "Content-Disposition": 'attachment; filename="accountlens-activity.csv"',
        "Cache-Control": "no-store",
    }
    return StreamingResponse(rows(), media_type="text/csv; charset=utf-8", headers=headers)


def _csv_row(call: dict[str, Any]) -> list[str]:
    """One CSV line; cells a spreadsheet would run as a formula are quoted with a leading '."""
    cells = [
        call["calledAt"], call["userEmail"], call["clientId"] or "", call["clientName"] or "",
        call["tool"], call["outcome"], call["errorCode"] or "",
        "" if call["resultCount"] is None else str(call["resultCount"]),
        " ".join(call["recordIds"]), json.dumps(call["arguments"], ensure_ascii=False),
    ]  # fmt: skip
    return ["'" + c if c[:1] in ("=", "+", "-", "@", "\t", "\r") else c for c in cells]
