"""Orders and refunds (API.md "Orders and refunds"): points booked per order, earned once
per rule, reversed cumulatively and exactly, spent points owed and repaid."""

from __future__ import annotations

import pytest

from tests.api.conftest import Api, error_code


@pytest.fixture
def key(api: Api) -> dict[str, str]:
    return api.key("events", "redeem", "read", "users")


@pytest.fixture
def shop(api: Api) -> None:
    api.make.rule("purchase", type="TRANSACTION", points=None, points_per_unit="0.99")
    api.make.rule("review", points=25)


def _buy(api: Api, key: dict[str, str], order: str, amount: float = 100, **extra: object) -> dict:
    body = {"eventId": "purchase", "userId": "ann", "amount": amount, "orderId": order, **extra}
    response = api.post("/v1/event", key, body)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["data"]


def _refund(api: Api, key: dict[str, str], order: str, **body: object):
    return api.post(f"/v1/order/{order}/refund", key, {"userId": "ann", **body})


def _points(api: Api, key: dict[str, str], user: str = "ann") -> dict:
    return api.get(f"/v1/user/{user}/points", key).get_json()


def _verify(app) -> None:
    result = app.test_cli_runner().invoke(args=["ledger", "verify"])
    assert result.exit_code == 0, result.output


def test_an_order_earns_once_per_rule_and_a_resent_event_earns_nothing(api, key, shop, app):
    assert _buy(api, key, "1017")["points"] == 99
    again = _buy(api, key, "1017")
    assert (again["points"], again["reason"], again["balance"]) == (0, "duplicate_order", 99)
    other_rule = api.post(
        "/v1/event", key, {"eventId": "review", "userId": "ann", "metadata": {"orderId": "1017"}}
    )
    assert other_rule.get_json()["data"]["points"] == 25
    order = api.get("/v1/order/1017?userId=ann", key).get_json()
    assert (order["orderAmount"], order["pointsEarned"], order["refundedAmount"]) == (100, 124, 0)
    assert [e["eventId"] for e in order["events"]] == ["purchase", "review"]
    assert _buy(api, key, "1018")["points"] == 99
    _verify(app)


def test_order_ids_are_validated_top_level_and_in_metadata(api, key, shop):
    bad = api.post("/v1/event", key, {"eventId": "review", "userId": "ann", "orderId": "a b"})
    assert error_code(bad) == "validation_error" and "orderId" in bad.get_json()["error"]["details"]
    bad = api.post(
        "/v1/event", key, {"eventId": "review", "userId": "ann", "metadata": {"orderId": "x" * 129}}
    )
    assert error_code(bad) == "validation_error"
    assert "metadata.orderId" in bad.get_json()["error"]["details"]


def test_partial_refunds_reverse_cumulatively_and_exactly(api, key, shop, app):
    _buy(api, key, "1017")
    reversed_by_call = []
    for amount in (30, 20, 50):
        response = _refund(api, key, "1017", amount=amount, reason="Returned a shirt")
        assert response.status_code == 200, response.get_json()
        reversed_by_call.append(response.get_json()["pointsReversed"])
    body = response.get_json()
    assert reversed_by_call == [29, 20, 50]
    assert (body["refundedAmount"], body["pointsReversedTotal"], body["points"]) == (100, 99, 0)
    assert error_code(_refund(api, key, "1017", amount=1)) == "refund_exceeds_order"
    history = api.get("/v1/user/ann/history?types=reverse", key).get_json()["data"]
    assert [(h["title"], h["points"], h["description"]) for h in history][0] == (
        "Returned: order 1017",
        -50,
        "Returned a shirt",
    )
    _verify(app)


def test_refunding_more_than_is_left_changes_nothing(api, key, shop, app):
    _buy(api, key, "1017")
    assert _refund(api, key, "1017", amount=60).status_code == 200
    refused = _refund(api, key, "1017", amount=41)
    assert refused.status_code == 409 and error_code(refused) == "refund_exceeds_order"
    rest = _refund(api, key, "1017").get_json()  # no amount: the rest
    assert (rest["pointsReversed"], rest["refundedAmount"], rest["pointsReversedTotal"]) == (
        40,
        100,
        99,
    )
    assert error_code(_refund(api, key, "1017")) == "refund_exceeds_order"
    _verify(app)


def test_an_order_without_value_is_refunded_in_full_only(api, key, shop):
    api.post("/v1/event", key, {"eventId": "review", "userId": "ann", "orderId": "r-1"})
    assert error_code(_refund(api, key, "r-1", amount=5)) == "refund_exceeds_order"
    assert _refund(api, key, "r-1").get_json()["pointsReversed"] == 25
    assert error_code(_refund(api, key, "r-1")) == "refund_exceeds_order"


