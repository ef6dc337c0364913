"""The outbox: each change writes exactly one message with its documented `data`
(docs/webhooks.md), in the change's own transaction; a rolled-back change writes none."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from loyalty_portal.models import OutboxMessage
from loyalty_portal.services.core.actors import Actor
from loyalty_portal.services.earning import events
from loyalty_portal.services.ledger import adjustments, expiry, pending
from loyalty_portal.services.program import tiers
from loyalty_portal.services.program.settings import load_program
from loyalty_portal.services.rewards import coupons, redeeming
from loyalty_portal.timeutil import to_epoch_ms

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)
ADMIN = Actor.system("test-admin")


def last_id(session: Any) -> int:
    return session.scalar(select(func.coalesce(func.max(OutboxMessage.id), 0)))


def new_messages(session: Any, after: int) -> list[tuple[str, dict[str, Any]]]:
    rows = session.scalars(
        select(OutboxMessage).where(OutboxMessage.id > after).order_by(OutboxMessage.id)
    )
    return [(m.type, m.data) for m in rows]


def event(session: Any, user_id: str, event_id: str, when: datetime = NOW) -> Any:
    outcome = events.record_event(
        session, user_id=user_id, event_id=event_id, now=when, source="test", trusted=True
    )
    session.commit()
    return outcome


def test_member_created_once(ctx, make):
    mark = last_id(ctx)
    make.member("alice", now=NOW)
    assert new_messages(ctx, mark) == [
        ("member.created", {"userId": "alice", "createdAt": to_epoch_ms(NOW)})
    ]
    make.rule("visit", points=10)
    mark = last_id(ctx)
    event(ctx, "alice", "visit")  # known member: no second member.created
    assert [t for t, _ in new_messages(ctx, mark)] == ["points.earned"]


def test_first_event_creates_the_member_and_earns(ctx, make):
    make.rule("visit", points=15, title="Shop visit")
    mark = last_id(ctx)
    event(ctx, "bob", "visit")
    assert new_messages(ctx, mark) == [
        ("member.created", {"userId": "bob", "createdAt": to_epoch_ms(NOW)}),
        (
            "points.earned",
            {
                "userId": "bob",
                "points": 15,
                "balance": 15,
                "eventId": "visit",
                "title": "Shop visit",
            },
        ),
    ]


def test_event_without_points_sends_nothing_but_the_member(ctx, make):
    make.member("carol")
    make.rule("review", type="CONDITIONAL", points=25, value_field="rating", threshold=4)
    mark = last_id(ctx)
    events.record_event(
        ctx, user_id="carol", event_id="review", now=NOW, source="t", metadata={"rating": 2}
    )
    ctx.commit()
    assert new_messages(ctx, mark) == []


def test_pending_points_are_earned_when_released(ctx, make):
    make.member("dave")
    make.rule("buy", points=40, pending_days=3, title="Purchase")
    mark = last_id(ctx)
    event(ctx, "dave", "buy")
    assert new_messages(ctx, mark) == []
    later = NOW + timedelta(days=4)
    pending.release_all_due(ctx, later, load_program(ctx))
    ctx.commit()
    assert new_messages(ctx, mark) == [
        (
            "points.earned",
            {"userId": "dave", "points": 40, "balance": 40, "eventId": "buy", "title": "Purchase"},
        )
    ]


@pytest.mark.parametrize("delta", [250, -50])
def test_adjustment(ctx, make, delta):
    member = make.member("erin", balance=100)
    mark = last_id(ctx)
    adjustments.adjust(ctx, member, delta, reason="goodwill", actor=ADMIN, now=NOW)
    ctx.commit()
    assert new_messages(ctx, mark) == [
        (
            "points.adjusted",
            {"userId": "erin", "points": delta, "balance": 100 + delta, "reason": "goodwill"},
        )
    ]


def test_expiry(ctx, make):
    make.member("fay")
    make.rule("visit", points=30, expiry_policy="days", expiry_days=10)
    event(ctx, "fay", "visit")
    mark = last_id(ctx)
    expiry.expire_all_due(ctx, NOW + timedelta(days=11))
    ctx.commit()
    assert new_messages(ctx, mark) == [
        ("points.expired", {"userId": "fay", "points": -30, "balance": 0})
    ]
    expiry.expire_all_due(ctx, NOW + timedelta(days=12))  # nothing left: no message
    ctx.commit()
    assert len(new_messages(ctx, mark)) == 1


def coupon_fields(offer: Any, **fields: Any) -> dict[str, Any]:
    base = {
        "userId": "gus",
        "offerId": offer.id,
        "offerTitle": offer.title,
        "shopId": offer.shop_id,
        "points": 100,
        "metadata": {},
        "createdAt": to_epoch_ms(NOW),
        "expiresAt": None,
    }
    base.update(fields)
    return base


def test_redemption_lifecycle_manual(ctx, make):
    member = make.member("gus", balance=500)
    shop = make.shop()
    offer = make.offer(fulfilment="manual", shop_id=shop.id)
    mark = last_id(ctx)
    coupon = redeeming.redeem(ctx, member, offer.id, now=NOW, actor=ADMIN, metadata={"size": "M"})
    ctx.commit()
    created = coupon_fields(
        offer,
        couponId=coupon.id,
        fulfilment="manual",
        status="PENDING",
        code=None,
        balance=400,
        metadata={"size": "M"},
    )
    assert new_messages(ctx, mark) == [("redemption.created", created)]

    mark = last_id(ctx)
    later = NOW + timedelta(hours=1)
    coupons.fulfil(ctx, coupon.id, actor=ADMIN, now=later, code="SHOP-42")
    ctx.commit()
    [(kind, data)] = new_messages(ctx, mark)
    assert kind == "redemption.fulfilled"
    assert data == {
        **created,
        "status": "ACTIVE",
        "code": "SHOP-42",
        "fulfilledAt": to_epoch_ms(later),
    }

    mark = last_id(ctx)
    coupons.use_coupon(ctx, member, coupon.id, later)
    ctx.commit()
    [(kind, data)] = new_messages(ctx, mark)
    assert (kind, data["status"], data["usedAt"]) == ("redemption.used", "USED", to_epoch_ms(later))
    assert data["couponId"] == coupon.id and data["userId"] == "gus"


def test_redemption_cancelled(ctx, make):
    member = make.member("gus", balance=500)
    offer = make.offer()
    coupon = redeeming.redeem(ctx, member, offer.id, now=NOW, actor=ADMIN)
    ctx.commit()
    mark = last_id(ctx)
    coupons.cancel(ctx, coupon.id, actor=ADMIN, now=NOW, reason="changed mind")
    ctx.commit()
    [(kind, data)] = new_messages(ctx, mark)
    assert kind == "redemption.cancelled"
    assert data["couponId"] == coupon.id and data["status"] == "CANCELLED"
    assert (data["refunded"], data["balance"], data["reason"]) == (100, 500, "changed mind")


def test_tier_changed_on_earning_and_on_recompute(ctx, make):
    make.tier("Bronze", 0)
    make.tier("Silver", 100, "1.25")
    make.rule("buy", points=120)
    mark = last_id(ctx)
    event(ctx, "hal", "buy")
    tier_messages = [d for t, d in new_messages(ctx, mark) if t == "tier.changed"]
    assert tier_messages == [
        {"userId": "hal", "tier": "Silver", "previousTier": "Bronze", "multiplier": "1.25"}
    ]  # a new member is in the base tier from creation
    mark = last_id(ctx)
    window = load_program(ctx).tier_window_days
    tiers.recompute_all(ctx, NOW + timedelta(days=window + 2), window)
    ctx.commit()
    assert new_messages(ctx, mark) == [
        (
            "tier.changed",
            {"userId": "hal", "tier": "Bronze", "previousTier": "Silver", "multiplier": "1"},
        )
    ]


def test_a_rolled_back_change_leaves_no_message(ctx, make):
    make.rule("visit", points=10)
    member = make.member("ivy", balance=50)
    mark = last_id(ctx)
    events.record_event(ctx, user_id="newbie", event_id="visit", now=NOW, source="t")
    adjustments.adjust(ctx, member, 5, reason="oops", actor=ADMIN, now=NOW)
    assert len(new_messages(ctx, mark)) == 3  # written inside the transaction...
    ctx.rollback()
    assert new_messages(ctx, mark) == []  # ...and gone with it
