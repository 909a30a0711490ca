"""Wiring the authorization server into the app."""

from __future__ import annotations

from fastapi import FastAPI

from accountlens.auth.admin import AdminService
from accountlens.auth.endpoints import router, unstorable_input_response
from accountlens.auth.options import AuthOptions
from accountlens.auth.resource import BearerGuard, ConnectionTokenVerifier
from accountlens.auth.service import DatabaseAuthService
from accountlens.auth.untrusted_input import UnstorableInputError
from accountlens.config import Settings
from accountlens.db.engine import Database


def configure_auth(app: FastAPI, options: AuthOptions) -> DatabaseAuthService:
    """Put a service built with ``options`` on ``app.state.auth_service`` (tests re-run it)."""

    def database() -> Database:
        db: Database = app.state.db
        return db

    service = DatabaseAuthService(database, options)
    app.state.auth_service = service
    app.state.admin_service = AdminService(database, options)
    return service


def install_auth(app: FastAPI, settings: Settings) -> DatabaseAuthService:
    """Add the OAuth endpoints and the auth service, configured from ``settings``.

    The credentials check of ``/mcp`` and ``/graphql`` is a layer of the app's middleware
    stack (:class:`~accountlens.auth.request_principal.RequestPrincipal`, in ``accountlens.app``).
    """
    app.include_router(router)
    # The web pages answer their own subclass with an HTML page (accountlens.web.install).
    app.add_exception_handler(UnstorableInputError, unstorable_input_response)
    return configure_auth(app, AuthOptions.from_settings(settings))


def token_verifier(app: FastAPI) -> ConnectionTokenVerifier:
    """The app's token verifier (what ``BearerGuard`` checks tokens with)."""
    service: DatabaseAuthService = app.state.auth_service
    return service.verifier


__all__ = ["BearerGuard", "configure_auth", "install_auth", "token_verifier"]
