"""The program's settings: the stored row over the app config, and the admin's edits.

The API secret is not here: it lives in the server's configuration and is never stored
or shown.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from flask import current_app

from loyalty_portal.models import ProgramSettings
from loyalty_portal.models.enums import ExpiryPolicy
from loyalty_portal.services.core import audit, config_cache
from loyalty_portal.services.core.actors import Actor
from loyalty_portal.services.core.session import DbSession
from loyalty_portal.services.core.validation import Problems

#: A host name (letters, digits, dots, hyphens; a leading `*.` wildcard) or an IPv4 address.
ORIGIN_HOST = re.compile(r"^(\*\.)?[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$")


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
    embed_origins: tuple[str, ...] = ()


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
        embed_origins=tuple((row.embed_origins or "").split()),
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
    embed_origins: str = ""


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
        embed_origins="\n".join(program.embed_origins),
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
    data.embed_origins = " ".join(embed_origins(problems, data.embed_origins))
    problems.raise_any()

    before = asdict(current(session))
    row = settings_row(session)
    for name, value in asdict(data).items():
        setattr(row, name, value)
    row.embed_origins = data.embed_origins or None
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


def embed_origins(problems: Problems, text: str | None) -> list[str]:
    """Origins, one per line or space-separated, as `scheme://host[:port]` (the form a
    Content-Security-Policy `frame-ancestors` list takes); anything else is refused."""
    found: list[str] = []
    for item in (text or "").replace(",", " ").split():
        origin = web_origin(item)
        if origin is None:
            problems.add(
                "embed_origins",
                f"“{item[:80]}” is not an origin such as https://app.example.com "
                "(scheme and host, optional port, no path).",
            )
        elif origin not in found:
            found.append(origin)
    if len(found) > 20:
        problems.add("embed_origins", "At most 20 origins.")
    return found


def web_origin(text: str) -> str | None:
    """`text` as a normalised http(s) origin, or None when it is something else."""
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        return None
    host = parts.hostname or ""
    if (
        parts.scheme not in ("http", "https")
        or not ORIGIN_HOST.fullmatch(host)
        or parts.path not in ("", "/")
        or parts.query
        or parts.fragment
        or parts.username is not None
    ):
        return None
    return f"{parts.scheme}://{host}" + (f":{port}" if port else "")


def as_form_data(data: SettingsInput) -> dict[str, Any]:
    return asdict(data)
