"""Users: create, profile, erase, points, history and adjustments."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from loyalty_portal.extensions import db
from loyalty_portal.models import Member
from loyalty_portal.services.core.actors import Actor
from loyalty_portal.services.earning import events as events_service
from loyalty_portal.services.members.members import get_member
from loyalty_portal.services.rewards import redeeming
from tests.api.conftest import counted_queries, error_code

NOW = datetime.now(UTC)


def test_create_user_answers_201_and_refuses_a_taken_id(api, admin_key):
    before = datetime.now(UTC).timestamp() * 1000
    r = api.post("/v1/user", admin_key, {"userId": "ann"})
    after = datetime.now(UTC).timestamp() * 1000
    assert r.status_code == 201
    body = r.get_json()
    assert set(body) == {"message", "userId", "createdAt"}
    assert body["message"] == "user created" and body["userId"] == "ann"
    assert before - 1 <= body["createdAt"] <= after + 1
    again = api.post("/v1/user", admin_key, {"userId": "ann"})
    assert again.status_code == 400 and error_code(again) == "user_exists"


@pytest.mark.parametrize("body", [{}, {"userId": ""}, {"userId": "has space"}, {"userId": 5}])
def test_create_user_validates_the_user_id(api, admin_key, body):
    r = api.post("/v1/user", admin_key, body)
    assert r.status_code == 400 and error_code(r) == "validation_error"


def test_profile_shows_points_tier_next_tier_and_groups(api, make, admin_key):
    make.tier("Silver", 50)
    make.tier("Gold", 100, multiplier="1.5")
    make.group("vip")
    make.rule("login", points=40)
    for _ in range(3):
        api.post(
            "/v1/event",
            admin_key,
            {"eventId": "login", "userId": "a", "metadata": {"usergroup": ["vip"]}},
        )
    r = api.get("/v1/user/a", admin_key)
    assert r.status_code == 200
    body = r.get_json()
    assert set(body) == {
        "userId",
        "points",
        "lifetimePoints",
        "tier",
        "nextTier",
        "usergroups",
        "createdAt",
    }
    assert body["points"] == 120 and body["lifetimePoints"] == 120
    assert body["tier"] == {"name": "Gold", "multiplier": 1.5}
    assert body["nextTier"] is None
    assert body["usergroups"] == ["vip"]

    make.member("b", balance=0)
    other = api.get("/v1/user/b", admin_key).get_json()
    assert other["tier"] is None
    assert other["nextTier"] == {"name": "Silver", "pointsNeeded": 50}


def test_unknown_user_is_404_user_not_found(api, admin_key):
    for path in ("/v1/user/ghost", "/v1/user/ghost/points", "/v1/user/ghost/history"):
        r = api.get(path, admin_key)
        assert r.status_code == 404 and error_code(r) == "user_not_found"


def test_delete_erases_the_user_and_frees_the_id(api, make, app, admin_key):
    make.rule("login", points=10)
    make.offer("coffee", cost=5)
    api.post("/v1/event", admin_key, {"eventId": "login", "userId": "gone"})
    api.post("/v1/user/gone/offer/coffee/redeem", admin_key)
    r = api.call("DELETE", "/v1/user/gone", admin_key)
    assert r.status_code == 200
    assert r.get_json() == {"success": True, "message": "user deleted"}
    assert error_code(api.get("/v1/user/gone", admin_key)) == "user_not_found"
    assert api.call("DELETE", "/v1/user/gone", admin_key).status_code == 404
    assert api.post("/v1/user", admin_key, {"userId": "gone"}).status_code == 201
    assert app.test_cli_runner().invoke(args=["ledger", "verify"]).exit_code == 0


def test_points_shows_balance_pending_and_expiring_lots(api, make, app, admin_key):
    make.rule("soon", points=30, expiry_policy="days", expiry_days=10)
    make.rule("later", points=20, expiry_policy="days", expiry_days=40)
    make.rule("held", points=7, pending_days=5)
    for event_id in ("soon", "later", "held"):
        api.post("/v1/event", admin_key, {"eventId": event_id, "userId": "a"})
    for path in ("/v1/user/a/points", "/v1/customer/a/points"):
        body = api.get(path, admin_key).get_json()
        assert body["points"] == 50 and body["pendingPoints"] == 7
        assert [lot["points"] for lot in body["expiringPoints"]] == [30, 20]
        first = body["expiringPoints"][0]["expiresAt"]
        assert abs(first - (datetime.now(UTC) + timedelta(days=10)).timestamp() * 1000) < 600_000


def test_points_lists_the_next_five_expiry_dates_in_one_statement(api, make, app, admin_key):
    for i in range(1, 8):  # sent latest-expiring first: the answer must sort them
        make.rule(f"lot{i}", points=i, expiry_policy="days", expiry_days=100 - 10 * i)
        api.post("/v1/event", admin_key, {"eventId": f"lot{i}", "userId": "a"})
    api.post("/v1/user", admin_key, {"userId": "empty"})
    api.get("/v1/user/a/points", admin_key)
    with counted_queries(app) as statements:
        body = api.get("/v1/user/a/points", admin_key).get_json()
    assert [lot["points"] for lot in body["expiringPoints"]] == [7, 6, 5, 4, 3]
    dates = [lot["expiresAt"] for lot in body["expiringPoints"]]
    assert dates == sorted(dates) and body["points"] == 28
    # one: the standing, the lots and the configuration version the cached key is checked by
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 1
    empty = api.get("/v1/user/empty/points", admin_key).get_json()
    assert empty["expiringPoints"] == [] and empty["points"] == 0


def _history_fixture(app, make):
    """Three events on three days and a redemption, written through the services."""
    make.rule("login", points=10, title="Daily login")
    make.offer("coffee", cost=15, image_url="https://img.example/coffee.png")
    with app.app_context():
        days = [datetime(2026, 3, d, 12, tzinfo=UTC) for d in (1, 2, 3)]
        for day in days:
            events_service.record_event(
                db.session, user_id="h", event_id="login", now=day, source="test"
            )
        member = get_member(db.session, "h")
        redeeming.redeem(
            db.session, member, "coffee", now=days[-1] + timedelta(hours=1), actor=Actor.member("h")
        )
        db.session.commit()


def test_history_pages_newest_first_with_has_more(api, make, app, admin_key):
    _history_fixture(app, make)
    page = api.get("/v1/user/h/history?limit=2", admin_key).get_json()
    assert page["hasMore"] is True
    first, second = page["data"]
    assert set(first) == {"id", "title", "description", "points", "type", "timestamp", "image"}
    assert (first["type"], first["points"], first["image"]) == (
        "redemption",
        -15,
        "https://img.example/coffee.png",
    )
    assert (second["type"], second["points"], second["title"]) == ("event", 10, "Daily login")
    assert first["timestamp"] > second["timestamp"]
    rest = api.get("/v1/user/h/history?limit=2&offset=2", admin_key).get_json()
    assert [e["points"] for e in rest["data"]] == [10, 10] and rest["hasMore"] is False


def test_history_filters_by_type_and_program_zone_dates(api, make, app, admin_key):
    _history_fixture(app, make)
    events = api.get("/v1/user/h/history?types=event", admin_key).get_json()["data"]
    assert {e["type"] for e in events} == {"event"} and len(events) == 3
    both = api.get("/v1/user/h/history?types=event,redemption", admin_key).get_json()["data"]
    assert len(both) == 4
    day = api.get("/v1/user/h/history?from=2026-03-02&to=2026-03-02", admin_key).get_json()
    assert len(day["data"]) == 1


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=ten", "limit"),
        ("offset=-1", "offset"),
        ("from=03/01/2026", "from"),
        ("types=bonus", "types"),
        ("from=2026-03-05&to=2026-03-01", "from"),
    ],
)
def test_history_rejects_bad_queries(api, make, admin_key, query, field):
    make.member("h")
    r = api.get(f"/v1/user/h/history?{query}", admin_key)
    assert r.status_code == 400 and error_code(r) == "validation_error"
    assert field in r.get_json()["error"]["details"]


def test_adjust_points_with_an_api_key(api, make, app, admin_key):
    make.member("a", balance=100)
    r = api.post("/v1/user/a/points", admin_key, {"points": -30, "reason": "Returned goods"})
    assert r.status_code == 200
    body = r.get_json()
    assert body["points"] == 70
    assert body["entry"]["points"] == -30 and body["entry"]["type"] == "adjust"
    assert body["entry"]["description"] == "Returned goods"
    too_much = api.post("/v1/user/a/points", admin_key, {"points": -71, "reason": "x"})
    assert too_much.status_code == 409 and error_code(too_much) == "insufficient_points"
    assert too_much.get_json()["error"]["missingPoints"] == 1
    with app.app_context():
        assert db.session.scalar(select(Member.balance).where(Member.user_id == "a")) == 70


@pytest.mark.parametrize(
    "body",
    [
        {"points": 0, "reason": "x"},
        {"points": 5},
        {"points": "5", "reason": "x"},
        {"points": 5, "reason": ""},
        {"points": 1.5, "reason": "x"},
    ],
)
def test_adjust_points_validates(api, make, admin_key, body):
    make.member("a")
    r = api.post("/v1/user/a/points", admin_key, body)
    assert r.status_code == 400 and error_code(r) == "validation_error"


def test_history_pages_without_counting_the_table(api, make, app, admin_key):
    _history_fixture(app, make)
    api.get("/v1/user/h/history", admin_key)
    with counted_queries(app) as statements:
        page = api.get("/v1/user/h/history?limit=2&offset=1&types=event", admin_key).get_json()
    assert len(page["data"]) == 2
    assert not [s for s in statements if "count(" in s.lower()]
    assert any("LIMIT" in s and "OFFSET" in s for s in statements)
