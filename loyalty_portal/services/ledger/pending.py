"""Pending points: earned now, spendable after the rule's pending days."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import func, select

from loyalty_portal.models import EarningRule, Member, PendingAward
from loyalty_portal.services.core import outbox
from loyalty_portal.services.core.session import DbSession
from loyalty_portal.services.ledger import locks, lots
from loyalty_portal.services.ledger.expiry import rule_lot_expiry
from loyalty_portal.services.program import tiers
from loyalty_portal.services.program.settings import Program

#: Called under the member's lock with the awards just released. A context above the
#: ledger (referrals: a friend's qualifying points became available) registers here, so
#: the ledger never imports it.
ReleaseListener = Callable[[DbSession, Member, list[PendingAward], datetime], None]
_release_listeners: list[ReleaseListener] = []


def on_release(listener: ReleaseListener) -> ReleaseListener:
    """Register `listener` (once) to run after a member's pending awards are released."""
    if listener not in _release_listeners:
        _release_listeners.append(listener)
    return listener


def release_due(session: DbSession, member: Member, now: datetime, program: Program) -> int:
    """Turn the member's due pending awards into earn lots. Member must be locked."""
    awards = session.scalars(
        select(PendingAward)
        .where(
            PendingAward.member_id == member.id,
            PendingAward.status == "pending",
            PendingAward.available_at <= now,
        )
        .order_by(PendingAward.available_at, PendingAward.id)
        .execution_options(populate_existing=True)
    ).all()
    released = 0
    for award in awards:
        rule = session.get_one(EarningRule, award.rule_id)
        at = award.available_at
        lots.add_lot(
            session,
            member,
            award.points,
            kind="earn",
            title=rule.title,
            description=f"Pending points from {rule.title} are now available.",
            now=at,
            expires_at=rule_lot_expiry(rule, at, program),
            event_log_id=award.event_log_id,
            rule_id=rule.id,
        )
        outbox.publish(session, "points.earned", outbox.earned(member, award.points, rule), now)
        award.status = "released"
        award.released_at = now
        released += award.points
    if released:
        tiers.recompute(session, member, now, program.tier_window_days)
        for listener in _release_listeners:
            listener(session, member, list(awards), now)
    return released


def has_due(session: DbSession, member_id: int, now: datetime) -> bool:
    stmt = select(PendingAward.id).where(
        PendingAward.member_id == member_id,
        PendingAward.status == "pending",
        PendingAward.available_at <= now,
    )
    return session.execute(stmt.limit(1)).first() is not None


def release_all_due(session: DbSession, now: datetime, program: Program) -> int:
    """Release every member's due pending points. Idempotent. Returns the points released."""
    released = 0
    while ids := members_with_due(session, now, 500):
        for member_id in ids:
            released += release_due(session, locks.lock_member(session, member_id), now, program)
        session.flush()
    return released


def members_with_due(session: DbSession, now: datetime, limit: int) -> list[int]:
    stmt = (
        select(PendingAward.member_id)
        .where(PendingAward.status == "pending", PendingAward.available_at <= now)
        .distinct()
        .limit(limit)
    )
    return list(session.scalars(stmt))


def pending_total(session: DbSession, member_id: int) -> int:
    stmt = select(func.coalesce(func.sum(PendingAward.points), 0)).where(
        PendingAward.member_id == member_id, PendingAward.status == "pending"
    )
    return int(session.execute(stmt).scalar_one())


def cancel_all(session: DbSession, member_id: int, now: datetime) -> int:
    awards = session.scalars(
        select(PendingAward).where(
            PendingAward.member_id == member_id, PendingAward.status == "pending"
        )
    ).all()
    for award in awards:
        award.status = "cancelled"
        award.released_at = now
    return sum(a.points for a in awards)
