"""Daily rollups for the admin's analytics, so charts never scan the ledger per request.

A day is a calendar day in the program's time zone. `analytics_rollup.refresh` keeps
the rows up to date; a day computed after it ended (plus a grace period) is final
unless a back-dated ledger entry (an expiry, a released pending award) lands in it.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Date, String
from sqlalchemy.orm import Mapped, mapped_column

from loyalty_portal.models.base import Base


class StatsDay(Base):
    __tablename__ = "stats_day"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    issued: Mapped[int] = mapped_column(BigInteger, default=0)  # earn entries
    redeemed: Mapped[int] = mapped_column(BigInteger, default=0)  # -redeem and -payment entries
    refunded: Mapped[int] = mapped_column(BigInteger, default=0)
    expired: Mapped[int] = mapped_column(BigInteger, default=0)  # -expire entries
    adjusted: Mapped[int] = mapped_column(BigInteger, default=0)  # adjust + reverse, net
    net: Mapped[int] = mapped_column(BigInteger, default=0)  # every delta: liability change
    events: Mapped[int] = mapped_column(default=0)
    active_members: Mapped[int] = mapped_column(default=0)
    new_members: Mapped[int] = mapped_column(default=0)
    redemptions: Mapped[int] = mapped_column(default=0)
    computed_at: Mapped[datetime]


class StatsOfferDay(Base):
    """Per offer and day: redeemed (and points), codes issued, coupons used, cancelled."""

    __tablename__ = "stats_offer_day"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    offer_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    redeemed: Mapped[int] = mapped_column(default=0)
    points: Mapped[int] = mapped_column(BigInteger, default=0)
    issued: Mapped[int] = mapped_column(default=0)
    used: Mapped[int] = mapped_column(default=0)
    cancelled: Mapped[int] = mapped_column(default=0)


class StatsState(Base):
    """One row: how far the rollups go, and a snapshot of figures that need a full count."""

    __tablename__ = "stats_state"

    id: Mapped[int] = mapped_column(primary_key=True, default=1)
    timezone: Mapped[str] = mapped_column(String(64))
    #: Every ledger entry with an id up to this was visible to a finished refresh.
    ledger_watermark: Mapped[int] = mapped_column(BigInteger, default=0)
    #: The highest id seen at `pending_seen_at`; it becomes the watermark a grace period later.
    pending_watermark: Mapped[int] = mapped_column(BigInteger, default=0)
    pending_seen_at: Mapped[datetime | None]
    refreshed_at: Mapped[datetime | None]
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    snapshot_at: Mapped[datetime | None]
