"""Batch ingest: many events judged exactly as single events would be, written set-based.

Each item is judged in order by the same `evaluate` and booked by the same `book` as
`events.record_event`; what differs is only how the rows travel. Unknown members are
created by one multi-row insert, every member of the batch is locked by one statement (in
id order, so batches and single events never deadlock), the counts caps and tiers depend
on are read by two grouped queries under those locks and then kept in memory item by item,
and the logs, lots, pending awards, earned days and member rows are written in bulk.
One bad item stands alone: it changes nothing and the others go on.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, delete, func, or_, select, true

from loyalty_portal.models import EventLog, Member, MemberPointsDay
from loyalty_portal.services.core import outbox
from loyalty_portal.services.core.errors import DomainError, Forbidden
from loyalty_portal.services.core.session import DbSession
from loyalty_portal.services.earning import orders, referrals
from loyalty_portal.services.earning.evaluation import evaluate, find_rule
from loyalty_portal.services.earning.events import Booking, EventOutcome, book
from loyalty_portal.services.earning.rule_snapshots import RuleSnapshot
from loyalty_portal.services.ledger import locks, lots, settlement
from loyalty_portal.services.ledger.spending import spendable
from loyalty_portal.services.members import members
from loyalty_portal.services.program import tiers
from loyalty_portal.services.program.settings import Program, load_program
from loyalty_portal.timeutil import period_start


@dataclass(frozen=True)
class BatchItem:
    user_id: str
    event_id: str
    metadata: dict[str, Any]
    amount: Any = None
    occurred_at: datetime | None = None
    join_groups: list[str] | None = None
    order_key: str | None = None


@dataclass(frozen=True)
class ItemResult:
    """An item's outcome (with the balance right after it) or its refusal."""

    outcome: EventOutcome | None = None
    balance: int = 0
    error: DomainError | None = None


def record_batch(
    session: DbSession, items: list[BatchItem], *, now: datetime, source: str, trusted: bool
) -> list[ItemResult]:
    """Judge and book every item in order; one result per item."""
    program = load_program(session)
    results: list[ItemResult | None] = [None] * len(items)
    rules: dict[int, RuleSnapshot] = {}
    for index, item in enumerate(items):
        try:
            rule = find_rule(session, item.event_id)
            if rule.requires_api_key and not trusted:
                raise Forbidden(f"Event {item.event_id!r} can only be sent with an API key.")
            members.validate_user_id(item.user_id)
            rules[index] = rule
        except DomainError as exc:
            results[index] = ItemResult(error=exc)
    by_user, created = _lock_members(session, sorted({items[i].user_id for i in rules}), now)
    counts = _Counts.read(session, by_user.values(), set(rules.values()), now, program)
    bookings: list[Booking] = []
    for index, rule in rules.items():
        item = items[index]
        member = by_user[item.user_id]
        try:
            if item.join_groups:
                members.join_groups(session, member, item.join_groups)
            capped = bool(rule.cap_count and rule.cap_period)
            ev = evaluate(
                session,
                rule,
                member,
                metadata=dict(item.metadata),
                amount=item.amount,
                now=now,
                program=program,
                known_completions=counts.completions[(member.id, rule.id)] if capped else None,
            )
            order_id = orders.apply_order(session, member, rule, ev, item.order_key, now)
            booking = book(
                member,
                rule,
                ev,
                now=now,
                program=program,
                source=source,
                metadata=dict(item.metadata),
                amount=item.amount,
                occurred_at=item.occurred_at,
                order_id=order_id,
            )
        except DomainError as exc:
            results[index] = ItemResult(error=exc)
            continue
        if ev.completes:
            counts.completions[(member.id, rule.id)] += 1
        if booking.lot is not None and counts.window is not None:
            counts.window[member.id] += ev.points
            tiers.recompute(
                session,
                member,
                now,
                program.tier_window_days,
                earned_in_window=counts.window[member.id],
            )
        session.add(booking.log)
        bookings.append(booking)
        if booking.lot is not None:
            data = outbox.earned(member, ev.points, rule)
            outbox.publish(session, "points.earned", data, now, flush=False)
        outcome = EventOutcome(member, booking.log, ev)
        results[index] = ItemResult(outcome, spendable(member))
    _write(session, bookings, program)
    for result in results:  # as after a single event: its log has its id now
        done = result.outcome if result is not None else None
        if done is not None and done.evaluation.points:
            referrals.complete_if_qualifying(session, done.member, done.evaluation, done.event, now)
    # as a single event that fails: a member created for items that all failed is not kept
    used = {b.log.member_id for b in bookings}
    if unused := created - used:
        session.execute(delete(Member).where(Member.id.in_(unused)))
    # the others are welcomed as every new member is (after their earnings are written, so
    # the tier the welcome bonus recomputes counts them too)
    for member in by_user.values():
        if member.id in created & used:
            members.welcomed(session, member, now)
    return [r if r is not None else ItemResult() for r in results]


