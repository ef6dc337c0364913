"""My rewards: the member's coupons with their status, code and dates."""

from __future__ import annotations

from flask import render_template

from loyalty_portal.extensions import db
from loyalty_portal.portal import bp
from loyalty_portal.portal.common import member_now
from loyalty_portal.services.rewards import coupons as coupons_service
from loyalty_portal.timeutil import utcnow
from loyalty_portal.web.access import current_member, member_required
from loyalty_portal.web.paging import page_number
from loyalty_portal.web.transactions import reads_only

PAGE_SIZE = 20


@bp.get("/portal/coupons")
@reads_only
@member_required
def coupons() -> str:
    now = utcnow()
    member_now(now)
    number = page_number()
    result = coupons_service.member_coupons(
        db.session, current_member(), limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE
    )
    return render_template("portal/coupons.html", result=result, now=now)


@bp.get("/portal/coupons/<coupon_id>")
@reads_only
@member_required
def coupon(coupon_id: str) -> str:
    """One coupon; another member's coupon is not found (404), never shown."""
    now = utcnow()
    coupon = coupons_service.get_coupon(db.session, coupon_id, member_now(now))
    return render_template("portal/coupon.html", coupon=coupon, now=now)
