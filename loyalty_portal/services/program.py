"""The program's effective settings: the stored row over the app config."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy.orm import Session

from loyalty_portal.models import ProgramSettings


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


def load_program(session: Session) -> Program:
    """The effective settings, read once per session (a request, a CLI command)."""
    cached = session.info.get("program")
    if cached is None:
        cached = session.info["program"] = _read_program(session)
    return cached  # type: ignore[no-any-return]


def _read_program(session: Session) -> Program:
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
    )


def settings_row(session: Session) -> ProgramSettings:
    """The stored row, created on first change (the session's cached settings are dropped)."""
    session.info.pop("program", None)
    row = session.get(ProgramSettings, 1)
    if row is None:
        row = ProgramSettings(id=1)
        session.add(row)
    return row
