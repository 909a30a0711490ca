"""Client ID Metadata Documents: the fetcher's SSRF guards."""

from __future__ import annotations

from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from accountlens.auth.client_documents import ClientDocumentError, ClientDocumentFetcher
from accountlens.auth.options import AuthOptions
from tests.auth.live import free_port, self_signed, serve

BASE = AuthOptions(public_url="http://127.0.0.1:8000", secret_key=b"k" * 32)


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/client.json",
        "https://localhost/client.json",
        "https://10.0.0.8/client.json",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/client.json",
        "http://example.com/client.json",
        "https://user@example.com/client.json",
        "https://example.com/",
        "https://example.com/client.json?x=1",
    ],
)
async def test_the_fetcher_refuses_private_loopback_and_malformed_urls(url: str) -> None:
    with pytest.raises(ClientDocumentError):
        await ClientDocumentFetcher(BASE).get(url)


async def test_a_document_larger_than_the_limit_is_refused(tmp_path: Path) -> None:
    certfile, keyfile, trust = self_signed(tmp_path)
    port = free_port()
    url = f"https://127.0.0.1:{port}/big.json"

    async def big(_: object) -> Response:
        return JSONResponse({"client_id": url, "padding": "x" * 20_000})

    options = AuthOptions(
        public_url="http://127.0.0.1:8000",
        secret_key=b"k" * 32,
        allow_private_client_metadata_hosts=True,
        client_metadata_tls=trust,
    )
    async with serve(
        Starlette(routes=[Route("/big.json", big)]), port, certfile=certfile, keyfile=keyfile
    ):
        with pytest.raises(ClientDocumentError, match="too large"):
            await ClientDocumentFetcher(options).get(url)


async def test_a_document_naming_another_client_id_is_refused(tmp_path: Path) -> None:
    certfile, keyfile, trust = self_signed(tmp_path)
    port = free_port()

    async def impostor(_: object) -> Response:
        return JSONResponse(
            {"client_id": "https://someone.else/c.json", "redirect_uris": ["https://a.example/cb"]}
        )

    options = AuthOptions(
        public_url="http://127.0.0.1:8000",
        secret_key=b"k" * 32,
        allow_private_client_metadata_hosts=True,
        client_metadata_tls=trust,
    )
    async with serve(
        Starlette(routes=[Route("/c.json", impostor)]), port, certfile=certfile, keyfile=keyfile
    ):
        with pytest.raises(ClientDocumentError, match="another client_id"):
            await ClientDocumentFetcher(options).get(f"https://127.0.0.1:{port}/c.json")


async def test_an_untrusted_certificate_is_refused(tmp_path: Path) -> None:
    certfile, keyfile, _ = self_signed(tmp_path)
    port = free_port()
    options = AuthOptions(
        public_url="http://127.0.0.1:8000",
        secret_key=b"k" * 32,
        allow_private_client_metadata_hosts=True,
    )

    async def doc(_: object) -> Response:
        return JSONResponse({})

    async with serve(
        Starlette(routes=[Route("/c.json", doc)]), port, certfile=certfile, keyfile=keyfile
    ):
        with pytest.raises(ClientDocumentError, match="could not be fetched"):
            await ClientDocumentFetcher(options).get(f"https://127.0.0.1:{port}/c.json")
