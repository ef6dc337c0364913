"""Earning rules for admins: create and edit with every option, audited; a read-only trial.

`try_rule` judges a sample event with the same `evaluation.evaluate` the live path uses and
writes nothing (the door rolls back after it, as a second guard).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select

from loyalty_portal.models import EarningRule, RuleGroupOverride, UserGroup
from loyalty_portal.models.enums import CapPeriod, RuleExpiryPolicy, RuleType
from loyalty_portal.services.core import audit
from loyalty_portal.services.core.actors import Actor
from loyalty_portal.services.core.errors import NotFound, ValidationFailed
from loyalty_portal.services.core.session import DbSession
from loyalty_portal.services.core.validation import Problems, plain, plain_fields
from loyalty_portal.services.earning import evaluation, preview
from loyalty_portal.services.earning.rule_snapshots import snapshot_of

EVENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:\-]{0,127}$")
VALUE_FIELD = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
#: The most points a rule may award per event (or per user-group override).
MAX_RULE_POINTS = 10_000_000


@dataclass
class OverrideInput:
    usergroup_id: str
    points: int | None = None
    points_per_unit: Decimal | None = None


@dataclass
class RuleInput:
    title: str
    type: str = "FIX"
    description: str = ""
    points: int | None = None
    points_per_unit: Decimal | None = None
    value_field: str = "amount"
    threshold: Decimal | None = None
    max_per_event: int | None = None
    cap_count: int | None = None
    cap_period: str | None = None
    active_from: datetime | None = None
    active_until: datetime | None = None
    requires_api_key: bool = False
    pending_days: int | None = None
    expiry_policy: str = "program"
    expiry_days: int | None = None
    active: bool = True
    overrides: list[OverrideInput] = field(default_factory=list)


FIELDS = [name for name in RuleInput.__dataclass_fields__ if name != "overrides"]


def rule_snapshot(rule: EarningRule) -> dict[str, Any]:
    data = {name: getattr(rule, name) for name in FIELDS}
    data["overrides"] = {
        o.usergroup_id: o.points if o.points is not None else plain(o.points_per_unit)
        for o in sorted(rule.group_overrides, key=lambda o: o.usergroup_id)
    }
    return plain_fields(data)


def get_rule(session: DbSession, rule_id: int) -> EarningRule:
    rule = session.get(EarningRule, rule_id)
    if rule is None:
        raise NotFound(f"No earning rule {rule_id}.")
    return rule


def _checked(session: DbSession, data: RuleInput, problems: Problems) -> None:
    """Validate and normalise `data`: options that don't apply to its type are cleared."""
    data.title = problems.text("title", data.title, max_len=200, required=True)
    data.description = problems.text("description", data.description, max_len=2000)
    problems.choice("type", data.type, tuple(RuleType))
    if data.type in ("FIX", "CONDITIONAL"):
        if data.points is None:
            problems.add("points", "Required for this type.")
        problems.int_range("points", data.points, low=0, high=MAX_RULE_POINTS)
        data.points_per_unit = None
    else:
        if data.points_per_unit is None:
            problems.add("points_per_unit", "Required for a transaction rule.")
        problems.decimal_range("points_per_unit", data.points_per_unit, low=Decimal(0), strict=True)
        data.points = None
    if data.type == "CONDITIONAL":
        if data.threshold is None:
            problems.add("threshold", "Required for a conditional rule.")
        problems.decimal_range("threshold", data.threshold, low=Decimal(0))
    else:
        data.threshold = None
    data.value_field = (data.value_field or "").strip() or "amount"
    if not VALUE_FIELD.fullmatch(data.value_field):
        problems.add("value_field", "Letters, digits and _ (a metadata key).")
    problems.int_range("max_per_event", data.max_per_event, low=1, high=MAX_RULE_POINTS)
    data.cap_period = data.cap_period or None
    if (data.cap_count is None) != (data.cap_period is None):
        problems.add("cap_count", "Give both a number of completions and a period, or neither.")
    problems.int_range("cap_count", data.cap_count, low=1, high=1_000_000)
    if data.cap_period is not None:
        problems.choice("cap_period", data.cap_period, tuple(CapPeriod))
    problems.window("active_from", data.active_from, "active_until", data.active_until)
    problems.int_range("pending_days", data.pending_days, low=0, high=365)
    data.expiry_days = problems.expiry(
        data.expiry_policy, data.expiry_days, tuple(RuleExpiryPolicy)
    )
    _check_overrides(session, data, problems)


