"""Growth programs: time-boxed campaigns, two-sided referrals and birthday rewards."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from loyalty_portal.models.base import Base
from loyalty_portal.timeutil import utcnow


class Campaign(Base):
    """Extra points for the events of some rules during a window (no stacking: the best one
    applies). `ended_at` is set when an admin ends it early; awarded points stay."""

    __tablename__ = "campaign"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="window"),
        CheckConstraint("bonus_points >= 0", name="bonus_non_negative"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    multiplier: Mapped[Decimal | None]  # 1..10, checked by the service (text on SQLite)
    bonus_points: Mapped[int] = mapped_column(default=0)
    event_ids: Mapped[list[str] | None]  # None: every rule
    usergroups: Mapped[list[str] | None]  # None: every member
    min_tier_id: Mapped[int | None] = mapped_column(ForeignKey("tier.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class GrowthSettings(Base):
    """At most one row: the referral program and the birthday reward (off when missing)."""

    __tablename__ = "growth_settings"
    __table_args__ = (
        CheckConstraint("id = 1", name="single_row"),
        CheckConstraint("referrer_points >= 0 AND friend_points >= 0", name="referral_points"),
        CheckConstraint("monthly_cap IS NULL OR monthly_cap >= 0", name="monthly_cap"),
        CheckConstraint("birthday_points >= 0", name="birthday_points"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, default=1)
    referrals_enabled: Mapped[bool] = mapped_column(default=False)
    qualifying_event_id: Mapped[str | None] = mapped_column(String(128))
    minimum_value: Mapped[Decimal | None]
    referrer_points: Mapped[int] = mapped_column(default=0)
    friend_points: Mapped[int] = mapped_column(default=0)
    monthly_cap: Mapped[int | None]  # completed referrals a referrer is paid for per month
    birthday_points: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Referral(Base):
    """A friend invited by a referrer. One per friend (unique), completed at most once."""

    __tablename__ = "referral"
    __table_args__ = (
        CheckConstraint("referrer_id <> friend_id", name="not_self"),
        Index("ix_referral_referrer", "referrer_id", "completed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    referrer_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"))
    friend_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None]
    referrer_points: Mapped[int] = mapped_column(default=0)  # 0 when over the cap
    friend_points: Mapped[int] = mapped_column(default=0)


class BirthdayAward(Base):
    """One birthday reward per member per year (the primary key makes it once only)."""

    __tablename__ = "birthday_award"

    member_id: Mapped[int] = mapped_column(
        ForeignKey("member.id", ondelete="CASCADE"), primary_key=True
    )
    year: Mapped[int] = mapped_column(primary_key=True)
    points: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
