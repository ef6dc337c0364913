"""The audit log: who did what to which record, with before and after."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from loyalty_portal.models import AuditLog
from loyalty_portal.services.actors import Actor
from loyalty_portal.timeutil import utcnow


def record(
    session: Session,
    actor: Actor,
    action: str,
    target_type: str,
    target_id: str,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> AuditLog:
    entry = AuditLog(
        actor=actor.label[:160],
        actor_account_id=actor.account_id,
        action=action,
        target_type=target_type,
        target_id=target_id[:128],
        before=before,
        after=after,
        created_at=now or utcnow(),
    )
    session.add(entry)
    return entry
