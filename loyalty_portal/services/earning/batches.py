"""Batch ingest: many events judged exactly as single events would be, written set-based.

Each item is judged in order by the same `evaluate` and booked by the same `book` as
`events.record_event`; what differs is only how the rows travel. Unknown members are
created by one multi-row insert, every member of the batch is locked by one statement (in
id order, so batches and single events never deadlock), the counts caps and tiers depend
on are read by two grouped queries under those locks and then kept in memory item by item,
and the logs, lots, pending awards, earned days and member rows are written in bulk
(one statement a table, `core.rows`).
One bad item stands alone: it changes nothing and the others go on.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import bindparam, delete, select

from loyalty_portal.models import Member
from loyalty_portal.models.enums import MessageType
from loyalty_portal.services.core import outbox
from loyalty_portal.services.core.errors import DomainError, Forbidden
from loyalty_portal.services.core.rows import write_changes
from loyalty_portal.services.core.session import DbSession
from loyalty_portal.services.earning import orders, referrals
from loyalty_portal.services.earning.batch_counts import BatchCounts
from loyalty_portal.services.earning.batch_rows import BatchRows
from loyalty_portal.services.earning.evaluation import evaluate, find_rule
from loyalty_portal.services.earning.events import Booking, EventOutcome, book
from loyalty_portal.services.earning.rule_snapshots import RuleSnapshot
from loyalty_portal.services.ledger import locks, lots, settlement
from loyalty_portal.services.ledger.spending import spendable
from loyalty_portal.services.members import members
from loyalty_portal.services.program import tiers
from loyalty_portal.services.program.settings import Program, load_program


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
    found: dict[str, RuleSnapshot] = {}  # the rules cached for this transaction, by eventId
    for index, item in enumerate(items):
        try:
            rule = found.get(item.event_id) or found.setdefault(
                item.event_id, find_rule(session, item.event_id)
            )
            if rule.requires_api_key and not trusted:
                raise Forbidden(f"Event {item.event_id!r} can only be sent with an API key.")
            members.validate_user_id(item.user_id)
            rules[index] = rule
        except DomainError as exc:
            results[index] = ItemResult(error=exc)
    by_user, created = _lock_members(session, sorted({items[i].user_id for i in rules}), now)
    counts = BatchCounts.read(session, by_user.values(), set(rules.values()), now, program)
    rows = BatchRows()
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
        rows.book(booking)
        if booking.lot is not None:
            rows.message(MessageType.POINTS_EARNED, outbox.earned(member, ev.points, rule), now)
            if counts.window is not None:
                counts.window[member.id] += ev.points
                earned = counts.window[member.id]
                _recompute_tier(session, rows, member, earned, counts.ladder, now, program)
        outcome = EventOutcome(member, booking.log, ev)
        results[index] = ItemResult(outcome, spendable(member))
    write_changes(session, Member, by_user.values())  # balances and tiers, one statement
    rows.write(session)
    _write_earned_days(session, rows.bookings, program)
    for result in results:  # as after a single event: its log has its id now
        done = result.outcome if result is not None else None
        if done is not None and done.evaluation.points:
            referrals.complete_if_qualifying(session, done.member, done.evaluation, done.event, now)
    # as a single event that fails: a member created for items that all failed is not kept
    used = {b.log.member_id for b in rows.bookings}
    if unused := created - used:
        session.execute(delete(Member).where(Member.id.in_(unused)))
    # the others are welcomed as every new member is (after their earnings are written, so
    # the tier the welcome bonus recomputes counts them too)
    for member in by_user.values():
        if member.id in created & used:
            members.welcomed(session, member, now)
    return [r if r is not None else ItemResult() for r in results]


_KNOWN_USER_IDS = select(Member.user_id).where(
    Member.user_id.in_(bindparam("user_ids", expanding=True))
)


def _lock_members(
    session: DbSession, user_ids: list[str], now: datetime
) -> tuple[dict[str, Member], set[int]]:
    """Create the unknown members (one insert), lock all in id order (one statement), and
    settle those with something due. Returns them by userId, and the ids created.

    Which userIds are unknown is read first, without a lock: building the insert costs
    SQLAlchemy a subquery per row, so it is built only for the userIds not seen (still
    ignoring a conflict, as one created meanwhile by another request is not new). Creating
    before locking keeps the order every path takes: insert, then row locks by id."""
    if not user_ids:
        return {}, set()
    known = set(session.scalars(_KNOWN_USER_IDS, {"user_ids": user_ids}))
    unknown = [u for u in user_ids if u not in known]
    created = members.create_members(session, unknown, now) if unknown else set()
    locked = locks.lock_members_for_change(session, now, user_ids)
    by_user = {
        m.member.user_id: settlement.settle(session, m.member, now) if m.due else m.member
        for m in locked
    }
    return by_user, created


def _recompute_tier(
    session: DbSession,
    rows: BatchRows,
    member: Member,
    earned: int,
    ladder: tuple[tiers.TierInfo, ...],
    now: datetime,
    program: Program,
) -> None:
    """The tier after an item's points, as a single event recomputes it. A change publishes
    `tier.changed` at once: the batch's messages so far are written first, so the worker
    delivers them in the order a single event's would be."""
    tier = tiers.tier_for(earned, ladder)
    if (tier.id if tier else None) != member.tier_id:
        rows.write_messages(session)
    tiers.recompute(session, member, now, program.tier_window_days, earned_in_window=earned)


def _write_earned_days(session: DbSession, bookings: list[Booking], program: Program) -> None:
    """The days the lots were earned on (the tier window sums them), one upsert."""
    days: defaultdict[tuple[int, date], int] = defaultdict(int)
    for booking in bookings:
        for key, points in booking.earned_days(program).items():
            days[key] += points
    lots.record_earned_days(session, dict(days))
    session.flush()  # what else the batch changed on its members (their groups)
