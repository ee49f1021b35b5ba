"""Who is the client? One rule for every place that asks (rate limits, audit rows, the Kannel
callback allow-list), on Django requests and on the lean WSGI path alike.

`X-Forwarded-For` is believed only when the direct peer is a trusted proxy (`TRUSTED_PROXIES`);
then the client is the right-most address in it that is not itself a trusted proxy. Anyone can
write the header, so from any other peer it is ignored.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

from django.conf import settings

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(e, strict=False) for e in entries)


def address_in(address: str, networks: Iterable[str]) -> bool:
    """Is `address` one of `networks` (addresses or CIDR ranges)? False for a malformed address."""
    try:
        addr = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return False
    return any(addr in net for net in _networks(tuple(networks)))


def _trusted() -> tuple[str, ...]:
    value = getattr(settings, "TRUSTED_PROXIES", None) or ()
    if isinstance(value, str):
        value = [v.strip() for v in value.split(",") if v.strip()]
    return tuple(value)


def client_address(remote_addr: str, forwarded_for: str = "") -> str:
    """The client's address given the direct peer and the X-Forwarded-For header."""
    trusted = _trusted()
    if not trusted or not forwarded_for or not address_in(remote_addr, trusted):
        return remote_addr
    hops = [h.strip() for h in forwarded_for.split(",") if h.strip()]
    for hop in reversed(hops):
        if not address_in(hop, trusted):
            return hop
    return hops[0] if hops else remote_addr


def client_address_of(meta: Mapping[str, Any]) -> str:
    """The same for a WSGI environ or a Django `request.META`."""
    return client_address(meta.get("REMOTE_ADDR", "") or "", meta.get("HTTP_X_FORWARDED_FOR", "") or "")
