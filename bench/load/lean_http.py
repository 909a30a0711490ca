"""A lean HTTP/1.1 client for the load driver: keep-alive POSTs over asyncio streams.

The driver shares the machine's two cores with the systems it measures, so every millisecond of
CPU it spends per call is taken from them. ``httpx`` costs about 1.5 ms of client CPU per tool
call (16 clients against a server that answers at once, measured on this machine); this client
writes the request bytes itself and reads a ``Content-Length`` (or chunked) answer, about a
tenth of that. It speaks only what the load needs: POST, keep-alive, one request at a time per
connection, at most ``max_connections`` connections. Anything else stays with ``httpx`` (OAuth,
the census, the recall step).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from types import TracebackType
from urllib.parse import urlsplit

_Stream = tuple[asyncio.StreamReader, asyncio.StreamWriter]


class LeanHttpError(Exception):
    """The connection failed or the answer was not HTTP/1.1 the client understands."""


@dataclass(frozen=True, slots=True)
class LeanResponse:
    """The parts of an answer the driver reads (named as ``httpx.Response``'s)."""

    status_code: int
    content: bytes


class LeanClient:
    """Keep-alive POSTs to one ``http://host:port`` base URL."""

    def __init__(self, base_url: str, max_connections: int, timeout: float = 60.0) -> None:
        url = urlsplit(base_url)
        if url.scheme != "http" or url.hostname is None:
            raise ValueError(f"the lean client speaks plain http only, not {base_url!r}")
        self._host = url.hostname
        self._port = url.port or 80
        self._authority = url.netloc.encode()
        self._timeout = timeout
        self._idle: list[_Stream] = []
        self._slots = asyncio.Semaphore(max_connections)

    async def __aenter__(self) -> LeanClient:
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        idle, self._idle = self._idle, []
        for _, writer in idle:
            writer.close()

    async def post(self, path: str, *, content: bytes, headers: Mapping[str, str]) -> LeanResponse:
        """POST ``content`` to ``path``; a kept-alive connection the server closed meanwhile
        (uvicorn closes idle ones after 5 s) is replaced once, transparently."""
        lines = [f"POST {path} HTTP/1.1", f"Host: {self._authority.decode()}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        lines.append(f"Content-Length: {len(content)}")
        request = ("\r\n".join(lines) + "\r\n\r\n").encode() + content
        async with self._slots:
            reused = bool(self._idle)
            stream = self._idle.pop() if reused else await self._open()
            try:
                response, keep = await self._exchange(stream, request)
            except (OSError, asyncio.IncompleteReadError, LeanHttpError) as exc:
                stream[1].close()
                if not reused:
                    raise LeanHttpError(repr(exc)) from exc
                stream = await self._open()
                try:
                    response, keep = await self._exchange(stream, request)
                except (OSError, asyncio.IncompleteReadError, LeanHttpError) as again:
                    stream[1].close()
                    raise LeanHttpError(repr(again)) from again
            if keep:
                self._idle.append(stream)
            else:
                stream[1].close()
            return response

    async def _open(self) -> _Stream:
        try:
            async with asyncio.timeout(self._timeout):
                return await asyncio.open_connection(self._host, self._port)
        except (OSError, TimeoutError) as exc:
            raise LeanHttpError(repr(exc)) from exc

    async def _exchange(self, stream: _Stream, request: bytes) -> tuple[LeanResponse, bool]:
        reader, writer = stream
        async with asyncio.timeout(self._timeout):
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            status_line, *header_lines = head[:-4].split(b"\r\n")
            if not status_line.startswith(b"HTTP/1.1 "):
                raise LeanHttpError(f"not an HTTP/1.1 answer: {status_line[:40]!r}")
            status = int(status_line[9:12])
            fields: dict[bytes, bytes] = {}
            for line in header_lines:
                name, _, value = line.partition(b":")
                fields[name.strip().lower()] = value.strip()
            keep = fields.get(b"connection", b"").lower() != b"close"
            if b"content-length" in fields:
                body = await reader.readexactly(int(fields[b"content-length"]))
            elif fields.get(b"transfer-encoding", b"").lower() == b"chunked":
                body = await _chunked(reader)
            else:  # the answer ends when the server closes the connection
                body, keep = await reader.read(), False
        return LeanResponse(status, body), keep


async def _chunked(reader: asyncio.StreamReader) -> bytes:
    """A chunked body (RFC 9112 §7.1), trailers skipped."""
    parts: list[bytes] = []
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
        if size == 0:
            while await reader.readuntil(b"\r\n") != b"\r\n":
                pass
            return b"".join(parts)
        parts.append(await reader.readexactly(size))
        await reader.readexactly(2)
