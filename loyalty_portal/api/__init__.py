"""The /v1 JSON API (Lynes-compatible). Session cookies and CSRF play no part here."""

from __future__ import annotations

from flask import Blueprint, Flask

from loyalty_portal.extensions import csrf

bp = Blueprint("api", __name__)


def register_api(app: Flask) -> None:
    """Mount the API at /v1 (and its version aliases, added with the routes)."""
    csrf.exempt(bp)
    app.register_blueprint(bp, url_prefix="/v1")
