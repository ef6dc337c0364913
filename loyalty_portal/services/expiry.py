"""When lots expire, and the program-wide expiry run."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from loyalty_portal.models import EarningRule
from loyalty_portal.services import ledger
from loyalty_portal.services.program import Program
from loyalty_portal.timeutil import next_period_start


def lot_expiry(
    policy: str, days: int | None, earned_at: datetime, program: Program
) -> datetime | None:
    """The instant a lot earned at `earned_at` expires under `policy` (None: never).

    `end_of_month` / `end_of_year` mean the end of the calendar month or year in the
    program's time zone, so points earned at 23:30 on 31 Jan in Berlin expire at once.
    """
    if policy == "program":
        policy, days = program.expiry_policy, program.expiry_days
    if policy == "never":
        return None
    if policy == "days":
        if not days or days <= 0:
            raise ValueError("the 'days' expiry policy needs a positive number of days")
        return earned_at + timedelta(days=days)
    if policy == "end_of_month":
        return next_period_start(earned_at, "month", program.timezone)
    if policy == "end_of_year":
        return next_period_start(earned_at, "year", program.timezone)
    raise ValueError(f"unknown expiry policy {policy!r}")


def rule_lot_expiry(rule: EarningRule, earned_at: datetime, program: Program) -> datetime | None:
    return lot_expiry(rule.expiry_policy, rule.expiry_days, earned_at, program)


def program_lot_expiry(earned_at: datetime, program: Program) -> datetime | None:
    """Expiry for refunds and positive adjustments: the program's default policy."""
    return lot_expiry("program", None, earned_at, program)


def expire_all_due(session: Session, now: datetime, *, batch: int = 500) -> tuple[int, int]:
    """Expire every due lot of every member. Idempotent. Returns (members, points)."""
    members = points = 0
    while ids := ledger.members_with_due_lots(session, now, batch):
        for member_id in ids:
            member = ledger.lock_member(session, member_id)
            expired = ledger.expire_due_lots(session, member, now)
            members += bool(expired)
            points += expired
        session.flush()
    return members, points
