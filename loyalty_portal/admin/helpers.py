"""Small helpers shared by the admin views: the acting admin, sorting, local times, uploads."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from flask import request
from flask_login import current_user
from sqlalchemy import Select, UnaryExpression

from loyalty_portal.admin import bp
from loyalty_portal.services.core.actors import Actor
from loyalty_portal.services.core.sql import matching
from loyalty_portal.services.core.validation import check_days
from loyalty_portal.web.forms import plural
from loyalty_portal.web.templating import program_zone

# `{{ count|plural("code") }}` reads "1 code", "2 codes" in every template.
bp.add_app_template_filter(plural, "plural")


def admin_actor() -> Actor:
    """The logged-in admin as the actor recorded on entries and in the audit log."""
    return Actor.admin(current_user._get_current_object())


def sort_order(columns: dict[str, Any], default: str) -> tuple[str, list[UnaryExpression[Any]]]:
    """The `sort` argument (`name` or `-name`) as ORDER BY clauses; unknown names fall back."""
    wanted = request.args.get("sort", default)
    key = wanted.lstrip("-")
    if key not in columns:
        wanted, key = default, default.lstrip("-")
    column = columns[key]
    clauses = [column.desc() if wanted.startswith("-") else column.asc()]
    return wanted, clauses


def parse_day(value: str | None, field: str = "from") -> date | None:
    """A YYYY-MM-DD query argument as a date; not a date: None; a date out of range: 400."""
    try:
        day = date.fromisoformat(value) if value else None
    except ValueError:
        return None
    check_days(**{field: day})
    return day


def to_utc(local: datetime | None) -> datetime | None:
    """A naive date-time typed in the program's time zone, as an aware UTC instant."""
    if local is None:
        return None
    return local.replace(tzinfo=program_zone()).astimezone(UTC)


def to_local(value: datetime | None) -> datetime | None:
    """A stored UTC instant as a naive date-time in the program's zone (for form inputs)."""
    if value is None:
        return None
    return value.astimezone(program_zone()).replace(tzinfo=None)


def read_text_upload(field: Any, max_bytes: int = 5 * 1024 * 1024) -> str | None:
    """The uploaded file as text, or None with the problem put next to the field."""
    raw: bytes = field.data.read(max_bytes + 1)
    if len(raw) > max_bytes:
        field.errors = [f"The file is larger than {max_bytes // (1024 * 1024)} MB."]
        return None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        field.errors = ["The file is not UTF-8 text (save it as CSV UTF-8)."]
        return None


def filtered_list(
    stmt: Select[Any], *, search: tuple[Any, ...], active: Any, default_status: str
) -> tuple[Select[Any], str, str]:
    """A list screen's `q` (searched in `search`) and `status` (active / inactive / all)
    filters applied to `stmt`; returns it with the query text and status shown."""
    q = request.args.get("q", "").strip()
    if q:
        stmt = stmt.where(matching(q, *search))
    status = request.args.get("status", default_status)
    if status in ("active", "inactive"):
        stmt = stmt.where(active.is_(status == "active"))
    return stmt, q, status