def _check_overrides(session: DbSession, data: RuleInput, problems: Problems) -> None:
    wanted = [o for o in data.overrides if o.points is not None or o.points_per_unit is not None]
    ids = [o.usergroup_id for o in wanted]
    known = set(session.scalars(select(UserGroup.id).where(UserGroup.id.in_(ids))))
    for o in wanted:
        if o.usergroup_id not in known:
            problems.add("overrides", f"Unknown user group {o.usergroup_id}.")
        if data.type == "TRANSACTION":
            o.points = None
            if o.points_per_unit is None:
                problems.add("overrides", f"{o.usergroup_id}: give points per unit.")
            problems.decimal_range("overrides", o.points_per_unit, low=Decimal(0), strict=True)
        else:
            o.points_per_unit = None
            if o.points is None:
                problems.add("overrides", f"{o.usergroup_id}: give points.")
            problems.int_range("overrides", o.points, low=0, high=MAX_RULE_POINTS)
    if len(set(ids)) != len(ids):
        problems.add("overrides", "Each user group at most once.")
    data.overrides = wanted


def _apply(rule: EarningRule, data: RuleInput) -> None:
    for name in FIELDS:
        setattr(rule, name, getattr(data, name))
    rule.group_overrides = [
        RuleGroupOverride(
            usergroup_id=o.usergroup_id, points=o.points, points_per_unit=o.points_per_unit
        )
        for o in sorted(data.overrides, key=lambda o: o.usergroup_id)
    ]


def create_rule(
    session: DbSession, event_id: str, data: RuleInput, *, actor: Actor, now: datetime
) -> EarningRule:
    problems = Problems()
    event_id = (event_id or "").strip()
    if not EVENT_ID.fullmatch(event_id):
        problems.add("event_id", "1 to 128 letters, digits or _ . : - (no spaces).")
    elif session.scalar(select(EarningRule.id).where(EarningRule.event_id == event_id)):
        problems.add("event_id", "A rule for this eventId already exists.")
    _checked(session, data, problems)
    problems.raise_any()
    rule = EarningRule(event_id=event_id, created_at=now, updated_at=now)
    _apply(rule, data)
    session.add(rule)
    session.flush()
    audit.record(
        session, actor, "rule.create", "rule", rule.event_id, now=now, after=rule_snapshot(rule)
    )
    return rule


def update_rule(
    session: DbSession, rule: EarningRule, data: RuleInput, *, actor: Actor, now: datetime
) -> EarningRule:
    problems = Problems()
    _checked(session, data, problems)
    problems.raise_any()
    before = rule_snapshot(rule)
    rule.group_overrides = []
    session.flush()  # delete the old overrides before adding their replacements
    _apply(rule, data)
    rule.updated_at = now
    session.flush()
    audit.record_changes(
        session,
        actor,
        "rule.update",
        "rule",
        rule.event_id,
        now=now,
        before=before,
        after=rule_snapshot(rule),
    )
    return rule


def set_active(
    session: DbSession, rule: EarningRule, active: bool, *, actor: Actor, now: datetime
) -> EarningRule:
    audit.set_active(
        session, rule, active, kind="rule", target_id=rule.event_id, actor=actor, now=now
    )
    return rule


def parse_sample(metadata_text: str, amount_text: str) -> tuple[dict[str, Any], Decimal | None]:
    """The trial's metadata (a JSON object) and amount (a number or empty)."""
    problems = Problems()
    metadata: dict[str, Any] = {}
    if (metadata_text or "").strip():
        try:
            parsed = json.loads(metadata_text)
        except json.JSONDecodeError as exc:
            problems.add("metadata", f"Not valid JSON: {exc.msg} (line {exc.lineno}).")
        else:
            if isinstance(parsed, dict):
                metadata = parsed
            else:
                problems.add("metadata", 'A JSON object, e.g. {"amount": 25}.')
    amount = None
    if (amount_text or "").strip():
        try:
            amount = Decimal(amount_text.strip())
        except InvalidOperation:
            problems.add("amount", "A number, e.g. 19.90.")
    problems.raise_any()
    return metadata, amount


def try_rule(
    session: DbSession,
    rule: EarningRule,
    *,
    user_id: str,
    metadata: dict[str, Any],
    amount: Decimal | None,
    now: datetime,
) -> evaluation.Evaluation:
    """What this event would earn now, and why. Reads only; an unknown user is a new member."""
    groups = metadata.get("usergroup") or []
    extra = [groups] if isinstance(groups, str) else [str(g) for g in groups if g]
    try:
        return preview.preview_event(
            session,
            user_id=user_id.strip(),
            rule=snapshot_of(rule),
            now=now,
            metadata=metadata,
            amount=amount,
            extra_groups=extra,
        ).evaluation
    except ValidationFailed as exc:
        raise ValidationFailed(exc.message, details={"metadata": [exc.message]}) from None
