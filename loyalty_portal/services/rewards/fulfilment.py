"""The fulfilment queue: manual redemptions waiting for a code, oldest first; bulk actions.

Issuing and cancelling go through `coupons.fulfil` / `coupons.cancel` (cancel
refunds the points and restores stock), one savepoint per coupon so a coupon that
changed meanwhile is reported without undoing the others.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from loyalty_portal.services.core.actors import Actor
from loyalty_portal.services.core.errors import DomainError, ValidationFailed
from loyalty_portal.services.core.session import DbSession
from loyalty_portal.services.rewards import coupons

BULK_ACTIONS = ("issue", "cancel")
MAX_BULK = 200


@dataclass
class BulkResult:
    done: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)


def bulk(
    session: DbSession,
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
                coupons.fulfil(session, coupon_id, actor=actor, now=now)
            else:
                coupons.cancel(session, coupon_id, actor=actor, now=now, reason=reason)
        except DomainError as exc:
            savepoint.rollback()
            result.failed.append((coupon_id, exc.message))
        else:
            savepoint.commit()
            result.done.append(coupon_id)
    return result
