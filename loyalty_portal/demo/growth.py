"""The demo's growth programs (API.md): the referral program (referrer 200, friend 100,
qualifying `purchase_completed`, no minimum, cap 10 a month), one ended and one scheduled
campaign (none active when seeded), and one invitation among the demo members."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select

from loyalty_portal.models import Campaign, GrowthSettings, Member
from loyalty_portal.services.core.session import DbSession
from loyalty_portal.services.earning import referrals

ZONE = ZoneInfo("Europe/Berlin")


def add_growth(session: DbSession, now: datetime) -> None:
    session.add(
        GrowthSettings(
            id=1,
            referrals_enabled=True,
            qualifying_event_id="purchase_completed",
            minimum_value=None,
            referrer_points=200,
            friend_points=100,
            monthly_cap=10,
            birthday_points=0,
            updated_at=now,
        )
    )
    today = now.astimezone(ZONE).date()
    last_saturday = today - timedelta(days=(today.weekday() - 5) % 7 + 28)  # 4+ weeks ago
    next_monday = today + timedelta(days=7 - today.weekday() + 7)
    session.add_all(
        [
            Campaign(
                id="cmp_demo_ended",
                title="Double points weekend",
                starts_at=_local(last_saturday),
                ends_at=_local(last_saturday + timedelta(days=2)),
                multiplier=Decimal(2),
                bonus_points=0,
                event_ids=["purchase_completed"],
                created_at=now,
            ),
            Campaign(
                id="cmp_demo_next",
                title="Review week: +15 per review",
                starts_at=_local(next_monday),
                ends_at=_local(next_monday + timedelta(days=7)),
                bonus_points=15,
                event_ids=["review_written"],
                created_at=now,
            ),
        ]
    )
    session.flush()


def add_invitation(session: DbSession, now: datetime) -> None:
    """Alice invited Carol: Carol's first purchase in the history completes it."""
    alice, carol = (
        session.scalars(select(Member).where(Member.user_id == user_id)).one()
        for user_id in ("alice", "carol")
    )
    referrals.refer(session, carol, alice, now)


def _local(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=ZONE)
