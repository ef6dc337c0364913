"""Behind nginx or a load balancer: whom to believe about the client's address.

`LOYALTY_TRUSTED_PROXIES` is the number of proxy hops in front of the app. Werkzeug's
ProxyFix then takes the client address (and scheme and host) from the last that many
`X-Forwarded-*` entries, the ones our own proxies appended; anything a client wrote
further left is ignored. Rate limits (login, token hand-off) key on that address, so
with the setting every member has a bucket of their own instead of sharing the proxy's.
"""

from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix


def trusted_hops(app: Flask) -> int:
    raw = app.config.get("TRUSTED_PROXIES") or 0
    try:
        hops = int(raw)
    except (TypeError, ValueError):
        raise RuntimeError(
            f"LOYALTY_TRUSTED_PROXIES must be a number of proxy hops (0, 1, 2...), not {raw!r}."
        ) from None
    if hops < 0:
        raise RuntimeError("LOYALTY_TRUSTED_PROXIES cannot be negative.")
    return hops


def trust_proxies(app: Flask) -> None:
    hops = trusted_hops(app)
    if hops:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops
        )
