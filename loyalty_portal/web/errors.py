"""One place that turns exceptions into answers: JSON under /v1, friendly pages elsewhere.

The session is rolled back on every error so no half-done change is committed.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Flask, Response, current_app, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from loyalty_portal.extensions import db
from loyalty_portal.services.core.errors import (
    DomainError,
    RequestInProgress,
    domain_error_body,
    error_body,
)
from loyalty_portal.services.core.idempotency import StoredRefusal
from loyalty_portal.web.outages import is_outage, outage_response, register_outages

API_PATH = re.compile(r"^/v[0-3](/|$)")

HTTP_CODES = {
    400: "validation_error",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    500: "internal_error",
    503: "unavailable",
}


#: Pages say this instead of the limiter's own text ("10 per 1 minute").
RATE_LIMITED_MESSAGE = "Too many attempts in a short time. Please wait a minute and try again."


def is_api_request() -> bool:
    return bool(API_PATH.match(request.path))


def _html(status: int, title: str, message: str) -> tuple[str, int]:
    return render_template("errors/error.html", status=status, title=title, message=message), status


def handle_domain_error(exc: DomainError) -> Any:
    db.session.rollback()
    if is_api_request():
        return jsonify(domain_error_body(exc)), exc.status
    return _html(exc.status, "That didn’t work", exc.message)


def handle_csrf_error(exc: CSRFError) -> Any:
    db.session.rollback()
    message = (
        "This page was open too long or was sent from somewhere else, so we could not "
        "trust the form. Reload the page and try again."
    )
    if request.headers.get("HX-Request"):
        return render_template("errors/_inline.html", message=message), 403
    return _html(403, "Please reload the page", message)


def _rollback() -> None:
    """Roll back; with the database away, dropping the broken connection is all there is."""
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 (the answer matters more than this cleanup)
        db.session.close()


def handle_http_error(exc: HTTPException) -> Any:
    original = getattr(exc, "original_exception", None)
    if isinstance(original, Exception) and is_outage(original):  # e.g. the commit failed
        return handle_unexpected(original)
    db.session.rollback()
    status = exc.code or 500
    if is_api_request():
        code = HTTP_CODES.get(status, "error")
        message = exc.description if status != 500 else "Internal server error."
        response = jsonify(error_body(code, message or code))
        response.status_code = status
        for name, value in exc.get_headers():
            if name.lower() != "content-type":
                response.headers[name] = value
        if status == 429 and not current_app.config.get("RATELIMIT_HEADERS_ENABLED"):
            # (with headers on, the limiter sets it from the window: a default here would
            # make it keep the larger, so every client would wait the full minute)
            response.headers.setdefault("Retry-After", "60")
        return response
    titles = {
        404: "Page not found",
        403: "Not allowed",
        405: "Not allowed",
        429: "Slow down",
        401: "Please log in",
    }
    message = RATE_LIMITED_MESSAGE if status == 429 else exc.description or ""
    response = Response(*_html(status, titles.get(status, "Something went wrong"), message))
    for name, value in exc.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


def is_lock_timeout(exc: BaseException) -> bool:
    """PostgreSQL's lock_timeout (55P03) or SQLite's busy timeout: another request holds
    the rows (or the key) this one needs for longer than a request may wait."""
    orig = getattr(exc, "orig", None)
    if getattr(orig, "sqlstate", None) == "55P03":
        return True
    return "database is locked" in str(orig or exc)


def handle_operational_error(exc: OperationalError) -> Any:
    if is_lock_timeout(exc):
        return handle_domain_error(
            RequestInProgress("Another request holds what this one needs; retry in a moment.")
        )
    return handle_unexpected(exc)


def handle_unexpected(exc: Exception) -> Any:
    from flask import current_app

    _rollback()
    if is_outage(exc):
        return outage_response(current_app, exc, api=is_api_request())
    current_app.logger.exception("unhandled error on %s %s", request.method, request.path)
    if is_api_request():
        return jsonify(error_body("internal_error", "Internal server error.")), 500
    return _html(500, "Something went wrong", "The error has been logged. Please try again.")


def handle_stored_refusal(exc: StoredRefusal) -> Any:
    """A refusal replayed for a retried Idempotency-Key: same status and body as the first."""
    db.session.rollback()
    if is_api_request():
        response = jsonify(exc.body)
        response.status_code = exc.status
        response.headers["Idempotent-Replayed"] = "true"
        return response
    return _html(exc.status, "That didn’t work", exc.body.get("error", {}).get("message", ""))


def register_error_handlers(app: Flask) -> None:
    register_outages(app)
    app.register_error_handler(StoredRefusal, handle_stored_refusal)
    app.register_error_handler(DomainError, handle_domain_error)
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(OperationalError, handle_operational_error)
    app.register_error_handler(Exception, handle_unexpected)