def test_spent_points_become_points_owed_and_are_repaid_from_the_next_earnings(
    api, key, shop, app
):
    api.make.offer("mug", cost=80)
    _buy(api, key, "1017")
    assert api.post("/v1/user/ann/offer/mug/redeem", key, {}).status_code == 201
    body = _refund(api, key, "1017").get_json()
    assert (body["pointsReversed"], body["points"], body["pointsOwed"]) == (99, 0, 80)
    assert _points(api, key)["pointsOwed"] == 80
    _verify(app)
    assert _buy(api, key, "1018", amount=50)["balance"] == 0  # 49 earned, all repaid
    assert _points(api, key)["pointsOwed"] == 31
    assert _buy(api, key, "1019", amount=100)["balance"] == 68
    points = _points(api, key)
    assert (points["points"], points["pointsOwed"]) == (68, 0)
    titles = [h["title"] for h in api.get("/v1/user/ann/history", key).get_json()["data"]]
    assert titles.count("Points owed repaid") == 2
    _verify(app)


def test_pending_points_are_cancelled_before_available_ones(api, key, app):
    api.make.rule("purchase", type="TRANSACTION", points=None, points_per_unit=1, pending_days=14)
    api.make.rule("bonus", points=10)
    _buy(api, key, "p-1", amount=40)
    api.post("/v1/event", key, {"eventId": "bonus", "userId": "ann", "orderId": "p-1"})
    body = _refund(api, key, "p-1", amount=40).get_json()
    assert (body["pendingCancelled"], body["pointsReversed"], body["points"]) == (40, 50, 0)
    assert _points(api, key)["pendingPoints"] == 0
    _verify(app)


def test_tiers_count_points_net_of_reversals(api, key, app):
    api.make.tier("Bronze", 0)
    api.make.tier("Silver", 100, "1")
    api.make.rule("purchase", type="TRANSACTION", points=None, points_per_unit=1)
    _buy(api, key, "t-1", amount=150)
    assert api.get("/v1/user/ann", key).get_json()["tier"]["name"] == "Silver"
    _refund(api, key, "t-1", amount=100)
    profile = api.get("/v1/user/ann", key).get_json()
    assert profile["tier"]["name"] == "Bronze"
    assert profile["nextTier"] == {"name": "Silver", "pointsNeeded": 50}
    _verify(app)


def test_orders_are_per_user_and_need_the_right_credentials(api, key, shop):
    read_only = api.key("read")
    _buy(api, key, "1017")
    api.make.member("bob")
    assert error_code(api.get("/v1/order/1017?userId=bob", key)) == "order_not_found"
    assert error_code(api.get("/v1/order/nope?userId=ann", key)) == "order_not_found"
    assert error_code(_refund(api, key, "nope")) == "order_not_found"
    assert api.get("/v1/order/1017", api.member("ann")).get_json()["pointsEarned"] == 99
    assert api.get("/v1/order/1017", api.member("bob")).status_code == 404
    refund_as_member = api.post("/v1/order/1017/refund", api.member("ann"), {"userId": "ann"})
    assert refund_as_member.status_code == 403
    assert _refund(api, read_only, "1017").status_code == 403


def test_a_refund_is_idempotent(api, key, shop, app):
    _buy(api, key, "1017")
    headers = {**key, "Idempotency-Key": "refund-1017-a"}
    first = _refund(api, headers, "1017", amount=30)
    again = _refund(api, headers, "1017", amount=30)
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.get_json() == first.get_json()
    assert api.get("/v1/order/1017?userId=ann", key).get_json()["refundedAmount"] == 30
    _verify(app)


def test_a_points_read_counts_due_pending_points_as_repaying_the_debt_first(api, key, shop, app):
    """Released pending points repay what is owed before they can be spent; a points read
    shows that as of now, before the worker books it, and the worker books the same."""
    from datetime import timedelta

    from loyalty_portal.extensions import db
    from loyalty_portal.services.earning import events
    from loyalty_portal.timeutil import utcnow

    api.make.offer("mug", cost=80)
    api.make.rule("survey", points=50, pending_days=7)
    _buy(api, key, "1017")
    assert api.post("/v1/user/ann/offer/mug/redeem", key, {}).status_code == 201
    _refund(api, key, "1017")
    with app.app_context():
        week_ago = utcnow() - timedelta(days=8)  # available since yesterday
        events.record_event(
            db.session, user_id="ann", event_id="survey", now=week_ago, source="test", trusted=True
        )
        db.session.commit()

    read_now = _points(api, key)
    assert (read_now["points"], read_now["pendingPoints"], read_now["pointsOwed"]) == (0, 0, 30)
    result = app.test_cli_runner().invoke(args=["points", "expire"])
    assert result.exit_code == 0, result.output
    booked = _points(api, key)
    assert (booked["points"], booked["pendingPoints"], booked["pointsOwed"]) == (0, 0, 30)
    _verify(app)
