"""The rewards catalog and redeeming: HTMX swaps the card for its coupon; without
JavaScript the same form posts and redirects (303) to the coupon."""

from __future__ import annotations

import time
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from loyalty_portal.extensions import db
from loyalty_portal.models import Member, Offer
from loyalty_portal.portal import bp
from loyalty_portal.portal.cards import (
    OfferCard,
    best_refusal,
    cards_for,
    reason_sentence,
    refusal_from_body,
    refusal_from_error,
)
from loyalty_portal.portal.common import settled_member
from loyalty_portal.portal.forms import CatalogFilterForm, RedeemForm, new_idempotency_key
from loyalty_portal.portal.queries import active_shops, catalog_page
from loyalty_portal.services.core.actors import Actor
from loyalty_portal.services.core.errors import Conflict, RequestInProgress
from loyalty_portal.services.core.idempotency import StoredRefusal, fingerprint
from loyalty_portal.services.ledger.spending import spendable
from loyalty_portal.services.rewards import coupons, offers, redeeming
from loyalty_portal.services.rewards.eligibility import Refusal, check_offer
from loyalty_portal.timeutil import utcnow
from loyalty_portal.web.access import current_member, member_required
from loyalty_portal.web.htmx import is_htmx, page_or_fragment
from loyalty_portal.web.idempotent import Outcome, run_idempotent
from loyalty_portal.web.templating import fmt_points

#: How long a retried redeem waits for the first request with its key to finish.
IN_PROGRESS_WAIT_SECONDS = 3.0


@bp.context_processor
def _redeem_helpers() -> dict[str, Any]:
    return {"new_idempotency_key": new_idempotency_key}


@bp.get("/portal/rewards")
@member_required
def rewards() -> str:
    now = utcnow()
    member = settled_member(now)
    shops = active_shops(db.session)
    form = CatalogFilterForm(request.args).with_shops([(s.id, s.name) for s in shops])
    if not form.validate():
        for field in form:  # a bad filter value falls back to its default
            if field.errors:
                field.data = field.default
    catalog = catalog_page(
        db.session,
        member,
        now,
        affordable=form.show.data == "affordable",
        shop_id=form.shop.data or None,
        offer_type=form.type.data or None,
        page=form.page.data or 1,
    )
    return page_or_fragment(
        "portal/rewards.html",
        "portal/_catalog.html",
        form=form,
        catalog=catalog,
        cards=cards_for(db.session, member, catalog.items, now),
        now=now,
    )


@bp.post("/portal/rewards/<offer_id>/redeem")
@member_required
def redeem(offer_id: str) -> Response | str:
    form = RedeemForm()
    if not form.validate_on_submit():
        abort(400, "The redeem form was incomplete. Reload the page and try again.")
    member = current_member()
    user_id = member.user_id
    offers.get_offer(db.session, offer_id)  # unknown offer: 404 before anything else

    def effect() -> tuple[int, dict[str, Any]]:
        coupon = redeeming.redeem(
            db.session, member, offer_id, now=utcnow(), actor=Actor.member(user_id)
        )
        return 201, {"couponId": coupon.id, "offerId": offer_id}

    key = form.idempotency_key.data or None
    request_hash = fingerprint("POST", request.path, {"offerId": offer_id})
    try:
        outcome = _run_waiting(f"user:{user_id}", key, request_hash, effect)
    except StoredRefusal as exc:
        return _refused(offer_id, refusal_from_body(exc.body))
    except Conflict as exc:
        db.session.rollback()
        return _refused(offer_id, refusal_from_error(exc))
    member = current_member()
    coupon = coupons.get_coupon(db.session, outcome.body["couponId"], member)
    if not is_htmx():
        flash(f"You redeemed {coupon.offer.title}. Here is your coupon.", "success")
        return redirect(url_for("portal.coupon", coupon_id=coupon.id), 303)
    return render_template(
        "portal/_redeem_response.html",
        card=OfferCard(coupon.offer, coupon=coupon),
        now=utcnow(),
        announcement=(
            f"Redeemed {coupon.offer.title} for {fmt_points(coupon.points)} points. "
            f"Your balance is now {fmt_points(spendable(member))} points."
        ),
    )


def _run_waiting(principal: str, key: str | None, request_hash: str, effect: Any) -> Outcome:
    """Run once per key; a retry that arrives while the first runs waits for its answer."""
    deadline = time.monotonic() + IN_PROGRESS_WAIT_SECONDS
    while True:
        try:
            return run_idempotent(principal, key, request_hash, effect)
        except RequestInProgress:
            db.session.rollback()
            if time.monotonic() >= deadline:
                raise
            time.sleep(0.1)


def _refused(offer_id: str, stored: Refusal) -> Response | str:
    """Nothing changed: show why on the card (HTMX) or on the catalog (no JavaScript)."""
    now = utcnow()
    member: Member = current_member()
    offer: Offer = offers.get_offer(db.session, offer_id)
    refusal = best_refusal(stored, check_offer(db.session, member, offer, now))
    if not is_htmx():
        flash(f"Could not redeem {offer.title}. {reason_sentence(refusal)}", "error")
        return redirect(url_for("portal.rewards", _anchor=f"offer-{offer.id}"), 303)
    return render_template(
        "portal/_redeem_response.html",
        card=OfferCard(offer, refusal, refused_now=True),
        now=now,
        announcement=f"Could not redeem {offer.title}. {reason_sentence(refusal)}",
    )
