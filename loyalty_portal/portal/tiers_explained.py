"""Tiers explained: every tier's threshold, multiplier and benefits, the window that
counts, and where this member stands."""

from __future__ import annotations

from decimal import Decimal

from flask import render_template

from loyalty_portal.extensions import db
from loyalty_portal.portal import bp
from loyalty_portal.portal.common import standing_now
from loyalty_portal.portal.ways_to_earn import number
from loyalty_portal.services.members.summary import member_summary
from loyalty_portal.services.program import tiers
from loyalty_portal.services.program.settings import load_program
from loyalty_portal.timeutil import utcnow
from loyalty_portal.web.access import member_required
from loyalty_portal.web.transactions import reads_only


def multiplier_text(multiplier: Decimal) -> str:
    """×1.25 reads "25% more points"; ×1 reads "Standard points"."""
    extra = (Decimal(multiplier) - 1) * 100
    if extra == 0:
        return "Standard points"
    return f"{number(abs(extra))}% {'more' if extra > 0 else 'fewer'} points"


@bp.get("/portal/tiers")
@reads_only
@member_required
def tiers_explained() -> str:
    now = utcnow()
    standing = standing_now(now)
    summary = member_summary(
        db.session, standing.member, now, expiring_within_days=0, standing=standing
    )
    return render_template(
        "portal/tiers.html",
        ladder=tiers.tiers_ascending(db.session),
        summary=summary,
        window_days=load_program(db.session).tier_window_days,
        multiplier_text=multiplier_text,
    )
