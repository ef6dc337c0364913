"""What a member has: balance, pending, expiring soon, tier progress. Shared by every door."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, bindparam, func, select, true
from sqlalchemy.orm.attributes import set_committed_value

from loyalty_portal.models import LedgerEntry, Member, PendingAward
from loyalty_portal.services.core import config_cache
from loyalty_portal.services.core.errors import UserNotFound
from loyalty_portal.services.core.session import DbSession
from loyalty_portal.services.core.sql import NOW
from loyalty_portal.services.ledger import hold_expiry, pending
from loyalty_portal.services.program import tiers
from loyalty_portal.services.program.settings import load_program


@dataclass(frozen=True)
class ExpiringPoints:
    points: int
    expires_at: datetime


@dataclass(frozen=True)
class MemberSummary:
    member: Member
    balance: int
    pending_points: int
    expiring: list[ExpiringPoints]
    earned_in_window: int
    tier: tiers.TierInfo | None
    next_tier: tiers.TierInfo | None
    points_to_next_tier: int
    held_points: int = 0  # reserved by checkouts (holds), not spendable
    points_owed: int = 0  # from returned orders, repaid from the next earnings

    @property
    def expiring_total(self) -> int:
        return sum(e.points for e in self.expiring)

    @property
    def tier_progress_percent(self) -> int:
        """0-100: how far from the current tier's threshold to the next one."""
        if self.next_tier is None:
            return 100
        floor = self.tier.threshold if self.tier else 0
        span = self.next_tier.threshold - floor
        return max(0, min(100, (self.earned_in_window - floor) * 100 // span)) if span else 100


def expiring_points(
    session: DbSession,
    member_id: int,
    now: datetime,
    *,
    within_days: int | None = None,
    limit: int = 5,
) -> list[ExpiringPoints]:
    """The next dates on which live lots expire, with the points expiring then."""
    params: dict[str, Any] = {"member_id": member_id, "now": now}
    if within_days is not None:
        params["until"] = now + timedelta(days=within_days)
    expiring = []
    for at, points in session.execute(_expiring_statement(within_days is not None, limit), params):
        # the columns are nullable, but not in these rows (expires_at > now, remaining > 0)
        assert at is not None and points is not None
        expiring.append(ExpiringPoints(int(points), at))
    return expiring


@functools.cache
def _expiring_statement(bounded: bool, limit: int) -> Select[datetime | None, int | None]:
    """Built once per process, run with `member_id`, `now` (and `until`) bound."""
    stmt = _next_lots(bindparam("member_id"), limit)
    return stmt.where(LedgerEntry.expires_at <= bindparam("until")) if bounded else stmt


def _next_lots(member_id: Any, limit: int) -> Select[datetime | None, int | None]:
    """The member's next `limit` expiry dates of live lots, with the points expiring then."""
    return (
        select(LedgerEntry.expires_at, func.sum(LedgerEntry.remaining))
        .where(
            LedgerEntry.member_id == member_id,
            LedgerEntry.remaining > 0,
            LedgerEntry.expires_at > NOW,
        )
        .group_by(LedgerEntry.expires_at)
        .order_by(LedgerEntry.expires_at)
        .limit(limit)
    )


def member_summary(
    session: DbSession,
    member: Member,
    now: datetime,
    *,
    expiring_within_days: int | None = 30,
    standing: Standing | None = None,
) -> MemberSummary:
    """A member's standing at `now` in a fixed handful of indexed queries: the member
    settled at `now`, or read `as_of` it (its `standing` then gives the pending points and
    the tier window). `balance` is what can be spent, held points apart."""
    program = load_program(session)
    window = standing.earned_in_window if standing is not None else None
    progress = tiers.progress(
        session, member, now, program.tier_window_days, earned_in_window=window
    )
    return MemberSummary(
        member=member,
        balance=max(0, member.balance - member.held_points),
        pending_points=(
            standing.pending_points
            if standing is not None
            else pending.pending_total(session, member.id)
        ),
        expiring=expiring_points(session, member.id, now, within_days=expiring_within_days),
        earned_in_window=progress.earned,
        tier=progress.tier,
        next_tier=progress.next_tier,
        points_to_next_tier=progress.points_needed,
        held_points=member.held_points,
        points_owed=member.points_owed,
    )


@dataclass(frozen=True)
class Points:
    """A member's points as of `now`, read without a lock and without writing.

    What is due but not yet booked (pending points now available, lots past their expiry,
    holds past theirs) is counted as settling would book it; the worker, or the member's
    next write, books it.
    """

    balance: int
    pending_points: int  # not yet available
    earned_in_window: int | None  # points earned in the tier window (when asked for)
    held_points: int = 0  # in holds still HELD at `now`
    points_owed: int = 0
    released: int = 0  # pending points due by `now` (counted in the balance and lifetime)
    expiring: tuple[ExpiringPoints, ...] = ()  # the next lots to expire (when asked for)

    @property
    def spendable(self) -> int:
        """What can be spent now: the balance less the points on hold."""
        return max(0, self.balance - self.held_points)


@dataclass(frozen=True)
class Standing(Points):
    """The member's `Points`, with the member loaded (an ORM object)."""

    member: Member = field(kw_only=True)


def standing(
    session: DbSession, user_id: str, now: datetime, *, with_window: bool = False
) -> Standing:
    """The member with this userId and their standing at `now`, in one statement."""
    params: dict[str, Any] = {"user_id": user_id, "now": now}
    if with_window:
        program = load_program(session)
        first, last = tiers.window_days_range(now, program.tier_window_days, program.timezone)
        params.update(first_day=first, last_day=last)
    rows = session.execute(_standing_statement(with_window), params).all()
    if not rows:
        raise UserNotFound(f"No user {user_id!r}.")
    member = rows[0][0]
    tails = [tuple(row)[1:] for row in rows]
    found = _as_of_now(member.balance, member.points_owed, member.held_points, tails, with_window)
    return Standing(**{f.name: getattr(found, f.name) for f in fields(Points)}, member=member)


def points_now(session: DbSession, user_id: str, now: datetime, *, expiring: int = 5) -> Points:
    """`standing`'s points without loading the member, with the next `expiring` expiry
    dates joined to them: one statement, run in Core on the session's connection (loading
    the member as an ORM object was about a sixth of the API's points read)."""
    params = {"user_id": user_id, "now": now}
    rows = session.connection().execute(_standing_statement(False, expiring), params).all()
    if not rows:
        raise UserNotFound(f"No user {user_id!r}.")
    balance, owed, held, configuration = rows[0][:4]
    config_cache.saw(session, configuration)  # the API's read checks its cache by it
    return _as_of_now(balance, owed, held, [tuple(row)[4:] for row in rows], False, expiring)


def _as_of_now(
    balance: int,
    owed: int,
    held_points: int,
    tails: list[tuple[Any, ...]],
    with_window: bool,
    expiring: int = 0,
) -> Points:
    """What settling at `now` would leave, from the member's stored figures and each row's
    columns after the member's (due, later, expired, expired holds[, window][, a lot's
    date and points]): the one place both readers judge it."""
    due, later, expired, expired_held = (int(value) for value in tails[0][:4])
    repaid = min(owed, due)  # released points repay a debt first (lots.add_lot)
    total = balance + due - repaid - expired
    held = min(held_points - expired_held, total)  # as settling would shrink holds
    window = int(tails[0][4]) + due if with_window else None
    lots = tuple(ExpiringPoints(int(t[-1]), t[-2]) for t in tails if expiring and t[-2] is not None)
    return Points(total, later, window, held, owed - repaid, due, lots)


def as_of(session: DbSession, member: Member, now: datetime) -> Standing:
    """The member's standing at `now` for a page that only reads: one statement, no lock,
    no write. The loaded member is given that standing's balance, lifetime points, held
    points, debt and tier as if the database held them (`set_committed_value`: nothing
    for a flush to write), so every read service judges the member as settling would leave
    them. A request that writes settles instead (`settlement.settle`), under the lock."""
    now_standing = standing(session, member.user_id, now, with_window=True)
    assert now_standing.member is member  # the identity map's one object for the row
    values: dict[str, Any] = {
        "balance": now_standing.balance,
        "lifetime_points": member.lifetime_points + now_standing.released,
        "held_points": now_standing.held_points,
        "points_owed": now_standing.points_owed,
    }
    if now_standing.released:  # only a release recomputes the tier (pending.release_due)
        window = now_standing.earned_in_window or 0
        tier = tiers.tier_for(window, tiers.tiers_ascending(session))
        values["tier_id"] = tier.id if tier else None
    for attribute, value in values.items():
        set_committed_value(member, attribute, value)
    return now_standing


@functools.cache
def _standing_statement(with_window: bool, expiring: int = 0) -> Select[Any]:
    """Built once per process (building it costs more than running it; bench/README.md),
    then run with `user_id` and `now` (and the window's first and last day) bound.

    `expiring` > 0 (the points read, run in Core): the member's three stored figures it
    needs instead of the member (whose tier an ORM load joins too), the configuration
    version (`config_cache.saw`), and its next lots left-joined to the row, found by the
    userId in a subquery run once: one statement."""
    pending_sum = func.coalesce(func.sum(PendingAward.points), 0)
    mine = (PendingAward.member_id == Member.id, PendingAward.status == "pending")
    due_pending = select(pending_sum).where(*mine, PendingAward.available_at <= NOW)
    later_pending = select(pending_sum).where(*mine, PendingAward.available_at > NOW)
    due_expired = select(func.coalesce(func.sum(LedgerEntry.remaining), 0)).where(
        LedgerEntry.member_id == Member.id,
        LedgerEntry.remaining > 0,
        LedgerEntry.expires_at <= NOW,
    )
    member: list[Any] = [
        Member.balance,
        Member.points_owed,
        Member.held_points,
        config_cache.version_column(),
    ]
    columns: list[Any] = [
        *(member if expiring else [Member]),
        due_pending.scalar_subquery(),
        later_pending.scalar_subquery(),
        due_expired.scalar_subquery(),
        hold_expiry.expired_held_query(Member.id, NOW),
    ]
    if with_window:
        columns.append(
            tiers.earned_between(Member.id, bindparam("first_day"), bindparam("last_day"))
        )
    found = (Member.user_id == bindparam("user_id"), Member.erased_at.is_(None))
    if not expiring:
        return select(*columns).where(*found)
    owner = select(Member.id).where(*found).scalar_subquery()
    lots = _next_lots(owner, expiring).subquery("next_lots")
    return (
        select(*columns, *lots.c).outerjoin(lots, true()).where(*found).order_by(lots.c.expires_at)
    )
