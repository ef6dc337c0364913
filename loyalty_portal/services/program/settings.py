"""The program's settings: the stored row over the app config, and the admin's edits.

The API secret is not here: it lives in the server's configuration and is never stored
or shown.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from flask import current_app

from loyalty_portal.models import ProgramSettings
from loyalty_portal.models.enums import ExpiryPolicy
from loyalty_portal.services.core import audit, config_cache
from loyalty_portal.services.core.actors import Actor
from loyalty_portal.services.core.session import DbSession
from loyalty_portal.services.core.validation import Problems


@dataclass(frozen=True)
class Program:
    name: str
    timezone: ZoneInfo
    expiry_policy: str
    expiry_days: int | None
    pending_days: int
    tier_window_days: int
    coupon_valid_days: int | None
    tenant_id: str
    project_id: str
    welcome_bonus: int = 0


#: A welcome gift, not a way to mint balances.
MAX_WELCOME_BONUS = 100_000


def load_program(session: DbSession) -> Program:
    """The effective settings, from the process's configuration cache."""
    return config_cache.cached(session, "program", _read_program)


def _read_program(session: DbSession) -> Program:
    row = session.get(ProgramSettings, 1) or ProgramSettings()
    config = current_app.config
    return Program(
        name=row.name or config["PROGRAM_NAME"],
        timezone=ZoneInfo(row.timezone or config["TIMEZONE"]),
        expiry_policy=row.expiry_policy or config.get("EXPIRY_POLICY", "never"),
        expiry_days=row.expiry_days if row.expiry_policy else config.get("EXPIRY_DAYS"),
        pending_days=row.pending_days if row.pending_days is not None else 0,
        tier_window_days=row.tier_window_days or 365,
        coupon_valid_days=row.coupon_valid_days,
        tenant_id=row.tenant_id or config["TENANT_ID"],
        project_id=row.project_id or config["PROJECT_ID"],
        welcome_bonus=row.welcome_bonus or 0,
    )


def settings_row(session: DbSession) -> ProgramSettings:
    """The stored row, created on first change."""
    row = session.get(ProgramSettings, 1)
    if row is None:
        row = ProgramSettings(id=1)
        session.add(row)
    return row


@dataclass
class SettingsInput:
    name: str
    timezone: str
    expiry_policy: str
    expiry_days: int | None
    pending_days: int | None
    tier_window_days: int | None
    coupon_valid_days: int | None
    tenant_id: str
    project_id: str
    welcome_bonus: int | None = None


def current(session: DbSession) -> SettingsInput:
    """The effective settings (stored values over the server's defaults)."""
    program = load_program(session)
    return SettingsInput(
        name=program.name,
        timezone=program.timezone.key,
        expiry_policy=program.expiry_policy,
        expiry_days=program.expiry_days,
        pending_days=program.pending_days,
        tier_window_days=program.tier_window_days,
        coupon_valid_days=program.coupon_valid_days,
        tenant_id=program.tenant_id,
        project_id=program.project_id,
        welcome_bonus=program.welcome_bonus or None,
    )


def valid_timezone(name: str) -> bool:
    if name not in available_timezones():
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def update(
    session: DbSession, data: SettingsInput, *, actor: Actor, now: datetime
) -> SettingsInput:
    problems = Problems()
    data.name = problems.text("name", data.name, max_len=120, required=True)
    data.timezone = (data.timezone or "").strip()
    if not valid_timezone(data.timezone):
        problems.add("timezone", "Not a known IANA time zone (e.g. Europe/Berlin, UTC).")
    data.expiry_days = problems.expiry(data.expiry_policy, data.expiry_days, tuple(ExpiryPolicy))
    problems.int_range("pending_days", data.pending_days, low=0, high=365)
    problems.int_range("tier_window_days", data.tier_window_days, low=1, high=3650)
    problems.int_range("coupon_valid_days", data.coupon_valid_days, low=1, high=3650)
    problems.int_range("welcome_bonus", data.welcome_bonus, low=0, high=MAX_WELCOME_BONUS)
    data.tenant_id = problems.text("tenant_id", data.tenant_id, max_len=128, required=True)
    data.project_id = problems.text("project_id", data.project_id, max_len=128, required=True)
    problems.raise_any()

    before = asdict(current(session))
    row = settings_row(session)
    for name, value in asdict(data).items():
        setattr(row, name, value)
    row.pending_days = data.pending_days or 0
    row.updated_at = now
    session.flush()
    audit.record_changes(
        session,
        actor,
        "settings.update",
        "settings",
        "program",
        now=now,
        before=before,
        after=asdict(current(session)),
    )
    return data


def as_form_data(data: SettingsInput) -> dict[str, Any]:
    return asdict(data)
