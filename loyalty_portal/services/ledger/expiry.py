"""When lots expire, turning what is left of due lots into `expire` entries, once."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import func, select

from loyalty_portal.models import LedgerEntry, Member
from loyalty_portal.services.core import outbox
from loyalty_portal.services.core.session import DbSession
from loyalty_portal.services.ledger import hold_expiry
from loyalty_portal.services.ledger.locks import lock_member
from loyalty_portal.services.program.settings import Program
from loyalty_portal.timeutil import next_period_start


def lot_expiry(
    policy: str, days: int | None, earned_at: datetime, program: Program
) -> datetime | None:
    """The instant a lot earned at `earned_at` expires under `policy` (None: never).

    `end_of_month` / `end_of_year` mean the end of the calendar month or year in the
    program's time zone, so points earned at 23:30 on 31 Jan in Berlin expire at once.
    """
    if policy == "program":
        policy, days = program.expiry_policy, program.expiry_days
    if policy == "never":
        return None
    if policy == "days":
        if not days or days <= 0:
            raise ValueError("the 'days' expiry policy needs a positive number of days")
        return earned_at + timedelta(days=days)
    if policy == "end_of_month":
        return next_period_start(earned_at, "month", program.timezone)
    if policy == "end_of_year":
        return next_period_start(earned_at, "year", program.timezone)
    raise ValueError(f"unknown expiry policy {policy!r}")


class ExpiringRule(Protocol):
    """What a rule says about the expiry of the lots it earns (an ORM rule or a snapshot)."""

    @property
    def expiry_policy(self) -> str: ...

    @property
    def expiry_days(self) -> int | None: ...


def rule_lot_expiry(rule: ExpiringRule, earned_at: datetime, program: Program) -> datetime | None:
    return lot_expiry(rule.expiry_policy, rule.expiry_days, earned_at, program)


def program_lot_expiry(earned_at: datetime, program: Program) -> datetime | None:
    """Expiry for refunds and positive adjustments: the program's default policy."""
    return lot_expiry("program", None, earned_at, program)


def expire_all_due(session: DbSession, now: datetime, *, batch: int = 500) -> tuple[int, int]:
    """Expire every due lot of every member. Idempotent. Returns (members, points)."""
    members = points = 0
    while ids := members_with_due_lots(session, now, batch):
        for member_id in ids:
            member = lock_member(session, member_id)
            expired = expire_due_lots(session, member, now)
            members += bool(expired)
            points += expired
        session.flush()
    return members, points


def expire_due_lots(session: DbSession, member: Member, now: datetime) -> int:
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
        outbox.publish(session, "points.expired", outbox.points(member, -total), now)
        hold_expiry.shrink_to_balance(session, member, now)
        session.flush()
    return total


def has_due_lots(session: DbSession, member_id: int, now: datetime) -> bool:
    stmt = select(LedgerEntry.id).where(
        LedgerEntry.member_id == member_id,
        LedgerEntry.remaining > 0,
        LedgerEntry.expires_at <= now,
    )
    return session.execute(stmt.limit(1)).first() is not None


def members_with_due_lots(session: DbSession, now: datetime, limit: int) -> list[int]:
    stmt = (
        select(LedgerEntry.member_id)
        .where(LedgerEntry.remaining > 0, LedgerEntry.expires_at <= now)
        .group_by(LedgerEntry.member_id)
        .order_by(func.min(LedgerEntry.expires_at))
        .limit(limit)
    )
    return list(session.scalars(stmt))
