"""The fulfilment queue: issue or cancel pending manual redemptions, one by one (inline,
with HTMX) or in bulk."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from loyalty_portal.admin import bp, queries
from loyalty_portal.admin.helpers import admin_actor
from loyalty_portal.extensions import db
from loyalty_portal.models import Offer
from loyalty_portal.services.core.errors import CouponNotActive, ValidationFailed
from loyalty_portal.services.rewards import coupons
from loyalty_portal.services.rewards import fulfilment as fulfilment_service
from loyalty_portal.timeutil import utcnow
from loyalty_portal.web.forms import plural
from loyalty_portal.web.htmx import is_htmx
from loyalty_portal.web.paging import paginate


@bp.get("/fulfilment")
def fulfilment() -> str:
    status = request.args.get("status", "PENDING")
    offer_id = request.args.get("offer") or None
    page = paginate(db.session, queries.queue_query(queries.valid_status(status), offer_id))
    offers = db.session.execute(select(Offer.id, Offer.title).order_by(Offer.title)).all()
    return render_template(
        "admin/fulfilment/queue.html",
        page=page,
        status=status,
        offer_id=offer_id,
        offers=offers,
        now=utcnow(),
    )


def _back() -> str:
    """The queue with the filters the admin was looking at."""
    target = request.form.get("back", "")
    return (
        target
        if target.startswith("/") and not target.startswith("//")
        else url_for("admin.fulfilment")
    )


def _row_or_redirect(coupon_id: str, message: str, ok: bool) -> Response | str:
    if is_htmx():
        row = coupons.get_coupon(db.session, coupon_id)
        return render_template(
            "admin/fulfilment/_row.html",
            r=row,
            message=message,
            ok=ok,
            now=utcnow(),
            back=url_for("admin.fulfilment"),
        )
    flash(message, "success" if ok else "error")
    return redirect(_back(), 303)


@bp.post("/fulfilment/<coupon_id>/issue")
def fulfilment_issue(coupon_id: str) -> Response | str:
    code = request.form.get("code", "")
    try:
        issued = coupons.fulfil(db.session, coupon_id, actor=admin_actor(), now=utcnow(), code=code)
    except (CouponNotActive, ValidationFailed) as exc:
        db.session.rollback()
        return _row_or_redirect(coupon_id, exc.message, ok=False)
    return _row_or_redirect(coupon_id, f"Issued code {issued.code}.", ok=True)


@bp.post("/fulfilment/<coupon_id>/cancel")
def fulfilment_cancel(coupon_id: str) -> Response | str:
    reason = request.form.get("reason", "").strip()[:500]
    try:
        cancelled = coupons.cancel(
            db.session, coupon_id, actor=admin_actor(), now=utcnow(), reason=reason
        )
    except CouponNotActive as exc:
        db.session.rollback()
        return _row_or_redirect(coupon_id, exc.message, ok=False)
    return _row_or_redirect(
        coupon_id, f"Cancelled; {plural(cancelled.points, 'point')} refunded.", ok=True
    )


@bp.post("/fulfilment/bulk")
def fulfilment_bulk() -> Response:
    try:
        result = fulfilment_service.bulk(
            db.session,
            request.form.getlist("ids"),
            request.form.get("action", ""),
            actor=admin_actor(),
            now=utcnow(),
            reason=request.form.get("reason", "").strip()[:500],
        )
    except ValidationFailed as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(_back(), 303)
    verb = "issued" if request.form.get("action") == "issue" else "cancelled with refund"
    if result.done:
        flash(f"{plural(len(result.done), 'redemption')} {verb}.", "success")
    for coupon_id, message in result.failed:
        flash(f"{coupon_id}: {message}", "error")
    return redirect(_back(), 303)