def _lock_members(
    session: DbSession, user_ids: list[str], now: datetime
) -> tuple[dict[str, Member], set[int]]:
    """Create the unknown members (one insert), lock all in id order (one statement), and
    settle those with something due. Returns them by userId, and the ids created."""
    if not user_ids:
        return {}, set()
    created = members.create_members(session, user_ids, now)
    locked = locks.lock_members_for_change(session, now, user_ids)
    by_user = {
        m.member.user_id: settlement.settle(session, m.member, now) if m.due else m.member
        for m in locked
    }
    return by_user, created


@dataclass
class _Counts:
    """What caps and tiers depend on, read once under the locks, then kept item by item."""

    completions: defaultdict[tuple[int, int], int]
    window: defaultdict[int, int] | None

    @classmethod
    def read(
        cls,
        session: DbSession,
        batch_members: Any,
        rules: set[RuleSnapshot],
        now: datetime,
        program: Program,
    ) -> _Counts:
        member_ids = sorted(m.id for m in batch_members)
        completions: defaultdict[tuple[int, int], int] = defaultdict(int)
        periods = []
        for rule in rules:
            if rule.cap_count and rule.cap_period:
                start = period_start(now, rule.cap_period, program.timezone)
                since = EventLog.created_at >= start if start is not None else true()
                periods.append(and_(EventLog.rule_id == rule.id, since))
        if member_ids and periods:
            rows = session.execute(
                select(EventLog.member_id, EventLog.rule_id, func.count())
                .where(
                    EventLog.member_id.in_(member_ids),
                    EventLog.completed.is_(True),
                    or_(*periods),
                )
                .group_by(EventLog.member_id, EventLog.rule_id)
            ).all()
            for member_id, rule_id, count in rows:
                completions[(member_id, rule_id)] = int(count)
        if not tiers.tiers_ascending(session):
            return cls(completions, None)
        window: defaultdict[int, int] = defaultdict(int)
        first, last = tiers.window_days_range(now, program.tier_window_days, program.timezone)
        if member_ids:
            earned_rows = session.execute(
                select(MemberPointsDay.member_id, func.sum(MemberPointsDay.earned))
                .where(
                    MemberPointsDay.member_id.in_(member_ids),
                    MemberPointsDay.day >= first,
                    MemberPointsDay.day <= last,
                )
                .group_by(MemberPointsDay.member_id)
            ).all()
            for member_id, earned in earned_rows:
                window[member_id] = int(earned or 0)
        return cls(completions, window)


def _write(session: DbSession, bookings: list[Booking], program: Program) -> None:
    """Logs first (one multi-row insert that returns their ids), then lots, pending awards
    and member rows in one flush, and the earned days in one upsert."""
    session.flush()
    days: defaultdict[tuple[int, date], int] = defaultdict(int)
    for booking in bookings:
        booking.attach(session)
        for key, points in booking.earned_days(program).items():
            days[key] += points
    lots.record_earned_days(session, dict(days))
    session.flush()
