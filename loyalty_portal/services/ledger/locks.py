"""Member row locks: every change of a member's points happens under one.

PostgreSQL: SELECT ... FOR UPDATE. SQLite: the write transaction is BEGIN IMMEDIATE, so
it is serialised already and the clause is ignored.

`lock_member_for_change` is the hot paths' lock: one statement finds the member by its
userId, locks the row and says whether anything is due (pending points to release, lots
to expire), so settling costs nothing when nothing is; it reads the configuration version
too (`config_cache.saw`). Counts that limits depend on (caps, per-member redemption
limits) are read after the lock, in a statement of their own: a subquery of the locking
statement would read the snapshot taken before its lock wait.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Exists, Select, bindparam, select

from loyalty_portal.models import LedgerEntry, Member, PendingAward, PointsHold
from loyalty_portal.services.core import config_cache
from loyalty_portal.services.core.session import DbSession
from loyalty_portal.services.core.sql import NOW


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


def due_pending_exists(now: Any) -> Exists:
    """Whether the member (correlated) has pending points due at `now` (a datetime, or a
    bind parameter in a statement built once)."""
    return (
        select(PendingAward.id)
        .where(
            PendingAward.member_id == Member.id,
            PendingAward.status == "pending",
            PendingAward.available_at <= now,
        )
        .exists()
    )


def due_lots_exist(now: Any) -> Exists:
    return (
        select(LedgerEntry.id)
        .where(
            LedgerEntry.member_id == Member.id,
            LedgerEntry.remaining > 0,
            LedgerEntry.expires_at <= now,
        )
        .exists()
    )


def due_holds_exist(now: Any) -> Exists:
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
    if user_id is not None:
        stmt, params = _locking_statement("user_id"), {"now": now, "user_id": user_id}
    else:
        stmt, params = _locking_statement("member_id"), {"now": now, "member_id": member_id}
    row = session.execute(stmt, params).first()
    if row is None:
        return None
    config_cache.saw(session, row[4])
    return LockedMember(row[0], bool(row[1]) or bool(row[2]) or bool(row[3]))


def _probing(stmt: Select[Any]) -> Select[Any]:
    """The due probes, and the configuration version (an API write checks its cache by
    it: `config_cache.saw`)."""
    return stmt.add_columns(
        due_pending_exists(NOW).label("due_pending"),
        due_lots_exist(NOW).label("due_lots"),
        due_holds_exist(NOW).label("due_holds"),
        config_cache.version_column(),
    )


@functools.cache
def _locking_statement(by: str) -> Select[Any]:
    """Built once per process (the hot paths' lock), run with `now` and the key bound."""
    if by == "user_id":
        found = Member.user_id == bindparam("user_id")
        stmt = select(Member).where(found, Member.erased_at.is_(None))
    else:
        stmt = select(Member).where(Member.id == bindparam("member_id"))
    return _probing(stmt).with_for_update(of=Member).execution_options(populate_existing=True)


def lock_members_for_change(
    session: DbSession, now: datetime, user_ids: list[str]
) -> list[LockedMember]:
    """Lock many members (by userId) in id order, the order every path locks in, with the
    same probes as `lock_member_for_change`; one statement."""
    rows = session.execute(
        _probing(select(Member))
        .where(Member.user_id.in_(user_ids), Member.erased_at.is_(None))
        .order_by(Member.id)
        .with_for_update(of=Member)
        .execution_options(populate_existing=True),
        {"now": now},
    ).all()
    if rows:
        config_cache.saw(session, rows[0][4])
    return [LockedMember(row[0], any(row[1:4])) for row in rows]
