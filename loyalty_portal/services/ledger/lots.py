"""Earned points as lots: every credit adds a lot with `remaining` and `expires_at`.

Functions expect the member row locked (`locks.lock_member`); they flush, never commit.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from loyalty_portal.models import LedgerEntry, Member, MemberPointsDay
from loyalty_portal.services.core.errors import ValidationFailed
from loyalty_portal.services.core.rows import transient
from loyalty_portal.services.core.session import DbSession
from loyalty_portal.services.core.sql import upsert_add, upsert_add_many
from loyalty_portal.services.program.settings import load_program

#: Balances and lifetime points are 32-bit columns; a credit may not push them past this.
MAX_POINTS = 2_147_483_647
#: `source_note` of the entries that pay off points owed (see services/ledger/invariants).
DEBT_REPAYMENT = "debt_repayment"


def add_lot(
    session: DbSession,
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
    entry = build_lot(
        member,
        points,
        kind=kind,
        title=title,
        now=now,
        expires_at=expires_at,
        description=description,
        **source,
    )
    session.add(entry)
    if kind == "earn":
        _record_earned_day(session, member.id, now, points)
        if repayment := repay_debt(member, entry, now):
            session.add(repayment)
    session.flush()
    return entry


def build_lot(
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
    """The lot and the member's new balance, in memory (batch ingest adds them in bulk);
    the caller adds the entry and records the earned day (`earned_days`)."""
    if points <= 0:
        raise ValueError("a lot must add points")
    if max(member.balance, member.lifetime_points) + points > MAX_POINTS:
        raise ValidationFailed(
            f"That would take the points past the maximum of {MAX_POINTS:,}.",
            details={"points": [f"the balance may not exceed {MAX_POINTS:,}"]},
        )
    entry = transient(
        LedgerEntry,
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
    member.balance += points
    if kind == "earn":
        member.lifetime_points += points
    return entry


def repay_debt(member: Member, lot: LedgerEntry, now: datetime) -> LedgerEntry | None:
    """Points owed from refunded orders are paid first from new earnings: the earned lot is
    booked in full (it counts for lifetime and tiers), and the returned `reverse` entry
    (for the caller to add) takes the debt. In memory, so batch ingest books it too."""
    if member.points_owed <= 0 or lot.kind != "earn":
        return None
    repaid = min(member.points_owed, lot.delta)
    lot.remaining = lot.delta - repaid
    member.balance -= repaid
    member.points_owed -= repaid
    return transient(
        LedgerEntry,
        member_id=member.id,
        kind="reverse",
        delta=-repaid,
        title="Points owed repaid",
        description=f"{repaid:,} of “{lot.title}” paid off points owed for returned orders.",
        created_at=now,
        source_note=DEBT_REPAYMENT,
    )


def _record_earned_day(session: DbSession, member_id: int, at: datetime, points: int) -> None:
    day = at.astimezone(load_program(session).timezone).date()
    upsert_add(
        session, MemberPointsDay.__table__, {"member_id": member_id, "day": day}, "earned", points
    )


def record_earned_days(session: DbSession, earned: dict[tuple[int, date], int]) -> None:
    """Add points to many members' days at once: one upsert (executemany)."""
    rows = [{"member_id": m, "day": d, "earned": p} for (m, d), p in sorted(earned.items())]
    upsert_add_many(session, MemberPointsDay.__table__, ("member_id", "day"), "earned", rows)
