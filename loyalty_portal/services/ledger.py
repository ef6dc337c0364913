"""The only code that changes points: lots in, spending out, expiry, all under a member lock.

Every function here expects the member row locked by `lock_member` in the current
transaction (PostgreSQL: SELECT ... FOR UPDATE; SQLite: the write transaction is
BEGIN IMMEDIATE, so it is serialised already). Functions flush, never commit.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, nulls_last, or_, select
from sqlalchemy.orm import Session

from loyalty_portal.models import LedgerEntry, Member, MemberPointsDay
from loyalty_portal.services.errors import InsufficientPoints, ValidationFailed
from loyalty_portal.services.program import load_program
from loyalty_portal.services.sql import upsert_add

_BATCH = 200
#: Balances and lifetime points are 32-bit columns; a credit may not push them past this.
MAX_POINTS = 2_147_483_647


def lock_member(session: Session, member_id: int) -> Member:
    """Lock the member row for this transaction and return it freshly loaded."""
    stmt = (
        select(Member)
        .where(Member.id == member_id)
        .with_for_update(of=Member)
        .execution_options(populate_existing=True)
    )
    return session.execute(stmt).scalar_one()


def add_lot(
    session: Session,
    member: Member,
    points: int,
    *,
    kind: str,
    title: str,
    now: datetime,
    expires_at: datetime | None,
    description: str = "",
    **source: Any,
) -> LedgerEntry:
    """Credit `points` as a new lot (earn, refund or positive adjustment)."""
    if points <= 0:
        raise ValueError("a lot must add points")
    if max(member.balance, member.lifetime_points) + points > MAX_POINTS:
        raise ValidationFailed(
            f"That would take the points past the maximum of {MAX_POINTS:,}.",
            details={"points": [f"the balance may not exceed {MAX_POINTS:,}"]},
        )
    entry = LedgerEntry(
        member_id=member.id,
        kind=kind,
        delta=points,
        remaining=points,
        expires_at=expires_at,
        title=title[:200],
        description=description[:500],
        created_at=now,
        **source,
    )
    session.add(entry)
    member.balance += points
    if kind == "earn":
        member.lifetime_points += points
        _record_earned_day(session, member.id, now, points)
    session.flush()
    return entry


def _record_earned_day(session: Session, member_id: int, at: datetime, points: int) -> None:
    day = at.astimezone(load_program(session).timezone).date()
    upsert_add(
        session, MemberPointsDay.__table__, {"member_id": member_id, "day": day}, "earned", points
    )


def spend(
    session: Session,
    member: Member,
    points: int,
    *,
    kind: str,
    title: str,
    now: datetime,
    description: str = "",
    **source: Any,
) -> LedgerEntry:
    """Debit `points`, consuming the live lots that expire first. Never below zero."""
    if points <= 0:
        raise ValueError("spending must take points")
    expire_due_lots(session, member, now)
    if member.balance < points:
        raise InsufficientPoints(
            f"{points:,} points needed, {member.balance:,} available.",
            missing_points=points - member.balance,
        )
    _consume_lots(session, member, points, now)
    entry = LedgerEntry(
        member_id=member.id,
        kind=kind,
        delta=-points,
        title=title[:200],
        description=description[:500],
        created_at=now,
        **source,
    )
    session.add(entry)
    member.balance -= points
    session.flush()
    return entry


def _consume_lots(session: Session, member: Member, points: int, now: datetime) -> None:
    left = points
    while left > 0:
        lots = session.scalars(
            select(LedgerEntry)
            .where(
                LedgerEntry.member_id == member.id,
                LedgerEntry.remaining > 0,
                or_(LedgerEntry.expires_at.is_(None), LedgerEntry.expires_at > now),
            )
            .order_by(nulls_last(LedgerEntry.expires_at.asc()), LedgerEntry.id)
            .limit(_BATCH)
            .execution_options(populate_existing=True)
        ).all()
        if not lots:
            raise RuntimeError(f"ledger drift: member {member.id} lots short by {left}")
        for lot in lots:
            take = min(lot.remaining or 0, left)
            lot.remaining = (lot.remaining or 0) - take
            left -= take
            if left == 0:
                break
        session.flush()


def expire_due_lots(session: Session, member: Member, now: datetime) -> int:
    """Turn the remainder of each lot past its expiry into one `expire` entry."""
    lots = session.scalars(
        select(LedgerEntry)
        .where(
            LedgerEntry.member_id == member.id,
            LedgerEntry.remaining > 0,
            LedgerEntry.expires_at <= now,
        )
        .order_by(LedgerEntry.expires_at, LedgerEntry.id)
        .execution_options(populate_existing=True)
    ).all()
    total = 0
    for lot in lots:
        amount = lot.remaining or 0
        session.add(
            LedgerEntry(
                member_id=member.id,
                kind="expire",
                delta=-amount,
                title="Points expired",
                description=f"{amount:,} of {lot.delta:,} points from “{lot.title}” expired.",
                created_at=lot.expires_at or now,
                lot_id=lot.id,
            )
        )
        lot.remaining = 0
        total += amount
    if total:
        member.balance -= total
        session.flush()
    return total


def has_due_lots(session: Session, member_id: int, now: datetime) -> bool:
    stmt = select(LedgerEntry.id).where(
        LedgerEntry.member_id == member_id,
        LedgerEntry.remaining > 0,
        LedgerEntry.expires_at <= now,
    )
    return session.execute(stmt.limit(1)).first() is not None


def members_with_due_lots(session: Session, now: datetime, limit: int) -> list[int]:
    stmt = (
        select(LedgerEntry.member_id)
        .where(LedgerEntry.remaining > 0, LedgerEntry.expires_at <= now)
        .group_by(LedgerEntry.member_id)
        .order_by(func.min(LedgerEntry.expires_at))
        .limit(limit)
    )
    return list(session.scalars(stmt))
