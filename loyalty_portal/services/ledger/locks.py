"""Member row locks: every change of a member's points happens under one.

PostgreSQL: SELECT ... FOR UPDATE. SQLite: the write transaction is BEGIN IMMEDIATE, so
it is serialised already and the clause is ignored.

`lock_member_for_change` is the hot paths' lock: one statement finds the member by its
userId, locks the row and says whether anything is due (pending points to release, lots
to expire), so settling costs nothing when nothing is. Counts that limits depend on (caps,
per-member redemption limits) are read after the lock, in a statement of their own: a
subquery of the locking statement would read the snapshot taken before its lock wait.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Exists, select

from loyalty_portal.models import LedgerEntry, Member, PendingAward, PointsHold
from loyalty_portal.services.core.session import DbSession


def lock_member(session: DbSession, member_id: int) -> Member:
    """Lock the member row for this transaction and return it freshly loaded."""
    stmt = (
        select(Member)
        .where(Member.id == member_id)
        .with_for_update(of=Member)
        .execution_options(populate_existing=True)
    )
    return session.execute(stmt).scalar_one()


@dataclass(frozen=True)
class LockedMember:
    member: Member
    due: bool  # pending points to release, lots or holds to expire before anything else


def due_pending_exists(now: datetime) -> Exists:
    return (
        select(PendingAward.id)
        .where(
            PendingAward.member_id == Member.id,
            PendingAward.status == "pending",
            PendingAward.available_at <= now,
        )
        .exists()
    )


def due_lots_exist(now: datetime) -> Exists:
    return (
        select(LedgerEntry.id)
        .where(
            LedgerEntry.member_id == Member.id,
            LedgerEntry.remaining > 0,
            LedgerEntry.expires_at <= now,
        )
        .exists()
    )


def due_holds_exist(now: datetime) -> Exists:
    return (
        select(PointsHold.id)
        .where(
            PointsHold.member_id == Member.id,
            PointsHold.status == "HELD",
            PointsHold.expires_at <= now,
        )
        .exists()
    )


def lock_member_for_change(
    session: DbSession, now: datetime, *, user_id: str | None = None, member_id: int | None = None
) -> LockedMember | None:
    """Lock the member (by userId or id) and probe what is due, in one statement."""
    stmt = select(
        Member,
        due_pending_exists(now).label("due_pending"),
        due_lots_exist(now).label("due_lots"),
        due_holds_exist(now).label("due_holds"),
    )
    if user_id is not None:
        stmt = stmt.where(Member.user_id == user_id, Member.erased_at.is_(None))
    stmt = stmt.where(Member.id == member_id) if member_id is not None else stmt
    row = session.execute(
        stmt.with_for_update(of=Member).execution_options(populate_existing=True)
    ).first()
    if row is None:
        return None
    return LockedMember(row[0], bool(row[1]) or bool(row[2]) or bool(row[3]))


def lock_members_for_change(
    session: DbSession, now: datetime, user_ids: list[str]
) -> list[LockedMember]:
    """Lock many members (by userId) in id order, the order every path locks in, with the
    same probes as `lock_member_for_change`; one statement."""
    rows = session.execute(
        select(
            Member,
            due_pending_exists(now).label("due_pending"),
            due_lots_exist(now).label("due_lots"),
            due_holds_exist(now).label("due_holds"),
        )
        .where(Member.user_id.in_(user_ids), Member.erased_at.is_(None))
        .order_by(Member.id)
        .with_for_update(of=Member)
        .execution_options(populate_existing=True)
    ).all()
    return [LockedMember(row[0], any(row[1:])) for row in rows]
