"""Tiers: reached by points earned in the program's trailing window; edited by admins."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ScalarSelect, func, select

from loyalty_portal.models import Member, MemberPointsDay, Tier
from loyalty_portal.models.enums import MessageType
from loyalty_portal.services.core import audit, config_cache, outbox
from loyalty_portal.services.core.actors import Actor
from loyalty_portal.services.core.errors import NotFound
from loyalty_portal.services.core.session import DbSession
from loyalty_portal.services.core.validation import Problems, plain_fields
from loyalty_portal.services.program.settings import load_program


@dataclass(frozen=True)
class TierInfo:
    """A tier as the hot paths read it (cached per process; see core.config_cache)."""

    id: int
    name: str
    threshold: int
    multiplier: Decimal
    benefits: str


def _load_tiers(session: DbSession) -> tuple[TierInfo, ...]:
    rows = session.execute(
        select(Tier.id, Tier.name, Tier.threshold, Tier.multiplier, Tier.benefits).order_by(
            Tier.threshold
        )
    ).all()
    return tuple(TierInfo(r.id, r.name, r.threshold, r.multiplier, r.benefits or "") for r in rows)


def tiers_ascending(session: DbSession) -> tuple[TierInfo, ...]:
    return config_cache.cached(session, "tiers", _load_tiers)


def tier_by_id(session: DbSession, tier_id: int | None) -> TierInfo | None:
    return next((t for t in tiers_ascending(session) if t.id == tier_id), None)


def window_days_range(now: datetime, window_days: int, tz: ZoneInfo) -> tuple[date, date]:
    """The calendar days (program zone) of a trailing window ending today, inclusive."""
    today = now.astimezone(tz).date()
    return today - timedelta(days=window_days - 1), today


def window_query(
    member_id: Any, now: datetime, window_days: int, tz: ZoneInfo
) -> ScalarSelect[int]:
    """Points earned in the trailing window of calendar days (at most one row a day), net
    of refunded orders' reversals; `member_id` may be a column, to correlate."""
    first, last = window_days_range(now, window_days, tz)
    return earned_between(member_id, first, last)


def earned_between(member_id: Any, first: Any, last: Any) -> ScalarSelect[int]:
    """Points earned from day `first` to day `last` inclusive, net of reversals (the days
    may be bind parameters, for a statement built once)."""
    return (
        select(func.coalesce(func.sum(MemberPointsDay.earned - MemberPointsDay.reversed), 0))
        .where(
            MemberPointsDay.member_id == member_id,
            MemberPointsDay.day >= first,
            MemberPointsDay.day <= last,
        )
        .scalar_subquery()
    )


def points_in_window(session: DbSession, member_id: int, now: datetime, window_days: int) -> int:
    """Points earned in the trailing window of calendar days."""
    tz = load_program(session).timezone
    return int(session.execute(select(window_query(member_id, now, window_days, tz))).scalar_one())


def tier_for(points: int, tiers: Sequence[TierInfo]) -> TierInfo | None:
    reached = [t for t in tiers if t.threshold <= points]
    return reached[-1] if reached else None


def recompute(
    session: DbSession,
    member: Member,
    now: datetime,
    window_days: int,
    *,
    earned_in_window: int | None = None,
) -> TierInfo | None:
    """Set the member's tier from points earned in the window; returns the tier.

    `earned_in_window`: the caller already knows it (the event path reads it with the lock).
    """
    ladder = tiers_ascending(session)
    if not ladder:  # no tiers: nothing to count
        set_tier(session, member, None, now)
        return None
    if earned_in_window is None:
        earned_in_window = points_in_window(session, member.id, now, window_days)
    tier = tier_for(earned_in_window, ladder)
    set_tier(session, member, tier, now)
    return tier


def set_tier(session: DbSession, member: Member, tier: TierInfo | None, now: datetime) -> None:
    """Move the member to `tier`; a change is announced (`tier.changed`) in the same flush."""
    tier_id = tier.id if tier else None
    if member.tier_id != tier_id:
        _tier_changed(session, member.user_id, member.tier_id, tier, now)
        member.tier_id = tier_id
        session.expire(member, ["tier"])


def _tier_changed(
    session: DbSession, user_id: str, before_id: int | None, tier: TierInfo | None, now: datetime
) -> None:
    before = next((t for t in tiers_ascending(session) if t.id == before_id), None)
    data = {
        "userId": user_id,
        "tier": tier.name if tier else None,
        "previousTier": before.name if before else None,
        "multiplier": str(tier.multiplier) if tier else "1",
    }
    outbox.publish(session, MessageType.TIER_CHANGED, data, now)


