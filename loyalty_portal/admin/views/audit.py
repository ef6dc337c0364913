"""The audit log: every admin action with actor, time, target and before/after."""

from __future__ import annotations

from flask import render_template, request

from loyalty_portal.admin import bp, queries
from loyalty_portal.admin.helpers import parse_day, sort_order
from loyalty_portal.extensions import db
from loyalty_portal.models import AuditLog
from loyalty_portal.services.core.errors import ValidationFailed
from loyalty_portal.services.ledger.history import day_range
from loyalty_portal.web.paging import paginate
from loyalty_portal.web.templating import program_zone

SORTS = {"time": AuditLog.created_at, "action": AuditLog.action, "actor": AuditLog.actor}


@bp.get("/audit")
def audit() -> tuple[str, int]:
    args = request.args
    first, last = parse_day(args.get("from")), parse_day(args.get("to"), "to")
    error = None
    try:
        start, end = day_range(first, last, program_zone())
    except ValidationFailed as exc:
        start = end = None
        error = exc.message
    flt = queries.AuditFilter(
        actor=args.get("actor", "").strip(),
        action=args.get("action", "").strip(),
        target_type=args.get("target_type", "").strip(),
        target_id=args.get("target_id", "").strip(),
        start=start,
        end=end,
    )
    sort, order = sort_order(SORTS, "-time")
    page = paginate(db.session, queries.audit_query(flt, order))
    return render_template(
        "admin/audit/list.html",
        page=page,
        flt=flt,
        first=first,
        last=last,
        sort=sort,
        error=error,
        actions=queries.KNOWN_ACTIONS,
        target_types=queries.TARGET_TYPES,
    ), 400 if error else 200
