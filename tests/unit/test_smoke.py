from loyalty_portal.services.core.actors import Actor
from loyalty_portal.services.earning import events
from loyalty_portal.services.ledger.invariants import verify
from loyalty_portal.services.rewards import redeeming
from loyalty_portal.timeutil import utcnow


def test_earn_and_redeem_round_trip(ctx, make):
    make.rule("daily_login", points=10)
    make.offer("coffee", cost=10)
    outcome = events.record_event(
        ctx, user_id="u1", event_id="daily_login", now=utcnow(), source="test"
    )
    assert outcome.points == 10
    ctx.commit()
    r = redeeming.redeem(ctx, outcome.member, "coffee", now=utcnow(), actor=Actor.member("u1"))
    ctx.commit()
    assert r.status == "ACTIVE" and r.code
    assert outcome.member.balance == 0
    assert verify(ctx) == []
