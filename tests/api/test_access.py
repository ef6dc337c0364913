"""The access matrix: every route against no credential, revoked and out-of-scope keys,
and member tokens acting for someone else. Refusals change nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from loyalty_portal.api.routing import ROUTES
from loyalty_portal.extensions import db
from loyalty_portal.models import Member, PointsHold
from loyalty_portal.services.core.actors import Actor
from loyalty_portal.services.members import api_keys
from loyalty_portal.timeutil import utcnow
from tests.api.conftest import PROJECT, error_code, snapshot

#: endpoint -> (method, path, body); {user} is the user acted for, {coupon} their coupon.
CALLS = {
    "log_event": ("POST", "/v1/event", {"eventId": "login", "userId": "{user}"}),
    "log_event_legacy0": ("POST", "/v1/events", {"eventId": "login", "userId": "{user}"}),
    "create_user": ("POST", "/v1/user", {"userId": "{user}"}),
    "get_user": ("GET", "/v1/user/{user}", None),
    "delete_user": ("DELETE", "/v1/user/{user}", None),
    "get_points": ("GET", "/v1/user/{user}/points", None),
    "get_points_legacy0": ("GET", "/v1/customer/{user}/points", None),
    "get_history": ("GET", "/v1/user/{user}/history", None),
    "adjust_points": ("POST", "/v1/user/{user}/points", {"points": 5, "reason": "gift"}),
    "offer_feed": ("GET", "/v1/user/{user}/offer/feed", None),
    "offer_redeemable": ("GET", "/v1/user/{user}/offer/coffee/redeemable", None),
    "redeem_for_user": ("POST", "/v1/user/{user}/offer/coffee/redeem", {}),
    "redeem_offer": ("POST", "/v1/offer/redeem", {"userId": "{user}", "offerId": "coffee"}),
    "redeem_offer_legacy0": ("POST", "/v1/redeem", {"customerId": "{user}", "rewardId": "coffee"}),
    "list_coupons": ("GET", "/v1/user/{user}/coupon", None),
    "use_coupon": ("PUT", "/v1/user/{user}/coupon/{coupon}", {}),
    "user_leaderboard": ("GET", "/v1/user/{user}/leaderboard?groupId=default&timeframe=7d", None),
    "user_rank": ("GET", "/v1/user/{user}/rank", None),
    "refund_order": ("POST", "/v1/order/1017/refund", {"userId": "{user}"}),
    "get_order": ("GET", "/v1/order/1017?userId={user}", None),
    "create_hold": ("POST", "/v1/user/{user}/points/hold", {"points": 5}),
    # routes that name no user
    "log_event_batch": (
        "POST",
        "/v1/event/batch",
        {"events": [{"eventId": "login", "userId": "bob"}]},
    ),
    "offer_details": ("GET", "/v1/offer/coffee", None),
    "shop_details": ("GET", "/v1/offer/shop/cafe", None),
    "cancel_coupon": ("POST", "/v1/coupon/{coupon}/cancel", {"reason": "test"}),
    "fulfil_coupon": ("POST", "/v1/coupon/{pending}/fulfil", {"code": "SHOP-1"}),
    "create_webhook": ("POST", "/v1/webhook", {"url": "http://127.0.0.1:9/hook", "events": ["*"]}),
    "list_webhooks": ("GET", "/v1/webhook", None),
    "delete_webhook": ("DELETE", "/v1/webhook/{webhook}", None),
    "capture_hold": ("POST", "/v1/hold/{hold}/capture", {}),
    "release_hold": ("POST", "/v1/hold/{hold}/release", {}),
    "get_hold": ("GET", "/v1/hold/{hold}", None),
    "preview_event": ("POST", "/v1/event/preview", {"eventId": "login", "userId": "{user}"}),
    "get_referral": ("GET", "/v1/user/{user}/referral", None),
    "create_campaign": (
        "POST",
        "/v1/campaign",
        {
            "title": "Double",
            "startsAt": "2030-01-01T00:00:00Z",
            "endsAt": "2030-01-02T00:00:00Z",
            "multiplier": 2,
        },
    ),
    "list_campaigns": ("GET", "/v1/campaign", None),
    "end_campaign": ("DELETE", "/v1/campaign/{campaign}", None),
    "create_usergroup": ("POST", "/v1/usergroup", {"title": {"default": "G", "de": "G"}}),
    "project_leaderboard": (
        "GET",
        f"/v1/project/{PROJECT}/leaderboard?groupId=default&timeframe=7d",
        None,
    ),
}
USER_ROUTES = [e for e in CALLS if "{user}" in str(CALLS[e][1:])]
SPECS = {spec.endpoint: spec for spec in ROUTES}


@pytest.fixture
def app_config():
    """The webhook URL below is on 127.0.0.1 (nothing is ever sent to it here)."""
    return {"WEBHOOKS_ALLOW_PRIVATE": True}


def test_the_matrix_covers_every_route():
    assert set(CALLS) == set(SPECS)


@pytest.fixture
def world(api, make, admin_key):
    """alice and bob with 100 points; bob holds an active coupon and a pending one (manual
    fulfilment); one webhook endpoint; one scheduled campaign; each has an order 1017 and a
    hold."""
    make.rule("login", points=10)
    make.shop("cafe", name="Café")
    make.offer("coffee", cost=10, shop_id="cafe")
    make.offer("mug", cost=10, fulfilment="manual")
    make.member("alice", balance=100)
    make.member("bob", balance=100)
    r = api.post("/v1/user/bob/offer/coffee/redeem", admin_key)
    pending = api.post("/v1/user/bob/offer/mug/redeem", admin_key).get_json()["coupon"]
    for user in ("alice", "bob"):  # an order 1017 and a hold each
        api.post("/v1/event", admin_key, {"eventId": "login", "userId": user, "orderId": "1017"})
        api.post(f"/v1/user/{user}/points/hold", admin_key, {"points": 5})
    hook = api.post(
        "/v1/webhook", api.key("webhooks"), {"url": "http://127.0.0.1:9/h", "events": ["*"]}
    )
    campaign = api.post(
        "/v1/campaign",
        api.key("program"),
        {
            "title": "Later",
            "startsAt": "2030-01-01T00:00:00Z",
            "endsAt": "2030-01-02T00:00:00Z",
            "bonusPoints": 5,
        },
    )
    return {
        "coupon": r.get_json()["coupon"]["couponId"],
        "pending": pending["couponId"],
        "webhook": hook.get_json()["webhookId"],
        "campaign": campaign.get_json()["campaignId"],
    }


def _hold_of(api, user: str) -> str:
    """The user's hold (world gives each one)."""
    with api.make.app.app_context():
        return str(
            db.session.scalar(
                select(PointsHold.id).join(Member).where(Member.user_id == user).limit(1)
            )
        )


