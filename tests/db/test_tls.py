"""Managed-PostgreSQL URLs: ``sslmode`` and its companions work, against a server that speaks TLS.

The embedded wheel's PostgreSQL is built without OpenSSL, so this starts the distribution's
PostgreSQL (Debian's ``postgresql`` package) with ``ssl = on``, a certificate authority and a
server certificate made here, and a ``pg_hba.conf`` that refuses every connection not made
over TLS: a query that answers proves the URL's TLS parameters were honoured.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import pwd
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from sqlalchemy import text

from accountlens.db.engine import async_url, create_engine
from accountlens.db.tls import DatabaseUrlError
from tests.db.servers import LoopbackServer, as_service_user, init_server

DEBIAN_BIN = Path("/usr/lib/postgresql/15/bin")


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _certificate(
    subject: str, issuer: tuple[x509.Name, ec.EllipticCurvePrivateKey] | None, *, server: bool
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.UTC)
    issuer_name, issuer_key = issuer if issuer else (_name(subject), key)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=issuer is None, path_length=None), critical=True)
    )
    if server:
        names = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    return builder.sign(issuer_key, hashes.SHA256()), key


def _write(path: Path, cert: x509.Certificate, key: ec.EllipticCurvePrivateKey | None) -> None:
    path.with_suffix(".crt").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    if key is not None:
        key_file = path.with_suffix(".key")
        key_file.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        key_file.chmod(0o600)


def _give_to_service_user(*paths: Path) -> None:
    user = as_service_user()
    if user is None:
        return
    entry = pwd.getpwnam(user)
    for path in paths:
        os.chown(path, entry.pw_uid, entry.pw_gid)


@pytest.fixture(scope="module")
def tls_server() -> Iterator[tuple[LoopbackServer, Path]]:
    """A TLS-only server; yields it and the folder holding ``ca.crt``, client and rogue CA."""
    if not (DEBIAN_BIN / "postgres").exists():
        pytest.fail("needs the distribution's PostgreSQL with OpenSSL: apt-get install postgresql")
    server = init_server(DEBIAN_BIN, "altls-")
    try:
        certs = server.pgdata.parent
        ca, ca_key = _certificate("AccountLens test CA", None, server=False)
        _write(certs / "ca", ca, ca_key)
        issuer = (ca.subject, ca_key)
        for name, is_server in (("server", True), ("certuser", False)):
            cert, key = _certificate("localhost" if is_server else name, issuer, server=is_server)
            _write(certs / name, cert, key)
        rogue, _ = _certificate("someone else's CA", None, server=False)
        _write(certs / "rogue", rogue, None)
        _give_to_service_user(*certs.iterdir())
        (server.pgdata / "pg_hba.conf").write_text(
            # Sockets for the fixture's own psql; over TCP, TLS or nothing.
            "local all all trust\n"
            "hostssl all certuser 127.0.0.1/32 cert\n"
            "hostssl all all 127.0.0.1/32 scram-sha-256\n"
            "host all all 127.0.0.1/32 reject\n"
        )
        server.start(
            "-c ssl=on",
            f"-c ssl_cert_file={certs / 'server.crt'}",
            f"-c ssl_key_file={certs / 'server.key'}",
            f"-c ssl_ca_file={certs / 'ca.crt'}",
        )
        server.psql("CREATE ROLE app LOGIN PASSWORD 'app-secret'; CREATE ROLE certuser LOGIN;")
        yield server, certs
    finally:
        server.remove()


async def _encrypted(url: str) -> bool:
    engine = create_engine(async_url(url), pool_size=1)
    try:
        async with engine.connect() as conn:
            return bool(
                await conn.scalar(text("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()"))
            )
    finally:
        await engine.dispose()


def _url(server: LoopbackServer, query: str, user: str = "app:app-secret") -> str:
    return f"postgresql://{user}@127.0.0.1:{server.port}/postgres?{query}"


async def test_a_managed_postgresql_url_with_sslmode_require_connects_over_tls(
    tls_server: tuple[LoopbackServer, Path],
) -> None:
    server, _ = tls_server
    assert await _encrypted(_url(server, "sslmode=require"))


async def test_verify_full_checks_the_server_certificate_against_sslrootcert(
    tls_server: tuple[LoopbackServer, Path],
) -> None:
    server, certs = tls_server
    # given the CA that signed the server's certificate, the server is accepted
    assert await _encrypted(_url(server, f"sslmode=verify-full&sslrootcert={certs / 'ca.crt'}"))
    # and given another CA, the connection is refused before any credential is sent
    with pytest.raises(OSError, match="CERTIFICATE_VERIFY_FAILED"):
        await _encrypted(_url(server, f"sslmode=verify-full&sslrootcert={certs / 'rogue.crt'}"))


async def test_a_client_certificate_from_sslcert_and_sslkey_signs_in(
    tls_server: tuple[LoopbackServer, Path],
) -> None:
    server, certs = tls_server
    query = (
        f"sslmode=verify-ca&sslrootcert={certs / 'ca.crt'}"
        f"&sslcert={certs / 'certuser.crt'}&sslkey={certs / 'certuser.key'}"
    )
    # certuser has no password: the server admits it on its certificate alone
    assert await _encrypted(_url(server, query, user="certuser"))


async def test_without_tls_the_same_server_refuses_the_connection(
    tls_server: tuple[LoopbackServer, Path],
) -> None:
    # The control: the server really insists on TLS, so the tests above prove the URL did it.
    server, _ = tls_server
    with pytest.raises(Exception, match=r"no pg_hba\.conf entry|rejects connection"):
        await _encrypted(_url(server, "sslmode=disable"))


def test_an_unknown_sslmode_is_a_clear_configuration_error() -> None:
    with pytest.raises(DatabaseUrlError, match="sslmode must be one of"):
        create_engine(async_url("postgresql://u@db.internal/app?sslmode=always"))
