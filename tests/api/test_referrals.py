"""Referrals over the API: a code per member, friends referred at creation, both sides
rewarded once on the friend's first qualifying event, codes refused when unknown or own."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from loyalty_portal.extensions import db
from loyalty_portal.models import LedgerEntry, Member, OutboxMessage, PendingAward
from loyalty_portal.timeutil import utcnow
from tests.api.conftest import error_code, snapshot
from tests.factories import growth_settings

QUALIFYING = {
    "referrals_enabled": True,
    "qualifying_event_id": "purchase_completed",
    "referrer_points": 200,
    "friend_points": 100,
    "monthly_cap": 10,
}


@pytest.fixture
def key(api):
    return api.key("events", "users", "read")


@pytest.fixture
def program(app, make):
    make.rule("purchase_completed", type="TRANSACTION", points_per_unit=1, title="Purchase")
    make.rule("daily_login", points=10)
    growth_settings(app, **QUALIFYING)


def _code(api, key, user_id):
    return api.get(f"/v1/user/{user_id}/referral", key).get_json()["code"]


def test_referral_code_is_readable_stable_and_linked(api, make, key):
    make.member("ann")
    first = api.get("/v1/user/ann/referral", key).get_json()
    assert len(first["code"]) == 8 and set(first["code"]) <= set("ABCDEFGHJKLMNPQRSTUVWXYZ23456789")
    assert first["link"].endswith(f"/auth/register?ref={first['code']}") or (
        f"ref={first['code']}" in first["link"]
    )
    assert (first["invited"], first["completed"], first["pointsEarned"]) == (0, 0, 0)
    assert api.get("/v1/user/ann/referral", key).get_json()["code"] == first["code"]
    assert api.get("/v1/user/ann/referral", api.member("bob")).status_code == 403


def test_friend_and_referrer_are_rewarded_once_on_the_first_qualifying_event(
    api, make, key, program
):
    make.member("ann")
    code = _code(api, key, "ann")
    created = api.post("/v1/user", key, {"userId": "bob", "referralCode": code})
    assert created.status_code == 201
    assert api.get("/v1/user/ann/referral", key).get_json()["invited"] == 1
    login = api.post("/v1/event", key, {"eventId": "daily_login", "userId": "bob"})
    assert login.get_json()["data"]["balance"] == 10  # not the qualifying rule
    buy = {"eventId": "purchase_completed", "userId": "bob", "amount": 30}
    assert api.post("/v1/event", key, buy).get_json()["data"]["balance"] == 10 + 30 + 100
    assert api.post("/v1/event", key, buy).get_json()["data"]["balance"] == 140 + 30
    assert api.get("/v1/user/ann/points", key).get_json()["points"] == 200
    stats = api.get("/v1/user/ann/referral", key).get_json()
    assert (stats["invited"], stats["completed"], stats["pointsEarned"]) == (1, 1, 200)
    history = api.get("/v1/user/bob/history", key).get_json()["data"]
    assert any("invited by ann" in h["title"] and h["points"] == 100 for h in history)


def test_minimum_value_and_switching_off(api, app, make, key, program):
    growth_settings(app, **{**QUALIFYING, "minimum_value": 50})
    make.member("ann")
    api.post("/v1/user", key, {"userId": "bob", "referralCode": _code(api, key, "ann")})
    small = {"eventId": "purchase_completed", "userId": "bob", "amount": 20}
    assert api.post("/v1/event", key, small).get_json()["data"]["balance"] == 20
    growth_settings(app, **{**QUALIFYING, "minimum_value": 50, "referrals_enabled": False})
    big = {"eventId": "purchase_completed", "userId": "bob", "amount": 60}
    assert api.post("/v1/event", key, big).get_json()["data"]["balance"] == 80
    growth_settings(app, **{**QUALIFYING, "minimum_value": 50})
    assert api.post("/v1/event", key, big).get_json()["data"]["balance"] == 80 + 60 + 100


def test_unknown_and_own_codes_are_refused_and_nothing_is_created(api, app, make, key):
    make.member("ann")
    code = _code(api, key, "ann")
    before = snapshot(app)
    unknown = api.post("/v1/user", key, {"userId": "bob", "referralCode": "ZZZZZZZZ"})
    assert unknown.status_code == 400 and error_code(unknown) == "referral_invalid"
    own = api.post("/v1/user", key, {"userId": "ann", "referralCode": code})
    assert own.status_code == 400 and error_code(own) == "referral_invalid"
    assert snapshot(app) == before


def test_monthly_cap_stops_paying_the_referrer_but_not_the_friend(api, app, make, key, program):
    growth_settings(app, **{**QUALIFYING, "monthly_cap": 1})
    make.member("ann")
    code = _code(api, key, "ann")
    for friend in ("bob", "cy"):
        api.post("/v1/user", key, {"userId": friend, "referralCode": code})
        buy = {"eventId": "purchase_completed", "userId": friend, "amount": 1}
        assert api.post("/v1/event", key, buy).get_json()["data"]["balance"] == 101
    assert api.get("/v1/user/ann/points", key).get_json()["points"] == 200
    with app.app_context():
        ann = db.session.scalar(select(Member).where(Member.user_id == "ann"))
        entries = db.session.scalars(select(LedgerEntry).where(LedgerEntry.member_id == ann.id))
        assert [e.delta for e in entries] == [200]


# -- pending points: completion waits until the qualifying points are earned ----------


@pytest.fixture
def pending_program(app, make):
    make.rule("purchase_completed", type="TRANSACTION", points_per_unit=1, pending_days=14)
    growth_settings(app, **QUALIFYING)


def _refer_bob(api, key):
    assert api.post("/v1/user", key, {"userId": "bob", "referralCode": _code(api, key, "ann")})


def _buy(api, key, order, amount):
    body = {"eventId": "purchase_completed", "userId": "bob", "amount": amount, "orderId": order}
    data = api.post("/v1/event", key, body).get_json()["data"]
    assert data["reason"] == "pending", data
    return data


def _return_window_ends(app):
    """Bob's pending points fall due, and `flask points expire` (the worker's release
    and expiry pass) books them."""
    with app.app_context():
        db.session.execute(
            update(PendingAward)
            .where(PendingAward.status == "pending")
            .values(available_at=utcnow() - timedelta(seconds=1))
        )
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["points", "expire"])
    assert result.exit_code == 0, result.output


def _standing(api, key):
    ann = api.get("/v1/user/ann/referral", key).get_json()
    return (
        api.get("/v1/user/ann/points", key).get_json()["points"],
        api.get("/v1/user/bob/points", key).get_json()["points"],
        ann["completed"],
    )


def _verify(app):
    result = app.test_cli_runner().invoke(args=["ledger", "verify"])
    assert result.exit_code == 0, result.output


def test_pending_qualifying_points_complete_the_referral_when_they_become_available(
    api, app, make, key, pending_program
):
    make.member("ann")
    _refer_bob(api, key)
    _buy(api, key, "o-1", 30)
    assert _standing(api, key) == (0, 0, 0)  # nothing earned yet: the referral waits
    _return_window_ends(app)
    assert _standing(api, key) == (200, 30 + 100, 1)
    history = api.get("/v1/user/bob/history", key).get_json()["data"]
    assert [h["points"] for h in history if "invited by ann" in h["title"]] == [100]
    _verify(app)


def test_a_refund_before_the_points_are_earned_leaves_the_referral_for_the_next_purchase(
    api, app, make, key, pending_program
):
    make.member("ann")
    _refer_bob(api, key)
    _buy(api, key, "o-1", 30)
    refund = api.post("/v1/order/o-1/refund", key, {"userId": "bob"}).get_json()
    assert refund["pendingCancelled"] == 30
    _return_window_ends(app)
    assert _standing(api, key) == (0, 0, 0)  # the returned order completed nothing

    _buy(api, key, "o-2", 40)
    _return_window_ends(app)
    assert _standing(api, key) == (200, 40 + 100, 1)

    # a refund after completion reverses the order's points, never the rewards, and
    # nothing pays the referral again
    assert api.post("/v1/order/o-2/refund", key, {"userId": "bob"}).status_code == 200
    _buy(api, key, "o-3", 10)
    _return_window_ends(app)
    assert _standing(api, key) == (200, 100 + 10, 1)
    _verify(app)


def test_the_referral_reward_counts_toward_the_referrers_tier(api, app, make, key, program):
    make.tier("Bronze", 0)
    make.tier("Silver", 150, "1")
    make.member("ann")
    _refer_bob(api, key)
    assert api.get("/v1/user/ann", key).get_json()["tier"]["name"] == "Bronze"
    api.post("/v1/event", key, {"eventId": "purchase_completed", "userId": "bob", "amount": 30})
    assert api.get("/v1/user/ann", key).get_json()["tier"]["name"] == "Silver"  # 200 earned
    with app.app_context():  # stored, not only computed on read: tier.changed was sent
        ann = db.session.scalars(select(Member).where(Member.user_id == "ann")).one()
        assert ann.tier is not None and ann.tier.name == "Silver"
        sent = db.session.scalars(
            select(OutboxMessage.data).where(OutboxMessage.type == "tier.changed")
        ).all()
        assert [d["userId"] for d in sent] == ["ann"]
    _verify(app)
