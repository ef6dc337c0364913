"""Offers: the feed (without N+1 queries), redeemable, details with statistics and shop."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from loyalty_portal.extensions import db
from loyalty_portal.models import Offer, UserGroup
from tests.api.conftest import counted_queries, error_code

OFFER_FIELDS = {
    "offerId",
    "title",
    "description",
    "image",
    "type",
    "points",
    "shopId",
    "validFrom",
    "validUntil",
    "stock",
    "limitPerUser",
    "minTier",
}
NOW = datetime.now(UTC)


def test_feed_lists_visible_offers_with_redeemability(api, app, make, admin_key):
    gold = make.tier("Gold", 1000)
    make.group("vip")
    make.shop("cafe", name="Café")
    make.member("a", balance=100)
    make.offer("cheap", cost=50, shop_id="cafe", stock=3, limit_per_member=2)
    make.offer("dear", cost=500)
    make.offer("gold", cost=10, min_tier_id=gold.id)
    make.offer("gone", cost=10, stock=0)
    make.offer("inactive", cost=10, active=False)
    make.offer("ended", cost=10, valid_until=NOW - timedelta(days=1))
    make.offer("soon", cost=10, valid_from=NOW + timedelta(days=1))
    make.offer("vip_only", cost=10)
    make.member("v", balance=100, groups=["vip"])
    with app.app_context():
        offer = db.session.get_one(Offer, "vip_only")
        offer.usergroups.append(db.session.get_one(UserGroup, "vip"))
        db.session.commit()

    r = api.get("/v1/user/a/offer/feed", admin_key)
    assert r.status_code == 200
    items = {o["offerId"]: o for o in r.get_json()["offers"]}
    assert set(items) == {"cheap", "dear", "gold", "gone", "soon"}
    assert set(items["cheap"]) == OFFER_FIELDS | {"redeemable", "reason", "missingPoints"}
    assert items["cheap"]["redeemable"] is True and items["cheap"]["reason"] is None
    assert items["cheap"]["shopId"] == "cafe" and items["cheap"]["limitPerUser"] == 2
    assert (items["dear"]["reason"], items["dear"]["missingPoints"]) == ("insufficient_points", 400)
    assert items["gold"]["reason"] == "tier_required" and items["gold"]["minTier"] == "Gold"
    assert items["gone"]["reason"] == "out_of_stock"
    assert items["soon"]["reason"] == "offer_not_available" and items["soon"]["validFrom"]
    vip = {o["offerId"] for o in api.get("/v1/user/v/offer/feed", admin_key).get_json()["offers"]}
    assert "vip_only" in vip


def test_feed_makes_the_same_number_of_queries_for_2_or_12_offers(api, make, app, admin_key):
    make.member("a", balance=100)
    make.shop("s1")
    for i in range(2):
        make.offer(f"o{i}", cost=10, limit_per_member=1, shop_id="s1")
    api.get("/v1/user/a/offer/feed", admin_key)  # warm up: key last-use, caches
    with counted_queries(app) as few:
        assert len(api.get("/v1/user/a/offer/feed", admin_key).get_json()["offers"]) == 2
    for i in range(2, 12):
        make.offer(f"o{i}", cost=10, limit_per_member=1, shop_id="s1")
    api.get("/v1/user/a/offer/feed", admin_key)  # new offers: the cached configuration reloads
    with counted_queries(app) as many:
        assert len(api.get("/v1/user/a/offer/feed", admin_key).get_json()["offers"]) == 12
    assert len(many) == len(few)


def test_redeemable_answers_reason_and_missing_points(api, make, admin_key):
    make.member("a", balance=30)
    make.offer("coffee", cost=50)
    make.offer("tea", cost=20)
    assert api.get("/v1/user/a/offer/coffee/redeemable", admin_key).get_json() == {
        "redeemable": False,
        "reason": "insufficient_points",
        "missingPoints": 20,
    }
    assert api.get("/v1/user/a/offer/tea/redeemable", admin_key).get_json() == {
        "redeemable": True,
        "reason": None,
        "missingPoints": 0,
    }
    missing = api.get("/v1/user/a/offer/nope/redeemable", admin_key)
    assert missing.status_code == 404 and error_code(missing) == "offer_not_found"


def test_offer_details_with_statistics_and_shop(api, make, admin_key):
    make.shop("cafe", name="Café", logo="https://img.example/logo.png", description={"en": "Hi"})
    make.offer(
        "coffee",
        cost=10,
        shop_id="cafe",
        valid_from=datetime(2026, 1, 1, tzinfo=UTC),
        type="ONLINE",
    )
    make.member("a", balance=100)
    for _ in range(3):
        api.post("/v1/user/a/offer/coffee/redeem", admin_key)
    plain = api.get("/v1/offer/coffee", admin_key).get_json()
    assert set(plain) == {"offer"}
    assert set(plain["offer"]) == OFFER_FIELDS
    assert plain["offer"]["validFrom"] == 1767225600000 and plain["offer"]["type"] == "ONLINE"

    full = api.get("/v1/offer/coffee?includeStatistics=true&includeShop=true", admin_key)
    body = full.get_json()
    stats = body["statistics"]
    assert (stats["redemptions"], stats["pointsSpent"]) == (3, 30)
    assert len(stats["monthly"]) == 12
    this_month = NOW.strftime("%Y-%m")
    assert stats["monthly"][-1] == {"month": this_month, "redemptions": 3}
    assert body["shop"] == {
        "shopId": "cafe",
        "name": "Café",
        "status": "ACTIVE",
        "logo": "https://img.example/logo.png",
        "image": None,
        "description": {"en": "Hi"},
    }


def test_unknown_offer_and_shop_are_404(api, make, admin_key):
    r = api.get("/v1/offer/nope", admin_key)
    assert r.status_code == 404 and error_code(r) == "offer_not_found"
    r = api.get("/v1/offer/shop/nope", admin_key)
    assert r.status_code == 404 and error_code(r) == "not_found"
    make.shop("cafe", name="Café")
    r = api.get("/v1/offer/shop/cafe", admin_key)
    assert r.status_code == 200 and r.get_json()["shop"]["name"] == "Café"


def test_offer_query_booleans_are_validated(api, make, admin_key):
    make.offer("coffee", cost=10)
    r = api.get("/v1/offer/coffee?includeStatistics=maybe", admin_key)
    assert r.status_code == 400 and "includeStatistics" in r.get_json()["error"]["details"]
