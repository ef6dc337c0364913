"""Tiers from points earned in the program's trailing window."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from loyalty_portal.models import Member, MemberPointsDay, Tier
from loyalty_portal.services.program import load_program


def tiers_ascending(session: Session) -> list[Tier]:
    return list(session.scalars(select(Tier).order_by(Tier.threshold)))


def window_days_range(now: datetime, window_days: int, tz: ZoneInfo) -> tuple[date, date]:
    """The calendar days (program zone) of a trailing window ending today, inclusive."""
    today = now.astimezone(tz).date()
    return today - timedelta(days=window_days - 1), today


def points_in_window(session: Session, member_id: int, now: datetime, window_days: int) -> int:
    """Points earned in the trailing window of calendar days (at most one row a day)."""
    first, last = window_days_range(now, window_days, load_program(session).timezone)
    stmt = select(func.coalesce(func.sum(MemberPointsDay.earned), 0)).where(
        MemberPointsDay.member_id == member_id,
        MemberPointsDay.day >= first,
        MemberPointsDay.day <= last,
    )
    return int(session.execute(stmt).scalar_one())


def tier_for(points: int, tiers: list[Tier]) -> Tier | None:
    reached = [t for t in tiers if t.threshold <= points]
    return reached[-1] if reached else None


def recompute(session: Session, member: Member, now: datetime, window_days: int) -> Tier | None:
    """Set the member's tier from points earned in the window; returns the tier."""
    tier = tier_for(
        points_in_window(session, member.id, now, window_days), tiers_ascending(session)
    )
    member.tier = tier
    return tier


@dataclass(frozen=True)
class TierProgress:
    earned: int
    tier: Tier | None
    next_tier: Tier | None
    points_needed: int


def progress(session: Session, member: Member, now: datetime, window_days: int) -> TierProgress:
    """Where the member stands: earned in window, the tier it gives, the next tier and the gap."""
    ladder = tiers_ascending(session)
    earned = points_in_window(session, member.id, now, window_days)
    following = next((t for t in ladder if t.threshold > earned), None)
    return TierProgress(
        earned=earned,
        tier=tier_for(earned, ladder),
        next_tier=following,
        points_needed=(following.threshold - earned) if following else 0,
    )


def recompute_all(session: Session, now: datetime, window_days: int) -> int:
    """Recompute every member's tier (a nightly job: tiers fall as the window moves)."""
    tiers = tiers_ascending(session)
    first, last = window_days_range(now, window_days, load_program(session).timezone)
    earned = dict(
        session.execute(
            select(MemberPointsDay.member_id, func.sum(MemberPointsDay.earned))
            .where(MemberPointsDay.day >= first, MemberPointsDay.day <= last)
            .group_by(MemberPointsDay.member_id)
        ).all()
    )
    changed = 0
    members = session.execute(
        select(Member.id, Member.tier_id).where(Member.erased_at.is_(None))
    ).all()
    for member_id, tier_id in members:
        tier = tier_for(int(earned.get(member_id, 0)), tiers)
        if tier_id != (tier.id if tier else None):
            session.get_one(Member, member_id).tier = tier
            changed += 1
    session.flush()
    return changed
