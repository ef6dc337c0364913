"""Security headers on every answer: what a page may load, and who may frame it.

The Content-Security-Policy allows scripts, styles and connections from this site only (no
inline script, no inline style, no eval: htmx runs with `allowEval` off and its indicator
styles off, see base.html's htmx-config). `frame-ancestors` stops other sites framing the
admin area (clickjacking its actions); the member portal and the login pages may also be
framed by the origins an admin lists in the program settings, for an app's web view.
"""

from __future__ import annotations

from flask import Flask, current_app, request
from werkzeug.wrappers import Response

from loyalty_portal.extensions import db
from loyalty_portal.services.program.settings import load_program

#: Blueprints an integrator's app may show in a frame or web view.
EMBEDDABLE = frozenset({"portal", "auth"})
HSTS = "max-age=31536000"

BASE_POLICY = (
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    # offer images are addresses an admin types: any http(s) image, never a script
    "img-src 'self' data: https: http:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
)


def embed_origins() -> tuple[str, ...]:
    """The admin's list for pages that may be embedded; none when the database is away."""
    if request.blueprint not in EMBEDDABLE:
        return ()
    try:
        return load_program(db.session).embed_origins
    except Exception:  # noqa: BLE001 (an outage answer must still get its headers)
        db.session.close()
        return ()


def content_security_policy(origins: tuple[str, ...]) -> str:
    return "; ".join((*BASE_POLICY, " ".join(("frame-ancestors 'self'", *origins))))


def add_security_headers(response: Response) -> Response:
    origins = embed_origins()
    headers = response.headers
    headers.setdefault("Content-Security-Policy", content_security_policy(origins))
    if not origins:  # browsers without frame-ancestors: same origin only
        headers.setdefault("X-Frame-Options", "SAMEORIGIN")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    if current_app.config.get("SESSION_COOKIE_SECURE"):
        headers.setdefault("Strict-Transport-Security", HSTS)
    return response


def register_security_headers(app: Flask) -> None:
    app.after_request(add_security_headers)
