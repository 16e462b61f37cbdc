"""The address a request comes from, as far as it can be trusted.

By default that is ``REMOTE_ADDR``: the peer of the connection. Behind a
reverse proxy every request comes from the proxy, so the proxy must pass
the client's address in a header named by
``CAREPACK_TRUSTED_PROXY_HEADER`` (for example ``X-Forwarded-For``). Set it
only when the portal cannot be reached except through that proxy: anybody
can send the header.
"""

import ipaddress

from django.conf import settings
from django.http import HttpRequest

UNKNOWN = "unknown"


def client_address(request: HttpRequest) -> str:
    """The client's IP address, or its /64 network for IPv6, since one
    customer usually holds a whole /64 and could otherwise rotate freely."""
    try:
        ip = ipaddress.ip_address(_raw_address(request))
    except ValueError:
        return UNKNOWN
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def _raw_address(request: HttpRequest) -> str:
    header = settings.CAREPACK_TRUSTED_PROXY_HEADER
    if header:
        value = request.META.get(_meta_key(header), "")
        # A proxy appends the address it saw to whatever the client sent:
        # only the right-most entry is the proxy's word.
        entries = [entry.strip() for entry in value.split(",") if entry.strip()]
        if entries:
            return entries[-1]
    return str(request.META.get("REMOTE_ADDR", ""))


def _meta_key(header: str) -> str:
    key = header.strip().upper().replace("-", "_")
    return key if key.startswith("HTTP_") else f"HTTP_{key}"
