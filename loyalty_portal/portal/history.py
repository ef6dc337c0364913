"""History: every ledger entry, filtered by type and dates, paged by keyset ("load more")."""

from __future__ import annotations

from typing import Any

from flask import render_template, request

from loyalty_portal.extensions import db
from loyalty_portal.portal import bp
from loyalty_portal.portal.common import member_now
from loyalty_portal.portal.forms import HistoryFilterForm
from loyalty_portal.services.ledger.history import (
    PORTAL_TYPES,
    HistoryFilter,
    day_range,
    page_by_cursor,
)
from loyalty_portal.timeutil import utcnow
from loyalty_portal.web.access import current_member, member_required
from loyalty_portal.web.htmx import is_htmx
from loyalty_portal.web.templating import program_zone
from loyalty_portal.web.transactions import reads_only

PAGE_SIZE = 20


@bp.get("/portal/history")
@reads_only
@member_required
def history() -> str:
    member_now(utcnow())
    form = HistoryFilterForm(request.args)
    cursor = request.args.get("cursor") or None
    context: dict[str, Any] = {"form": form, "cursor": cursor, "page": None}
    if form.validate():
        start, end = day_range(form.start.data, form.end.data, program_zone())
        kinds = PORTAL_TYPES.get(form.type.data) if form.type.data else None
        flt = HistoryFilter(kinds=kinds, start=start, end=end)
        context["page"] = page_by_cursor(
            db.session, current_member().id, flt, limit=PAGE_SIZE, cursor=cursor
        )
    if is_htmx() and cursor:  # "load more": just the next entries and the next button
        return render_template("portal/_history_items.html", **context)
    return render_template("portal/history.html", **context)


def filter_args(form: HistoryFilterForm) -> dict[str, str]:
    """The active filter as query arguments, for the next page's link."""
    args = {
        "type": form.type.data or "",
        "start": form.start.data.isoformat() if form.start.data else "",
        "end": form.end.data.isoformat() if form.end.data else "",
    }
    return {k: v for k, v in args.items() if v}


@bp.context_processor
def _history_helpers() -> dict[str, object]:
    return {"history_filter_args": filter_args}
