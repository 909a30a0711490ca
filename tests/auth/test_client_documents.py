"""Client ID Metadata Documents: the fetcher's SSRF guards."""

from __future__ import annotations

import ssl
from dataclasses import replace
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from accountlens.auth.client_documents import (
    ClientDocumentError,
    ClientDocumentFetcher,
    address_is_public,
)
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


@pytest.mark.parametrize(
    "address",
    [
        "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254, the cloud metadata service
        "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
        "64:ff9b:1::808:808",  # local-use NAT64 (RFC 8215)
        "2002:7f00:1::1",  # 6to4 of 127.0.0.1
        "2002:a00:1::1",  # 6to4 of 10.0.0.1
        "::7f00:1",  # IPv4-compatible 127.0.0.1
        "::a9fe:a9fe",  # IPv4-compatible 169.254.169.254
        "::ffff:127.0.0.1",  # IPv4-mapped
        "::ffff:10.1.2.3",
        "2001:0:4136:e378:8000:63bf:3fff:fdd2",  # Teredo
        "fec0::1",  # site-local
        "fd12:3456::1",  # unique local
        "fe80::1",  # link-local
        "ff0e::1",  # multicast, global scope
        "::1",
        "::",
        "2001:db8::1",  # documentation
        "127.0.0.1",
        "10.0.0.8",
        "169.254.169.254",
        "100.64.0.1",  # shared address space (carrier-grade NAT)
        "192.0.2.1",  # documentation
        "224.0.0.1",
        "0.0.0.0",  # noqa: S104 - an address under test, not a bind
    ],
)
def test_every_form_of_a_non_global_address_is_refused_for_metadata_documents(
    address: str,
) -> None:
    assert not address_is_public(address)


@pytest.mark.parametrize(
    "address", ["8.8.8.8", "2606:4700:4700::1111", "64:ff9b::808:808", "::ffff:8.8.8.8"]
)
def test_a_global_address_in_any_form_is_allowed_for_metadata_documents(address: str) -> None:
    assert address_is_public(address)


def _loopback_options(trust: ssl.SSLContext) -> AuthOptions:
    return AuthOptions(
        public_url="http://127.0.0.1:8000",
        secret_key=b"k" * 32,
        allow_private_client_metadata_hosts=True,
        client_metadata_tls=trust,
    )


def _document(url: str) -> dict[str, object]:
    return {"client_id": url, "client_name": "Doc", "redirect_uris": ["https://a.example/cb"]}


async def test_a_document_served_without_a_json_content_type_is_refused(tmp_path: Path) -> None:
    certfile, keyfile, trust = self_signed(tmp_path)
    port = free_port()
    base = f"https://127.0.0.1:{port}"

    async def as_html(_: object) -> Response:
        return JSONResponse(_document(f"{base}/html.json"), media_type="text/html")

    async def as_json(_: object) -> Response:
        return JSONResponse(
            _document(f"{base}/ok.json"), media_type="application/oauth-client+json"
        )

    app = Starlette(routes=[Route("/html.json", as_html), Route("/ok.json", as_json)])
    async with serve(app, port, certfile=certfile, keyfile=keyfile):
        fetcher = ClientDocumentFetcher(_loopback_options(trust))
        with pytest.raises(ClientDocumentError, match="application/json"):
            await fetcher.get(f"{base}/html.json")
        assert (await fetcher.get(f"{base}/ok.json")).client_name == "Doc"


async def test_a_document_nested_2500_deep_is_refused_not_a_recursion_error(
    tmp_path: Path,
) -> None:
    certfile, keyfile, trust = self_signed(tmp_path)
    port = free_port()
    url = f"https://127.0.0.1:{port}/deep.json"
    body = '{"client_id": "' + url + '", "x": ' + "[" * 2500 + "]" * 2500 + "}"

    async def deep(_: object) -> Response:
        return Response(body, media_type="application/json")

    options = replace(_loopback_options(trust), client_metadata_max_bytes=len(body) + 1)
    async with serve(
        Starlette(routes=[Route("/deep.json", deep)]), port, certfile=certfile, keyfile=keyfile
    ):
        with pytest.raises(ClientDocumentError, match="nested"):
            await ClientDocumentFetcher(options).get(url)
