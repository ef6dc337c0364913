"""Referrals over the API: a code per member, friends referred at creation, both sides
rewarded once on the friend's first qualifying event, codes refused when unknown or own."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from loyalty_portal.extensions import db
from loyalty_portal.models import LedgerEntry, Member
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
