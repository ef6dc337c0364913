"""Campaigns: the best matching campaign raises an event's points (API.md's formula), the
response, the event log and the history say which; /v1/campaign manages them (scope
`program`); windows are judged in the program's time zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from loyalty_portal.extensions import db
from loyalty_portal.models import EventLog
from tests.api.conftest import error_code

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
def app_config():
    return {"TIMEZONE": "Europe/Berlin"}


@pytest.fixture
def program_key(api):
    return api.key("program", "events", "read", "users")


def _now():
    return datetime.now(UTC)


def test_double_points_campaign_doubles_and_is_named_in_response_log_and_history(
    api, make, program_key, app
):
    make.rule("purchase", type="TRANSACTION", points_per_unit=1, title="Purchase")
    make.campaign(
        "Double points weekend",
        _now() - timedelta(hours=1),
        _now() + timedelta(hours=1),
        multiplier="2",
    )
    r = api.post("/v1/event", program_key, {"eventId": "purchase", "userId": "ann", "amount": 21.5})
    data = r.get_json()["data"]
    assert data["points"] == 42 and data["balance"] == 42  # floor(21.5) x 2
    assert data["campaign"]["title"] == "Double points weekend"
    assert data["campaign"]["campaignId"].startswith("cmp_")
    with app.app_context():
        log = db.session.scalars(select(EventLog)).one()
        assert log.campaign_id == data["campaign"]["campaignId"]
    history = api.get("/v1/user/ann/history", program_key).get_json()["data"]
    assert "Double points weekend" in history[0]["title"] and history[0]["points"] == 42


def test_formula_applies_tier_then_campaign_then_bonus_and_best_one_wins(api, make, program_key):
    make.tier("Gold", 20, "1.5")  # reached by the first event's 22 points
    make.rule("login", points=7, title="Login")
    start, end = _now() - timedelta(hours=1), _now() + timedelta(hours=1)
    make.campaign("Small bonus", start, end, bonus_points=3)
    make.campaign("Triple", start, end, multiplier="3", bonus_points=1)
    make.campaign("Other rule", start, end, multiplier="10", event_ids=["purchase"])
    first = api.post("/v1/event", program_key, {"eventId": "login", "userId": "gold"})
    assert first.get_json()["data"]["points"] == 22  # no tier yet: floor(7 x 3) + 1
    with_tier = api.post("/v1/event", program_key, {"eventId": "login", "userId": "gold"})
    data = with_tier.get_json()["data"]
    # floor(7 x 1.5 x 3) + 1 = 32 beats floor(7 x 1.5) + 3 = 13; the purchase-only one is out
    assert data["points"] == 32 and data["campaign"]["title"] == "Triple"


def test_no_campaign_means_null_and_the_rule_points(api, make, program_key):
    make.rule("login", points=7)
    make.campaign("Later", _now() + timedelta(days=1), _now() + timedelta(days=2), multiplier="2")
    data = api.post("/v1/event", program_key, {"eventId": "login", "userId": "bo"}).get_json()[
        "data"
    ]
    assert data["points"] == 7 and data["campaign"] is None


def test_group_and_minimum_tier_restrict_a_campaign(api, make, program_key):
    make.tier("Bronze", 0)
    make.tier("Silver", 1000, "1")
    make.group("vip")
    make.rule("login", points=10)
    start, end = _now() - timedelta(hours=1), _now() + timedelta(hours=1)
    make.campaign("VIP", start, end, multiplier="2", usergroups=["vip"])
    make.campaign("Silver", start, end, bonus_points=50, min_tier="Silver")
    make.member("plain")
    make.member("vip1", groups=["vip"])
    plain = api.post("/v1/event", program_key, {"eventId": "login", "userId": "plain"})
    vip = api.post("/v1/event", program_key, {"eventId": "login", "userId": "vip1"})
    assert plain.get_json()["data"]["points"] == 10
    assert vip.get_json()["data"]["points"] == 20


def test_a_campaign_ending_at_midnight_berlin_applies_until_then_only(app, make):
    from loyalty_portal.services.earning import events

    make.rule("login", points=10, title="Login")
    midnight = datetime(2026, 12, 5, 0, 0, tzinfo=BERLIN)  # 23:00 UTC on 4 December
    make.campaign("Friday", datetime(2026, 12, 4, 0, 0, tzinfo=BERLIN), midnight, multiplier="2")
    with app.app_context():
        before = events.record_event(
            db.session,
            user_id="late",
            event_id="login",
            now=midnight - timedelta(seconds=1),
            source="test",
        )
        at = events.record_event(
            db.session, user_id="late", event_id="login", now=midnight, source="test"
        )
        db.session.commit()
        assert (before.points, at.points) == (20, 10)
        assert before.evaluation.campaign is not None and at.evaluation.campaign is None
        assert midnight.astimezone(UTC).hour == 23


def test_campaign_api_creates_lists_and_ends(api, make, program_key):
    make.tier("Gold", 5000, "1.5")
    body = {
        "title": "Double points weekend",
        "startsAt": "2026-12-05T00:00:00+01:00",
        "endsAt": int(datetime(2099, 1, 1, tzinfo=UTC).timestamp() * 1000),
        "multiplier": 2.0,
        "eventIds": ["purchase_completed"],
        "minTier": "Gold",
    }
    r = api.post("/v1/campaign", program_key, body)
    assert r.status_code == 201, r.get_json()
    created = r.get_json()
    assert created["startsAt"] == int(datetime(2026, 12, 4, 23, tzinfo=UTC).timestamp() * 1000)
    assert created["multiplier"] == 2.0 and created["bonusPoints"] == 0
    assert created["minTier"] == "Gold" and created["eventIds"] == ["purchase_completed"]
    assert created["status"] in ("SCHEDULED", "ACTIVE")
    listed = api.get("/v1/campaign", program_key).get_json()["campaigns"]
    assert [c["campaignId"] for c in listed] == [created["campaignId"]]
    ended = api.call("DELETE", f"/v1/campaign/{created['campaignId']}", program_key)
    assert ended.status_code == 200 and ended.get_json()["status"] == "ENDED"
    missing = api.call("DELETE", "/v1/campaign/cmp_nothere", program_key)
    assert missing.status_code == 404


@pytest.mark.parametrize(
    "change",
    [
        {"endsAt": "2026-12-01T00:00:00Z"},  # before the start
        {"multiplier": None, "bonusPoints": 0},  # neither multiplier nor bonus
        {"multiplier": 11.0},
        {"minTier": "Platinum"},
    ],
)
def test_invalid_campaigns_are_refused_with_400(api, program_key, change):
    body = {"title": "X", "startsAt": "2026-12-02T00:00:00Z", "endsAt": "2026-12-03T00:00:00Z"}
    body.update({"multiplier": 2.0, **change})
    body = {k: v for k, v in body.items() if v is not None}
    r = api.post("/v1/campaign", program_key, body)
    assert r.status_code == 400 and error_code(r) == "validation_error"


def test_campaign_routes_need_the_program_scope(api, admin_key):
    assert api.get("/v1/campaign", admin_key).status_code == 403
    assert api.get("/v1/campaign", api.member("ann")).status_code == 403


def test_ending_a_campaign_keeps_its_points_and_stops_raising(api, make, program_key):
    make.rule("login", points=5)
    c = make.campaign(
        "Now", _now() - timedelta(hours=1), _now() + timedelta(hours=1), bonus_points=5
    )
    assert (
        api.post("/v1/event", program_key, {"eventId": "login", "userId": "cy"}).get_json()["data"][
            "points"
        ]
        == 10
    )
    ended = api.call("DELETE", f"/v1/campaign/{c.id}", program_key)
    assert ended.status_code == 200, ended.get_json()
    after = api.post("/v1/event", program_key, {"eventId": "login", "userId": "cy"})
    assert after.get_json()["data"]["points"] == 5 and after.get_json()["data"]["balance"] == 15