def _send(api, endpoint, headers, user, world):
    method, path, body = CALLS[endpoint]
    hold = _hold_of(api, user) if "{hold}" in path else ""
    path = path.format(user=user, hold=hold, **world)
    if body is not None:
        body = {k: (v.format(user=user) if isinstance(v, str) else v) for k, v in body.items()}
    return api.call(method, path, headers, json=body)


@pytest.mark.parametrize("endpoint", USER_ROUTES)
def test_member_token_for_alice_cannot_touch_bob(api, app, world, endpoint):
    before = snapshot(app)
    r = _send(api, endpoint, api.member("alice"), "bob", world)
    assert r.status_code == 403, r.get_json()
    assert error_code(r) == "forbidden"
    assert snapshot(app) == before


@pytest.mark.parametrize("endpoint", list(CALLS))
def test_no_credential_is_401_and_changes_nothing(api, app, world, endpoint):
    before = snapshot(app)
    r = _send(api, endpoint, {}, "bob", world)
    assert r.status_code == 401 and error_code(r) == "unauthorized"
    assert snapshot(app) == before


@pytest.mark.parametrize("endpoint", list(CALLS))
def test_revoked_or_unknown_key_is_401(api, app, make, world, endpoint):
    _, plain = make.api_key()
    with app.app_context():
        key = api_keys.find(db.session, plain[:10])  # by its prefix
        api_keys.revoke(db.session, key, Actor.system("t"), utcnow())
        db.session.commit()
    before = snapshot(app)
    for headers in ({"x-api-key": plain}, {"x-api-key": "lp_not-a-real-key"}, {"x-api-key": ""}):
        r = _send(api, endpoint, headers, "bob", world)
        assert r.status_code == 401 and error_code(r) == "unauthorized"
    assert snapshot(app) == before


