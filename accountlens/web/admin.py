"""Admin → People, Teams and Org settings: plain HTML forms (htmx only speeds them up).

Every page and action goes through GraphQL (:mod:`accountlens.web.admin_source`) as the
signed-in admin; members get a 403 page, and another org's user or team is a 404, because
GraphQL answers "not found" for it exactly as for an ID that never existed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.datastructures import FormData
from starlette.responses import Response

from accountlens.auth.principal import Principal
from accountlens.web import admin_source as gql
from accountlens.web.browser import (
    csrf_ok,
    current_principal,
    error_page,
    render,
    sign_in_redirect,
)

router = APIRouter(include_in_schema=False)

USERS_PATH = "/admin/users"
TEAMS_PATH = "/admin/teams"
SETTINGS_PATH = "/admin/settings/org"

_NOTICES = {
    "role": "Role changed.",
    "disabled": "Disabled. Their web sessions have ended and their tokens stop working.",
    "enabled": "Enabled.",
    "signed-out": "Signed out everywhere.",
    "created": "Team created.",
    "renamed": "Team renamed.",
    "deleted": "Team deleted.",
    "added": "Member added.",
    "removed": "Member removed.",
    "saved": "Settings saved.",
}


async def _admin(request: Request) -> Principal | Response:
    principal = await current_principal(request)
    if principal is None:
        return sign_in_redirect(request)
    if not principal.is_admin:
        return error_page(request, "Not allowed", "Only admins may open the admin pages.", 403)
    return principal


async def _form(request: Request) -> FormData | Response:
    form = await request.form()
    if not csrf_ok(request, form.get("csrf_token")):
        return error_page(request, "Expired form", "Reload the page and try again.", 403)
    return form


async def _admin_form(request: Request) -> tuple[Principal, FormData] | Response:
    """The signed-in admin and the form they posted (CSRF-checked), or the page refusing them."""
    principal = await _admin(request)
    if isinstance(principal, Response):
        return principal
    form = await _form(request)
    if isinstance(form, Response):
        return form
    return principal, form


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def _refused(request: Request, refusal: gql.Refusal) -> Response:
    titles = {403: "Not allowed", 404: "Not found", 503: "Temporarily unavailable"}
    return error_page(
        request, titles.get(refusal.status, "Not done"), refusal.message, refusal.status
    )


def _notice(request: Request) -> str | None:
    return _NOTICES.get(request.query_params.get("n", ""))


async def _people(request: Request, principal: Principal) -> dict[str, Any] | gql.Refusal:
    return await gql.run(request, principal, gql.USERS)


async def _admin_with_people(request: Request) -> tuple[Principal, dict[str, Any]] | Response:
    """The signed-in admin and the org's people and teams, or the page that refuses instead."""
    principal = await _admin(request)
    if isinstance(principal, Response):
        return principal
    data = await _people(request, principal)
    if isinstance(data, gql.Refusal):
        return _refused(request, data)
    return principal, data


# --- People ---------------------------------------------------------------------------------


async def _users_page(
    request: Request, principal: Principal, error: str | None = None, status: int = 200
) -> Response:
    data = await _people(request, principal)
    if isinstance(data, gql.Refusal):
        return _refused(request, data)
    teams = {t["id"]: t["name"] for t in data["adminTeams"]}
    context = {"users": data["adminUsers"], "teams": teams, "error": error}
    context["notice"] = _notice(request)
    return render(request, "admin/users.html", context, principal=principal, status_code=status)


@router.get("/admin", include_in_schema=False)
async def admin_index(request: Request) -> Response:
    """Admins land on People; everyone else on MCP Connections (which asks them to sign in)."""
    principal = await current_principal(request)
    admin = principal is not None and principal.is_admin
    return RedirectResponse(USERS_PATH if admin else "/admin/settings/connections", 303)


@router.get(USERS_PATH, response_class=HTMLResponse)
async def users_page(request: Request) -> Response:
    principal = await _admin(request)
    if isinstance(principal, Response):
        return principal
    return await _users_page(request, principal)


