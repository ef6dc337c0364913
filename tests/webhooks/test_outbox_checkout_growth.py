"""The outbox for the checkout and growth changes: a refund sends `points.reversed`, a
capture `hold.captured`, a completed referral `referral.completed`, and the welcome bonus
`points.earned`: exactly one message each, with the ids of what changed."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import select

from loyalty_portal.models import Member
from loyalty_portal.services.core.actors import Actor
from loyalty_portal.services.earning import events, referrals, refunds
from loyalty_portal.services.ledger import holds
from loyalty_portal.services.members import members
from loyalty_portal.services.program import settings
from tests.factories import growth_settings
from tests.webhooks.test_outbox import event, last_id, new_messages

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)


def test_a_refund_sends_points_reversed(ctx, make):
    make.rule("purchase", type="TRANSACTION", points=None, points_per_unit=1)
    events.record_event(
        ctx,
        user_id="ann",
        event_id="purchase",
        now=NOW,
        source="test",
        trusted=True,
        amount=100,
        order_key="1017",
    )
    ctx.commit()
    mark = last_id(ctx)
    refunds.refund_order(ctx, "ann", "1017", amount=Decimal(40), reason="returned", now=NOW)
    ctx.commit()
    [(kind, data)] = new_messages(ctx, mark)
    assert kind == "points.reversed"
    assert data["userId"] == "ann" and data["orderId"] == "1017"
    assert (data["points"], data["pointsReversed"], data["balance"]) == (-40, 40, 60)
    assert data["reason"] == "returned" and data["pointsOwed"] == 0


def test_a_capture_sends_hold_captured_and_a_release_nothing(ctx, make):
    make.member("bob", balance=200)
    hold, _ = holds.create_hold(ctx, "bob", 80, now=NOW, order_key="A-7")
    other, _ = holds.create_hold(ctx, "bob", 50, now=NOW)
    ctx.commit()
    mark = last_id(ctx)
    holds.capture(ctx, hold.id, 60, now=NOW)
    holds.release(ctx, other.id, now=NOW)
    ctx.commit()
    [(kind, data)] = new_messages(ctx, mark)
    assert kind == "hold.captured"
    assert (data["userId"], data["holdId"], data["orderId"]) == ("bob", hold.id, "A-7")
    assert (data["points"], data["capturedPoints"], data["balance"]) == (-60, 60, 140)


def test_a_completed_referral_sends_referral_completed_once(app, ctx, make):
    make.rule("purchase", points=10)
    growth_settings(
        app,
        referrals_enabled=True,
        qualifying_event_id="purchase",
        referrer_points=200,
        friend_points=100,
    )
    make.member("carol")
    make.member("dave")
    carol, dave = members.get_member(ctx, "carol"), members.get_member(ctx, "dave")
    referrals.refer(ctx, dave, carol, NOW)
    ctx.commit()
    mark = last_id(ctx)
    event(ctx, "dave", "purchase")
    event(ctx, "dave", "purchase")  # qualifies again: nothing more to complete
    completed = [(t, d) for t, d in new_messages(ctx, mark) if t == "referral.completed"]
    assert completed == [
        (
            "referral.completed",
            {
                "userId": "carol",
                "friendUserId": "dave",
                "points": 200,
                "friendPoints": 100,
                "balance": 200,
            },
        )
    ]


def test_the_welcome_bonus_is_earned_like_any_points(ctx, make):
    program = settings.current(ctx)
    program.welcome_bonus = 25
    settings.update(ctx, program, actor=Actor.system("test-admin"), now=NOW)
    ctx.commit()
    mark = last_id(ctx)
    members.create_member(ctx, "erin", NOW)
    ctx.commit()
    assert [t for t, _ in new_messages(ctx, mark)] == ["member.created", "points.earned"]
    _, earned = new_messages(ctx, mark)[1]
    assert (earned["userId"], earned["points"], earned["balance"]) == ("erin", 25, 25)
    assert ctx.scalars(select(Member.balance).where(Member.user_id == "erin")).one() == 25
