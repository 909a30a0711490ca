"""The GraphQL explorer at ``/graphql``: GraphiQL served from our origin, under our CSP.

Strawberry's own GraphiQL page loads React and GraphiQL from a CDN and boots them with an inline
script; our CSP (``script-src 'self'``) blocks both, and deployments may have no internet. Here the
same assets come from the ``graphene-django-graphiql-static`` package (we import no Django: only
its files are read), and ``/static/graphiql-boot.js`` is ours. Queries go to ``/graphql`` with the
browser session (``application/json``, same origin), so the explorer sees what the person sees.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse

from accountlens.web.browser import current_principal, error_page, render

router = APIRouter(include_in_schema=False)

# The package's files that the page loads, in load order; nothing else of it is served.
ASSETS = {
    "graphiql.min.css": "text/css",
    "react.production.min.js": "text/javascript",
    "react-dom.production.min.js": "text/javascript",
    "graphiql.min.js": "text/javascript",
}


def assets_dir() -> Path:
    return Path(str(files("graphene_django_graphiql_static") / "static"))


@router.get("/static/graphiql/{name}")
async def explorer_asset(name: str) -> FileResponse:
    if name not in ASSETS:
        raise HTTPException(status_code=404)
    return FileResponse(
        assets_dir() / "graphene_django_graphiql_static" / name,
        media_type=ASSETS[name],
        headers={"Cache-Control": "public, max-age=86400"},
    )


async def explorer_page(request: Request) -> HTMLResponse:
    """The explorer for a signed-in browser; anyone else is asked to sign in first."""
    principal = await current_principal(request)
    if principal is None:
        return error_page(
            request,
            "Sign in to use the GraphQL explorer",
            "The explorer runs queries as you, over your browser session.",
            status_code=401,
        )
    return render(request, "graphiql.html", {}, principal=principal)
