"""Holds past their `expiresAt`: their points are spendable again. Reads count them as
expired at once (`held_query`); settling the member (or `points expire`) books it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ScalarSelect, func, select, update

from loyalty_portal.models import Member, PointsHold
from loyalty_portal.services.core.session import DbSession
from loyalty_portal.services.ledger.locks import lock_member


def expire_due_holds(session: DbSession, member: Member, now: datetime) -> int:
    """Mark the member's due holds EXPIRED and free their points. Member must be locked.
    Leaves no ledger entry: the points never left."""
    freed = (
        session.execute(
            update(PointsHold)
            .where(
                PointsHold.member_id == member.id,
                PointsHold.status == "HELD",
                PointsHold.expires_at <= now,
            )
            .values(status="EXPIRED", settled_at=now)
            .returning(PointsHold.points)
            .execution_options(synchronize_session=False)
        )
        .scalars()
        .all()
    )
    total = sum(freed)
    if total:
        member.held_points -= total
        for obj in list(session.identity_map.values()):
            if isinstance(obj, PointsHold) and obj.member_id == member.id:
                session.expire(obj)
    return total


def shrink_to_balance(session: DbSession, member: Member, now: datetime) -> int:
    """Lots under a hold expired: holds keep only what the balance still covers (held
    points never exceed the balance), taken from the holds that expire last. A hold left
    with nothing is EXPIRED. Member must be locked; due holds expired first."""
    excess = member.held_points - member.balance
    if excess <= 0:
        return 0
    expire_due_holds(session, member, now)
    excess = member.held_points - member.balance
    holds = session.scalars(
        select(PointsHold)
        .where(PointsHold.member_id == member.id, PointsHold.status == "HELD")
        .order_by(PointsHold.expires_at.desc(), PointsHold.id.desc())
        .execution_options(populate_existing=True)
    ).all()
    shrunk = 0
    for hold in holds:
        if excess <= 0:
            break
        take = min(excess, hold.points)
        if take == hold.points:
            hold.status, hold.settled_at = "EXPIRED", now
        else:
            hold.points -= take
        member.held_points -= take
        excess -= take
        shrunk += take
    return shrunk


def has_due_holds(session: DbSession, member_id: int, now: datetime) -> bool:
    stmt = select(PointsHold.id).where(
        PointsHold.member_id == member_id,
        PointsHold.status == "HELD",
        PointsHold.expires_at <= now,
    )
    return session.execute(stmt.limit(1)).first() is not None


def expired_held_query(member_id: Any, now: Any) -> ScalarSelect[int]:
    """Points of holds still HELD but past their expiry (`member_id` may be a column)."""
    return (
        select(func.coalesce(func.sum(PointsHold.points), 0))
        .where(
            PointsHold.member_id == member_id,
            PointsHold.status == "HELD",
            PointsHold.expires_at <= now,
        )
        .scalar_subquery()
    )


def expire_all_due_holds(session: DbSession, now: datetime, *, batch: int = 500) -> int:
    """Settle every member's expired holds. Idempotent. Returns the members settled."""
    expired = 0
    while ids := _members_with_due_holds(session, now, batch):
        for member_id in ids:
            member = lock_member(session, member_id)
            expired += bool(expire_due_holds(session, member, now))
        session.flush()
    return expired


def _members_with_due_holds(session: DbSession, now: datetime, limit: int) -> list[int]:
    stmt = (
        select(PointsHold.member_id)
        .where(PointsHold.status == "HELD", PointsHold.expires_at <= now)
        .distinct()
        .limit(limit)
    )
    return list(session.scalars(stmt))
