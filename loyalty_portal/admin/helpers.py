"""Small helpers shared by the admin views: the acting admin, paging, sorting, local times."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Generic, TypeVar

from flask import request, url_for
from flask_login import current_user
from sqlalchemy import Select
from sqlalchemy.orm import Session

from loyalty_portal.admin import bp
from loyalty_portal.services.actors import Actor
from loyalty_portal.templating import program_zone

T = TypeVar("T")
PER_PAGE = 25


def admin_actor() -> Actor:
    """The logged-in admin as the actor recorded on entries and in the audit log."""
    return Actor.admin(current_user._get_current_object())


def is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true"


def page_number(arg: str = "page") -> int:
    try:
        return max(1, min(int(request.args.get(arg, "1")), 100_000))
    except ValueError:
        return 1


@dataclass(frozen=True)
class PageOf(Generic[T]):
    """One page of a list: its items, its number and whether more follow (no COUNT)."""

    items: list[T]
    number: int
    has_next: bool
    arg: str = "page"

    @property
    def has_prev(self) -> bool:
        return self.number > 1


def paginate(
    session: Session,
    stmt: Select[Any],
    *,
    arg: str = "page",
    per_page: int = PER_PAGE,
    scalars: bool = True,
) -> PageOf[Any]:
    """Fetch one page of `stmt` (already ordered), one row more to know if another follows."""
    number = page_number(arg)
    stmt = stmt.offset((number - 1) * per_page).limit(per_page + 1)
    rows = list(session.scalars(stmt) if scalars else session.execute(stmt))
    return PageOf(rows[:per_page], number, len(rows) > per_page, arg)


def sort_order(columns: dict[str, Any], default: str) -> tuple[str, list[Any]]:
    """The `sort` argument (`name` or `-name`) as ORDER BY clauses; unknown names fall back."""
    wanted = request.args.get("sort", default)
    key = wanted.lstrip("-")
    if key not in columns:
        wanted, key = default, default.lstrip("-")
    column = columns[key]
    clauses = [column.desc() if wanted.startswith("-") else column.asc()]
    return wanted, clauses


def parse_day(value: str | None) -> date | None:
    """A YYYY-MM-DD query argument as a date; anything else is None."""
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


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


def url_with(**changes: Any) -> str:  # a template global (macros see it without context)
    """The current page's URL with some query arguments changed (None removes one)."""
    args = {**(request.view_args or {}), **request.args.to_dict()}
    for name, value in changes.items():
        if value is None:
            args.pop(name, None)
        else:
            args[name] = value
    return url_for(request.endpoint or "admin.dashboard", **args)


bp.add_app_template_global(url_with, "url_with")


def read_text_upload(field: Any, max_bytes: int = 5 * 1024 * 1024) -> str | None:
    """The uploaded file as text, or None with the problem put next to the field."""
    raw = field.data.read(max_bytes + 1)
    if len(raw) > max_bytes:
        field.errors = [f"The file is larger than {max_bytes // (1024 * 1024)} MB."]
        return None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        field.errors = ["The file is not UTF-8 text (save it as CSV UTF-8)."]
        return None


def show_refusal(form: Any, exc: Any, default_field: str) -> None:
    """Put a service's sentence (not its terse per-field codes) next to the field it names."""
    names = [name for name in (exc.details or {}) if name in form]
    field = form[names[0] if names else default_field]
    field.errors = [*field.errors, exc.message]
