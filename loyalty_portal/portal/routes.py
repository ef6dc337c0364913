"""Member portal views."""

from __future__ import annotations

from flask import redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from loyalty_portal.access import current_member, member_required
from loyalty_portal.extensions import db
from loyalty_portal.models import LedgerEntry
from loyalty_portal.portal import bp
from loyalty_portal.services import members
from loyalty_portal.timeutil import utcnow


@bp.get("/")
def index() -> Response:
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    return redirect(url_for("admin.dashboard" if current_user.is_admin else "portal.dashboard"))


@bp.get("/portal/")
@member_required
def dashboard() -> str:
    member = members.settle(db.session, current_member(), utcnow())
    db.session.commit()
    recent = db.session.scalars(
        select(LedgerEntry)
        .where(LedgerEntry.member_id == member.id)
        .order_by(LedgerEntry.created_at.desc(), LedgerEntry.id.desc())
        .limit(10)
    ).all()
    return render_template("portal/dashboard.html", member=member, recent=recent)
