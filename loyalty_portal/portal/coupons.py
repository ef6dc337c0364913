"""My rewards: the member's coupons with their status, code and dates."""

from __future__ import annotations

from flask import render_template, request

from loyalty_portal.access import current_member, member_required
from loyalty_portal.extensions import db
from loyalty_portal.portal import bp
from loyalty_portal.portal.common import settled_member
from loyalty_portal.portal.queries import coupon_page
from loyalty_portal.services import redemption
from loyalty_portal.timeutil import utcnow

MAX_PAGE = 10_000


@bp.get("/portal/coupons")
@member_required
def coupons() -> str:
    now = utcnow()
    settled_member(now)
    page = request.args.get("page", 1, type=int) or 1
    result = coupon_page(db.session, current_member(), page=min(max(page, 1), MAX_PAGE))
    return render_template("portal/coupons.html", result=result, now=now)


@bp.get("/portal/coupons/<coupon_id>")
@member_required
def coupon(coupon_id: str) -> str:
    """One coupon; another member's coupon is not found (404), never shown."""
    now = utcnow()
    coupon = redemption.get_coupon(db.session, coupon_id, settled_member(now))
    return render_template("portal/coupon.html", coupon=coupon, now=now)
