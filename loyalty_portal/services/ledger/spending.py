"""Spending points: consume the live lots that expire first (FIFO by expiry), never below zero.

Expects the member row locked (`locks.lock_member`); flushes, never commits.
"""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, Update, bindparam, case, func, nulls_last, or_, select, update

from loyalty_portal.models import LedgerEntry, Member
from loyalty_portal.services.core.errors import InsufficientPoints
from loyalty_portal.services.core.rows import insert_row, transient
from loyalty_portal.services.core.session import DbSession
from loyalty_portal.services.core.sql import NOW, rowcount, run_core
from loyalty_portal.services.ledger.expiry import expire_due_lots


def spendable(member: Member) -> int:
    """What the member can spend now: the balance less the points held for checkouts."""
    return max(0, member.balance - member.held_points)


def spend(
    session: DbSession,
    member: Member,
    points: int,
    *,
    kind: str,
    title: str,
    now: datetime,
    description: str = "",
    expire_first: bool = True,
    flush: bool = True,
    insert_now: bool = False,
    **source: Any,
) -> LedgerEntry:
    """Debit `points`, consuming the live lots that expire first. Never below zero,
    never into points that a hold reserved.

    `expire_first=False`: the caller settled the member under this lock already.
    `flush=False`: the entry and the balance wait for the caller's flush.
    `insert_now=True` (a hot path): the entry is inserted at once in Core (`core.rows`),
    never joining the session.
    """
    if points <= 0:
        raise ValueError("spending must take points")
    if expire_first:
        expire_due_lots(session, member, now)
    available = spendable(member)
    if available < points:
        raise InsufficientPoints(
            f"{points:,} points needed, {available:,} available.",
            missing_points=points - available,
        )
    _consume_lots(session, member, points, now)
    entry = transient(
        LedgerEntry,
        member_id=member.id,
        kind=kind,
        delta=-points,
        title=title[:200],
        description=description[:500],
        created_at=now,
        **source,
    )
    if insert_now:
        insert_row(session, entry)
    else:
        session.add(entry)
    member.balance -= points
    if flush:
        session.flush()
    return entry


def _consume_lots(session: DbSession, member: Member, points: int, now: datetime) -> None:
    """One UPDATE: each live lot, in FIFO order, gives what the lots before it left to take."""
    params = {"spender": member.id, "to_take": points, "now": now}
    if not rowcount(run_core(session, _consuming_statement(), params)):
        raise RuntimeError(f"ledger drift: member {member.id} has no live lots to spend")
    # lots this session holds now have stale remainders: reload them on next access
    for obj in list(session.identity_map.values()):
        if isinstance(obj, LedgerEntry) and obj.member_id == member.id:
            session.expire(obj, ["remaining"])


@functools.cache
def _consuming_statement() -> Update:
    """Built once per process, run with the member (`spender`), `to_take` and `now` bound.

    A window function sums the remainders of the lots before each one; a lot gives all it
    has while the running total stays within `points`, then the rest, then nothing.
    """
    points = bindparam("to_take", type_=Integer)
    order = (nulls_last(LedgerEntry.expires_at.asc()), LedgerEntry.id)
    before = func.coalesce(func.sum(LedgerEntry.remaining).over(order_by=order, rows=(None, -1)), 0)
    ranked = (
        select(
            LedgerEntry.id.label("id"),
            LedgerEntry.remaining.label("remaining"),
            before.label("before"),
        )
        .where(
            LedgerEntry.member_id == bindparam("spender"),
            LedgerEntry.remaining > 0,
            or_(LedgerEntry.expires_at.is_(None), LedgerEntry.expires_at > NOW),
        )
        .subquery()
    )
    take = case(
        (ranked.c.before + ranked.c.remaining <= points, ranked.c.remaining),
        else_=points - ranked.c.before,
    )
    return (
        update(LedgerEntry)
        .where(LedgerEntry.id == ranked.c.id, ranked.c.before < points)
        .values(remaining=LedgerEntry.remaining - take)
        .execution_options(synchronize_session=False)
    )
