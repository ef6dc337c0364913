"""The /v1 JSON API (Lynes-compatible). Session cookies and CSRF play no part here.

Routes live in `routes/` (one module per resource) and are declared with
`routing.api_route`, which also feeds `/v1/openapi.json`.
"""

from __future__ import annotations

from flask import Flask

from loyalty_portal.api import routes  # noqa: F401  (registers every route)
from loyalty_portal.api.blueprint import VERSION_PREFIXES, bp
from loyalty_portal.api.docs import bp as docs_bp
from loyalty_portal.extensions import csrf


def register_api(app: Flask) -> None:
    """Mount the API at /v1 and at the version aliases /v0, /v2, /v3; the reference page
    at /docs/api."""
    csrf.exempt(bp)
    for prefix, name in VERSION_PREFIXES.items():
        app.register_blueprint(bp, url_prefix=prefix, name=name)
    app.register_blueprint(docs_bp)
