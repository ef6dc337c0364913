"""Over real HTTP (gunicorn, several workers): batches and single events hit the same
members at once. Caps hold across both paths, nothing deadlocks, the ledger stays sound."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

import pytest
import requests
from sqlalchemy import func, select

from loyalty_portal.extensions import db
from loyalty_portal.models import EventLog, Member
from tests.concurrency.test_http_redeem import assert_clean_ledger, server  # noqa: F401

MEMBERS = 10
BATCHES = 10  # each: 3 events for every member
SINGLES = 10  # per member
CAP = 25  # per member and day: 40 events each, 25 pay

pytestmark = pytest.mark.slow


def test_batches_and_single_events_on_the_same_members_keep_the_cap(
    server, make, app, runner  # noqa: F811
):
    make.rule("visit", points=10, cap_count=CAP, cap_period="day")
    for n in range(MEMBERS):
        make.member(f"m{n}")
    _, key = make.api_key(["events"])
    calls: list[tuple[str, dict]] = [
        (
            "/v1/event/batch",
            {"events": [{"eventId": "visit", "userId": f"m{n}"} for n in range(MEMBERS)] * 3},
        )
        for _ in range(BATCHES)
    ]
    calls += [
        ("/v1/event", {"eventId": "visit", "userId": f"m{n}"})
        for n in range(MEMBERS)
        for _ in range(SINGLES)
    ]
    barrier = Barrier(len(calls))

    def send(index: int) -> tuple[int, dict]:
        path, body = calls[index]
        with requests.Session() as http:
            barrier.wait()
            r = http.post(f"{server}{path}", json=body, headers={"x-api-key": key}, timeout=120)
        return r.status_code, r.json()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        answers = list(pool.map(send, range(len(calls))))
    assert {status for status, _ in answers} == {200}, [a for a in answers if a[0] != 200][:3]
    batch_items = [i for s, b in answers if "results" in b for i in b["results"]]
    assert len(batch_items) == BATCHES * MEMBERS * 3
    assert {i["status"] for i in batch_items} == {200}
    with app.app_context():
        balances = dict(db.session.execute(select(Member.user_id, Member.balance)).all())
        paid = db.session.scalar(
            select(func.count()).select_from(EventLog).where(EventLog.completed.is_(True))
        )
    assert balances == {f"m{n}": CAP * 10 for n in range(MEMBERS)}
    assert paid == CAP * MEMBERS
    assert_clean_ledger(runner)
