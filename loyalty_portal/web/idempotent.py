"""Run a write once per Idempotency-Key, for any door (API routes, portal forms).

1. claim the key and commit (so a concurrent retry sees it in progress: 409);
2. run the effect and store its response in the effect's own transaction;
3. a domain refusal is stored too (a retry replays it); an unexpected error frees the key.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import current_app

from loyalty_portal.extensions import db
from loyalty_portal.services.core import idempotency
from loyalty_portal.services.core.errors import DomainError, domain_error_body
from loyalty_portal.services.core.idempotency import StoredRefusal
from loyalty_portal.timeutil import utcnow

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

    stale = timedelta(seconds=current_app.config["IDEMPOTENCY_STALE_SECONDS"])
    claimed = idempotency.claim(session, principal, key, request_hash, utcnow(), stale)
    if isinstance(claimed, idempotency.Replay):
        session.rollback()
        if claimed.status >= 400:
            raise StoredRefusal(claimed.status, claimed.body)
        return Outcome(claimed.status, claimed.body, replayed=True)
    record_id = claimed.id
    session.commit()
    try:
        status, body = effect()
        idempotency.complete(session, record_id, status, body, utcnow())
        session.commit()
        return Outcome(status, body)
    except DomainError as exc:
        session.rollback()
        idempotency.complete(session, record_id, exc.status, domain_error_body(exc), utcnow())
        session.commit()
        raise
    except BaseException:
        session.rollback()
        idempotency.release(session, record_id)
        session.commit()
        raise
