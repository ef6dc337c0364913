"""The SSRF guard: a webhook URL must resolve to public addresses only.

Checked when an endpoint is saved and again at every delivery, where the connection goes
to the very address that was checked (a name that later resolves elsewhere, DNS
rebinding, gains nothing). `allow_private` (LOYALTY_WEBHOOKS_ALLOW_PRIVATE) lifts the
rule for local development and tests.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

from loyalty_portal.services.core.errors import ValidationFailed

MAX_URL = 2000


class UnsafeAddress(Exception):
    """The host is unknown or resolves to a loopback, private or link-local address."""


@dataclass(frozen=True)
class Target:
    """Where a delivery connects: the URL's parts and the checked address."""

    scheme: str
    host: str
    port: int
    path: str
    address: str


def _refuse(message: str) -> ValidationFailed:
    return ValidationFailed(message, details={"url": [message]})


def parse_url(url: str) -> SplitResult:
    """A well-formed http(s) URL without credentials, else `validation_error` on `url`."""
    url = (url or "").strip()
    if not url or len(url) > MAX_URL:
        raise _refuse(f"A URL of 1 to {MAX_URL} characters is required.")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise _refuse("Use an http:// or https:// URL with a host name.")
    if parts.username or parts.password:
        raise _refuse("Put no user name or password in the URL.")
    try:
        parts.port  # noqa: B018 (raises for a port outside 0..65535)
    except ValueError:
        raise _refuse("The port is not a number from 1 to 65535.") from None
    return parts


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
    )


def resolve(url: str, *, allow_private: bool) -> Target:
    """Resolve the URL's host; the first address, once every address passed the guard."""
    parts = parse_url(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise UnsafeAddress(f"{host} does not resolve ({exc}).") from None
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if not addresses:
        raise UnsafeAddress(f"{host} does not resolve.")
    if not allow_private and not all(is_public(a) for a in addresses):
        raise UnsafeAddress(
            f"{host} resolves to a loopback, private or link-local address; "
            "webhooks go to public addresses only."
        )
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return Target(parts.scheme, host, port, path, addresses[0])


def check_url(url: str, *, allow_private: bool) -> str:
    """The cleaned URL, or `validation_error` with `details.url` when it may not be used."""
    try:
        resolve(url, allow_private=allow_private)
    except UnsafeAddress as exc:
        raise _refuse(str(exc)) from None
    return url.strip()
