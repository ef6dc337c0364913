"""Refunding an order: take back the points it earned, cumulatively and exactly.

After refunds totalling R of an order worth V that earned P points, the order has lost
floor(P * R / V) points, so partial refunds that add up to V reverse exactly P. Each call
takes back the difference: pending points first, then available ones (a `reverse` entry
titled after the order); what was spent already becomes points owed, repaid from the
member's next earnings (services/ledger/lots). Tiers count earnings net of reversals.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select

from loyalty_portal.models import EventLog, Member, OrderRefund, PendingAward, ShopOrder
from loyalty_portal.models.enums import MessageType
from loyalty_portal.models.rollup import MemberPointsDay
from loyalty_portal.services.core import audit, outbox
from loyalty_portal.services.core.actors import Actor
from loyalty_portal.services.core.errors import OrderNotFound, RefundExceedsOrder
from loyalty_portal.services.core.session import DbSession
from loyalty_portal.services.core.sql import upsert_add
from loyalty_portal.services.ledger import locks, settlement
from loyalty_portal.services.ledger.spending import spend, spendable
from loyalty_portal.services.program import tiers
from loyalty_portal.services.program.settings import load_program


@dataclass(frozen=True)
class RefundOutcome:
    order: ShopOrder
    member: Member
    refund: OrderRefund


def target_reversed(points: int, value: Decimal, refunded: Decimal) -> int:
    """Points an order has lost after refunds totalling `refunded` of its `value`."""
    if value <= 0 or refunded >= value:
        return points
    return math.floor(Decimal(points) * refunded / value)


def refund_order(
    session: DbSession,
    user_id: str,
    order_key: str,
    *,
    amount: Decimal | None,
    reason: str,
    now: datetime,
    audited_by: Actor | None = None,
) -> RefundOutcome:
    """Refund `amount` of the order (None: the rest). Nothing changes on a refusal.
    `audited_by`: a person (an admin) the audit log names; a shop's API call is logged by
    its key in the ledger entry alone."""
    locked = locks.lock_member_for_change(session, now, user_id=user_id)
    if locked is None:
        raise OrderNotFound(f"No order {order_key!r} for user {user_id!r}.")
    member = settlement.settle(session, locked.member, now) if locked.due else locked.member
    program = load_program(session)
    has_pending = (
        select(PendingAward.id)
        .join(EventLog, EventLog.id == PendingAward.event_log_id)
        .where(EventLog.order_id == ShopOrder.id, PendingAward.status == "pending")
        .exists()
    )
    window = tiers.window_query(member.id, now, program.tier_window_days, program.timezone)
    row = session.execute(
        select(ShopOrder, has_pending, window).where(
            ShopOrder.member_id == member.id, ShopOrder.order_key == order_key
        )
    ).first()
    if row is None:
        raise OrderNotFound(f"No order {order_key!r} for user {user_id!r}.")
    order, pending_exists, earned_in_window = row[0], bool(row[1]), int(row[2])

    left = order.value - order.refunded_amount
    fully_refunded = order.refunded_at is not None
    if fully_refunded or (amount is not None and amount > left):
        raise RefundExceedsOrder(
            f"Order {order_key!r} has {left} left to refund; {amount} was asked.",
            details={"amount": [f"at most {left}"]},
        )
    this_amount = left if amount is None else amount
    refunded = order.refunded_amount + this_amount
    reversing = target_reversed(order.points_earned, order.value, refunded) - order.points_reversed

    cancelled = _cancel_pending(session, order, reversing, now) if pending_exists else 0
    rest = reversing - cancelled
    debited = min(rest, spendable(member))
    owed = rest - debited
    title = f"Returned: order {order_key}"
    if rest:  # earned points leave the tier window with the order's day
        day = order.created_at.astimezone(program.timezone).date()
        keys = {"member_id": member.id, "day": day}
        upsert_add(session, MemberPointsDay.__table__, keys, "reversed", rest)
        first, _last = tiers.window_days_range(now, program.tier_window_days, program.timezone)
        if day >= first:
            earned_in_window -= rest
    if debited:
        spend(
            session,
            member,
            debited,
            kind="reverse",
            title=title,
            description=reason or "The order was refunded.",
            now=now,
            expire_first=False,
            order_id=order.id,
            source_note="order_refund",
        )
    if owed:
        member.points_owed += owed
    if rest:
        tiers.recompute(
            session, member, now, program.tier_window_days, earned_in_window=earned_in_window
        )
    order.refunded_amount = refunded
    order.points_reversed += reversing
    if refunded >= order.value:
        order.refunded_at = now
    refund = OrderRefund(
        order_id=order.id,
        member_id=member.id,
        amount=this_amount,
        reason=reason,
        points_reversed=reversing,
        pending_cancelled=cancelled,
        points_debited=debited,
        points_owed=owed,
        created_at=now,
    )
    session.add(refund)
    if audited_by is not None:
        audit.record(
            session,
            audited_by,
            "order.refund",
            "order",
            order.order_key,
            after={
                "userId": user_id,
                "amount": str(this_amount),
                "reason": reason,
                "pointsReversed": reversing,
            },
        )
    if reversing:
        data = outbox.points(
            member,
            -debited,
            orderId=order.order_key,
            pointsReversed=reversing,
            pendingCancelled=cancelled,
            pointsOwed=member.points_owed,
            reason=reason,
        )
        outbox.publish(session, MessageType.POINTS_REVERSED, data, now, flush=False)
    session.flush()
    return RefundOutcome(order, member, refund)


def _cancel_pending(session: DbSession, order: ShopOrder, points: int, now: datetime) -> int:
    """Cancel up to `points` of the order's pending awards (the latest due first)."""
    awards = session.scalars(
        select(PendingAward)
        .join(EventLog, EventLog.id == PendingAward.event_log_id)
        .where(EventLog.order_id == order.id, PendingAward.status == "pending")
        .order_by(PendingAward.available_at.desc(), PendingAward.id.desc())
    ).all()
    cancelled = 0
    for award in awards:
        take = min(award.points, points - cancelled)
        if take <= 0:
            break
        if take == award.points:
            award.status, award.released_at = "cancelled", now
        else:
            award.points -= take
        cancelled += take
    return cancelled
