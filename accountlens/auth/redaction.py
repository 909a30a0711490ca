"""Keep our secrets out of logs, including third-party logs.

authlib logs every issued token at DEBUG ("Issue token {...}"). Rather than trust each library's
log levels, a filter on every ``authlib`` logger rewrites any value shaped like one of our
tokens or codes before the record is emitted, whatever level is configured.
"""

from __future__ import annotations

import logging
import re

_SECRET = re.compile(r"\b(alk|alc)_[0-9A-Za-z]{43}_[0-9A-Za-z]{49}\b")


def redact(text: str) -> str:
    return _SECRET.sub(lambda m: f"{m.group(1)}_[redacted]", text)


class RedactSecrets(logging.Filter):
    """Rewrites the formatted message; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


_FILTER = RedactSecrets()


def protect_loggers(prefix: str = "authlib") -> None:
    """Attach the filter to ``prefix`` and every logger below it that exists (call after import).

    Filters on a parent logger do not see records its children propagate, so each gets one.
    """
    names = [prefix] + [n for n in logging.root.manager.loggerDict if n.startswith(prefix + ".")]
    for name in names:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
