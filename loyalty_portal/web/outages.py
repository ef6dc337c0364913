"""The database is away (down, restarting, its connection killed): 503, not 500.

A caller can do nothing about an outage but wait, so it gets 503 with `Retry-After`, the
JSON error envelope under /v1 and a short page elsewhere (one that needs no database: no
program name, no logged-in user). The log gets one line when an outage starts and one when
requests succeed again, not a traceback per request.

Only connection failures count. A lock or statement timeout (PostgreSQL SQLSTATE 55P03,
57014), a deadlock or serialisation failure, and SQLite's "database is locked" are a busy
database, not a missing one: they are left to the other error handlers.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from flask import Flask, Response, g, has_request_context, jsonify, render_template
from sqlalchemy import event
from sqlalchemy import exc as sa_exc

from loyalty_portal.services.core.errors import error_body

log = logging.getLogger(__name__)
RETRY_AFTER_SECONDS = 5
#: Set on `g` when the request is answered with the outage's 503.
OUTAGE_ANSWERED = "_loyalty_outage_answered"
#: Set on `g` once a statement of the request has run: the database answered.
REACHED_DATABASE = "_loyalty_reached_database"
#: PostgreSQL states that mean a busy database, not an absent one.
BUSY_SQLSTATES = frozenset({"55P03", "57014", "40P01", "40001"})
#: Shutdown, crash, "cannot connect now", and idle-session termination.
GONE_SQLSTATES = frozenset({"57P01", "57P02", "57P03", "57P05"})
SQLITE_GONE = ("unable to open database file", "disk i/o error")


def is_outage(exc: BaseException | None) -> bool:
    """Whether `exc` says the database cannot be reached (see the module's docstring)."""
    if isinstance(exc, sa_exc.TimeoutError):  # no free connection in the pool
        return True
    if not isinstance(exc, sa_exc.DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    orig = exc.orig
    sqlstate = getattr(orig, "sqlstate", None)
    if sqlstate:
        return sqlstate.startswith("08") or sqlstate in GONE_SQLSTATES
    if not isinstance(exc, sa_exc.OperationalError | sa_exc.InterfaceError):
        return False
    module = type(orig).__module__
    if module.startswith("sqlite3"):
        text = str(orig).lower()
        return any(part in text for part in SQLITE_GONE)
    return module.startswith("psycopg")  # no SQLSTATE: the connection failed or broke


class OutageLog:
    """One line as an outage starts and one as it ends, from any number of requests."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.since: float | None = None

    def failed(self, exc: BaseException) -> None:
        with self._lock:
            if self.since is not None:
                return
            self.since = time.monotonic()
        first_line = str(getattr(exc, "orig", exc) or type(exc).__name__).strip().splitlines()
        log.error(
            "database unavailable, answering 503 until it is back: %s: %s",
            type(exc).__name__,
            first_line[0] if first_line else "",
        )

    def succeeded(self) -> None:
        if self.since is None:
            return
        with self._lock:
            since, self.since = self.since, None
        if since is not None:
            log.warning("database reachable again after %.0f s", time.monotonic() - since)


def outage_log(app: Flask) -> OutageLog:
    found: OutageLog = app.extensions.setdefault("loyalty_outage_log", OutageLog())
    return found


def outage_response(app: Flask, exc: BaseException, *, api: bool) -> Response:
    outage_log(app).failed(exc)
    if api:
        response = jsonify(
            error_body(
                "unavailable",
                "The service is briefly unavailable; retry after a few seconds.",
            )
        )
    else:
        response = Response(render_template("errors/unavailable.html"))
    response.status_code = 503
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response.headers["Cache-Control"] = "no-store"
    g.setdefault(OUTAGE_ANSWERED, True)
    return response


def keep_outage_retry_after(response: Response) -> Response:
    """An outage's answer says when to come back: the rate limiter, which adds its headers
    after every API answer, would raise its Retry-After to the end of the rate window
    (the larger of the two). Runs after the limiter's hook (`register_extensions`)."""
    if g.get(OUTAGE_ANSWERED):
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def note_recovery(response: Response) -> Response:
    """After a request whose statements reached the database, end the outage episode."""
    from flask import current_app

    if g.get(REACHED_DATABASE) and response.status_code != 503:
        outage_log(current_app).succeeded()
    return response


def _reached_database(*_args: Any) -> None:
    if has_request_context():
        setattr(g, REACHED_DATABASE, True)


def register_outages(app: Flask) -> None:
    from loyalty_portal.extensions import db

    app.after_request(note_recovery)
    with app.app_context():
        event.listen(db.engine, "after_cursor_execute", _reached_database)
