"""A member's orders (refund, through the same service as the API) and active holds
(release), on the admin's member page."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import flash, redirect, url_for
from werkzeug.wrappers import Response

from loyalty_portal.admin import bp
from loyalty_portal.admin.forms.members import RefundForm
from loyalty_portal.admin.helpers import admin_actor
from loyalty_portal.extensions import db
from loyalty_portal.models import Member
from loyalty_portal.services.core.errors import DomainError
from loyalty_portal.services.earning import orders, refunds
from loyalty_portal.services.ledger import holds
from loyalty_portal.services.members import members
from loyalty_portal.timeutil import utcnow
from loyalty_portal.web.forms import submit


def checkout_context(member: Member, now: datetime) -> dict[str, Any]:
    return {
        "orders": orders.member_orders(db.session, member.id),
        "holds": holds.active_holds(db.session, member.id, now),
    }


def _back(member: Member) -> Response:
    return redirect(url_for("admin.member_detail", user_id=member.user_id, _anchor="orders"), 303)


@bp.post("/members/<user_id>/orders/<order_key>/refund")
def member_refund(user_id: str, order_key: str) -> Response:
    member = members.get_member(db.session, user_id)
    form = RefundForm()
    done = submit(
        form,
        lambda: refunds.refund_order(
            db.session,
            member.user_id,
            order_key,
            amount=form.amount.data,
            reason=(form.reason.data or "").strip(),
            now=utcnow(),
            audited_by=admin_actor(),
        ),
        field="amount",
        success=lambda outcome: (
            f"Order {order_key} refunded: {outcome.refund.points_reversed:,} points reversed."
        ),
        refusals=(DomainError,),
    )
    if not done.ok:
        errors = [e for f in form for e in f.errors] or ["The refund could not be made."]
        flash(f"Order {order_key}: {' '.join(str(e) for e in errors)}", "error")
    return _back(member)


@bp.post("/members/<user_id>/holds/<hold_id>/release")
def member_release_hold(user_id: str, hold_id: str) -> Response:
    member = members.get_member(db.session, user_id)
    try:
        holds.release(
            db.session, hold_id, now=utcnow(), owner=member.user_id, audited_by=admin_actor()
        )
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        flash(f"The hold {hold_id} was released.", "success")
    return _back(member)