@dataclass(frozen=True)
class TierProgress:
    earned: int
    tier: TierInfo | None
    next_tier: TierInfo | None
    points_needed: int


def progress(
    session: DbSession,
    member: Member,
    now: datetime,
    window_days: int,
    *,
    earned_in_window: int | None = None,
) -> TierProgress:
    """Where the member stands: earned in window, the tier it gives, the next tier and the gap."""
    ladder = tiers_ascending(session)
    earned = (
        points_in_window(session, member.id, now, window_days)
        if earned_in_window is None
        else earned_in_window
    )
    following = next((t for t in ladder if t.threshold > earned), None)
    return TierProgress(
        earned=earned,
        tier=tier_for(earned, ladder),
        next_tier=following,
        points_needed=(following.threshold - earned) if following else 0,
    )


def recompute_all(session: DbSession, now: datetime, window_days: int) -> int:
    """Recompute every member's tier (a nightly job: tiers fall as the window moves)."""
    tiers = tiers_ascending(session)
    first, last = window_days_range(now, window_days, load_program(session).timezone)
    earned = dict(
        session.execute(
            select(
                MemberPointsDay.member_id,
                func.sum(MemberPointsDay.earned - MemberPointsDay.reversed),
            )
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
            set_tier(session, session.get_one(Member, member_id), tier, now)
            changed += 1
    session.flush()
    return changed


# -- editing (admin area) ------------------------------------------------------
@dataclass
class TierInput:
    name: str
    threshold: int | None
    multiplier: Decimal | None = Decimal(1)
    benefits: str = ""


def tier_snapshot(tier: Tier) -> dict[str, Any]:
    return plain_fields(
        {
            "name": tier.name,
            "threshold": tier.threshold,
            "multiplier": tier.multiplier,
            "benefits": tier.benefits,
        }
    )


def get_tier(session: DbSession, tier_id: int) -> Tier:
    tier = session.get(Tier, tier_id)
    if tier is None:
        raise NotFound(f"No tier {tier_id}.")
    return tier


def _checked_tier(
    session: DbSession, data: TierInput, problems: Problems, tier_id: int | None
) -> None:
    data.name = problems.text("name", data.name, max_len=64, required=True)
    data.benefits = problems.text("benefits", data.benefits, max_len=2000)
    if data.threshold is None:
        problems.add("threshold", "Required.")
    problems.int_range("threshold", data.threshold, low=0, high=1_000_000_000)
    if data.multiplier is None:
        problems.add("multiplier", "Required (1 for none).")
    problems.decimal_range("multiplier", data.multiplier, low=Decimal(0), strict=True)
    if data.multiplier is not None and data.multiplier > 100:
        problems.add("multiplier", "At most 100.")
    others = select(Tier).where(Tier.id != tier_id) if tier_id else select(Tier)
    for other in session.scalars(others):
        if other.name.lower() == data.name.lower():
            problems.add("name", "Another tier has this name.")
        if other.threshold == data.threshold:
            problems.add("threshold", f"{other.name} already starts at this threshold.")


def save_tier(
    session: DbSession, tier: Tier | None, data: TierInput, *, actor: Actor, now: datetime
) -> Tier:
    """Create (tier=None) or update a tier. Members move at the next tier recompute."""
    problems = Problems()
    _checked_tier(session, data, problems, tier.id if tier else None)
    problems.raise_any()
    before = tier_snapshot(tier) if tier else None
    if tier is None:
        tier = Tier(created_at=now)
        session.add(tier)
    tier.name, tier.threshold, tier.benefits = data.name, data.threshold or 0, data.benefits
    tier.multiplier = data.multiplier or Decimal(1)
    session.flush()
    after = tier_snapshot(tier)
    if before is None:
        audit.record(session, actor, "tier.create", "tier", str(tier.id), now=now, after=after)
    else:
        audit.record_changes(
            session, actor, "tier.update", "tier", str(tier.id), now=now, before=before, after=after
        )
    return tier


def recompute_tiers(session: DbSession, *, actor: Actor, now: datetime) -> int:
    """Move every member to the tier their points in the window give now."""
    changed = recompute_all(session, now, load_program(session).tier_window_days)
    audit.record(session, actor, "tier.recompute", "tier", "*", now=now, after={"changed": changed})
    return changed
