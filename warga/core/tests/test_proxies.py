"""One trusted-proxy rule for the client address (rate limits, audit rows, Kannel callbacks)."""

from __future__ import annotations

import pytest

from warga.core.proxies import client_address


@pytest.mark.parametrize(
    ("trusted", "peer", "forwarded", "client"),
    [
        ([], "127.0.0.1", "203.0.113.5", "127.0.0.1"),  # no proxy configured: the header is ignored
        (["127.0.0.1"], "127.0.0.1", "203.0.113.5", "203.0.113.5"),
        (["127.0.0.1"], "127.0.0.1", "", "127.0.0.1"),
        (["127.0.0.1"], "198.51.100.7", "203.0.113.5", "198.51.100.7"),  # not from the proxy
        (["127.0.0.1"], "127.0.0.1", "1.2.3.4, 203.0.113.5", "203.0.113.5"),  # forged left entry
        (["127.0.0.1", "10.0.0.0/8"], "127.0.0.1", "203.0.113.5, 10.0.0.2", "203.0.113.5"),  # two proxies
        (["::1"], "::1", "2001:db8::1", "2001:db8::1"),
    ],
)
def test_client_address(settings, trusted, peer, forwarded, client):
    settings.TRUSTED_PROXIES = trusted
    assert client_address(peer, forwarded) == client
