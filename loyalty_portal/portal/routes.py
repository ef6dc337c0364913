"""The start page and the member's dashboard."""

from __future__ import annotations

from flask import redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from loyalty_portal.extensions import db
from loyalty_portal.portal import bp
from loyalty_portal.portal.cards import cards_for
from loyalty_portal.portal.common import campaigns_now, friendly_name, standing_now
from loyalty_portal.portal.queries import affordable_candidates
from loyalty_portal.services.ledger.history import HistoryFilter, page_by_cursor
from loyalty_portal.services.members import welcome_bonus
from loyalty_portal.services.members.summary import member_summary
from loyalty_portal.timeutil import utcnow
from loyalty_portal.web.access import member_required
from loyalty_portal.web.transactions import reads_only

RECENT_ENTRIES = 5
AFFORDABLE_SHOWN = 4
EXPIRING_WITHIN_DAYS = 30


@bp.get("/")
def index() -> Response:
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    return redirect(url_for("admin.dashboard" if current_user.is_admin else "portal.dashboard"))


@bp.get("/portal/")
@reads_only
@member_required
def dashboard() -> str:
    now = utcnow()
    standing = standing_now(now)
    member = standing.member
    summary = member_summary(
        db.session, member, now, expiring_within_days=EXPIRING_WITHIN_DAYS, standing=standing
    )
    recent = page_by_cursor(
        db.session, member.id, HistoryFilter(), limit=RECENT_ENTRIES, cursor=None
    )
    candidates = affordable_candidates(db.session, member, now)
    affordable = [c for c in cards_for(db.session, member, candidates, now) if c.redeemable]
    return render_template(
        "portal/dashboard.html",
        greeting=friendly_name(member, current_user.email),
        first_time=all(e.title == welcome_bonus.TITLE for e in recent.items),
        **campaigns_now(member, now),
        summary=summary,
        recent=recent,
        affordable=affordable[:AFFORDABLE_SHOWN],
        expiring_days=EXPIRING_WITHIN_DAYS,
    )
