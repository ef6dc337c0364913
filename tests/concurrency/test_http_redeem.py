"""Over real HTTP, against gunicorn with several workers: 100 concurrent redemptions
(both redeem routes mixed) against a balance, and against a stock, for 5 coupons."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from threading import Barrier
from typing import Any

import pytest
import requests
from sqlalchemy import func, select

from loyalty_portal.extensions import db
from loyalty_portal.models import Member, Offer, Redemption
from tests.api.live_gunicorn import gunicorn
from tests.conftest import API_SECRET, SECRET

CALLS = 100
WORKERS = 4

pytestmark = pytest.mark.slow


@pytest.fixture
def server(app: Any, database_url: str, tmp_path: Any) -> Any:
    settings = {
        "DATABASE_URL": database_url,
        "SECRET_KEY": SECRET,
        "API_SECRET": API_SECRET,
        "TENANT_ID": "test-tenant",
        "PROJECT_ID": "test-project",
        "API_RATE_LIMIT": "100000 per minute",
        "RATELIMIT_STORAGE_URI": "memory://",
        "INSTANCE_PATH": str(tmp_path / "gunicorn-instance"),
    }
    with gunicorn(settings, workers=WORKERS, threads=8) as base:
        yield base


def race(base: str, key: str, targets: list[tuple[str, str]]) -> list[tuple[int, str | None]]:
    """Fire one redemption per (userId, offerId) at once; even calls use the user route,
    odd calls the generic route. Returns (status, error code) per call."""
    barrier = Barrier(len(targets))

    def redeem(index: int) -> tuple[int, str | None]:
        user_id, offer_id = targets[index]
        with requests.Session() as http:
            http.headers["x-api-key"] = key
            barrier.wait()
            if index % 2:
                body = {"userId": user_id, "offerId": offer_id}
                r = http.post(f"{base}/v1/offer/redeem", json=body, timeout=60)
            else:
                r = http.post(
                    f"{base}/v1/user/{user_id}/offer/{offer_id}/redeem", json={}, timeout=60
                )
        body = r.json()
        return r.status_code, body.get("error", {}).get("code")

    with ThreadPoolExecutor(max_workers=len(targets)) as pool:
        return list(pool.map(redeem, range(len(targets))))


def assert_clean_ledger(runner: Any) -> None:
    result = runner.invoke(args=["ledger", "verify"])
    assert result.exit_code == 0, result.output


def test_balance_for_five_gives_exactly_five_coupons(server, make, app, runner):
    make.member("racer", balance=50)
    make.offer("coffee", cost=10)
    _, key = make.api_key(["redeem"])
    outcomes = Counter(race(server, key, [("racer", "coffee")] * CALLS))
    assert outcomes == {(201, None): 5, (409, "insufficient_points"): CALLS - 5}
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Redemption)) == 5
        assert db.session.scalar(select(Member.balance).where(Member.user_id == "racer")) == 0
    assert_clean_ledger(runner)


def test_stock_of_five_gives_exactly_five_coupons(server, make, app, runner):
    users = [f"shopper{i}" for i in range(CALLS)]
    for user in users:
        make.member(user, balance=100)
    make.offer("ticket", cost=10, stock=5)
    _, key = make.api_key(["redeem"])
    outcomes = Counter(race(server, key, [(u, "ticket") for u in users]))
    assert outcomes == {(201, None): 5, (409, "out_of_stock"): CALLS - 5}
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Redemption)) == 5
        assert db.session.scalar(select(Offer.stock).where(Offer.id == "ticket")) == 0
        spent = db.session.scalar(select(func.sum(Member.balance)))
        assert spent == CALLS * 100 - 5 * 10
    assert_clean_ledger(runner)