@pytest.mark.parametrize("endpoint", list(CALLS))
def test_a_key_without_the_scope_is_403(api, app, world, endpoint):
    needed = SPECS[endpoint].scope
    others = [s for s in ("events", "users", "redeem", "read", "webhooks") if s != needed]
    before = snapshot(app)
    r = _send(api, endpoint, api.key(*others), "bob", world)
    assert r.status_code == 403 and error_code(r) == "forbidden"
    assert snapshot(app) == before


@pytest.mark.parametrize("endpoint", [e for e in CALLS if SPECS[e].api_key_only])
def test_api_key_only_routes_refuse_member_tokens(api, app, world, endpoint):
    before = snapshot(app)
    r = _send(api, endpoint, api.member("bob"), "bob", world)
    assert r.status_code == 403 and error_code(r) == "forbidden"
    assert snapshot(app) == before


@pytest.mark.parametrize(
    "endpoint",
    [e for e in CALLS if not SPECS[e].api_key_only and e not in ("delete_user", "create_user")],
)
def test_a_member_token_works_for_its_own_user(api, world, endpoint):
    r = _send(api, endpoint, api.member("bob"), "bob", world)
    assert r.status_code in (200, 201), r.get_json()


def test_member_token_may_create_itself_but_only_an_api_key_with_users_erases(api, make):
    me = api.member("carol")
    assert api.post("/v1/user", me, {}).status_code == 201  # the token's sub
    again = api.post("/v1/user", me, {"userId": "carol"})
    assert again.status_code == 400 and error_code(again) == "user_exists"
    make.member("erin", balance=70)
    erase = api.call("DELETE", "/v1/user/carol", me)
    assert erase.status_code == 403 and error_code(erase) == "forbidden"
    assert api.get("/v1/user/carol", me).status_code == 200  # still there
    lacking = api.call("DELETE", "/v1/user/erin", api.key("events", "redeem", "read"))
    assert lacking.status_code == 403 and "'users' scope" in lacking.get_json()["error"]["message"]
    assert api.call("DELETE", "/v1/user/carol", api.key("users")).status_code == 200
    assert api.get("/v1/user/carol", api.key("read")).status_code == 404


@pytest.mark.parametrize("endpoint", list(CALLS))
def test_the_scope_that_each_route_needs_is_enough(api, world, endpoint):
    user = "dave" if endpoint == "create_user" else "bob"  # a new user for creation
    r = _send(api, endpoint, api.key(SPECS[endpoint].scope), user, world)
    assert r.status_code in (200, 201), r.get_json()


def test_a_browser_session_alone_never_authenticates(api, auth, make):
    account = make.member_login("me@example.com", balance=50, user_id="me")
    assert account.member is not None
    assert auth.login("me@example.com").status_code in (302, 303)
    assert api.client.get("/portal/").status_code == 200  # the session is real
    r = api.client.get("/v1/user/me/points")
    assert r.status_code == 401 and error_code(r) == "unauthorized"
    r = api.client.post("/v1/user/me/offer/x/redeem", json={})
    assert r.status_code == 401


def test_bearer_must_be_the_scheme(api):
    from tests.api.conftest import member_token

    r = api.get("/v1/user/a/points", {"Authorization": f"Token {member_token('a')}"})
    assert r.status_code == 401
