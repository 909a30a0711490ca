"""Admin → Field security: which fields of each type members never see (SPEC §4).

The page lists every hideable field of the built-in types with its state and a Hide / Show
button; both go through GraphQL (``fieldSecurity``, ``setFieldHidden``), which enforces who may
change them and writes the admin audit. Plain forms: it works without JavaScript.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.responses import Response

from accountlens.web import admin_source as gql
from accountlens.web.admin import _admin, _admin_form, _refused, _text
from accountlens.web.browser import render

router = APIRouter()

FIELDS_PATH = "/admin/settings/fields"

RULES = """
query FieldSecurityPage {
  fieldSecurity { objectType field label isCustom hidden hiddenAt }
}
"""

SET_HIDDEN = """
mutation SetFieldHidden($type: String!, $field: String!, $hidden: Boolean!) {
  setFieldHidden(objectType: $type, field: $field, hidden: $hidden) { field hidden }
}
"""

_NOTICES = {"hidden": "Hidden from members.", "shown": "Members see it again."}


@router.get(FIELDS_PATH, response_class=HTMLResponse)
async def fields_page(request: Request) -> Response:
    principal = await _admin(request)
    if isinstance(principal, Response):
        return principal
    data = await gql.run(request, principal, RULES)
    if isinstance(data, gql.Refusal):
        return _refused(request, data)
    by_type: dict[str, list[dict[str, Any]]] = {}
    for rule in data["fieldSecurity"]:
        by_type.setdefault(rule["objectType"], []).append(rule)
    notice = _NOTICES.get(request.query_params.get("n", ""))
    context = {"types": list(by_type.items()), "notice": notice}
    return render(request, "admin/fields.html", context, principal=principal)


@router.post(FIELDS_PATH)
async def set_hidden(request: Request) -> Response:
    posted = await _admin_form(request)
    if isinstance(posted, Response):
        return posted
    principal, form = posted
    hidden = _text(form, "hidden") == "true"
    variables = {
        "type": _text(form, "object_type")[:64],
        "field": _text(form, "field")[:128],
        "hidden": hidden,
    }
    data = await gql.run(request, principal, SET_HIDDEN, variables)
    if isinstance(data, gql.Refusal):
        return _refused(request, data)
    return RedirectResponse(f"{FIELDS_PATH}?n={'hidden' if hidden else 'shown'}", status_code=303)
