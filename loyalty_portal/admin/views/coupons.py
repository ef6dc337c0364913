"""Find a coupon by the code a member shows (at a till, on the phone) and mark it used."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from loyalty_portal.admin import bp
from loyalty_portal.admin.helpers import admin_actor
from loyalty_portal.extensions import db
from loyalty_portal.models import Redemption
from loyalty_portal.services.core.errors import CouponNotActive, ValidationFailed
from loyalty_portal.services.rewards import coupons
from loyalty_portal.timeutil import utcnow


@bp.get("/coupons")
def coupon_find() -> tuple[str, int]:
    code = request.args.get("code", "").strip()
    found: list[Redemption] = []
    error, status = None, 200
    if code:
        try:
            found = coupons.find_by_code(db.session, code)
        except ValidationFailed as exc:
            error, status = exc.message, 400
    page = render_template(
        "admin/fulfilment/find.html", code=code, found=found, error=error, now=utcnow()
    )
    return page, status


@bp.post("/coupons/<coupon_id>/use")
def coupon_use(coupon_id: str) -> Response:
    try:
        used = coupons.mark_used(db.session, coupon_id, actor=admin_actor(), now=utcnow())
    except CouponNotActive as exc:
        db.session.rollback()
        flash(exc.message, "error")
        code = coupons.get_coupon(db.session, coupon_id).code or ""
    else:
        flash(f"Coupon {used.code} marked used: {used.offer.title}.", "success")
        code = used.code or ""
    return redirect(url_for("admin.coupon_find", code=code), 303)
