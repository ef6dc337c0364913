"""Earning rules as events read them: frozen snapshots, cached per process.

Every event needs its rule and the rule's user-group overrides; they change only when an
admin edits them, so they come from the configuration cache (core.config_cache), which
reloads them in every process once any process commits an edit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select

from loyalty_portal.models import EarningRule
from loyalty_portal.services.core import config_cache
from loyalty_portal.services.core.errors import EventNotFound
from loyalty_portal.services.core.session import DbSession


@dataclass(frozen=True)
class OverrideSnapshot:
    usergroup_id: str
    points: int | None
    points_per_unit: Decimal | None


@dataclass(frozen=True)
class RuleSnapshot:
    """The fields of an EarningRule that judging an event reads (same names)."""

    id: int
    event_id: str
    title: str
    description: str
    type: str
    points: int | None
    points_per_unit: Decimal | None
    value_field: str
    threshold: Decimal | None
    max_per_event: int | None
    cap_count: int | None
    cap_period: str | None
    active_from: datetime | None
    active_until: datetime | None
    requires_api_key: bool
    pending_days: int | None
    expiry_policy: str
    expiry_days: int | None
    active: bool
    group_overrides: tuple[OverrideSnapshot, ...] = ()


def snapshot_of(rule: EarningRule | RuleSnapshot) -> RuleSnapshot:
    """A snapshot of an ORM rule (the admin's preview judges unsaved edits the same way)."""
    if isinstance(rule, RuleSnapshot):
        return rule
    return RuleSnapshot(
        id=rule.id,
        event_id=rule.event_id,
        title=rule.title,
        description=rule.description or "",
        type=rule.type,
        points=rule.points,
        points_per_unit=rule.points_per_unit,
        value_field=rule.value_field or "amount",
        threshold=rule.threshold,
        max_per_event=rule.max_per_event,
        cap_count=rule.cap_count,
        cap_period=rule.cap_period,
        active_from=rule.active_from,
        active_until=rule.active_until,
        requires_api_key=bool(rule.requires_api_key),
        pending_days=rule.pending_days,
        expiry_policy=rule.expiry_policy or "program",
        expiry_days=rule.expiry_days,
        active=bool(rule.active),
        group_overrides=tuple(
            OverrideSnapshot(o.usergroup_id, o.points, o.points_per_unit)
            for o in sorted(rule.group_overrides, key=lambda o: o.usergroup_id)
        ),
    )


def _load_rules(session: DbSession) -> dict[str, RuleSnapshot]:
    rules = session.scalars(select(EarningRule)).all()  # overrides: one selectin load
    return {rule.event_id: snapshot_of(rule) for rule in rules}


def find_rule(session: DbSession, event_id: str) -> RuleSnapshot:
    rule = config_cache.cached(session, "rules", _load_rules).get(event_id)
    if rule is None:
        raise EventNotFound(f"No earning rule for eventId {event_id!r}.")
    return rule


def all_rules(session: DbSession) -> list[RuleSnapshot]:
    return list(all_rules_by_event(session).values())


def all_rules_by_event(session: DbSession) -> dict[str, RuleSnapshot]:
    return config_cache.cached(session, "rules", _load_rules)


def rule_by_id(session: DbSession, rule_id: int) -> RuleSnapshot | None:
    rules = config_cache.cached(session, "rules", _load_rules).values()
    return next((r for r in rules if r.id == rule_id), None)


__all__ = ["OverrideSnapshot", "RuleSnapshot", "find_rule", "snapshot_of"]
