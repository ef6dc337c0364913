"""Orders: the points an order's events earned are booked to it, once per rule.

A shop resending an order's event (a retried webhook) must never pay twice: the second
event for the same rule, member and orderId earns nothing (`duplicate_order`). The check
runs under the member's row lock; a unique index on (order, rule) backs it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from loyalty_portal.models import EventLog, Member, ShopOrder
from loyalty_portal.services.core.errors import OrderNotFound, ValidationFailed
from loyalty_portal.services.core.session import DbSession
from loyalty_portal.services.earning.evaluation import Evaluation
from loyalty_portal.services.earning.rule_snapshots import RuleSnapshot

ORDER_ID = re.compile(r"[A-Za-z0-9_\-.:#]{1,128}")
ORDER_ID_RULE = "1 to 128 characters: letters, digits, _ - . : #"


def checked_order_key(value: Any, field: str = "orderId") -> str | None:
    """The orderId of a request (None when absent), or ValidationFailed."""
    if value is None:
        return None
    if not isinstance(value, str) or not ORDER_ID.fullmatch(value):
        raise ValidationFailed(
            f"{field} must be {ORDER_ID_RULE}.", details={field: [ORDER_ID_RULE]}
        )
    return value


def event_order_key(order_id: Any, metadata: dict[str, Any]) -> str | None:
    """An event's orderId: top level, else `metadata.orderId`."""
    if order_id is not None:
        return checked_order_key(order_id)
    return checked_order_key(metadata.get("orderId"), "metadata.orderId")


@dataclass
class OrderBooking:
    """The order an event belongs to, or why it adds nothing to it."""

    order: ShopOrder | None
    duplicate: bool


def book_event_order(
    session: DbSession, member: Member, order_key: str, rule_id: int, now: datetime
) -> OrderBooking:
    """The member's order `order_key` (a new one is added, not yet flushed), unless this
    rule earned on it already. Member must be locked."""
    earned_before = (
        select(EventLog.id)
        .where(EventLog.order_id == ShopOrder.id, EventLog.rule_id == rule_id)
        .exists()
    )
    row = session.execute(
        select(ShopOrder, earned_before).where(
            ShopOrder.member_id == member.id, ShopOrder.order_key == order_key
        )
    ).first()
    if row is not None:
        return OrderBooking(None, True) if row[1] else OrderBooking(row[0], False)
    order = ShopOrder(
        member_id=member.id,
        order_key=order_key,
        value=Decimal(0),
        refunded_amount=Decimal(0),
        points_earned=0,
        points_reversed=0,
        created_at=now,
    )
    session.add(order)
    return OrderBooking(order, False)


def apply_order(
    session: DbSession,
    member: Member,
    rule: RuleSnapshot,
    ev: Evaluation,
    order_key: str | None,
    now: datetime,
) -> int | None:
    """Book a judged event to its order (single events and batch items alike): a rule that
    earned on the order already earns nothing (`duplicate_order`). Returns the order's id
    for the event log, None without an order or for a duplicate. Member must be locked."""
    if not order_key:
        return None
    booking = book_event_order(session, member, order_key, rule.id, now)
    if booking.duplicate or booking.order is None:
        ev.points, ev.reason = 0, "duplicate_order"
        return None
    add_event_to_order(booking.order, rule.type, ev.value, ev.points)
    session.flush()  # the order's row (new or updated) before the event that names it
    return booking.order.id


def add_event_to_order(
    order: ShopOrder, rule_type: str, value: Decimal | None, points: int
) -> None:
    """The order's value is its TRANSACTION events' value; its points all they earned."""
    if rule_type == "TRANSACTION" and value is not None:
        order.value = order.value + value
    if points:
        order.points_earned += points


@dataclass(frozen=True)
class OrderEvent:
    event_id: str
    points: int
    pending_points: int
    created_at: datetime


@dataclass(frozen=True)
class OrderView:
    order: ShopOrder
    user_id: str
    events: list[OrderEvent]


def get_order(session: DbSession, user_id: str, order_key: str) -> OrderView:
    """The order with its events; another user's order is as unknown as a missing one."""
    order = session.execute(
        select(ShopOrder)
        .join(Member, Member.id == ShopOrder.member_id)
        .where(
            Member.user_id == user_id,
            Member.erased_at.is_(None),
            ShopOrder.order_key == order_key,
        )
    ).scalar()
    if order is None:
        raise OrderNotFound(f"No order {order_key!r} for user {user_id!r}.")
    rows = session.execute(
        select(EventLog.event_key, EventLog.points, EventLog.pending_points, EventLog.created_at)
        .where(EventLog.order_id == order.id)
        .order_by(EventLog.created_at, EventLog.id)
    ).all()
    return OrderView(order, user_id, [OrderEvent(*r) for r in rows])


def member_orders(session: DbSession, member_id: int, limit: int = 50) -> list[ShopOrder]:
    """The member's orders, newest first (the admin's member page)."""
    return list(
        session.scalars(
            select(ShopOrder)
            .where(ShopOrder.member_id == member_id)
            .order_by(ShopOrder.created_at.desc(), ShopOrder.id.desc())
            .limit(limit)
        )
    )
