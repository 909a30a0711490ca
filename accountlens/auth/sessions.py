"""Browser sessions in a signed cookie, and the CSRF tokens bound to them.

The cookie holds a random nonce and, once signed in, the user and org ids, signed and
timestamped with itsdangerous (tampering or expiry makes it unreadable). No session table: app
processes stay stateless, and every request re-reads the user, so disabling a user ends their
sessions at once. The nonce is replaced at sign-in (no session fixation) and sign-out.

CSRF: every form carries ``HMAC(secret key, nonce)``. A cross-site page can neither read the
cookie nor compute the token, and SameSite=Lax keeps the cookie off cross-site POSTs anyway.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer

from accountlens.auth.options import AuthOptions


@dataclass(frozen=True, slots=True)
class BrowserSession:
    """What the cookie says; ``user_id`` is None before sign-in."""

    nonce: str
    user_id: uuid.UUID | None = None
    org_id: uuid.UUID | None = None

    @classmethod
    def anonymous(cls) -> BrowserSession:
        return cls(nonce=secrets.token_urlsafe(24))

    @classmethod
    def signed_in(cls, user_id: uuid.UUID, org_id: uuid.UUID) -> BrowserSession:
        return cls(nonce=secrets.token_urlsafe(24), user_id=user_id, org_id=org_id)


class SessionCodec:
    """Reads and writes the session cookie and derives CSRF tokens."""

    def __init__(self, options: AuthOptions) -> None:
        self._options = options
        self._serializer = URLSafeTimedSerializer(options.secret_key, salt="accountlens.session")

    def load(self, cookie: str | None) -> BrowserSession | None:
        if not cookie:
            return None
        try:
            data: Any = self._serializer.loads(
                cookie, max_age=int(self._options.session_ttl.total_seconds())
            )
            nonce = str(data["n"])
            user = data.get("u")
            org = data.get("o")
            return BrowserSession(
                nonce=nonce,
                user_id=uuid.UUID(user) if user else None,
                org_id=uuid.UUID(org) if org else None,
            )
        except (BadSignature, KeyError, TypeError, ValueError):
            return None

    def dump(self, session: BrowserSession) -> str:
        data: dict[str, str] = {"n": session.nonce}
        if session.user_id and session.org_id:
            data["u"] = str(session.user_id)
            data["o"] = str(session.org_id)
        return self._serializer.dumps(data)

    def csrf_token(self, session: BrowserSession) -> str:
        message = f"csrf|{session.nonce}".encode()
        return hmac.new(self._options.secret_key, message, hashlib.sha256).hexdigest()

    def check_csrf(self, session: BrowserSession | None, token: str | None) -> bool:
        if session is None or not token:
            return False
        return hmac.compare_digest(self.csrf_token(session), token)

    def cookie_attributes(self) -> dict[str, Any]:
        """``Response.set_cookie`` arguments: HttpOnly, SameSite=Lax, Secure on https."""
        return {
            "key": self._options.session_cookie_name,
            "max_age": int(self._options.session_ttl.total_seconds()),
            "path": "/",
            "httponly": True,
            "samesite": "lax",
            "secure": self._options.over_https,
        }
