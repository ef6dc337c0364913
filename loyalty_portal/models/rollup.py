"""Daily rollups, so windowed totals read at most one row per member and day."""

from __future__ import annotations

from datetime import date

from sqlalchemy import CheckConstraint, ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column

from loyalty_portal.models.base import Base


class MemberPointsDay(Base):
    """Points a member earned on one calendar day of the program's time zone."""

    __tablename__ = "member_points_day"
    __table_args__ = (
        CheckConstraint("earned >= 0", name="earned_non_negative"),
        Index("ix_member_points_day_day", "day", "member_id"),
    )

    member_id: Mapped[int] = mapped_column(
        ForeignKey("member.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(primary_key=True)
    earned: Mapped[int] = mapped_column(default=0)
    #: Points of that day's orders reversed by refunds later (tiers count earned - reversed).
    reversed: Mapped[int] = mapped_column(default=0, server_default="0")
