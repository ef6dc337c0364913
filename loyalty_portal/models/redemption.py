"""Redemptions, which double as the member's coupons."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from loyalty_portal.models.base import Base
from loyalty_portal.models.enums import CouponStatus, one_of
from loyalty_portal.timeutil import utcnow

if TYPE_CHECKING:
    from loyalty_portal.models.catalog import Offer
    from loyalty_portal.models.member import Member


class Redemption(Base):
    __tablename__ = "redemption"
    __table_args__ = (
        CheckConstraint("points > 0", name="points_positive"),
        CheckConstraint(one_of("status", CouponStatus), name="status"),
        Index("ix_redemption_member_time", "member_id", "created_at"),
        Index("ix_redemption_member_offer", "member_id", "offer_id", "status"),
        Index("ix_redemption_offer_status", "offer_id", "status", "created_at"),
        Index("ix_redemption_status_time", "status", "created_at"),
        # An admin at a till finds a coupon by the code the member shows.
        Index(
            "ix_redemption_code",
            "code",
            postgresql_where=text("code IS NOT NULL"),
            sqlite_where=text("code IS NOT NULL"),
        ),
        # Day-by-day analytics rollups read redemptions by each of their timestamps.
        Index("ix_redemption_time", "created_at"),
        Index(
            "ix_redemption_fulfilled",
            "fulfilled_at",
            postgresql_where=text("fulfilled_at IS NOT NULL"),
            sqlite_where=text("fulfilled_at IS NOT NULL"),
        ),
        Index(
            "ix_redemption_used",
            "used_at",
            postgresql_where=text("used_at IS NOT NULL"),
            sqlite_where=text("used_at IS NOT NULL"),
        ),
        Index(
            "ix_redemption_cancelled",
            "cancelled_at",
            postgresql_where=text("cancelled_at IS NOT NULL"),
            sqlite_where=text("cancelled_at IS NOT NULL"),
        ),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"))
    offer_id: Mapped[str] = mapped_column(ForeignKey("offer.id"))
    points: Mapped[int]
    status: Mapped[str] = mapped_column(String(16))
    code: Mapped[str | None] = mapped_column(String(128))
    coupon_metadata: Mapped[dict[str, Any]] = mapped_column("metadata", default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    fulfilled_at: Mapped[datetime | None]
    used_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]
    note: Mapped[str | None] = mapped_column(String(500))

    offer: Mapped[Offer] = relationship(lazy="joined")
    member: Mapped[Member] = relationship()

    def status_at(self, now: datetime) -> str:
        """The status as the member sees it: an ACTIVE coupon past its date is EXPIRED."""
        if self.status == "ACTIVE" and self.expires_at is not None and self.expires_at <= now:
            return "EXPIRED"
        return self.status

    def __repr__(self) -> str:
        return f"<Redemption {self.id} {self.status} {self.points}>"
