"""The fulfilment queue: manual redemptions waiting for a code, oldest first; bulk actions.

Issuing and cancelling go through `redemption.fulfil` / `redemption.cancel` (cancel
refunds the points and restores stock), one savepoint per coupon so a coupon that
changed meanwhile is reported without undoing the others.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, selectinload

from loyalty_portal.models import Redemption
from loyalty_portal.models.redemption import COUPON_STATUSES
from loyalty_portal.services import redemption
from loyalty_portal.services.actors import Actor
from loyalty_portal.services.errors import DomainError, ValidationFailed

BULK_ACTIONS = ("issue", "cancel")
MAX_BULK = 200


def queue_query(status: str | None, offer_id: str | None) -> Select[tuple[Redemption]]:
    """Redemptions by status (None: all) and offer, oldest first."""
    stmt = select(Redemption).options(selectinload(Redemption.member))
    if status:
        stmt = stmt.where(Redemption.status == status)
    if offer_id:
        stmt = stmt.where(Redemption.offer_id == offer_id)
    return stmt.order_by(Redemption.created_at, Redemption.id)


def valid_status(value: str | None) -> str | None:
    return value if value in COUPON_STATUSES else None


@dataclass
class BulkResult:
    done: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)


def bulk(
    session: Session,
    coupon_ids: list[str],
    action: str,
    *,
    actor: Actor,
    now: datetime,
    reason: str = "",
) -> BulkResult:
    """Issue (with generated codes) or cancel with refund each coupon; report the refusals."""
    if action not in BULK_ACTIONS:
        raise ValidationFailed("Choose issue or cancel.", details={"action": ["unknown action"]})
    ids = list(dict.fromkeys(coupon_ids))
    if not ids:
        raise ValidationFailed("Tick at least one redemption.", details={"ids": ["none chosen"]})
    if len(ids) > MAX_BULK:
        raise ValidationFailed(f"At most {MAX_BULK} at once.", details={"ids": ["too many"]})
    result = BulkResult()
    for coupon_id in ids:
        savepoint = session.begin_nested()
        try:
            if action == "issue":
                redemption.fulfil(session, coupon_id, actor=actor, now=now)
            else:
                redemption.cancel(session, coupon_id, actor=actor, now=now, reason=reason)
        except DomainError as exc:
            savepoint.rollback()
            result.failed.append((coupon_id, exc.message))
        else:
            savepoint.commit()
            result.done.append(coupon_id)
    return result
