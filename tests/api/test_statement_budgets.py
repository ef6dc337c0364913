"""Statement budgets of the hot paths (issue 9): what the database executes per call.

A warm process (one call first), then the second call is counted: every statement the
engine sends except transaction control (BEGIN, COMMIT, ROLLBACK, SAVEPOINT). Counts,
never timings, so these tests hold on any machine. A write that changes points also
writes its webhook message (the transactional outbox, issue 11); the event and the
redemption keep the hot-path issue's budgets of 8 and 9 with it, since their member lock
reads the configuration version too (config_cache.saw). Other writes keep one statement
more than their budgets for the message.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask import Flask

from loyalty_portal.extensions import db
from tests.api.conftest import Api

_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


@contextmanager
def executed(app: Flask) -> Iterator[list[str]]:
    """The statements the database executes while the block runs (no transaction control)."""
    from sqlalchemy import event

    statements: list[str] = []
    with app.app_context():
        engine = db.engine

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not statement.lstrip().upper().startswith(_CONTROL):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _show(statements: list[str]) -> str:
    return "\n".join(f"{i + 1}. {' '.join(s.split())[:160]}" for i, s in enumerate(statements))


@pytest.fixture
def key(api: Api) -> dict[str, str]:
    return api.key("events", "redeem", "read", "users")


def test_points_read_runs_at_most_three_statements(api: Api, app: Flask, key: dict[str, str]):
    api.make.member("reader", balance=300)
    assert api.get("/v1/user/reader/points", key).status_code == 200
    with executed(app) as statements:
        response = api.get("/v1/user/reader/points", key)
    assert response.get_json()["points"] == 300
    # the budget is 3; the next lots to expire are joined to the standing (summary.standing)
    # and so is the configuration version its cached key is checked by (config_cache.saw)
    assert len(statements) == 1 and "config_version" in statements[0], _show(statements)


def test_profile_read_runs_at_most_four_statements(api: Api, app: Flask, key: dict[str, str]):
    api.make.tier("Bronze", 0)
    api.make.tier("Silver", 1000, "1.25")
    api.make.member("profiled", balance=120)
    assert api.get("/v1/user/profiled", key).status_code == 200
    with executed(app) as statements:
        response = api.get("/v1/user/profiled", key)
    body = response.get_json()
    assert body["points"] == 120 and body["tier"]["name"] == "Bronze"
    assert body["nextTier"] == {"name": "Silver", "pointsNeeded": 1000}
    assert len(statements) <= 4, _show(statements)


def test_capped_fix_event_runs_at_most_eight_statements_with_its_message(
    api: Api, app: Flask, key: dict[str, str]
):
    api.make.tier("Bronze", 0)
    api.make.rule("daily_login", points=10, cap_count=3, cap_period="day")
    api.make.member("eventful")
    body = {"eventId": "daily_login", "userId": "eventful"}
    assert api.post("/v1/event", key, body).status_code == 200
    with executed(app) as statements:
        response = api.post("/v1/event", {**key, "Idempotency-Key": "e-2"}, body)
    data = response.get_json()["data"]
    assert (data["points"], data["balance"]) == (10, 20)
    assert len(statements) <= 8, _show(statements)
    assert sum("outbox_message" in s for s in statements) == 1


def test_redeeming_an_auto_code_offer_with_stock_runs_at_most_nine_statements_with_its_message(
    api: Api, app: Flask, key: dict[str, str]
):
    api.make.offer("coffee", cost=50, stock=10, fulfilment="auto", limit_per_member=5)
    api.make.member("spender", balance=500)
    path = "/v1/user/spender/offer/coffee/redeem"
    assert api.post(path, key, {}).status_code == 201
    with executed(app) as statements:
        response = api.post(path, {**key, "Idempotency-Key": "r-2"}, {})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["points"] == 400 and body["coupon"]["status"] == "ACTIVE"
    assert len(statements) <= 9, _show(statements)
    assert sum("outbox_message" in s for s in statements) == 1


def test_a_partial_refund_runs_at_most_eleven_statements_with_its_message(
    api: Api, app: Flask, key: dict[str, str]
):
    api.make.tier("Bronze", 0)
    api.make.rule("purchase", type="TRANSACTION", points=None, points_per_unit=1)
    event = {"eventId": "purchase", "userId": "returner", "amount": 100, "orderId": "o-1"}
    assert api.post("/v1/event", key, event).status_code == 200
    path = "/v1/order/o-1/refund"
    assert api.post(path, key, {"userId": "returner", "amount": 10}).status_code == 200
    with executed(app) as statements:
        response = api.post(
            path, {**key, "Idempotency-Key": "rf-2"}, {"userId": "returner", "amount": 20}
        )
    body = response.get_json()
    assert (body["pointsReversed"], body["points"]) == (20, 70), body
    assert len(statements) <= 11, _show(statements)  # 10, and the outbox's message


def test_a_hold_runs_at_most_ten_statements(api: Api, app: Flask, key: dict[str, str]):
    api.make.member("holder", balance=500)
    path = "/v1/user/holder/points/hold"
    assert api.post(path, key, {"points": 100}).status_code == 201
    with executed(app) as statements:
        response = api.post(path, {**key, "Idempotency-Key": "h-2"}, {"points": 100})
    assert response.get_json()["points"] == 300
    assert len(statements) <= 10, _show(statements)


def test_a_capture_runs_at_most_ten_statements(api: Api, app: Flask, key: dict[str, str]):
    api.make.member("payer", balance=500)
    holds = [
        api.post("/v1/user/payer/points/hold", key, {"points": 100}).get_json()["hold"]["holdId"]
        for _ in range(2)
    ]
    assert api.post(f"/v1/hold/{holds[0]}/capture", key, {}).status_code == 200
    with executed(app) as statements:
        response = api.post(
            f"/v1/hold/{holds[1]}/capture", {**key, "Idempotency-Key": "c-2"}, {"points": 60}
        )
    assert (response.get_json()["points"], response.get_json()["heldPoints"]) == (340, 0)
    assert len(statements) <= 10, _show(statements)


def test_an_event_for_an_order_runs_at_most_eleven_statements_with_its_message(
    api: Api, app: Flask, key: dict[str, str]
):
    api.make.tier("Bronze", 0)
    api.make.rule("purchase", type="TRANSACTION", points=None, points_per_unit=1)
    api.make.member("orderer")
    first = {"eventId": "purchase", "userId": "orderer", "amount": 10, "orderId": "o-1"}
    assert api.post("/v1/event", key, first).status_code == 200
    with executed(app) as statements:
        response = api.post(
            "/v1/event", {**key, "Idempotency-Key": "oe-2"}, {**first, "orderId": "o-2"}
        )
    assert response.get_json()["data"]["points"] == 10
    assert len(statements) <= 11, _show(statements)  # 10, and the outbox's message


def test_event_under_an_active_campaign_stays_within_the_event_budget(
    api: Api, app: Flask, key: dict[str, str]
):
    """Campaigns come from the configuration cache: judging one costs no statement."""
    from datetime import UTC, datetime, timedelta

    now = datetime.now(UTC)
    api.make.tier("Bronze", 0)
    api.make.rule("daily_login", points=10, cap_count=3, cap_period="day")
    api.make.campaign("Double", now - timedelta(hours=1), now + timedelta(hours=1), multiplier="2")
    api.make.member("eventful")
    body = {"eventId": "daily_login", "userId": "eventful"}
    assert api.post("/v1/event", key, body).status_code == 200
    with executed(app) as statements:
        response = api.post("/v1/event", {**key, "Idempotency-Key": "e-2"}, body)
    data = response.get_json()["data"]
    assert (data["points"], data["balance"], data["campaign"]["title"]) == (20, 40, "Double")
    assert len(statements) <= 9, _show(statements)  # as any event: 8 and the outbox's message
