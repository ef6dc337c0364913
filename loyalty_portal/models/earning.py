"""Earning rules, the events they judge, and points waiting to become available."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from loyalty_portal.models.base import Base, BigId, index_where_set
from loyalty_portal.models.enums import CapPeriod, PendingStatus, RuleExpiryPolicy, RuleType, one_of
from loyalty_portal.timeutil import utcnow


class EarningRule(Base):
    __tablename__ = "earning_rule"
    __table_args__ = (
        CheckConstraint(one_of("type", RuleType), name="type"),
        CheckConstraint(one_of("cap_period", CapPeriod, nullable=True), name="cap_period"),
        CheckConstraint(one_of("expiry_policy", RuleExpiryPolicy), name="expiry_policy"),
        CheckConstraint("points IS NULL OR points >= 0", name="points_non_negative"),
        CheckConstraint("max_per_event IS NULL OR max_per_event > 0", name="max_per_event"),
        CheckConstraint("cap_count IS NULL OR cap_count > 0", name="cap_count"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(String(128), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    type: Mapped[str] = mapped_column(String(16), default="FIX")
    points: Mapped[int | None]  # FIX and CONDITIONAL
    points_per_unit: Mapped[Decimal | None]  # TRANSACTION
    value_field: Mapped[str] = mapped_column(String(64), default="amount")
    threshold: Mapped[Decimal | None]  # CONDITIONAL
    max_per_event: Mapped[int | None]
    cap_count: Mapped[int | None]
    cap_period: Mapped[str | None] = mapped_column(String(8))
    active_from: Mapped[datetime | None]
    active_until: Mapped[datetime | None]
    requires_api_key: Mapped[bool] = mapped_column(default=False)
    pending_days: Mapped[int | None]  # None: the program default
    expiry_policy: Mapped[str] = mapped_column(String(16), default="program")
    expiry_days: Mapped[int | None]
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    group_overrides: Mapped[list[RuleGroupOverride]] = relationship(
        back_populates="rule", cascade="all, delete-orphan", lazy="selectin"
    )

    def __repr__(self) -> str:
        return f"<EarningRule {self.event_id} {self.type}>"


class RuleGroupOverride(Base):
    """Points (or points per unit) a user group earns instead of the rule's own."""

    __tablename__ = "rule_group_override"

    rule_id: Mapped[int] = mapped_column(
        ForeignKey("earning_rule.id", ondelete="CASCADE"), primary_key=True
    )
    usergroup_id: Mapped[str] = mapped_column(
        ForeignKey("usergroup.id", ondelete="CASCADE"), primary_key=True
    )
    points: Mapped[int | None]
    points_per_unit: Mapped[Decimal | None]

    rule: Mapped[EarningRule] = relationship(back_populates="group_overrides")


class EventLog(Base):
    """Every event received for a known rule, with what it earned or why it earned nothing."""

    __tablename__ = "event_log"
    __table_args__ = (
        Index("ix_event_log_caps", "member_id", "rule_id", "completed", "created_at"),
        Index("ix_event_log_member_time", "member_id", "created_at"),
        Index("ix_event_log_time", "created_at"),
        index_where_set("ix_event_log_campaign_id", "campaign_id"),
        # An order earns once per rule: a resent event is logged without the order.
        Index(
            "uq_event_log_order_rule",
            "order_id",
            "rule_id",
            unique=True,
            sqlite_where=text("order_id IS NOT NULL"),
            postgresql_where=text("order_id IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"))
    rule_id: Mapped[int] = mapped_column(ForeignKey("earning_rule.id"))
    event_key: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    occurred_at: Mapped[datetime | None]
    event_metadata: Mapped[dict[str, Any]] = mapped_column("metadata", default=dict)
    amount: Mapped[Decimal | None]
    value: Mapped[Decimal | None]
    points: Mapped[int] = mapped_column(default=0)
    pending_points: Mapped[int] = mapped_column(default=0)
    reason: Mapped[str | None] = mapped_column(String(32))
    completed: Mapped[bool] = mapped_column(default=False)
    source: Mapped[str] = mapped_column(String(64))
    order_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("shop_order.id", ondelete="SET NULL")
    )
    #: The campaign that raised this event's points (None: the rule's own).
    campaign_id: Mapped[str | None] = mapped_column(ForeignKey("campaign.id", ondelete="SET NULL"))


class PendingAward(Base):
    """Points earned but not yet available; released into a lot on `available_at`."""

    __tablename__ = "pending_award"
    __table_args__ = (
        CheckConstraint("points > 0", name="points_positive"),
        CheckConstraint(one_of("status", PendingStatus), name="status"),
        Index("ix_pending_award_member", "member_id", "status", "available_at"),
        Index("ix_pending_award_due", "status", "available_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"))
    event_log_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("event_log.id", ondelete="CASCADE"), unique=True
    )
    #: Set instead of the id when the log is new: one flush inserts both, in order.
    event_log: Mapped[EventLog] = relationship()
    rule_id: Mapped[int] = mapped_column(ForeignKey("earning_rule.id"))
    points: Mapped[int]
    available_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16), default="pending")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    released_at: Mapped[datetime | None]