@router.post(USERS_PATH + "/invite", response_class=HTMLResponse)
async def invite(request: Request) -> Response:
    posted = await _admin_form(request)
    if isinstance(posted, Response):
        return posted
    principal, form = posted
    variables = {
        "email": _text(form, "email"),
        "name": _text(form, "name"),
        "role": _text(form, "role") or "member",
    }
    data = await gql.run(request, principal, gql.INVITE, variables)
    if isinstance(data, gql.Refusal):
        if data.status != 400:
            return _refused(request, data)
        return await _users_page(request, principal, data.message, 400)
    link = data["inviteUser"]
    return render(request, "admin/link.html", {"link": link}, principal=principal)


def _find(items: list[dict[str, Any]], item_id: str) -> dict[str, Any] | None:
    return next((item for item in items if item["id"] == item_id), None)


@router.get(USERS_PATH + "/{user_id}", response_class=HTMLResponse)
async def user_page(request: Request, user_id: str) -> Response:
    found = await _admin_with_people(request)
    if isinstance(found, Response):
        return found
    principal, data = found
    user = _find(data["adminUsers"], user_id)
    if user is None:
        return error_page(request, "Not found", "There is no such person in your org.", 404)
    teams = {t["id"]: t["name"] for t in data["adminTeams"]}
    context = {"user": user, "teams": teams, "notice": _notice(request), "me": principal}
    return render(request, "admin/user.html", context, principal=principal)


async def _user_action(
    request: Request, user_id: str, document: str, extra: dict[str, Any], notice: str
) -> Response:
    posted = await _admin_form(request)
    if isinstance(posted, Response):
        return posted
    principal, form = posted
    variables = {"userId": user_id[:64], **{k: v(form) for k, v in extra.items()}}
    data = await gql.run(request, principal, document, variables)
    if isinstance(data, gql.Refusal):
        return _refused(request, data)
    if "issuePasswordReset" in data:
        link = data["issuePasswordReset"]
        return render(request, "admin/link.html", {"link": link}, principal=principal)
    chosen = notice if notice != "active" else ("enabled" if variables["active"] else "disabled")
    return RedirectResponse(f"{USERS_PATH}/{quote(user_id, safe='')}?n={chosen}", status_code=303)


@router.post(USERS_PATH + "/{user_id}/role")
async def change_role(request: Request, user_id: str) -> Response:
    return await _user_action(
        request, user_id, gql.SET_ROLE, {"role": lambda f: _text(f, "role")}, "role"
    )


@router.post(USERS_PATH + "/{user_id}/active")
async def set_active(request: Request, user_id: str) -> Response:
    extra = {"active": lambda f: _text(f, "active") == "true"}
    return await _user_action(request, user_id, gql.SET_ACTIVE, extra, "active")


@router.post(USERS_PATH + "/{user_id}/reset", response_class=HTMLResponse)
async def reset(request: Request, user_id: str) -> Response:
    return await _user_action(request, user_id, gql.RESET, {}, "reset")


@router.post(USERS_PATH + "/{user_id}/sign-out")
async def sign_out_everywhere(request: Request, user_id: str) -> Response:
    return await _user_action(request, user_id, gql.SIGN_OUT, {}, "signed-out")


# --- Teams ----------------------------------------------------------------------------------


@router.get(TEAMS_PATH, response_class=HTMLResponse)
async def teams_page(request: Request) -> Response:
    found = await _admin_with_people(request)
    if isinstance(found, Response):
        return found
    principal, data = found
    context = {"teams": data["adminTeams"], "notice": _notice(request), "error": None}
    return render(request, "admin/teams.html", context, principal=principal)


@router.get(TEAMS_PATH + "/{team_id}", response_class=HTMLResponse)
async def team_page(request: Request, team_id: str) -> Response:
    found = await _admin_with_people(request)
    if isinstance(found, Response):
        return found
    principal, data = found
    team = _find(data["adminTeams"], team_id)
    if team is None:
        return error_page(request, "Not found", "There is no such team in your org.", 404)
    members = [u for u in data["adminUsers"] if u["id"] in team["memberIds"]]
    others = [u for u in data["adminUsers"] if u["id"] not in team["memberIds"]]
    context = {"team": team, "members": members, "others": others, "notice": _notice(request)}
    return render(request, "admin/team.html", context, principal=principal)


