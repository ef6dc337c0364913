"""Recording events: judge by the rule, log it, and credit (or hold as pending) the points."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from loyalty_portal.models import EventLog, LedgerEntry, Member, PendingAward
from loyalty_portal.services.core import outbox, rows
from loyalty_portal.services.core.errors import Forbidden
from loyalty_portal.services.core.session import DbSession
from loyalty_portal.services.earning import orders, referrals
from loyalty_portal.services.earning.evaluation import (
    Evaluation,
    completions_query,
    evaluate,
    find_rule,
)
from loyalty_portal.services.earning.rule_snapshots import RuleSnapshot
from loyalty_portal.services.ledger import locks, lots, settlement
from loyalty_portal.services.ledger.expiry import rule_lot_expiry
from loyalty_portal.services.members import members
from loyalty_portal.services.program import tiers
from loyalty_portal.services.program.settings import Program, load_program


@dataclass
class EventOutcome:
    member: Member
    event: EventLog
    evaluation: Evaluation

    @property
    def points(self) -> int:
        return self.event.points

    @property
    def pending_points(self) -> int:
        return self.event.pending_points


def record_event(
    session: DbSession,
    *,
    user_id: str,
    event_id: str,
    now: datetime,
    source: str,
    metadata: dict[str, Any] | None = None,
    amount: Any = None,
    occurred_at: datetime | None = None,
    trusted: bool = False,
    join_groups: list[str] | None = None,
    order_key: str | None = None,
) -> EventOutcome:
    """Log one event for `user_id` (created if unknown) and award what its rule gives.

    `trusted` is true for server-to-server callers (API keys, admins); a rule that
    requires an API key refuses everyone else. Completion caps are counted under the
    member's row lock, so concurrent events cannot both take the last completion.
    `order_key`: the shop's orderId; its points are booked to that order, once per rule.
    """
    metadata = dict(metadata or {})
    rule = find_rule(session, event_id)
    if rule.requires_api_key and not trusted:
        raise Forbidden(f"Event {event_id!r} can only be sent with an API key.")
    program = load_program(session)
    member = lock_or_create(session, user_id, now)
    if join_groups:
        members.join_groups(session, member, join_groups)
    counts = counts_under_lock(session, rule, member, now, program)
    ev = evaluate(
        session,
        rule,
        member,
        metadata=metadata,
        amount=amount,
        now=now,
        program=program,
        known_completions=counts.completions,
    )
    order_id = orders.apply_order(session, member, rule, ev, order_key, now)
    booking = book(
        member,
        rule,
        ev,
        now=now,
        program=program,
        source=source,
        metadata=metadata,
        amount=amount,
        occurred_at=occurred_at,
        order_id=order_id,
    )
    booking.write(session)
    if booking.lot is not None:
        outbox.write(session, "points.earned", outbox.earned(member, ev.points, rule), now)
    session.flush()  # the member's new balance
    if booking.lot is not None:
        lots.record_earned_days(session, booking.earned_days(program))
        earned = None if counts.earned_in_window is None else counts.earned_in_window + ev.points
        tiers.recompute(session, member, now, program.tier_window_days, earned_in_window=earned)
    if ev.points:
        referrals.complete_if_qualifying(session, member, ev, booking.log, now)
    session.flush()
    return EventOutcome(member=member, event=booking.log, evaluation=ev)


@dataclass
class Booking:
    """What one judged event writes: its log row and the lot or pending award it earns.

    Built in memory (the member's balance already moved) so that single events and batch
    ingest book the same rows; `write` stores one booking's rows.
    """

    log: EventLog
    lot: LedgerEntry | None = None
    pending: PendingAward | None = None
    repayment: LedgerEntry | None = None  # of points owed, from the lot (lots.repay_debt)

    def write(self, session: DbSession) -> None:
        """Insert the log (its id comes back), then the credits that name it, in Core
        (`core.rows`): the rows never join the session. Batch ingest writes many bookings
        set-based instead (`batch_rows`)."""
        rows.insert_row(session, self.log, returning_id=True)
        for credit in (*self.linked_credits(), self.repayment):
            if credit is not None:
                rows.insert_row(session, credit)

    def linked_credits(self) -> tuple[LedgerEntry | None, PendingAward | None]:
        """The lot and the pending award, each naming its log (inserted first, by both
        writers: it has its id)."""
        assert self.log.id is not None
        for credit in (self.lot, self.pending):
            if credit is not None:
                credit.event_log_id = self.log.id
        return self.lot, self.pending

    def earned_days(self, program: Program) -> dict[tuple[int, date], int]:
        if self.lot is None:
            return {}
        day = self.lot.created_at.astimezone(program.timezone).date()
        return {(self.lot.member_id, day): self.lot.delta}


def book(
    member: Member,
    rule: RuleSnapshot,
    ev: Evaluation,
    *,
    now: datetime,
    program: Program,
    source: str,
    metadata: dict[str, Any],
    amount: Any,
    occurred_at: datetime | None,
    order_id: int | None = None,
) -> Booking:
    """The rows a judged event writes (the one place that says what an event books)."""
    log = rows.transient(
        EventLog,
        member_id=member.id,
        rule_id=rule.id,
        event_key=rule.event_id,
        created_at=now,
        occurred_at=occurred_at,
        event_metadata=metadata,
        amount=Decimal(str(amount)) if amount is not None else None,
        value=ev.value,
        completed=ev.completes,
        reason=ev.reason,
        source=source[:64],
        points=0,
        pending_points=0,
        order_id=order_id,
        campaign_id=ev.campaign.id if ev.campaign else None,
    )
    booking = Booking(log)
    if ev.points and ev.pending_days > 0:
        log.pending_points, log.reason = ev.points, "pending"
        booking.pending = rows.transient(
            PendingAward,
            member_id=member.id,
            rule_id=rule.id,
            points=ev.points,
            available_at=now + timedelta(days=ev.pending_days),
            created_at=now,
        )
    elif ev.points:
        log.points = ev.points
        booking.lot = lots.build_lot(
            member,
            ev.points,
            kind="earn",
            title=earned_title(ev),
            description=_describe(ev),
            now=now,
            expires_at=rule_lot_expiry(rule, now, program),
            rule_id=rule.id,
        )
        booking.repayment = lots.repay_debt(member, booking.lot, now)
    return booking


def lock_or_create(session: DbSession, user_id: str, now: datetime) -> Member:
    """The member, locked and settled at `now`; created by its first event if unknown."""
    locked = locks.lock_member_for_change(session, now, user_id=user_id)
    if locked is None:
        created = members.ensure_member(session, user_id, now)
        locked = locks.lock_member_for_change(session, now, member_id=created.id)
        assert locked is not None
    if not locked.due:
        return locked.member
    return settlement.settle(session, locked.member, now)


@dataclass(frozen=True)
class LockedCounts:
    completions: int | None  # of the rule in its cap period (None: the rule has no cap)
    earned_in_window: int | None  # points earned in the tier window (None: no tiers)


def counts_under_lock(
    session: DbSession, rule: RuleSnapshot, member: Member, now: datetime, program: Program
) -> LockedCounts:
    """What the caps and the tier depend on, in one statement read after the member's lock."""
    columns = []
    if rule.cap_count and rule.cap_period:
        columns.append(completions_query(rule, member, now, program).label("completions"))
    if tiers.tiers_ascending(session):
        columns.append(
            tiers.window_query(member.id, now, program.tier_window_days, program.timezone).label(
                "earned"
            )
        )
    if not columns:
        return LockedCounts(None, None)
    row = session.execute(select(*columns)).one()._mapping
    return LockedCounts(
        int(row["completions"]) if "completions" in row else None,
        int(row["earned"]) if "earned" in row else None,
    )


def earned_title(ev: Evaluation) -> str:
    """The history title: the rule's, with the campaign that raised the points."""
    if ev.campaign is None:
        return ev.rule.title
    return f"{ev.rule.title} · {ev.campaign.title}"


def _describe(ev: Evaluation) -> str:
    rule = ev.rule
    if rule.type == "TRANSACTION" and ev.value is not None:
        return f"{rule.description or rule.title} ({rule.value_field} {ev.value})".strip()
    return rule.description or rule.title
