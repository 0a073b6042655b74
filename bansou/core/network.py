"""The client's address, the one answer for login throttling and the request log.

``REMOTE_ADDR`` is the address of whoever opened the connection. Behind a reverse proxy that
is the proxy, for every visitor; the proxy names the visitor in ``X-Forwarded-For``. That
header is believed only when ``REMOTE_ADDR`` is one of ``BANSOU_TRUSTED_PROXIES`` (addresses
or networks), and only as far as trusted proxies wrote it: it is read from the right, each
trusted proxy's entry naming the hop before it, and the first address that is not a trusted
proxy is the client. Anything left of that entry came from the client and is ignored, so a
visitor cannot choose their own address by sending the header themselves.
"""

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def trusted_proxies() -> tuple[Network, ...]:
    """``BANSOU_TRUSTED_PROXIES`` parsed; a value that is not an address or a network stops
    the process (the request log middleware asks at start-up)."""
    return _parse_networks(tuple(getattr(settings, "BANSOU_TRUSTED_PROXIES", ())))


@lru_cache(maxsize=8)
def _parse_networks(values: tuple[str, ...]) -> tuple[Network, ...]:
    networks = []
    for value in values:
        try:
            networks.append(ipaddress.ip_network(value.strip(), strict=False))
        except ValueError as error:
            raise ImproperlyConfigured(
                f"BANSOU_TRUSTED_PROXIES: {value!r} is not an IP address or network ({error})."
            ) from error
    return tuple(networks)


def parse_address(value: str) -> Address | None:
    """An address as a proxy may write it (``192.0.2.1``, ``192.0.2.1:443``, ``2001:db8::1``,
    ``[2001:db8::1]:443``); ``None`` for anything else. IPv4-mapped IPv6 becomes IPv4."""
    value = value.strip()
    if value.startswith("["):
        value = value[1:].partition("]")[0]
    elif value.count(":") == 1:
        value = value.partition(":")[0]
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def _trusted(address: Address, networks: tuple[Network, ...]) -> bool:
    return any(address.version == network.version and address in network for network in networks)


def client_address(request: HttpRequest) -> str:
    """The client's IP address as text, or ``""`` when the connection names none."""
    remote = parse_address(str(request.META.get("REMOTE_ADDR") or ""))
    if remote is None:
        return ""
    networks = trusted_proxies()
    if not networks or not _trusted(remote, networks):
        return str(remote)
    client = remote
    # Several X-Forwarded-For headers arrive joined by commas, in order.
    hops = str(request.META.get("HTTP_X_FORWARDED_FOR") or "").split(",")
    for hop in reversed(hops):
        address = parse_address(hop)
        if address is None:
            # A trusted proxy wrote something that is no address: the last trusted hop is
            # as far as the chain can be believed.
            break
        client = address
        if not _trusted(address, networks):
            break
    return str(client)


def masked_address(address: str) -> str:
    """The network an address belongs to (IPv4 /24, IPv6 /48), for logs kept widely: the
    request log shows where traffic comes from without naming one person's connection;
    the full address is kept only in the audit's security events."""
    parsed = parse_address(address)
    if parsed is None:
        return ""
    prefix = 24 if parsed.version == 4 else 48
    return str(ipaddress.ip_network(f"{parsed}/{prefix}", strict=False))
