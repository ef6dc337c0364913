"""Screen-only reads of the admin area: member search and pages, fulfilment queue, audit log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, UnaryExpression, select
from sqlalchemy.orm import selectinload

from loyalty_portal.models import Account, AuditLog, EventLog, LedgerEntry, Member, Redemption
from loyalty_portal.models.enums import CouponStatus
from loyalty_portal.services.core.session import DbSession
from loyalty_portal.services.core.sql import matching

SEARCH_SORTS = {
    "user": Member.user_id,
    "name": Member.display_name,
    "balance": Member.balance,
    "created": Member.created_at,
}


def search(query: str, sort_clauses: list[UnaryExpression[Any]]) -> Select[Member, str | None]:
    """Members (not erased) whose userId, email or name contains `query`, with their email."""
    stmt = (
        select(Member, Account.email)
        .outerjoin(Account, Account.member_id == Member.id)
        .where(Member.erased_at.is_(None))
    )
    query = query.strip()
    if query:
        stmt = stmt.where(matching(query, Member.user_id, Account.email, Member.display_name))
    return stmt.order_by(*sort_clauses, Member.id)


def email_of(session: DbSession, member: Member) -> str | None:
    return session.scalar(select(Account.email).where(Account.member_id == member.id))


def live_lots(session: DbSession, member_id: int, now: datetime) -> list[LedgerEntry]:
    """Lots still holding points, the next to expire first (never-expiring last)."""
    stmt = (
        select(LedgerEntry)
        .where(LedgerEntry.member_id == member_id, LedgerEntry.remaining > 0)
        .order_by(LedgerEntry.expires_at.is_(None), LedgerEntry.expires_at, LedgerEntry.id)
        .limit(200)
    )
    return list(session.scalars(stmt))


def coupons_query(member_id: int) -> Select[Redemption]:
    return (
        select(Redemption)
        .where(Redemption.member_id == member_id)
        .order_by(Redemption.created_at.desc(), Redemption.id)
    )


def events_query(member_id: int) -> Select[EventLog]:
    return (
        select(EventLog)
        .where(EventLog.member_id == member_id)
        .order_by(EventLog.created_at.desc(), EventLog.id.desc())
    )


def queue_query(status: str | None, offer_id: str | None) -> Select[Redemption]:
    """Redemptions by status (None: all) and offer, oldest first."""
    stmt = select(Redemption).options(selectinload(Redemption.member))
    if status:
        stmt = stmt.where(Redemption.status == status)
    if offer_id:
        stmt = stmt.where(Redemption.offer_id == offer_id)
    return stmt.order_by(Redemption.created_at, Redemption.id)


def valid_status(value: str | None) -> str | None:
    return value if value in tuple(CouponStatus) else None


@dataclass(frozen=True)
class AuditFilter:
    actor: str = ""
    action: str = ""
    target_type: str = ""
    target_id: str = ""
    start: datetime | None = None
    end: datetime | None = None


def audit_query(flt: AuditFilter, order: list[UnaryExpression[Any]]) -> Select[AuditLog]:
    stmt = select(AuditLog)
    if flt.actor:
        stmt = stmt.where(matching(flt.actor, AuditLog.actor))
    if flt.action:
        stmt = stmt.where(AuditLog.action.startswith(flt.action, autoescape=True))
    if flt.target_type:
        stmt = stmt.where(AuditLog.target_type == flt.target_type)
    if flt.target_id:
        stmt = stmt.where(AuditLog.target_id == flt.target_id)
    if flt.start is not None:
        stmt = stmt.where(AuditLog.created_at >= flt.start)
    if flt.end is not None:
        stmt = stmt.where(AuditLog.created_at < flt.end)
    return stmt.order_by(*order, AuditLog.id.desc())


#: Suggestions for the filter (any prefix works, e.g. "offer." for every offer action).
KNOWN_ACTIONS = (
    "api_key.create",
    "api_key.revoke",
    "data.export",
    "data.import",
    "group.create",
    "group.update",
    "member.erase",
    "offer.activate",
    "offer.codes_upload",
    "offer.create",
    "offer.deactivate",
    "offer.delete",
    "offer.update",
    "points.adjust",
    "redemption.cancel",
    "redemption.fulfil",
    "rule.activate",
    "rule.create",
    "rule.deactivate",
    "rule.update",
    "settings.update",
    "shop.create",
    "shop.update",
    "tier.create",
    "tier.recompute",
    "tier.update",
)
TARGET_TYPES = (
    "api_key",
    "data",
    "member",
    "offer",
    "redemption",
    "rule",
    "settings",
    "shop",
    "tier",
    "usergroup",
)
