"""Over real HTTP, against gunicorn with several workers: holds racing for a balance, a hold
racing a redemption for the same points, and one order's event sent 20 times at once."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from threading import Barrier
from typing import Any

import pytest
import requests
from sqlalchemy import func, select

from loyalty_portal.extensions import db
from loyalty_portal.models import EventLog, Member, PointsHold, Redemption
from tests.concurrency.test_http_redeem import assert_clean_ledger, server  # noqa: F401

pytestmark = pytest.mark.slow

Call = Callable[[requests.Session], requests.Response]


def race(key: str, calls: list[Call]) -> list[tuple[int, str | None]]:
    """Fire every call at once, each on its own connection: (status, error code) each."""
    barrier = Barrier(len(calls))

    def fire(call: Call) -> tuple[int, str | None]:
        with requests.Session() as http:
            http.headers["x-api-key"] = key
            barrier.wait()
            response = call(http)
        return response.status_code, response.json().get("error", {}).get("code")

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(fire, calls))


def test_fifty_holds_against_a_balance_for_five_give_exactly_five(server, make, app, runner):  # noqa: F811
    make.member("holder", balance=50)
    _, key = make.api_key(["redeem"])

    def hold(http: requests.Session) -> requests.Response:
        url = f"{server}/v1/user/holder/points/hold"
        return http.post(url, json={"points": 10}, timeout=60)

    outcomes = Counter(race(key, [hold] * 50))
    assert outcomes == {(201, None): 5, (409, "insufficient_points"): 45}
    with app.app_context():
        held = db.session.scalar(select(Member.held_points).where(Member.user_id == "holder"))
        holds = db.session.scalar(select(func.count()).select_from(PointsHold))
        assert (held, holds) == (50, 5)
    assert_clean_ledger(runner)


def test_a_hold_and_a_redemption_racing_for_the_same_points_never_both_win(
    server, make, app, runner  # noqa: F811
):
    make.offer("mug", cost=10)
    users = [f"racer{i}" for i in range(10)]
    for user in users:
        make.member(user, balance=10)
    _, key = make.api_key(["redeem"])

    def hold(user: str) -> Call:
        return lambda http: http.post(
            f"{server}/v1/user/{user}/points/hold", json={"points": 10}, timeout=60
        )

    def redeem(user: str) -> Call:
        return lambda http: http.post(
            f"{server}/v1/user/{user}/offer/mug/redeem", json={}, timeout=60
        )

    outcomes = race(key, [c for u in users for c in (hold(u), redeem(u))])
    wins = sum(1 for status, _ in outcomes if status == 201)
    assert wins == len(users)
    assert Counter(code for _, code in outcomes if code) == {"insufficient_points": len(users)}
    with app.app_context():
        coupons = db.session.scalar(select(func.count()).select_from(Redemption))
        holds = db.session.scalar(select(func.count()).select_from(PointsHold))
        assert coupons + holds == len(users)
        spendable = db.session.execute(select(Member.balance - Member.held_points)).scalars()
        assert set(spendable) == {0}
    assert_clean_ledger(runner)


def test_twenty_sends_of_one_order_earn_once(server, make, app, runner):  # noqa: F811
    make.rule("purchase", type="TRANSACTION", points=None, points_per_unit=1)
    _, key = make.api_key(["events"])
    body: dict[str, Any] = {"eventId": "purchase", "userId": "shopper", "amount": 40}
    body["orderId"] = "1017"

    def send(http: requests.Session) -> requests.Response:
        return http.post(f"{server}/v1/event", json=body, timeout=60)

    outcomes = race(key, [send] * 20)
    assert Counter(outcomes) == {(200, None): 20}
    with app.app_context():
        balance = db.session.scalar(select(Member.balance).where(Member.user_id == "shopper"))
        reasons = Counter(db.session.scalars(select(EventLog.reason)))
        assert balance == 40
        assert reasons == {None: 1, "duplicate_order": 19}
    assert_clean_ledger(runner)
