"""Run a write once per Idempotency-Key, for any door (API routes, portal forms).

One transaction: the effect runs, then the key is stored with the effect's answer, and
both commit together. A request that finds the key taken (a retry, or a twin that ran
at the same time and committed first) rolls its own effect back and replays the stored
answer. A domain refusal is stored too (a retry replays it). An unexpected error or a
killed worker rolls back the key with the effect, so the retry runs at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import OperationalError

from loyalty_portal.extensions import db
from loyalty_portal.services.core import idempotency
from loyalty_portal.services.core.errors import DomainError, RequestInProgress, domain_error_body
from loyalty_portal.services.core.idempotency import StoredRefusal
from loyalty_portal.timeutil import utcnow
from loyalty_portal.web.errors import is_lock_timeout

Effect = Callable[[], tuple[int, dict[str, Any]]]


@dataclass(frozen=True)
class Outcome:
    status: int
    body: dict[str, Any]
    replayed: bool = False


def run_idempotent(principal: str, key: str | None, request_hash: str, effect: Effect) -> Outcome:
    """Perform `effect` (which returns status and JSON body) at most once per key.

    Without a key the effect simply runs and commits. Domain errors propagate (after
    being stored for replay) so the app's error handler renders them as usual.
    """
    session = db.session
    if key is None:
        status, body = effect()
        session.commit()
        return Outcome(status, body)
    idempotency.validate_key(key)
    try:
        return _run_keyed(principal, key, request_hash, effect)
    except OperationalError as exc:
        if not is_lock_timeout(exc):
            raise
        session.rollback()
        raise RequestInProgress() from exc


def _run_keyed(principal: str, key: str, request_hash: str, effect: Effect) -> Outcome:
    session = db.session
    try:
        status, body = effect()
    except DomainError as exc:
        session.rollback()
        if idempotency.store(
            session, principal, key, request_hash, exc.status, domain_error_body(exc), utcnow()
        ):
            session.commit()
            raise
        return _replay(principal, key, request_hash)
    if idempotency.store(session, principal, key, request_hash, status, body, utcnow()):
        session.commit()
        return Outcome(status, body)
    return _replay(principal, key, request_hash)


def _replay(principal: str, key: str, request_hash: str) -> Outcome:
    """The key was taken first: undo this request's effect and answer the stored response."""
    session = db.session
    session.rollback()
    stored = idempotency.replay(session, principal, key, request_hash)
    session.rollback()
    if stored.status >= 400:
        raise StoredRefusal(stored.status, stored.body)
    return Outcome(stored.status, stored.body, replayed=True)
