"""Spending points: consume the live lots that expire first (FIFO by expiry), never below zero.

Expects the member row locked (`locks.lock_member`); flushes, never commits.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import nulls_last, or_, select

from loyalty_portal.models import LedgerEntry, Member
from loyalty_portal.services.core.errors import InsufficientPoints
from loyalty_portal.services.core.session import DbSession
from loyalty_portal.services.ledger.expiry import expire_due_lots

_BATCH = 200


def spend(
    session: DbSession,
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


def _consume_lots(session: DbSession, member: Member, points: int, now: datetime) -> None:
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
