"""A shop's checkout written only from API.md ("Orders and refunds", "Points holds"), over
real HTTP with `requests`: earn on an order, hold points for the next order, capture part
of them, refund the first order in two parts, then check balance, debt and history.

Nothing here imports the app's API code; the admin's part (a rule, a key) uses factories.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import requests

pytestmark = pytest.mark.slow


class CheckoutError(Exception):
    def __init__(self, status: int, code: str) -> None:
        super().__init__(f"{status} {code}")
        self.status, self.code = status, code


class ShopCheckout:
    """What a shop's backend would write to pay with points and handle returns."""

    def __init__(self, base_url: str, api_key: str) -> None:
        self.base = base_url.rstrip("/") + "/v1"
        self.http = requests.Session()
        self.http.headers.update({"x-api-key": api_key})

    def _call(self, method: str, path: str, body: Any = None, key: str | None = None) -> Any:
        headers = {"Idempotency-Key": key or str(uuid.uuid4())} if method == "POST" else {}
        response = self.http.request(
            method, self.base + path, json=body, headers=headers, timeout=10
        )
        data = response.json()
        if response.status_code >= 400:
            raise CheckoutError(response.status_code, data["error"]["code"])
        return data

    def order_paid(self, user: str, order: str, total: float) -> Any:
        body = {"eventId": "purchase_completed", "userId": user, "amount": total, "orderId": order}
        return self._call("POST", "/event", body)["data"]

    def hold(self, user: str, points: int, order: str) -> Any:
        return self._call("POST", f"/user/{user}/points/hold", {"points": points, "orderId": order})

    def capture(self, hold_id: str, points: int) -> Any:
        return self._call("POST", f"/hold/{hold_id}/capture", {"points": points})

    def refund(self, user: str, order: str, amount: float | None, key: str) -> Any:
        body: dict[str, Any] = {"userId": user, "reason": "Returned to the shop"}
        if amount is not None:
            body["amount"] = amount
        return self._call("POST", f"/order/{order}/refund", body, key=key)

    def order(self, user: str, order: str) -> Any:
        return self._call("GET", f"/order/{order}?userId={user}")

    def points(self, user: str) -> Any:
        return self._call("GET", f"/user/{user}/points")

    def history(self, user: str, types: str) -> list[dict[str, Any]]:
        return list(self._call("GET", f"/user/{user}/history?types={types}")["data"])


def test_a_shops_checkout_with_points_and_a_return(live_server, make):
    make.rule(
        "purchase_completed",
        type="TRANSACTION",
        points=None,
        points_per_unit=1,
        title="Purchase",
        requires_api_key=True,
    )
    _, key = make.api_key(["events", "redeem", "read"])
    shop = ShopCheckout(live_server.url(), key)

    assert shop.order_paid("cust-7", "1017", 100.0)["points"] == 100
    resent = shop.order_paid("cust-7", "1017", 100.0)  # the shop's webhook fired twice
    assert (resent["points"], resent["reason"]) == (0, "duplicate_order")

    held = shop.hold("cust-7", 60, "1018")
    assert (held["hold"]["status"], held["points"], held["heldPoints"]) == ("HELD", 40, 60)
    with pytest.raises(CheckoutError) as short:
        shop.hold("cust-7", 41, "1019")
    assert (short.value.status, short.value.code) == (409, "insufficient_points")
    paid = shop.capture(held["hold"]["holdId"], 40)
    assert (paid["hold"]["capturedPoints"], paid["points"], paid["heldPoints"]) == (40, 60, 0)

    first = shop.refund("cust-7", "1017", 30.0, key="ret-1017-a")
    retried = shop.refund("cust-7", "1017", 30.0, key="ret-1017-a")  # a timeout, sent again
    assert retried == first
    assert (first["pointsReversed"], first["points"], first["pointsOwed"]) == (30, 30, 0)
    rest = shop.refund("cust-7", "1017", None, key="ret-1017-b")
    assert (rest["pointsReversed"], rest["pointsReversedTotal"], rest["refundedAmount"]) == (
        70,
        100,
        100.0,
    )
    assert (rest["points"], rest["pointsOwed"]) == (0, 40)  # 40 of them were spent at 1018
    with pytest.raises(CheckoutError) as again:
        shop.refund("cust-7", "1017", 1.0, key="ret-1017-c")
    assert (again.value.status, again.value.code) == (409, "refund_exceeds_order")

    order = shop.order("cust-7", "1017")
    assert (order["orderAmount"], order["pointsEarned"], order["pointsReversed"]) == (100, 100, 100)
    points = shop.points("cust-7")
    assert (points["points"], points["heldPoints"], points["pointsOwed"]) == (0, 0, 40)
    returned = shop.history("cust-7", "reverse")
    assert [(h["title"], h["points"]) for h in returned] == [
        ("Returned: order 1017", -30),
        ("Returned: order 1017", -30),
    ]
    assert all(h["description"] == "Returned to the shop" for h in returned)
    assert [(h["title"], h["points"]) for h in shop.history("cust-7", "payment")] == [
        ("Paid: order 1018", -40)
    ]

    next_order = shop.order_paid("cust-7", "1020", 50.0)  # pays the debt off first
    assert (next_order["points"], next_order["balance"]) == (50, 10)
    assert shop.points("cust-7")["pointsOwed"] == 0
