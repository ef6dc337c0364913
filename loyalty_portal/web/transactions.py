"""One commit per request, at the door's edge (as indico's request handler does).

Views and services only flush. When the view has answered, the request's changes are
committed if the answer is a success (below 400) and rolled back otherwise, so a refusal
or an error never leaves half a change behind. The idempotent write (`idempotent.py`)
is the one exception: it commits the claim of its key with the effect, itself.
"""

from __future__ import annotations

from flask import Flask, Response, request

from loyalty_portal.database import mark_read_only
from loyalty_portal.extensions import db

READ_METHODS = ("GET", "HEAD", "OPTIONS")


def begin_request() -> None:
    """GET and HEAD only read: on SQLite their transaction begins deferred (no write lock)."""
    mark_read_only(request.method in READ_METHODS)


def finish_transaction(response: Response) -> Response:
    if response.status_code < 400:
        db.session.commit()
    else:
        db.session.rollback()
    return response


def register_transactions(app: Flask) -> None:
    # first of all before_request functions: the rate limiter's key function already reads
    app.before_request_funcs.setdefault(None, []).insert(0, begin_request)
    app.after_request(finish_transaction)
    app.teardown_request(lambda _exc: mark_read_only(False))
