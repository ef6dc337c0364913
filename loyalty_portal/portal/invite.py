"""Invite friends: the member's referral code, registration link and how invites went."""

from __future__ import annotations

from flask import render_template, url_for

from loyalty_portal.extensions import db
from loyalty_portal.portal import bp
from loyalty_portal.services.earning import referrals
from loyalty_portal.services.earning.rule_snapshots import all_rules_by_event
from loyalty_portal.services.program.growth_settings import load_growth
from loyalty_portal.web.access import current_member, member_required


@bp.get("/portal/invite")
@member_required
def invite() -> str:
    member = current_member()
    stats = referrals.stats_for(db.session, member)  # creates the code on first visit
    growth = load_growth(db.session)
    rule = all_rules_by_event(db.session).get(growth.qualifying_event_id or "")
    return render_template(
        "portal/invite.html",
        stats=stats,
        link=url_for("auth.register", ref=stats.code, _external=True),
        growth=growth,
        qualifying_title=rule.title if rule else None,
    )
