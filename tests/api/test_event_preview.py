"""POST /v1/event/preview: the same evaluation as POST /v1/event, writing nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.api.conftest import error_code, snapshot
from tests.api.test_statement_budgets import executed

_WRITES = ("INSERT", "UPDATE", "DELETE")


def test_preview_answers_what_the_event_would_give_and_writes_nothing(api, make, app):
    key = api.key("events", "read")
    now = datetime.now(UTC)
    make.rule("purchase", type="TRANSACTION", points_per_unit=1, title="Purchase")
    make.campaign("Double", now - timedelta(hours=1), now + timedelta(hours=1), multiplier="2")
    make.member("ann", balance=100)
    body = {"eventId": "purchase", "userId": "ann", "amount": 30}
    api.post("/v1/event/preview", key, body)  # warm
    before = snapshot(app)
    with executed(app) as statements:
        r = api.post("/v1/event/preview", key, body)
    assert r.status_code == 200
    data = r.get_json()["data"]
    assert (data["points"], data["balance"], data["campaign"]["title"]) == (60, 160, "Double")
    writes = [s for s in statements if s.lstrip().upper().startswith(_WRITES)]
    assert writes == [] and snapshot(app) == before
    real = api.post("/v1/event", key, body).get_json()["data"]
    assert {k: real[k] for k in ("points", "balance", "campaign")} == {
        k: data[k] for k in ("points", "balance", "campaign")
    }


def test_preview_for_an_unknown_user_creates_nobody(api, make, app):
    key = api.key("events", "read")
    make.rule("login", points=10, cap_count=1, cap_period="day")
    before = snapshot(app)
    r = api.post("/v1/event/preview", key, {"eventId": "login", "userId": "ghost"})
    assert r.get_json()["data"]["points"] == 10 and snapshot(app) == before


def test_preview_reports_the_limit_and_unknown_events(api, make):
    key = api.key("events", "read")
    make.rule("login", points=10, cap_count=1, cap_period="day")
    api.post("/v1/event", key, {"eventId": "login", "userId": "bo"})
    data = api.post("/v1/event/preview", key, {"eventId": "login", "userId": "bo"}).get_json()[
        "data"
    ]
    assert (data["points"], data["reason"], data["limitReached"]) == (0, "limit_reached", True)
    missing = api.post("/v1/event/preview", key, {"eventId": "nope", "userId": "bo"})
    assert missing.status_code == 404 and error_code(missing) == "event_not_found"


def test_preview_needs_the_events_scope(api, make):
    make.rule("login", points=10)
    r = api.post("/v1/event/preview", api.key("read"), {"eventId": "login", "userId": "bo"})
    assert r.status_code == 403
