"""What a batch's caps and tiers depend on: read once under the members' locks, then kept
item by item in memory (each item sees the completions and points of the items before it,
as it would have, sent alone, after them)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select

from loyalty_portal.models import EventLog, Member
from loyalty_portal.services.core.session import DbSession
from loyalty_portal.services.earning.evaluation import counted_completion
from loyalty_portal.services.earning.rule_snapshots import RuleSnapshot
from loyalty_portal.services.program import tiers
from loyalty_portal.services.program.settings import Program


@dataclass
class BatchCounts:
    """Completions by (member id, rule id) in the rule's cap period, points earned in the
    tier window by member id (None: the program has no tiers), and the tiers (read once:
    the configuration stays as it was for the whole transaction)."""

    completions: defaultdict[tuple[int, int], int]
    window: defaultdict[int, int] | None
    ladder: tuple[tiers.TierInfo, ...]

    @classmethod
    def read(
        cls,
        session: DbSession,
        batch_members: Iterable[Member],
        rules: set[RuleSnapshot],
        now: datetime,
        program: Program,
    ) -> BatchCounts:
        member_ids = sorted(m.id for m in batch_members)
        ladder = tiers.tiers_ascending(session)
        return cls(
            _completions(session, member_ids, rules, now, program),
            _window(session, member_ids, now, program) if ladder else None,
            ladder,
        )


def _completions(
    session: DbSession,
    member_ids: list[int],
    rules: set[RuleSnapshot],
    now: datetime,
    program: Program,
) -> defaultdict[tuple[int, int], int]:
    """One grouped count over every capped rule of the batch: the completions
    `evaluation.completions_query` counts for one member and rule."""
    completions: defaultdict[tuple[int, int], int] = defaultdict(int)
    periods = [
        counted_completion(rule, now, program)
        for rule in rules
        if rule.cap_count and rule.cap_period
    ]
    if not member_ids or not periods:
        return completions
    rows = session.execute(
        select(EventLog.member_id, EventLog.rule_id, func.count())
        .where(EventLog.member_id.in_(member_ids), or_(*periods))
        .group_by(EventLog.member_id, EventLog.rule_id)
    ).all()
    for member_id, rule_id, count in rows:
        completions[(member_id, rule_id)] = int(count)
    return completions


def _window(
    session: DbSession, member_ids: list[int], now: datetime, program: Program
) -> defaultdict[int, int]:
    """Points in the tier window, by the same query a single event reads
    (`tiers.window_query`: net of refunded orders' reversals), correlated per member."""
    window: defaultdict[int, int] = defaultdict(int)
    if not member_ids:
        return window
    earned = tiers.window_query(Member.id, now, program.tier_window_days, program.timezone)
    rows = session.execute(select(Member.id, earned).where(Member.id.in_(member_ids))).all()
    for member_id, points in rows:
        window[member_id] = int(points or 0)
    return window
