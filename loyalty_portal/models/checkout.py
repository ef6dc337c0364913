"""Orders (the points an order earned, and what its refunds reversed) and points holds."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from loyalty_portal.models.base import Base, BigId
from loyalty_portal.models.enums import HoldStatus, one_of
from loyalty_portal.timeutil import utcnow


class ShopOrder(Base):
    """A shop's order as the program sees it: one per member and orderId."""

    __tablename__ = "shop_order"
    __table_args__ = (
        UniqueConstraint("member_id", "order_key", name="uq_shop_order_member_key"),
        CheckConstraint(
            "points_reversed >= 0 AND points_reversed <= points_earned", name="reversed"
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"))
    order_key: Mapped[str] = mapped_column(String(128))
    value: Mapped[Decimal] = mapped_column(default=Decimal(0))
    refunded_amount: Mapped[Decimal] = mapped_column(default=Decimal(0))
    #: Points its events earned (available or pending) and points its refunds took back.
    points_earned: Mapped[int] = mapped_column(default=0)
    points_reversed: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Set when refunds reach the order's value (an order without value: its one refund).
    refunded_at: Mapped[datetime | None]


class OrderRefund(Base):
    """One refund call: the value refunded and where the reversed points came from."""

    __tablename__ = "order_refund"
    __table_args__ = (
        CheckConstraint(
            "pending_cancelled + points_debited + points_owed = points_reversed", name="split"
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    order_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("shop_order.id", ondelete="CASCADE"), index=True
    )
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"), index=True)
    amount: Mapped[Decimal]
    reason: Mapped[str] = mapped_column(String(500), default="")
    points_reversed: Mapped[int] = mapped_column(default=0)
    pending_cancelled: Mapped[int] = mapped_column(default=0)
    points_debited: Mapped[int] = mapped_column(default=0)
    #: The part that had been spent already: added to the member's points owed.
    points_owed: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PointsHold(Base):
    """Points reserved for a checkout: captured (spent), released, or expired."""

    __tablename__ = "points_hold"
    __table_args__ = (
        CheckConstraint("points > 0", name="points_positive"),
        CheckConstraint("captured_points >= 0 AND captured_points <= points", name="captured"),
        CheckConstraint(one_of("status", HoldStatus), name="status"),
        Index("ix_points_hold_member", "member_id", "status", "expires_at"),
        Index("ix_points_hold_due", "status", "expires_at"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"))
    points: Mapped[int]
    captured_points: Mapped[int] = mapped_column(default=0)
    status: Mapped[str] = mapped_column(String(16), default=HoldStatus.HELD)
    order_key: Mapped[str | None] = mapped_column(String(128))
    hold_metadata: Mapped[dict[str, Any]] = mapped_column("metadata", default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    settled_at: Mapped[datetime | None]
