"""One commit per request, at the door's edge (as indico's request handler does).

Views and services only flush. When the view has answered, the request's changes are
committed if the answer is a success (below 400) and rolled back otherwise, so a refusal
or an error never leaves half a change behind. The idempotent write (`idempotent.py`)
is the one exception: it commits the claim of its key with the effect, itself.

A GET may write (an emailed link confirms an address, a page settles due points), so a
request reads only when its view says so (`reads_only`): on SQLite only such a request
begins deferred. A deferred transaction cannot take the write lock once another
connection has committed since it began ("database is locked" at once, whatever the
busy timeout), so a GET that writes begins with the lock like any POST.

On PostgreSQL such a request runs in autocommit: under READ COMMITTED every statement
already reads its own snapshot, so a transaction around them gives a reader nothing but
the BEGIN and COMMIT round trips (about a tenth of a points read; bench/README.md).

An API view checks the configuration cache after its work, so that the check rides on a
statement the view runs anyway (`config_cache.defer_check`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, Response, current_app, request
from sqlalchemy import event
from sqlalchemy.orm import Session

from loyalty_portal.database import mark_read_only, read_only
from loyalty_portal.extensions import db
from loyalty_portal.services.core import config_cache

READ_METHODS = ("GET", "HEAD", "OPTIONS")
View = TypeVar("View", bound=Callable[..., Any])


def reads_only(view: View) -> View:
    """Declare that `view` never writes on GET/HEAD, so SQLite may begin it deferred."""
    view.reads_only = True  # type: ignore[attr-defined]
    return view


def begin_request() -> None:
    view = current_app.view_functions.get(request.endpoint or "")
    reading = request.method in READ_METHODS and getattr(view, "reads_only", False)
    mark_read_only(reading)
    if reading and db.engine.dialect.name == "postgresql":
        db.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
    if getattr(view, "confirms_configuration", False):
        config_cache.defer_check(db.session)  # the view confirms it (api/routing)


def refuse_writes_when_reading(session: Session, _context: Any, _instances: Any) -> None:
    """A view declared `reads_only` that changes a row is a bug: say so loudly."""
    if read_only() and (session.new or session.dirty or session.deleted):
        raise RuntimeError(
            f"{request.endpoint} is declared reads_only but flushed a change; drop the mark"
        )


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
    if not event.contains(Session, "before_flush", refuse_writes_when_reading):
        event.listen(Session, "before_flush", refuse_writes_when_reading)
