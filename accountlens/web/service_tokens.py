"""Admins create internal apps' service tokens beside the connections (Admin → Settings).

The token is made by the ``createServiceToken`` GraphQL mutation, run in-process as the signed-in
admin (the web reaches data only through GraphQL), and shown once on the page that answers the
form, with a Copy button; it is stored nowhere in readable form and never logged. Members get
the mutation's refusal.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from starlette.responses import Response

from accountlens.web import connections_source
from accountlens.web.browser import csrf_ok, current_principal, error_page, render, sign_in_redirect

router = APIRouter(include_in_schema=False)

SERVICE_TOKENS_PATH = "/admin/settings/connections/service-tokens"


@router.post(SERVICE_TOKENS_PATH, response_class=HTMLResponse)
async def create_service_token(request: Request) -> Response:
    principal = await current_principal(request)
    if principal is None:
        return sign_in_redirect(request)
    form = await request.form()
    if not csrf_ok(request, form.get("csrf_token")):
        return error_page(request, "Expired form", "Reload the page and try again.", 403)
    if not principal.is_admin:
        return error_page(request, "Admins only", "Only admins may create service tokens.", 403)
    name, days = str(form.get("name") or ""), str(form.get("days") or "")
    if not days.isdigit():
        return error_page(request, "This token cannot be created", "Pick an expiry.", 400)
    made = await connections_source.create_service_token(request, principal, name, int(days[:6]))
    if isinstance(made, str):
        return error_page(request, "This token cannot be created", made, 400)
    context = {"token": made, "name": " ".join(name.split())}
    return render(request, "service_token.html", context, principal=principal)
