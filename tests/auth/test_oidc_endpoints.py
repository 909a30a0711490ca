"""The endpoints an OpenID provider's discovery document names must be https (or loopback)."""

from __future__ import annotations

import pytest

from accountlens.auth.oidc_client import ProviderError, check_endpoint_url


def test_a_cleartext_token_endpoint_or_key_set_off_loopback_is_refused() -> None:
    # the client secret would go to it in clear; keys fetched in clear could sign any ID token
    for name, url in (
        ("token_endpoint", "http://idp.example.com/oauth2/token"),
        ("jwks_uri", "http://192.0.2.7/keys"),
        ("authorization_endpoint", "ftp://idp.example.com/authorize"),
        ("userinfo_endpoint", "https:///no-host"),
    ):
        with pytest.raises(ProviderError, match=f"{name} is not an https URL"):
            check_endpoint_url(name, url)


def test_https_endpoints_and_http_on_loopback_are_accepted() -> None:
    for url in ("https://idp.example.com/token", "http://127.0.0.1:9000/token"):
        assert check_endpoint_url("token_endpoint", url) == url
