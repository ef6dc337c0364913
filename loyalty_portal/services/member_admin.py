"""Reads for the admin's member screens: search, lots, coupons and events of one member."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from loyalty_portal.models import Account, EventLog, LedgerEntry, Member, Redemption

SEARCH_SORTS = {
    "user": Member.user_id,
    "name": Member.display_name,
    "balance": Member.balance,
    "created": Member.created_at,
}


def search(query: str, sort_clauses: list[object]) -> Select[tuple[Member, str | None]]:
    """Members (not erased) whose userId, email or name contains `query`, with their email."""
    stmt = (
        select(Member, Account.email)
        .outerjoin(Account, Account.member_id == Member.id)
        .where(Member.erased_at.is_(None))
    )
    query = query.strip()
    if query:
        pattern = f"%{_escape_like(query.lower())}%"
        stmt = stmt.where(
            or_(
                func.lower(Member.user_id).like(pattern, escape="\\"),
                func.lower(Account.email).like(pattern, escape="\\"),
                func.lower(Member.display_name).like(pattern, escape="\\"),
            )
        )
    return stmt.order_by(*sort_clauses, Member.id)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def email_of(session: Session, member: Member) -> str | None:
    return session.scalar(select(Account.email).where(Account.member_id == member.id))


def live_lots(session: Session, member_id: int, now: datetime) -> list[LedgerEntry]:
    """Lots still holding points, the next to expire first (never-expiring last)."""
    stmt = (
        select(LedgerEntry)
        .where(LedgerEntry.member_id == member_id, LedgerEntry.remaining > 0)
        .order_by(LedgerEntry.expires_at.is_(None), LedgerEntry.expires_at, LedgerEntry.id)
        .limit(200)
    )
    return list(session.scalars(stmt))


def coupons_query(member_id: int) -> Select[tuple[Redemption]]:
    return (
        select(Redemption)
        .where(Redemption.member_id == member_id)
        .order_by(Redemption.created_at.desc(), Redemption.id)
    )


def events_query(member_id: int) -> Select[tuple[EventLog]]:
    return (
        select(EventLog)
        .where(EventLog.member_id == member_id)
        .order_by(EventLog.created_at.desc(), EventLog.id.desc())
    )
