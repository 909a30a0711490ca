"""What to write in the log when the database is unavailable.

A 503 that says only "the database is unavailable" leaves the operator guessing between a
stopped server, a full pooler, a refused login and a network timeout. The cause named here is
the driver's own message (``connection refused``, ``no more connections allowed``, ``timeout``),
never SQLAlchemy's rendering of the exception, which appends the statement and its parameters.
"""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError

#: Long driver messages are cut: the first line names the cause.
MAX_CAUSE_LENGTH = 300


def failure_cause(exc: BaseException) -> str:
    """``Type: message`` of the failure underneath ``exc``, without SQL or parameters."""
    inner: BaseException = exc
    if isinstance(exc, DBAPIError) and isinstance(exc.orig, BaseException):
        inner = exc.orig
        # The asyncpg adapter wraps the driver's exception once more.
        inner = inner.__cause__ or inner
    message = str(inner).strip().splitlines()[0] if str(inner).strip() else ""
    name = type(inner).__name__
    described = f"{name}: {message}" if message else name
    return described[:MAX_CAUSE_LENGTH]
