"""Admin views."""

from __future__ import annotations

from flask import render_template
from sqlalchemy import func, select

from loyalty_portal.admin import bp
from loyalty_portal.extensions import db
from loyalty_portal.models import LedgerEntry, Member, Redemption


@bp.get("/")
def dashboard() -> str:
    totals = dict(
        db.session.execute(
            select(LedgerEntry.kind, func.sum(LedgerEntry.delta)).group_by(LedgerEntry.kind)
        ).all()
    )
    outstanding = db.session.scalar(select(func.coalesce(func.sum(Member.balance), 0)))
    members_count = db.session.scalar(
        select(func.count()).select_from(Member).where(Member.erased_at.is_(None))
    )
    pending = db.session.scalar(
        select(func.count()).select_from(Redemption).where(Redemption.status == "PENDING")
    )
    return render_template(
        "admin/dashboard.html",
        totals=totals,
        outstanding=outstanding,
        members_count=members_count,
        pending=pending,
    )
