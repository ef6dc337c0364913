"""The rewards catalog and redeeming: HTMX swaps the card for its coupon; without
JavaScript the same form posts and redirects (303) to the coupon."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from flask import abort, flash, redirect, render_template, request, url_for
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from loyalty_portal.extensions import db
from loyalty_portal.models import Member, Offer
from loyalty_portal.portal import bp
from loyalty_portal.portal.cards import (
    PRICE_CHANGED,
    OfferCard,
    best_refusal,
    cards_for,
    reason_sentence,
    refusal_from_body,
    refusal_from_error,
)
from loyalty_portal.portal.common import member_now
from loyalty_portal.portal.forms import CatalogFilterForm, RedeemForm, new_idempotency_key
from loyalty_portal.portal.queries import active_shops, catalog_page
from loyalty_portal.services.core.actors import Actor
from loyalty_portal.services.core.errors import Conflict, RequestInProgress
from loyalty_portal.services.core.idempotency import StoredRefusal, fingerprint
from loyalty_portal.services.core.pages import Page
from loyalty_portal.services.ledger.spending import spendable
from loyalty_portal.services.rewards import coupons, offers, redeeming
from loyalty_portal.services.rewards.eligibility import Refusal, check_offer
from loyalty_portal.timeutil import utcnow
from loyalty_portal.web.access import current_member, member_required
from loyalty_portal.web.htmx import is_htmx, page_or_fragment
from loyalty_portal.web.idempotent import Outcome, run_idempotent
from loyalty_portal.web.templating import fmt_points
from loyalty_portal.web.transactions import reads_only

#: How long a retried redeem waits for the first request with its key to finish.
IN_PROGRESS_WAIT_SECONDS = 3.0


@bp.context_processor
def _redeem_helpers() -> dict[str, Any]:
    return {"new_idempotency_key": new_idempotency_key}


@bp.get("/portal/rewards")
@reads_only
@member_required
def rewards() -> str:
    now = utcnow()
    member = member_now(now)
    form, catalog = _catalog(member, now, request.args)
    return page_or_fragment(
        "portal/rewards.html",
        "portal/_catalog.html",
        form=form,
        catalog=catalog,
        cards=cards_for(db.session, member, catalog.items, now),
        now=now,
    )


def _catalog(
    member: Member, now: datetime, args: MultiDict[str, str], within: int | None = None
) -> tuple[CatalogFilterForm, Page[Offer]]:
    """The catalog page these filter arguments ask for; a bad value falls back to its
    default. `within` replaces the balance for "within my points" (the balance the page
    was rendered with)."""
    shops = active_shops(db.session)
    form = CatalogFilterForm(args).with_shops([(s.id, s.name) for s in shops])
    if not form.validate():
        for field in form:
            if field.errors:
                field.data = field.default
    catalog = catalog_page(
        db.session,
        member,
        now,
        affordable=form.show.data == "affordable",
        within=within,
        shop_id=form.shop.data or None,
        offer_type=form.type.data or None,
        page=form.page.data or 1,
    )
    return form, catalog


def _cards_on_page(member: Member, now: datetime, exclude: str, within: int) -> list[OfferCard]:
    """The other cards of the catalog page the member redeemed from (HX-Current-URL),
    checked against the new balance: sent out of band so none stays stale."""
    current = urlsplit(request.headers.get("HX-Current-URL", ""))
    if current.path != url_for("portal.rewards"):
        return []
    _, catalog = _catalog(member, now, MultiDict(parse_qsl(current.query)), within)
    return [c for c in cards_for(db.session, member, catalog.items, now) if c.offer.id != exclude]


@bp.post("/portal/rewards/<offer_id>/redeem")
@member_required
def redeem(offer_id: str) -> Response | str:
    form = RedeemForm()
    if not form.validate_on_submit():
        abort(400, "The redeem form was incomplete. Reload the page and try again.")
    member = current_member()
    user_id = member.user_id
    offers.get_offer(db.session, offer_id)  # unknown offer: 404 before anything else
    expected = form.expected_points.data

    def effect() -> tuple[int, dict[str, Any]]:
        coupon = redeeming.redeem(
            db.session,
            member,
            offer_id,
            now=utcnow(),
            actor=Actor.member(user_id),
            expected_points=expected,
        )
        return 201, {"couponId": coupon.id, "offerId": offer_id}

    key = form.idempotency_key.data or None
    shown = {"offerId": offer_id} | ({} if expected is None else {"expectedPoints": expected})
    request_hash = fingerprint("POST", request.path, shown)
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
    now = utcnow()
    again = check_offer(db.session, member, coupon.offer, now)
    return render_template(
        "portal/_redeem_response.html",
        card=OfferCard(coupon.offer, again, coupon=coupon),
        others=_cards_on_page(member, now, offer_id, member.balance + coupon.points),
        now=now,
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
    fresh = check_offer(db.session, member, offer, now)
    refusal = best_refusal(stored, fresh)
    if not is_htmx():
        flash(f"Could not redeem {offer.title}. {reason_sentence(refusal)}", "error")
        return redirect(url_for("portal.rewards", _anchor=f"offer-{offer.id}"), 303)
    # A changed price: the card shows the new one and can be redeemed at it.
    shown = OfferCard(offer, refusal, refused_now=True, alert=refusal)
    if refusal.code == PRICE_CHANGED:
        shown = OfferCard(offer, fresh, refused_now=True, alert=refusal)
    return render_template(
        "portal/_redeem_response.html",
        card=shown,
        others=_cards_on_page(member, now, offer_id, member.balance),
        now=now,
        announcement=f"Could not redeem {offer.title}. {reason_sentence(refusal)}",
    )
