"""Over real HTTP, against gunicorn with several workers: 20 concurrent events with one
Idempotency-Key award the points once."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

import pytest
import requests
from sqlalchemy import func, select

from loyalty_portal.extensions import db
from loyalty_portal.models import EventLog, LedgerEntry, Member
from tests.concurrency.test_http_redeem import assert_clean_ledger, server  # noqa: F401

CALLS = 20

pytestmark = pytest.mark.slow


def test_twenty_concurrent_retries_award_once(server, make, app, runner):  # noqa: F811
    make.rule("purchase_completed", points=25)
    _, key = make.api_key(["events"])
    barrier = Barrier(CALLS)
    body = {"eventId": "purchase_completed", "userId": "buyer", "metadata": {"orderId": "A-17"}}

    def send(_: int) -> tuple[int, str | None, str | None, dict]:
        with requests.Session() as http:
            barrier.wait()
            r = http.post(
                f"{server}/v1/event",
                json=body,
                headers={"x-api-key": key, "Idempotency-Key": "order-A-17"},
                timeout=60,
            )
        payload = r.json()
        code = payload.get("error", {}).get("code")
        return r.status_code, code, r.headers.get("Idempotent-Replayed"), payload

    with ThreadPoolExecutor(max_workers=CALLS) as pool:
        results = list(pool.map(send, range(CALLS)))

    first = [p for s, _, replayed, p in results if s == 200 and replayed is None]
    replays = [p for s, _, replayed, p in results if s == 200 and replayed == "true"]
    in_flight = [c for s, c, _, _ in results if s == 409]
    assert len(first) == 1, results
    assert len(first) + len(replays) + len(in_flight) == CALLS
    assert set(in_flight) <= {"request_in_progress"}
    assert all(p == first[0] for p in replays)
    assert first[0]["data"]["points"] == 25
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(EventLog)) == 1
        assert db.session.scalar(select(func.count()).select_from(LedgerEntry)) == 1
        assert db.session.scalar(select(Member.balance).where(Member.user_id == "buyer")) == 25
    assert_clean_ledger(runner)
