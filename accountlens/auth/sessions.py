"""Browser sessions: a signed cookie that names a server-side session, and CSRF tokens.

The cookie holds a random nonce (for CSRF) and, once signed in, the org and a random session
id, signed and timestamped with itsdangerous (tampering or expiry makes it unreadable). The
session itself is a row of ``web_sessions`` keyed by ``(org_id, HMAC(secret key, session id))``:
every request looks it up on the primary, so deleting the row (sign-out, a password change,
disabling the user, an admin's "sign out everywhere") ends the session on the very next
request on every replica, however long the cookie would still have lived. The id is never
stored, so a database dump cannot be replayed as a cookie. The nonce and the id are replaced
at sign-in (no session fixation) and sign-out.

Between the password and the choice of workspace (one e-mail with accounts in several orgs),
the cookie carries the accounts whose password matched, with its own short deadline; no
session exists until one is chosen.

CSRF: every form carries ``HMAC(secret key, nonce)``. A cross-site page can neither read the
cookie nor compute the token, and SameSite=Lax keeps the cookie off cross-site POSTs anyway.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
import uuid
from dataclasses import dataclass
from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer

from accountlens.auth.options import AuthOptions

#: Most accounts a pending choice carries (the oldest first). Each costs ~100 bytes of cookie,
#: and browsers drop cookies over 4 KiB, which would leave the person unable to sign in at all.
MAX_PENDING_ACCOUNTS = 30


@dataclass(frozen=True, slots=True)
class PendingChoice:
    """Accounts (org, user) whose password just matched, waiting for the person to pick one."""

    accounts: tuple[tuple[uuid.UUID, uuid.UUID], ...]
    since: int  # Unix time of the password check

    def user_in(self, org_id: uuid.UUID) -> uuid.UUID | None:
        return next((user for org, user in self.accounts if org == org_id), None)


@dataclass(frozen=True, slots=True)
class BrowserSession:
    """What the cookie says: ``session_id`` and ``org_id`` are None before sign-in."""

    nonce: str
    org_id: uuid.UUID | None = None
    session_id: str | None = None
    choice: PendingChoice | None = None

    @classmethod
    def anonymous(cls) -> BrowserSession:
        return cls(nonce=secrets.token_urlsafe(24))

    @classmethod
    def signed_in(cls, org_id: uuid.UUID, session_id: str) -> BrowserSession:
        return cls(nonce=secrets.token_urlsafe(24), org_id=org_id, session_id=session_id)

    @classmethod
    def choosing(cls, accounts: tuple[tuple[uuid.UUID, uuid.UUID], ...]) -> BrowserSession:
        choice = PendingChoice(accounts=accounts[:MAX_PENDING_ACCOUNTS], since=int(time.time()))
        return cls(nonce=secrets.token_urlsafe(24), choice=choice)


def new_session_id() -> str:
    """256 random bits: what the cookie carries and the database only ever sees hashed."""
    return secrets.token_urlsafe(32)


def session_id_hash(secret_key: bytes, session_id: str) -> bytes:
    """The ``web_sessions`` key for a session id: keyed, so a dump alone cannot forge one."""
    return hmac.new(secret_key, f"session|{session_id}".encode(), hashlib.sha256).digest()


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
            org = data.get("o")
            session_id = data.get("s")
            return BrowserSession(
                nonce=str(data["n"]),
                org_id=uuid.UUID(org) if org and session_id else None,
                session_id=str(session_id) if org and session_id else None,
                choice=self._choice(data.get("c")),
            )
        except (BadSignature, KeyError, TypeError, ValueError, AttributeError):
            return None

    def _choice(self, raw: Any) -> PendingChoice | None:
        """The pending workspace choice, or None once its deadline has passed."""
        if not raw:
            return None
        since = int(raw["t"])
        if time.time() - since > self._options.workspace_choice_ttl.total_seconds():
            return None
        accounts = tuple((uuid.UUID(org), uuid.UUID(user)) for org, user in raw["a"])
        return PendingChoice(accounts=accounts, since=since)

    def dump(self, session: BrowserSession) -> str:
        data: dict[str, Any] = {"n": session.nonce}
        if session.org_id and session.session_id:
            data["o"] = str(session.org_id)
            data["s"] = session.session_id
        if session.choice is not None:
            data["c"] = {
                "t": session.choice.since,
                "a": [[str(org), str(user)] for org, user in session.choice.accounts],
            }
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
