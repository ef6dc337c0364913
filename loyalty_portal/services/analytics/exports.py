"""CSV exports of members, ledger entries and redemptions, streamed row batch by batch.

Rows are read with `yield_per` (a server-side cursor on PostgreSQL) and written out in
chunks, so memory stays flat however many rows there are.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import datetime
from typing import Any, TypeVarTuple

from sqlalchemy import Select, select
from sqlalchemy.orm import aliased

from loyalty_portal.models import Account, EarningRule, LedgerEntry, Member, Offer, Redemption, Tier
from loyalty_portal.services.core.session import DbSession

Ts = TypeVarTuple("Ts")

BATCH = 1000
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _members(
    start: datetime | None, end: datetime | None
) -> tuple[list[str], Select[*tuple[Any, ...]]]:
    header = ["userId", "name", "email", "balance", "lifetimePoints", "tier", "createdAt"]
    stmt = (
        select(
            Member.user_id,
            Member.display_name,
            Account.email,
            Member.balance,
            Member.lifetime_points,
            Tier.name,
            Member.created_at,
        )
        .outerjoin(Account, Account.member_id == Member.id)
        .outerjoin(Tier, Tier.id == Member.tier_id)
        .where(Member.erased_at.is_(None))
        .order_by(Member.created_at, Member.id)
    )
    return header, _in_range(stmt, Member.created_at, start, end)


def _ledger(
    start: datetime | None, end: datetime | None
) -> tuple[list[str], Select[*tuple[Any, ...]]]:
    header = [
        "entryId", "userId", "createdAt", "kind", "points", "title", "description",
        "expiresAt", "remaining", "eventId", "redemptionId", "source",
    ]  # fmt: skip
    rule = aliased(EarningRule)
    stmt = (
        select(
            LedgerEntry.id,
            Member.user_id,
            LedgerEntry.created_at,
            LedgerEntry.kind,
            LedgerEntry.delta,
            LedgerEntry.title,
            LedgerEntry.description,
            LedgerEntry.expires_at,
            LedgerEntry.remaining,
            rule.event_id,
            LedgerEntry.redemption_id,
            LedgerEntry.source_note,
        )
        .join(Member, Member.id == LedgerEntry.member_id)
        .outerjoin(rule, rule.id == LedgerEntry.rule_id)
        .order_by(LedgerEntry.created_at, LedgerEntry.id)
    )
    return header, _in_range(stmt, LedgerEntry.created_at, start, end)


def _redemptions(
    start: datetime | None, end: datetime | None
) -> tuple[list[str], Select[*tuple[Any, ...]]]:
    header = [
        "couponId", "userId", "offerId", "offerTitle", "points", "status", "code",
        "createdAt", "fulfilledAt", "usedAt", "cancelledAt", "expiresAt",
    ]  # fmt: skip
    stmt = (
        select(
            Redemption.id,
            Member.user_id,
            Redemption.offer_id,
            Offer.title,
            Redemption.points,
            Redemption.status,
            Redemption.code,
            Redemption.created_at,
            Redemption.fulfilled_at,
            Redemption.used_at,
            Redemption.cancelled_at,
            Redemption.expires_at,
        )
        .join(Member, Member.id == Redemption.member_id)
        .join(Offer, Offer.id == Redemption.offer_id)
        .order_by(Redemption.created_at, Redemption.id)
    )
    return header, _in_range(stmt, Redemption.created_at, start, end)


QUERIES = {"members": _members, "ledger": _ledger, "redemptions": _redemptions}


def cell(value: Any) -> Any:
    """A CSV cell: times in ISO 8601 UTC; text that a spreadsheet would run is defused."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def stream_csv(
    session: DbSession, kind: str, start: datetime | None, end: datetime | None
) -> Iterator[str]:
    """The export as CSV text, yielded in chunks of BATCH rows."""
    header, stmt = QUERIES[kind](start, end)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    result = session.execute(stmt.execution_options(yield_per=BATCH))
    for rows in result.partitions():
        writer.writerows([cell(v) for v in row] for row in rows)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue()


def _in_range(
    stmt: Select[*Ts], column: Any, start: datetime | None, end: datetime | None
) -> Select[*Ts]:
    """Rows with `column` in [start, end); either bound may be open."""
    if start is not None:
        stmt = stmt.where(column >= start)
    if end is not None:
        stmt = stmt.where(column < end)
    return stmt