def _team_path(team_id: str) -> str:
    return f"{TEAMS_PATH}/{quote(team_id, safe='')}"


async def _team_action(
    request: Request,
    document: str,
    variables_of: Callable[[FormData], dict[str, Any]],
    target: str,
    notice: str,
) -> Response:
    """Every team form: the CSRF check, then the admin check, one mutation, a redirect with
    ``?n=<notice>`` to ``target`` (to the new team's page after a create)."""
    form = await _form(request)
    if isinstance(form, Response):
        return form
    principal = await _admin(request)
    if isinstance(principal, Response):
        return principal
    data = await gql.run(request, principal, document, variables_of(form))
    if isinstance(data, gql.Refusal):
        return _refused(request, data)
    if "createTeam" in data:
        target = _team_path(data["createTeam"]["id"])
    return RedirectResponse(f"{target}?n={notice}", status_code=303)


@router.post(TEAMS_PATH)
async def create_team(request: Request) -> Response:
    return await _team_action(
        request, gql.CREATE_TEAM, lambda f: {"name": _text(f, "name")}, TEAMS_PATH, "created"
    )


@router.post(TEAMS_PATH + "/{team_id}/rename")
async def rename_team(request: Request, team_id: str) -> Response:
    return await _team_action(
        request,
        gql.RENAME_TEAM,
        lambda f: {"id": team_id[:64], "name": _text(f, "name")},
        _team_path(team_id),
        "renamed",
    )


@router.post(TEAMS_PATH + "/{team_id}/delete")
async def delete_team(request: Request, team_id: str) -> Response:
    return await _team_action(
        request, gql.DELETE_TEAM, lambda _: {"id": team_id[:64]}, TEAMS_PATH, "deleted"
    )


def _membership(team_id: str) -> Callable[[FormData], dict[str, Any]]:
    """The variables of adding or removing one member: the team and the form's ``user_id``."""
    return lambda form: {"teamId": team_id[:64], "userId": _text(form, "user_id")[:64]}


@router.post(TEAMS_PATH + "/{team_id}/members")
async def add_member(request: Request, team_id: str) -> Response:
    return await _team_action(
        request, gql.ADD_MEMBER, _membership(team_id), _team_path(team_id), "added"
    )


@router.post(TEAMS_PATH + "/{team_id}/members/remove")
async def remove_member(request: Request, team_id: str) -> Response:
    return await _team_action(
        request, gql.REMOVE_MEMBER, _membership(team_id), _team_path(team_id), "removed"
    )


# --- Org settings ---------------------------------------------------------------------------


async def _settings_page(
    request: Request, principal: Principal, error: str | None = None, status: int = 200
) -> Response:
    data = await gql.run(request, principal, gql.SETTINGS)
    if isinstance(data, gql.Refusal):
        return _refused(request, data)
    context = {
        "org": data["orgSettings"],
        "log": data["adminAuditLog"],
        "notice": _notice(request),
        "error": error,
    }
    return render(request, "admin/settings.html", context, principal=principal, status_code=status)


@router.get(SETTINGS_PATH, response_class=HTMLResponse)
async def settings_page(request: Request) -> Response:
    principal = await _admin(request)
    if isinstance(principal, Response):
        return principal
    return await _settings_page(request, principal)


@router.post(SETTINGS_PATH, response_class=HTMLResponse)
async def save_settings(request: Request) -> Response:
    posted = await _admin_form(request)
    if isinstance(posted, Response):
        return posted
    principal, form = posted
    days_text = _text(form, "token_lifetime_days").strip()
    if days_text and not (days_text.isdigit() and len(days_text) <= 4):
        return await _settings_page(request, principal, "The ceiling is a number of days.", 400)
    variables = {
        "visibility": _text(form, "account_visibility"),
        "timezone": _text(form, "timezone"),
        "days": int(days_text) if days_text else None,
    }
    data = await gql.run(request, principal, gql.UPDATE_SETTINGS, variables)
    if isinstance(data, gql.Refusal):
        if data.status != 400:
            return _refused(request, data)
        return await _settings_page(request, principal, data.message, 400)
    return RedirectResponse(f"{SETTINGS_PATH}?n=saved", status_code=303)
