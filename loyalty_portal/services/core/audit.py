"""The audit log: who did what to which record, with before and after."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from loyalty_portal.models import AuditLog
from loyalty_portal.services.core.actors import Actor
from loyalty_portal.services.core.session import DbSession
from loyalty_portal.services.core.validation import changes
from loyalty_portal.timeutil import utcnow


def record(
    session: DbSession,
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


def record_changes(
    session: DbSession,
    actor: Actor,
    action: str,
    target_type: str,
    target_id: str,
    *,
    before: dict[str, Any],
    after: dict[str, Any],
    now: datetime,
) -> AuditLog | None:
    """Audit an edit with only the fields it changed; an edit that changed nothing is not
    recorded."""
    old, new = changes(before, after)
    if not new:
        return None
    return record(session, actor, action, target_type, target_id, before=old, after=new, now=now)


def set_active(
    session: DbSession,
    obj: Any,
    active: bool,
    *,
    kind: str,
    target_id: str,
    actor: Actor,
    now: datetime,
) -> None:
    """Switch an offer or rule on or off (audited; nothing happens if it already is)."""
    if obj.active == active:
        return
    obj.active = active
    obj.updated_at = now
    record(
        session,
        actor,
        f"{kind}.{'activate' if active else 'deactivate'}",
        kind,
        target_id,
        now=now,
        before={"active": not active},
        after={"active": active},
    )
    session.flush()
