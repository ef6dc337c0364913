"""Redeeming (both routes and the legacy one), refusals, coupons: list, use, cancel."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.api.conftest import error_code, snapshot

COUPON_FIELDS = {
    "couponId",
    "offerId",
    "code",
    "status",
    "points",
    "metadata",
    "createdAt",
    "usedAt",
    "expiresAt",
}


def test_redeem_for_user_answers_201_with_coupon_and_balance(api, make, admin_key):
    make.member("a", balance=100)
    make.offer("coffee", cost=30, coupon_valid_days=7)
    r = api.post("/v1/user/a/offer/coffee/redeem", admin_key, {"metadata": {"till": 4}})
    assert r.status_code == 201
    body = r.get_json()
    assert set(body) == {"coupon", "points"} and body["points"] == 70
    coupon = body["coupon"]
    assert set(coupon) == COUPON_FIELDS
    assert coupon["status"] == "ACTIVE" and coupon["code"] and coupon["metadata"] == {"till": 4}
    assert coupon["points"] == 30 and coupon["usedAt"] is None
    assert coupon["expiresAt"] - coupon["createdAt"] == 7 * 86_400_000


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/v1/offer/redeem", {"userId": "a", "offerId": "coffee"}),
        ("/v1/offer/redeem", {"customerId": "a", "rewardId": "coffee"}),
        ("/v1/redeem", {"customerId": "a", "rewardId": "coffee"}),
        ("/v2/redeem", {"user_id": "a", "offerId": "coffee"}),
    ],
)
def test_generic_and_legacy_redeem(api, make, admin_key, path, body):
    make.member("a", balance=100)
    make.offer("coffee", cost=30)
    r = api.post(path, admin_key, body)
    assert r.status_code == 201 and r.get_json()["points"] == 70


def test_manual_fulfilment_offers_give_pending_coupons(api, make, admin_key):
    make.member("a", balance=100)
    make.offer("print", cost=10, fulfilment="manual")
    coupon = api.post("/v1/user/a/offer/print/redeem", admin_key).get_json()["coupon"]
    assert coupon["status"] == "PENDING" and coupon["code"] is None


REFUSALS = [
    ("insufficient_points", {"cost": 500}, 100),
    ("out_of_stock", {"cost": 10, "stock": 0}, 100),
    ("offer_not_available", {"cost": 10, "active": False}, 100),
    ("offer_not_available", {"cost": 10, "valid_from": datetime.now(UTC) + timedelta(days=2)}, 100),
]


@pytest.mark.parametrize(("code", "fields", "balance"), REFUSALS)
@pytest.mark.parametrize("generic", [False, True])
def test_refusals_are_409_and_change_nothing(
    api, make, app, admin_key, code, fields, balance, generic
):
    make.member("a", balance=balance)
    make.offer("o", **fields)
    before = snapshot(app)
    if generic:
        r = api.post("/v1/offer/redeem", admin_key, {"userId": "a", "offerId": "o"})
    else:
        r = api.post("/v1/user/a/offer/o/redeem", admin_key)
    assert r.status_code == 409 and error_code(r) == code
    assert snapshot(app) == before


def test_tier_required_and_limit_reached(api, make, app, admin_key):
    gold = make.tier("Gold", 1000)
    make.member("a", balance=100)
    make.offer("gold", cost=10, min_tier_id=gold.id)
    make.offer("once", cost=10, limit_per_member=1)
    r = api.post("/v1/user/a/offer/gold/redeem", admin_key)
    assert r.status_code == 409 and error_code(r) == "tier_required"
    assert api.post("/v1/user/a/offer/once/redeem", admin_key).status_code == 201
    before = snapshot(app)
    r = api.post("/v1/user/a/offer/once/redeem", admin_key)
    assert r.status_code == 409 and error_code(r) == "limit_reached"
    assert snapshot(app) == before


def test_unknown_offer_or_user_is_404(api, make, admin_key):
    make.member("a", balance=100)
    r = api.post("/v1/user/a/offer/nope/redeem", admin_key)
    assert r.status_code == 404 and error_code(r) == "offer_not_found"
    make.offer("coffee", cost=10)
    r = api.post("/v1/offer/redeem", admin_key, {"userId": "ghost", "offerId": "coffee"})
    assert r.status_code == 404 and error_code(r) == "user_not_found"


def test_redeem_metadata_is_limited_to_ten_fields(api, make, admin_key):
    make.member("a", balance=100)
    make.offer("coffee", cost=10)
    body = {"metadata": {f"k{i}": i for i in range(11)}}
    r = api.post("/v1/user/a/offer/coffee/redeem", admin_key, body)
    assert r.status_code == 400 and "metadata" in r.get_json()["error"]["details"]


def test_coupons_list_use_and_use_again(api, make, admin_key):
    make.member("a", balance=100)
    make.offer("coffee", cost=10)
    ids = [
        api.post("/v1/user/a/offer/coffee/redeem", admin_key).get_json()["coupon"]["couponId"]
        for _ in range(3)
    ]
    listing = api.get("/v1/user/a/coupon?limit=2", admin_key).get_json()
    assert [c["couponId"] for c in listing["coupons"]] == ids[::-1][:2]
    assert listing["hasMore"] is True
    assert set(listing["coupons"][0]) == COUPON_FIELDS

    used = api.call("PUT", f"/v1/user/a/coupon/{ids[0]}", admin_key)
    assert used.status_code == 200
    coupon = used.get_json()["coupon"]
    assert coupon["status"] == "USED" and coupon["usedAt"] >= coupon["createdAt"]
    again = api.call("PUT", f"/v1/user/a/coupon/{ids[0]}", admin_key)
    assert again.status_code == 409 and error_code(again) == "coupon_not_active"


def test_a_coupon_of_another_user_is_not_found(api, make, admin_key):
    make.member("a", balance=100)
    make.member("b")
    make.offer("coffee", cost=10)
    cid = api.post("/v1/user/a/offer/coffee/redeem", admin_key).get_json()["coupon"]["couponId"]
    r = api.call("PUT", f"/v1/user/b/coupon/{cid}", admin_key)
    assert r.status_code == 404 and error_code(r) == "coupon_not_found"


def test_cancel_refunds_points_and_restores_stock(api, make, app, admin_key):
    make.member("a", balance=100)
    make.offer("coffee", cost=40, stock=1)
    cid = api.post("/v1/user/a/offer/coffee/redeem", admin_key).get_json()["coupon"]["couponId"]
    r = api.post(f"/v1/coupon/{cid}/cancel", admin_key, {"reason": "Wrong size"})
    assert r.status_code == 200
    body = r.get_json()
    assert body["points"] == 100 and body["coupon"]["status"] == "CANCELLED"
    assert api.get("/v1/offer/coffee", admin_key).get_json()["offer"]["stock"] == 1
    again = api.post(f"/v1/coupon/{cid}/cancel", admin_key)
    assert again.status_code == 409 and error_code(again) == "coupon_not_active"
    missing = api.post("/v1/coupon/cp_nope/cancel", admin_key)
    assert missing.status_code == 404 and error_code(missing) == "coupon_not_found"
    history = api.get("/v1/user/a/history", admin_key).get_json()["data"]
    assert [e["type"] for e in history] == ["refund", "redemption", "adjust"]
    assert app.test_cli_runner().invoke(args=["ledger", "verify"]).exit_code == 0


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/v1/user/a/offer/coffee/redeem", {}),
        ("/v1/offer/redeem", {"userId": "a", "offerId": "coffee"}),
        ("/v1/redeem", {"customerId": "a", "rewardId": "coffee"}),
    ],
)
def test_a_price_changed_since_it_was_shown_is_refused_and_nothing_spent(
    app, api, make, admin_key, path, body
):
    make.member("a", balance=500)
    make.offer("coffee", cost=300)
    before = snapshot(app)
    r = api.post(path, admin_key, {**body, "expectedPoints": 60})
    assert r.status_code == 409 and error_code(r) == "price_changed"
    assert "300" in r.get_json()["error"]["message"]
    assert snapshot(app) == before
    r = api.post(path, admin_key, {**body, "expectedPoints": 300})
    assert r.status_code == 201 and r.get_json()["points"] == 200


def test_expected_points_is_documented_on_every_redeem_body(client):
    doc = client.get("/v1/openapi.json").get_json()
    for path in ("/v1/user/{userId}/offer/{offerId}/redeem", "/v1/offer/redeem"):
        schema = doc["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]
        if "$ref" in schema:
            schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
        assert "expectedPoints" in schema["properties"], path
        assert "expectedPoints" not in schema.get("required", [])
    redeem = doc["paths"]["/v1/offer/redeem"]["post"]
    assert "price_changed" in redeem["description"]
