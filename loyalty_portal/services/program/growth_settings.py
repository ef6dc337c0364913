"""The referral program's and the birthday reward's settings (one row, cached like all
configuration; no row: referrals off, no birthday reward)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select

from loyalty_portal.models import EarningRule, GrowthSettings
from loyalty_portal.services.core import audit, config_cache
from loyalty_portal.services.core.actors import Actor
from loyalty_portal.services.core.session import DbSession
from loyalty_portal.services.core.validation import Problems, plain_fields


@dataclass(frozen=True)
class GrowthProgram:
    referrals_enabled: bool = False
    qualifying_event_id: str | None = None
    minimum_value: Decimal | None = None
    referrer_points: int = 0
    friend_points: int = 0
    monthly_cap: int | None = None
    birthday_points: int = 0


def _read(session: DbSession) -> GrowthProgram:
    row = session.get(GrowthSettings, 1)
    if row is None:
        return GrowthProgram()
    return GrowthProgram(
        referrals_enabled=row.referrals_enabled,
        qualifying_event_id=row.qualifying_event_id,
        minimum_value=row.minimum_value,
        referrer_points=row.referrer_points,
        friend_points=row.friend_points,
        monthly_cap=row.monthly_cap,
        birthday_points=row.birthday_points,
    )


def load_growth(session: DbSession) -> GrowthProgram:
    return config_cache.cached(session, "growth", _read)


def save_growth(
    session: DbSession, data: GrowthProgram, *, actor: Actor, now: datetime
) -> GrowthProgram:
    """Validate and store the settings (audited). Raises ValidationFailed."""
    problems = Problems()
    if data.minimum_value is not None and not isinstance(data.minimum_value, Decimal):
        data = replace(data, minimum_value=Decimal(str(data.minimum_value)))
    if data.qualifying_event_id and not session.scalar(
        select(EarningRule.id).where(EarningRule.event_id == data.qualifying_event_id)
    ):
        problems.add("qualifying_event_id", "No earning rule with this event id.")
    if data.referrals_enabled and not data.qualifying_event_id:
        problems.add("qualifying_event_id", "Choose the rule that completes a referral.")
    problems.decimal_range("minimum_value", data.minimum_value, low=Decimal(0))
    problems.int_range("referrer_points", data.referrer_points, low=0, high=1_000_000)
    problems.int_range("friend_points", data.friend_points, low=0, high=1_000_000)
    problems.int_range("monthly_cap", data.monthly_cap, low=0, high=100_000)
    problems.int_range("birthday_points", data.birthday_points, low=0, high=1_000_000)
    problems.raise_any()
    before = plain_fields(asdict(load_growth(session)))
    row = session.get(GrowthSettings, 1)
    if row is None:
        row = GrowthSettings(id=1)
        session.add(row)
    for name, value in asdict(data).items():
        setattr(row, name, value)
    row.updated_at = now
    session.flush()
    audit.record_changes(
        session,
        actor,
        "growth.update",
        "settings",
        "growth",
        before=before,
        after=plain_fields(asdict(data)),
        now=now,
    )
    return data
