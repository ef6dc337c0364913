"""Ways to earn: the active earning rules as a member reads them ("10 points, once a
day"), with the member's own group rates and tier multiplier."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from flask import render_template

from loyalty_portal.extensions import db
from loyalty_portal.models import EarningRule, Member
from loyalty_portal.portal import bp
from loyalty_portal.portal.common import campaigns_now, member_now
from loyalty_portal.portal.queries import active_rules
from loyalty_portal.services.program.settings import load_program
from loyalty_portal.timeutil import utcnow
from loyalty_portal.web.access import member_required
from loyalty_portal.web.templating import fmt_date
from loyalty_portal.web.transactions import reads_only

PERIODS = {"day": "a day", "week": "a week", "month": "a month"}


@dataclass(frozen=True)
class WayToEarn:
    title: str
    reward: str
    conditions: list[str]
    description: str


def plural(count: int | Decimal, word: str) -> str:
    return word if count == 1 else word + "s"


def number(value: Decimal) -> str:
    """A decimal without trailing zeros, grouped ("1,000", "0.5")."""
    text = f"{value.normalize():,f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _points(count: int) -> str:
    return f"{count:,} {plural(count, 'point')}"


def _unit(rule: EarningRule) -> str:
    return "spent" if rule.value_field == "amount" else f"of {rule.value_field}"


def reward_text(rule: EarningRule, member: Member) -> str:
    """What one event earns this member, before the tier multiplier."""
    mine = {g.id for g in member.usergroups}
    overrides = [o for o in rule.group_overrides if o.usergroup_id in mine]
    if rule.type == "TRANSACTION":
        rates = [o.points_per_unit for o in overrides if o.points_per_unit is not None]
        rate = max(rates) if rates else (rule.points_per_unit or Decimal(0))
        if rate <= 0:
            return "No points at the moment"
        if rate >= 1:
            return f"{number(rate)} {plural(rate, 'point')} per 1.00 {_unit(rule)}"
        return f"1 point per {Decimal(1) / rate:,.2f} {_unit(rule)}"
    own = [o.points for o in overrides if o.points is not None]
    points = _points(max(own) if own else rule.points or 0)
    if rule.type == "CONDITIONAL":
        what = "you spend" if rule.value_field == "amount" else f"{rule.value_field} is"
        return f"{points} when {what} at least {number(rule.threshold or Decimal(0))}"
    return points


def cap_text(rule: EarningRule) -> str:
    if not rule.cap_count:
        return ""
    times = "once" if rule.cap_count == 1 else f"up to {rule.cap_count} times"
    period = PERIODS.get(rule.cap_period or "")
    return f"{times} {period}" if period else times


def conditions(rule: EarningRule, pending_days: int) -> list[str]:
    found = [cap_text(rule)]
    if rule.max_per_event:
        found.append(f"at most {_points(rule.max_per_event)} each time")
    days = rule.pending_days if rule.pending_days is not None else pending_days
    if days:
        found.append(f"yours to spend {days} {plural(days, 'day')} later")
    if rule.active_until:
        found.append(f"until {fmt_date(rule.active_until)}")
    return [c for c in found if c]


def ways_for(member: Member, rules: list[EarningRule], pending_days: int) -> list[WayToEarn]:
    return [
        WayToEarn(r.title, reward_text(r, member), conditions(r, pending_days), r.description)
        for r in rules
    ]


@bp.get("/portal/earn")
@reads_only
@member_required
def ways_to_earn() -> str:
    now: datetime = utcnow()
    member = member_now(now)
    program = load_program(db.session)
    return render_template(
        "portal/ways_to_earn.html",
        ways=ways_for(member, active_rules(db.session, now), program.pending_days),
        tier=member.tier,
        multiplier=number(member.tier.multiplier) if member.tier else "1",
        **campaigns_now(member, now),
    )
