"""Who is asking: the client's address, the one helper every caller uses, and the network it
counts as for limits (an IPv6 host holds a whole /64, so counting per /128 counts nothing)."""

import ipaddress
from functools import lru_cache

from django.conf import settings

IPV6_PREFIX = 64


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple:
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)


def _parse(value: str):
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError:
        return None


def is_trusted_proxy(address: str) -> bool:
    """Whether the peer is one of settings.TRUSTED_PROXIES (addresses or networks)."""
    parsed = _parse(address)
    return parsed is not None and any(parsed in net for net in _networks(tuple(settings.TRUSTED_PROXIES)))


def forwarded_client(remote_addr: str, forwarded_for: str, count: int) -> str:
    """The client's address: the X-Forwarded-For entry `count` from the right, but only when the
    peer itself is a trusted proxy; otherwise the header is the client's to forge."""
    if count <= 0 or not is_trusted_proxy(remote_addr):
        return remote_addr
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    if len(hops) < count or _parse(hops[-count]) is None:
        return remote_addr
    return str(_parse(hops[-count]))


def client_ip(request) -> str | None:
    """The client's address (ClientAddressMiddleware has resolved proxies), or None if not one."""
    parsed = _parse(request.META.get("REMOTE_ADDR") or "")
    return str(parsed) if parsed is not None else None


def network_of(address: str | None) -> str:
    """What a limit counts: an IPv4 address as is, an IPv6 address as its /64."""
    parsed = _parse(address or "")
    if parsed is None:
        return "unknown"
    if parsed.version == 6:
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.ip_network(f"{parsed}/{IPV6_PREFIX}", strict=False))
    return str(parsed)


def client_network(request) -> str:
    """The client's network (network_of(client_ip(request)))."""
    return network_of(client_ip(request))


def is_loopback_client(request) -> bool:
    """A client on this machine talking to us directly (no proxy forwarded the request)."""
    if "HTTP_X_FORWARDED_FOR" in request.META or "HTTP_X_REAL_IP" in request.META:
        return False
    parsed = _parse(request.META.get("REMOTE_ADDR") or "")
    return parsed is not None and parsed.is_loopback
