import pytest
from django.test import RequestFactory

from carepack.portal.clients import client_address


@pytest.mark.parametrize(
    ("remote", "expected"),
    [
        ("203.0.113.9", "203.0.113.9"),
        ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
        ("::ffff:203.0.113.9", "203.0.113.9"),
        ("", "unknown"),
        ("not an address", "unknown"),
    ],
)
def test_it_uses_the_connection_address(remote, expected) -> None:
    request = RequestFactory().get("/", REMOTE_ADDR=remote)

    assert client_address(request) == expected


def test_it_ignores_forwarded_headers_by_default() -> None:
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9"
    )

    assert client_address(request) == "10.0.0.1"


def test_it_trusts_the_configured_proxy_header(settings) -> None:
    settings.CAREPACK_TRUSTED_PROXY_HEADER = "X-Forwarded-For"
    request = RequestFactory().get(
        "/",
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="198.51.100.1, 203.0.113.9",
    )

    # The client can write anything on the left; the proxy appends the
    # address it saw on the right.
    assert client_address(request) == "203.0.113.9"


def test_without_the_header_it_falls_back_to_the_connection(settings) -> None:
    settings.CAREPACK_TRUSTED_PROXY_HEADER = "X-Real-IP"
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1")

    assert client_address(request) == "10.0.0.1"
