"""Judging an event against its earning rule. Reads only; `earning` writes the outcome."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import ColumnElement, ScalarSelect, and_, func, select

from loyalty_portal.models import EventLog, Member
from loyalty_portal.services.core.errors import ValidationFailed
from loyalty_portal.services.core.session import DbSession
from loyalty_portal.services.earning.rule_snapshots import (
    OverrideSnapshot,
    RuleSnapshot,
    find_rule,
)
from loyalty_portal.services.ledger.lots import MAX_POINTS
from loyalty_portal.services.program.campaigns import (
    CampaignSnapshot,
    active_campaigns,
    best_campaign,
)
from loyalty_portal.services.program.settings import Program
from loyalty_portal.services.program.tiers import tier_by_id
from loyalty_portal.timeutil import period_start


@dataclass
class Evaluation:
    """What an event earns under its rule, and why."""

    rule: RuleSnapshot
    points: int = 0
    value: Decimal | None = None
    condition_reached: bool = True
    limit_reached: bool = False
    reason: str | None = None
    pending_days: int = 0
    multiplier: Decimal = Decimal(1)
    completions: int = 0
    campaign: CampaignSnapshot | None = None
    steps: list[str] = field(default_factory=list)

    @property
    def completes(self) -> bool:
        return self.points > 0


__all__ = ["Evaluation", "evaluate", "find_rule"]


def is_active(rule: RuleSnapshot, now: datetime) -> bool:
    return (
        rule.active
        and (rule.active_from is None or rule.active_from <= now)
        and (rule.active_until is None or now < rule.active_until)
    )


def event_value(rule: RuleSnapshot, metadata: dict[str, Any], amount: Any) -> Decimal:
    """The number a CONDITIONAL or TRANSACTION rule judges: metadata[valueField] or amount."""
    raw = metadata.get(rule.value_field, amount)
    field_name = f"metadata.{rule.value_field}"
    if raw is None or isinstance(raw, bool):
        raise ValidationFailed(
            f"Event {rule.event_id!r} needs a number in {field_name} or amount.",
            details={field_name: ["required"]},
        )
    try:
        value = Decimal(str(raw))
    except (InvalidOperation, ValueError):
        raise ValidationFailed(
            f"{field_name} must be a number.", details={field_name: ["not a number"]}
        ) from None
    if not value.is_finite() or value < 0:
        raise ValidationFailed(
            f"{field_name} must be zero or more.", details={field_name: ["must be >= 0"]}
        )
    return value


def completions_query(
    rule: RuleSnapshot, member: Member, now: datetime, program: Program
) -> ScalarSelect[int]:
    """Completions of the rule by the member in the current cap period (program zone)."""
    stmt = select(func.count()).select_from(EventLog)
    counted = counted_completion(rule, now, program)
    return stmt.where(EventLog.member_id == member.id, counted).scalar_subquery()


def counted_completion(rule: RuleSnapshot, now: datetime, program: Program) -> ColumnElement[bool]:
    """Which logged events count against the rule's cap now: its completions since the
    cap period began (the one spelling of it; batch ingest groups by member with it)."""
    conditions = [EventLog.rule_id == rule.id, EventLog.completed.is_(True)]
    start = period_start(now, rule.cap_period or "ever", program.timezone)
    if start is not None:
        conditions.append(EventLog.created_at >= start)
    return and_(*conditions)


def completions(
    session: DbSession, rule: RuleSnapshot, member: Member | None, now: datetime, program: Program
) -> int:
    if member is None or not rule.cap_period:
        return 0
    return int(session.execute(select(completions_query(rule, member, now, program))).scalar_one())


def evaluate(
    session: DbSession,
    rule: RuleSnapshot,
    member: Member | None,
    *,
    metadata: dict[str, Any],
    amount: Any,
    now: datetime,
    program: Program,
    extra_groups: list[str] | None = None,
    known_completions: int | None = None,
) -> Evaluation:
    """Points this event earns now. Raises ValidationFailed when the value is missing.

    `known_completions`: the caller counted them already (under the member's lock).
    """
    ev = Evaluation(rule=rule)
    ev.pending_days = rule.pending_days if rule.pending_days is not None else program.pending_days
    if not is_active(rule, now):
        ev.reason = "rule_inactive"
        ev.condition_reached = False
        ev.steps.append("The rule is not active at this time.")
        return ev

    known_groups: set[str] | None = None

    def groups() -> set[str]:  # a member's groups are read only when they can matter
        nonlocal known_groups
        if known_groups is None:
            known_groups = {g.id for g in member.usergroups} if member else set()
            known_groups |= set(extra_groups or [])
        return known_groups

    overrides: list[OverrideSnapshot] = []
    if rule.group_overrides:
        overrides = [o for o in rule.group_overrides if o.usergroup_id in groups()]

    if rule.type == "FIX":
        base = _group_points(rule, overrides, ev)
        ev.steps.append(f"Fixed reward: {base:,} points.")
    elif rule.type == "CONDITIONAL":
        ev.value = event_value(rule, metadata, amount)
        threshold = rule.threshold or Decimal(0)
        ev.condition_reached = ev.value >= threshold
        if not ev.condition_reached:
            ev.reason = "condition_not_met"
            ev.steps.append(f"{rule.value_field} = {ev.value} is below the threshold {threshold}.")
            return ev
        base = _group_points(rule, overrides, ev)
        ev.steps.append(f"{rule.value_field} = {ev.value} reaches {threshold}: {base:,} points.")
    else:
        ev.value = event_value(rule, metadata, amount)
        rates = [o.points_per_unit for o in overrides if o.points_per_unit is not None]
        rate = max(rates) if rates else (rule.points_per_unit or Decimal(0))
        if rates:
            ev.steps.append("User-group rate applied.")
        base = math.floor(ev.value * rate)
        ev.steps.append(f"{ev.value} × {rate} points per unit = {base:,} points (rounded down).")

    tier = tier_by_id(session, member.tier_id) if member is not None else None
    unrounded = Decimal(base)  # base x tier multiplier, what a campaign multiplies
    if tier is not None and tier.multiplier != 1:
        ev.multiplier = tier.multiplier
        unrounded = base * ev.multiplier
        base = math.floor(unrounded)
        ev.steps.append(f"{tier.name} multiplier ×{ev.multiplier}: {base:,} points.")
    if rule.max_per_event is not None and base > rule.max_per_event:
        base = rule.max_per_event
        unrounded = Decimal(base)
        ev.steps.append(f"Capped at {rule.max_per_event:,} points per event.")

    if rule.cap_count:
        ev.completions = (
            known_completions
            if known_completions is not None
            else completions(session, rule, member, now, program)
        )
        if ev.completions >= rule.cap_count:
            ev.limit_reached = True
            ev.reason = "limit_reached"
            ev.steps.append(
                f"Already completed {ev.completions} of {rule.cap_count} times "
                f"this {rule.cap_period}."
            )
            return ev
    if base <= 0:
        ev.reason = "zero_points"
        ev.steps.append("Nothing to award.")
        return ev
    best = best_campaign(
        active_campaigns(session, now), rule.event_id, now, tier, groups, unrounded
    )
    if best is not None and best[1] > base:
        ev.campaign, base = best
        ev.steps.append(f"Campaign “{ev.campaign.title}”: {base:,} points.")
    if base > MAX_POINTS:
        raise ValidationFailed(
            f"This event would earn more than {MAX_POINTS:,} points.",
            details={f"metadata.{rule.value_field}": ["too large"]},
        )
    ev.points = base
    if rule.cap_count and ev.completions + 1 >= rule.cap_count:
        ev.limit_reached = True
    if ev.pending_days > 0:
        ev.steps.append(f"Pending for {ev.pending_days} days before it can be spent.")
    return ev


def _group_points(rule: RuleSnapshot, overrides: list[OverrideSnapshot], ev: Evaluation) -> int:
    """The rule's points, or the best user-group override the member qualifies for."""
    candidates = [o.points for o in overrides if o.points is not None]
    if candidates:
        ev.steps.append("User-group reward applied.")
        return max(candidates)
    return rule.points or 0
