"""libpq-style TLS parameters in a database URL, for asyncpg.

Managed PostgreSQL services hand out URLs such as ``postgresql://u:p@host/db?sslmode=require``
or ``…?sslmode=verify-full&sslrootcert=/etc/ssl/rds.pem``. SQLAlchemy passes every query
parameter to ``asyncpg.connect()`` as a keyword, which has no ``sslmode``/``sslrootcert``
keywords (it crashed with "unexpected keyword argument 'sslmode'"). We take those parameters
out of the URL and turn them into the one ``ssl`` argument asyncpg does accept, with the
meanings libpq gives them (https://www.postgresql.org/docs/current/libpq-ssl.html).
"""

from __future__ import annotations

import ssl
from pathlib import Path
from typing import Any

from sqlalchemy.engine import URL

#: The libpq parameters we translate (and remove from the URL).
TLS_PARAMETERS = (
    "sslmode",
    "sslrootcert",
    "sslcert",
    "sslkey",
    "sslpassword",
    "sslcrl",
    "sslnegotiation",
)

SSL_MODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")


class DatabaseUrlError(ValueError):
    """A database URL whose TLS parameters cannot mean anything."""


def split_tls_parameters(url: URL) -> tuple[URL, dict[str, Any]]:
    """``url`` without its libpq TLS parameters, and the asyncpg connect arguments they mean."""
    found = {key: url.query[key] for key in TLS_PARAMETERS if key in url.query}
    if not found:
        return url, {}
    values = {key: value if isinstance(value, str) else value[-1] for key, value in found.items()}
    stripped = url.difference_update_query(list(found))
    return stripped, _connect_args(values)


def _connect_args(values: dict[str, str]) -> dict[str, Any]:
    mode = values.get("sslmode", "prefer")
    if mode not in SSL_MODES:
        raise DatabaseUrlError(f"sslmode must be one of {', '.join(SSL_MODES)}, got {mode!r}")
    args: dict[str, Any] = {}
    if values.get("sslnegotiation") == "direct":
        # PostgreSQL ≥ 17: TLS from the first byte, no SSLRequest round trip.
        args["direct_tls"] = True
    if mode == "disable":
        args["ssl"] = False
        return args
    root = values.get("sslrootcert")
    if mode == "require" and root:
        # libpq: "require" with a root certificate verifies the chain, as verify-ca does.
        mode = "verify-ca"
    context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH)
    context.check_hostname = mode == "verify-full"
    if mode in ("verify-ca", "verify-full"):
        context.verify_mode = ssl.CERT_REQUIRED
        if root and root != "system":
            context.load_verify_locations(cafile=_existing(root, "sslrootcert"))
        elif root is None:
            default = Path.home() / ".postgresql" / "root.crt"
            if default.exists():
                context.load_verify_locations(cafile=str(default))
        crl = values.get("sslcrl")
        if crl:
            context.load_verify_locations(cafile=_existing(crl, "sslcrl"))
            context.verify_flags |= ssl.VERIFY_CRL_CHECK_LEAF
    else:
        # require / prefer / allow: encrypt, but (as libpq) do not check who answers.
        context.verify_mode = ssl.CERT_NONE
    cert = values.get("sslcert")
    if cert:
        key = values.get("sslkey")
        context.load_cert_chain(
            _existing(cert, "sslcert"),
            _existing(key, "sslkey") if key else None,
            password=values.get("sslpassword"),
        )
    # For prefer/allow asyncpg needs the mode name: it then tries TLS and falls back to plain
    # text when the server refuses it (a context alone would make TLS mandatory).
    args["ssl"] = mode if mode in ("prefer", "allow") else context
    return args


def _existing(path: str, name: str) -> str:
    if not Path(path).expanduser().is_file():
        raise DatabaseUrlError(f"{name} names no readable file: {path}")
    return str(Path(path).expanduser())
