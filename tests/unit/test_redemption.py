"""Redemption: each refusal, all-or-nothing, FIFO lots, coupons, cancel and refund, adjust."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from loyalty_portal.models import CouponCode, LedgerEntry, Offer
from loyalty_portal.services.core.actors import Actor
from loyalty_portal.services.core.errors import (
    CouponNotActive,
    CouponNotFound,
    InsufficientPoints,
    OfferNotFound,
    RedemptionRefused,
    ValidationFailed,
)
from loyalty_portal.services.earning import events
from loyalty_portal.services.ledger import adjustments
from loyalty_portal.services.ledger.invariants import verify
from loyalty_portal.services.rewards import coupons, redeeming
from loyalty_portal.services.rewards.eligibility import check_offers

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)
ME = Actor.member("test")
ADMIN = Actor.system("test-admin")


def redeem(session, member, offer_id, when=NOW):
    result = redeeming.redeem(session, member, offer_id, now=when, actor=ME)
    session.commit()
    return result


def count(session, model):
    return session.scalar(select(func.count()).select_from(model))


def refused(session, member, offer_id, code, when=NOW):
    entries, stock = (
        count(session, LedgerEntry),
        {o.id: o.stock for o in session.scalars(select(Offer))},
    )
    with pytest.raises(RedemptionRefused) as info:
        redeeming.redeem(session, member, offer_id, now=when, actor=ME)
    session.rollback()
    assert info.value.code == code
    assert count(session, LedgerEntry) == entries  # nothing changed
    assert {o.id: o.stock for o in session.scalars(select(Offer))} == stock
    assert verify(session) == []
    return info.value


def test_redeem_spends_points_and_issues_a_code(ctx, make):
    member = make.member(balance=500, now=NOW)
    make.offer("coffee", cost=150, stock=3, coupon_valid_days=30)
    coupon = redeem(ctx, member, "coffee")
    assert coupon.status == "ACTIVE" and len(coupon.code) == 14
    assert coupon.expires_at == NOW + timedelta(days=30)
    assert member.balance == 350
    assert ctx.get(Offer, "coffee").stock == 2
    entry = ctx.scalars(select(LedgerEntry).where(LedgerEntry.kind == "redeem")).one()
    assert (entry.delta, entry.redemption_id, entry.title) == (
        -150,
        coupon.id,
        "Redeemed: Test offer",
    )
    assert verify(ctx) == []


def test_each_refusal_reason(ctx, make):
    gold = make.tier("Gold", 5000)
    make.tier("Bronze", 0)
    make.group("staff")
    member = make.member(balance=100, now=NOW)
    make.offer("pricey", cost=220)
    make.offer("gone", cost=10, stock=0)
    make.offer("once", cost=10, limit_per_member=1)
    make.offer("gold", cost=10, min_tier_id=gold.id)
    make.offer("later", cost=10, valid_from=NOW + timedelta(days=3))
    make.offer("over", cost=10, valid_until=NOW)
    make.offer("off", cost=10, active=False)
    staff_only = make.offer("staff", cost=10)
    from loyalty_portal.models import OfferUserGroup

    ctx.add(OfferUserGroup(offer_id=staff_only.id, usergroup_id="staff"))
    ctx.commit()

    assert refused(ctx, member, "pricey", "insufficient_points").extra["missing_points"] == 120
    refused(ctx, member, "gone", "out_of_stock")
    redeem(ctx, member, "once")
    refused(ctx, member, "once", "limit_reached")
    refused(ctx, member, "gold", "tier_required")
    refused(ctx, member, "later", "offer_not_available")
    refused(ctx, member, "over", "offer_not_available")
    refused(ctx, member, "off", "offer_not_available")
    refused(ctx, member, "staff", "offer_not_available")
    with pytest.raises(OfferNotFound):
        redeeming.redeem(ctx, member, "nope", now=NOW, actor=ME)


def test_feed_check_agrees_with_redeem(ctx, make):
    member = make.member(balance=100, now=NOW)
    offers = [
        make.offer("ok", cost=100),
        make.offer("pricey", cost=101),
        make.offer("gone", cost=1, stock=0),
    ]
    reasons = check_offers(ctx, member, [ctx.get(Offer, o.id) for o in offers], NOW)
    assert reasons["ok"] is None
    assert reasons["pricey"].code == "insufficient_points" and reasons["pricey"].missing_points == 1
    assert reasons["gone"].code == "out_of_stock"


def test_spending_consumes_the_lots_that_expire_first(ctx, make):
    make.rule("soon", points=100, expiry_policy="days", expiry_days=10)
    make.rule("later", points=100, expiry_policy="days", expiry_days=60)
    make.rule("never", points=100, expiry_policy="never")
    for event_id in ("never", "later", "soon"):
        events.record_event(
            ctx, user_id="ann", event_id=event_id, now=NOW, source="t", trusted=True
        )
    ctx.commit()
    make.offer("thing", cost=150)
    member = _member(ctx)
    redeem(ctx, member, "thing")
    remaining = sorted(
        (e.expires_at is None, e.expires_at, e.remaining)
        for e in ctx.scalars(select(LedgerEntry).where(LedgerEntry.remaining.is_not(None)))
    )
    assert [r[2] for r in remaining] == [0, 50, 100]  # soon used up, later half, never whole
    assert member.balance == 150


def _member(session):
    from loyalty_portal.services.members.members import get_member

    return get_member(session, "ann")


def test_expired_lots_cannot_be_spent(ctx, make):
    make.rule("soon", points=100, expiry_policy="days", expiry_days=10)
    events.record_event(ctx, user_id="ann", event_id="soon", now=NOW, source="t", trusted=True)
    ctx.commit()
    make.offer("thing", cost=50)
    refused(ctx, _member(ctx), "thing", "insufficient_points", when=NOW + timedelta(days=10))


def test_manual_fulfilment_then_use(ctx, make):
    member = make.member(balance=300, now=NOW)
    make.offer("styling", cost=200, fulfilment="manual")
    coupon = redeem(ctx, member, "styling")
    assert (coupon.status, coupon.code) == ("PENDING", None)
    with pytest.raises(CouponNotActive):
        coupons.use_coupon(ctx, member, coupon.id, NOW)
    ctx.rollback()
    coupons.fulfil(ctx, coupon.id, actor=ADMIN, now=NOW, code="STYLE-1")
    ctx.commit()
    assert (coupon.status, coupon.code) == ("ACTIVE", "STYLE-1")
    coupons.use_coupon(ctx, member, coupon.id, NOW + timedelta(hours=1))
    ctx.commit()
    assert coupon.status == "USED" and coupon.used_at == NOW + timedelta(hours=1)
    with pytest.raises(CouponNotActive):
        coupons.use_coupon(ctx, member, coupon.id, NOW)


def test_coupons_belong_to_their_member(ctx, make):
    ann, bob = make.member("ann", balance=100, now=NOW), make.member("bob", now=NOW)
    make.offer("thing", cost=10)
    coupon = redeem(ctx, ann, "thing")
    with pytest.raises(CouponNotFound):
        coupons.use_coupon(ctx, bob, coupon.id, NOW)


def test_expired_coupon_is_not_usable(ctx, make):
    member = make.member(balance=100, now=NOW)
    make.offer("thing", cost=10, coupon_valid_days=1)
    coupon = redeem(ctx, member, "thing")
    assert coupon.status_at(NOW + timedelta(days=1)) == "EXPIRED"
    with pytest.raises(CouponNotActive):
        coupons.use_coupon(ctx, member, coupon.id, NOW + timedelta(days=1))


def test_code_pool_hands_out_each_code_once(ctx, make):
    member = make.member(balance=1000, now=NOW)
    make.offer("cinema", cost=10, fulfilment="pool")
    ctx.add_all([CouponCode(offer_id="cinema", code=c) for c in ("A", "B")])
    ctx.commit()
    codes = {redeem(ctx, member, "cinema").code for _ in range(2)}
    assert codes == {"A", "B"}
    refused(ctx, member, "cinema", "out_of_stock")


def test_cancel_refunds_as_a_new_lot_and_restores_stock(ctx, make):
    member = make.member(balance=300, now=NOW)
    make.offer("bag", cost=200, stock=1, limit_per_member=1)
    coupon = redeem(ctx, member, "bag")
    coupons.cancel(ctx, coupon.id, actor=ADMIN, now=NOW + timedelta(hours=2), reason="changed mind")
    ctx.commit()
    assert coupon.status == "CANCELLED" and member.balance == 300
    assert ctx.get(Offer, "bag").stock == 1
    refund = ctx.scalars(select(LedgerEntry).where(LedgerEntry.kind == "refund")).one()
    assert (refund.delta, refund.remaining, refund.redemption_id) == (200, 200, coupon.id)
    assert verify(ctx) == []
    redeem(ctx, member, "bag")  # a cancelled one no longer counts against the limit
    with pytest.raises(CouponNotActive):
        coupons.cancel(ctx, coupon.id, actor=ADMIN, now=NOW)


def test_adjust_needs_a_reason_and_never_goes_below_zero(ctx, make):
    member = make.member(balance=50, now=NOW)
    with pytest.raises(ValidationFailed):
        adjustments.adjust(ctx, member, 10, reason="  ", actor=ADMIN, now=NOW)
    with pytest.raises(ValidationFailed):
        adjustments.adjust(ctx, member, 0, reason="x", actor=ADMIN, now=NOW)
    with pytest.raises(InsufficientPoints):
        adjustments.adjust(ctx, member, -51, reason="too much", actor=ADMIN, now=NOW)
    ctx.rollback()
    entry = adjustments.adjust(ctx, member, -50, reason="goodwill reversal", actor=ADMIN, now=NOW)
    ctx.commit()
    assert (entry.kind, entry.delta, entry.description) == ("adjust", -50, "goodwill reversal")
    assert member.balance == 0 and verify(ctx) == []
