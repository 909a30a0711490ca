"""The boundary check for text a stranger sends to the authorization server and its pages.

PostgreSQL refuses a NUL byte in ``text``, and asyncpg cannot encode a lone surrogate (JSON's
``"\\ud800"``), so either one used to reach the database and come back as a 500 whose traceback
carried the statement's parameters (an e-mail, on sign-in). One router dependency checks every
query and form value of these routes before a handler runs; JSON bodies are checked by
:func:`loads_untrusted_json`, which also refuses nesting deep enough to exhaust the recursion
limit of ``json.loads``. Nothing here logs what it refuses.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from fastapi import Request

MAX_JSON_DEPTH = 32
"""Deeper than any client metadata needs, far below the parser's recursion limit."""

_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class UnstorableInputError(ValueError):
    """A parameter holds a NUL byte or text that is not valid Unicode; the message says so."""

    def __init__(self) -> None:
        super().__init__("a parameter contains a NUL byte or text that is not valid UTF-8")


class UntrustedJsonError(ValueError):
    """A body that is not JSON, is nested too deeply, or holds unstorable text."""


def is_storable(text: str) -> bool:
    """False for text holding a NUL byte or a lone surrogate."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def check_texts(texts: Iterable[str]) -> None:
    """Raise :class:`UnstorableInputError` if any of ``texts`` cannot be stored."""
    if not all(is_storable(text) for text in texts):
        raise UnstorableInputError


async def refuse_unstorable_input(request: Request) -> None:
    """Router dependency: every query and form name and value must be storable text.

    Starlette caches the parsed form on the request, so the handler's own ``request.form()``
    costs nothing more.
    """
    query = request.query_params
    check_texts(query.keys())
    check_texts(query.values())
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if request.method == "POST" and content_type in _FORM_TYPES:
        form = await request.form()
        check_texts(form.keys())
        check_texts(value for value in form.values() if isinstance(value, str))


def _depth_within(body: str, limit: int) -> bool:
    """Whether brackets outside strings never nest deeper than ``limit``."""
    depth = 0
    in_string = False
    escaped = False
    for ch in body:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > limit:
                return False
        elif ch in "]}":
            depth -= 1
    return True


def _storable_tree(value: Any) -> bool:
    if isinstance(value, str):
        return is_storable(value)
    if isinstance(value, dict):
        return all(is_storable(k) and _storable_tree(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_storable_tree(item) for item in value)
    return True


def loads_untrusted_json(body: bytes, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """``json.loads`` for a stranger's body: shallow, valid UTF-8, no NUL, no lone surrogate."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UntrustedJsonError("the body is not UTF-8") from exc
    if not _depth_within(text, max_depth):
        raise UntrustedJsonError(f"JSON nested deeper than {max_depth} levels")
    try:
        value = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise UntrustedJsonError("the body is not JSON") from exc
    if not _storable_tree(value):
        raise UntrustedJsonError("a value contains a NUL byte or text that is not valid UTF-8")
    return value
