"""An integrator's client, written only from API.md, walking the whole path over real HTTP.

Nothing here imports the app's API code: requests, JSON and the documented fields only.
The admin's part (an earning rule, an offer, an API key) is set up with the factories.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

import jwt
import pytest
import requests

from tests.conftest import API_SECRET

pytestmark = pytest.mark.slow


class LoyaltyClient:
    """What an integrator would write against the documented /v1 API."""

    def __init__(self, base_url: str, api_key: str) -> None:
        self.base = base_url.rstrip("/") + "/v1"
        self.http = requests.Session()
        self.http.headers.update({"x-api-key": api_key, "Accept": "application/json"})

    def _call(self, method: str, path: str, *, retry_key: bool = False, **kwargs: Any) -> Any:
        headers = kwargs.pop("headers", {})
        if retry_key:
            headers["Idempotency-Key"] = str(uuid.uuid4())
        response = self.http.request(
            method, self.base + path, headers=headers, timeout=10, **kwargs
        )
        body = response.json()
        if response.status_code >= 400:
            raise ApiError(response.status_code, body["error"]["code"], body["error"]["message"])
        return body

    def create_user(self, user_id: str) -> Any:
        return self._call("POST", "/user", json={"userId": user_id}, retry_key=True)

    def log_event(self, user_id: str, event_id: str, **extra: Any) -> Any:
        body = {"eventId": event_id, "userId": user_id, **extra}
        return self._call("POST", "/event", json=body, retry_key=True)["data"]

    def points(self, user_id: str) -> int:
        return int(self._call("GET", f"/user/{user_id}/points")["points"])

    def history(self, user_id: str, **query: Any) -> Any:
        return self._call("GET", f"/user/{user_id}/history", params=query)

    def feed(self, user_id: str) -> list[dict[str, Any]]:
        return list(self._call("GET", f"/user/{user_id}/offer/feed")["offers"])

    def redeemable(self, user_id: str, offer_id: str) -> Any:
        return self._call("GET", f"/user/{user_id}/offer/{offer_id}/redeemable")

    def redeem(self, user_id: str, offer_id: str) -> Any:
        return self._call(
            "POST", f"/user/{user_id}/offer/{offer_id}/redeem", json={}, retry_key=True
        )

    def coupons(self, user_id: str) -> list[dict[str, Any]]:
        return list(self._call("GET", f"/user/{user_id}/coupon")["coupons"])

    def use_coupon(self, user_id: str, coupon_id: str) -> Any:
        return self._call("PUT", f"/user/{user_id}/coupon/{coupon_id}", json={}, retry_key=True)[
            "coupon"
        ]

    def leaderboard(self, user_id: str) -> Any:
        return self._call(
            "GET", f"/user/{user_id}/leaderboard", params={"groupId": "default", "timeframe": "30d"}
        )


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status, self.code = status, code


def member_jwt(user_id: str) -> str:
    """As the integrator's backend signs it: HS256 with the project API secret."""
    now = int(time.time())
    claims = {
        "sub": user_id,
        "iss": "test-tenant",
        "aud": "test-project",
        "iat": now,
        "exp": now + 600,
    }
    return jwt.encode(claims, API_SECRET, algorithm="HS256")


def test_the_integrators_path(live_server, make):
    make.rule(
        "purchase_completed",
        type="TRANSACTION",
        points=None,
        points_per_unit=1,
        title="Purchase",
        requires_api_key=True,
    )
    make.rule("daily_login", points=5, title="Daily login", cap_count=1, cap_period="day")
    make.offer("coffee", title="Free coffee", cost=100, stock=10)
    make.offer("cinema", title="Cinema ticket", cost=1_000)
    _, key = make.api_key(["events", "users", "redeem", "read"])
    shop = LoyaltyClient(live_server.url(), key)

    created = shop.create_user("customer-42")
    assert created["userId"] == "customer-42" and isinstance(created["createdAt"], int)
    with pytest.raises(ApiError) as taken:
        shop.create_user("customer-42")
    assert (taken.value.status, taken.value.code) == (400, "user_exists")

    bought = shop.log_event(
        "customer-42", "purchase_completed", amount=120.0, metadata={"orderId": "A-1"}
    )
    assert bought["points"] == 120 and bought["balance"] == 120
    assert shop.log_event("customer-42", "daily_login")["points"] == 5
    second_login = shop.log_event("customer-42", "daily_login")
    assert (second_login["points"], second_login["reason"]) == (0, "limit_reached")
    assert shop.points("customer-42") == 125

    history = shop.history("customer-42", limit=10)
    assert [e["points"] for e in history["data"]] == [5, 120]
    assert history["hasMore"] is False
    assert {e["type"] for e in history["data"]} == {"event"}

    feed = {o["offerId"]: o for o in shop.feed("customer-42")}
    assert feed["coffee"]["redeemable"] is True
    assert (feed["cinema"]["reason"], feed["cinema"]["missingPoints"]) == (
        "insufficient_points",
        875,
    )
    assert shop.redeemable("customer-42", "coffee")["redeemable"] is True

    redeemed = shop.redeem("customer-42", "coffee")
    assert redeemed["points"] == 25 and redeemed["coupon"]["status"] == "ACTIVE"
    with pytest.raises(ApiError) as refused:
        shop.redeem("customer-42", "coffee")
    assert (refused.value.status, refused.value.code) == (409, "insufficient_points")

    coupons = shop.coupons("customer-42")
    assert [c["couponId"] for c in coupons] == [redeemed["coupon"]["couponId"]]
    used = shop.use_coupon("customer-42", coupons[0]["couponId"])
    assert used["status"] == "USED" and used["usedAt"] is not None

    board = shop.leaderboard("customer-42")
    assert board["user"]["userId"] == "customer-42" and board["user"]["rank"] == 1

    # The member's own app, with a token from the integrator's backend.
    mine = requests.get(
        live_server.url("/v1/user/customer-42/points"),
        headers={"Authorization": f"Bearer {member_jwt('customer-42')}"},
        timeout=10,
    )
    assert mine.status_code == 200 and mine.json()["points"] == 25
    forged = requests.post(
        live_server.url("/v1/event"),
        json={"eventId": "purchase_completed", "amount": 999},
        headers={"Authorization": f"Bearer {member_jwt('customer-42')}"},
        timeout=10,
    )
    assert forged.status_code == 403 and forged.json()["error"]["code"] == "forbidden"
