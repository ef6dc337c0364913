"""POST /v1/event: shapes, rule types, caps, groups, trusted rules and validation."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from loyalty_portal.extensions import db
from loyalty_portal.models import EventLog, Member
from tests.api.conftest import error_code

EVENT_FIELDS = {
    "userId",
    "eventId",
    "points",
    "type",
    "title",
    "limit",
    "maximumReward",
    "metadata",
    "conditionReached",
    "limitReached",
    "balance",
    "reason",
    "campaign",
}


def test_event_awards_points_and_answers_the_documented_shape(api, make, admin_key):
    make.rule("daily_login", points=10, title="Daily login", cap_count=2, cap_period="day")
    r = api.post(
        "/v1/event",
        admin_key,
        {"eventId": "daily_login", "userId": "ann", "metadata": {"device": "ios", "n": 2}},
    )
    assert r.status_code == 200
    body = r.get_json()
    assert body["statusCode"] == 200 and body["message"] == "Event logged"
    data = body["data"]
    assert set(data) == EVENT_FIELDS
    assert data == {
        "userId": "ann",
        "eventId": "daily_login",
        "points": 10,
        "type": "FIX",
        "title": "Daily login",
        "limit": 2,
        "maximumReward": None,
        "metadata": {"device": "ios", "n": 2},
        "conditionReached": True,
        "limitReached": False,
        "balance": 10,
        "reason": None,
        "campaign": None,
    }


def test_unknown_user_is_created_by_the_first_event(api, make, app, admin_key):
    make.rule("signup", points=50)
    assert (
        api.post("/v1/event", admin_key, {"eventId": "signup", "userId": "new"}).status_code == 200
    )
    with app.app_context():
        assert db.session.scalar(select(Member.balance).where(Member.user_id == "new")) == 50


def test_unknown_event_is_404_event_not_found(api, admin_key):
    r = api.post("/v1/event", admin_key, {"eventId": "nope", "userId": "ann"})
    assert r.status_code == 404 and error_code(r) == "event_not_found"


def test_daily_cap_reports_limit_reached_with_no_points(api, make, admin_key):
    make.rule("login", points=10, cap_count=1, cap_period="day")
    first = api.post("/v1/event", admin_key, {"eventId": "login", "userId": "ann"}).get_json()
    assert first["data"]["points"] == 10 and first["data"]["limitReached"] is True
    second = api.post("/v1/event", admin_key, {"eventId": "login", "userId": "ann"}).get_json()
    assert second["data"]["points"] == 0
    assert second["data"]["reason"] == "limit_reached"
    assert second["data"]["balance"] == 10


def test_conditional_rule_uses_amount_and_reports_condition(api, make, admin_key):
    make.rule("big_basket", type="CONDITIONAL", points=100, threshold=50, value_field="total")
    low = api.post("/v1/event", admin_key, {"eventId": "big_basket", "userId": "a", "amount": 20})
    assert low.get_json()["data"]["conditionReached"] is False
    assert low.get_json()["data"]["reason"] == "condition_not_met"
    high = api.post(
        "/v1/event", admin_key, {"eventId": "big_basket", "userId": "a", "metadata": {"total": 75}}
    )
    assert high.get_json()["data"]["points"] == 100


def test_transaction_rule_is_capped_at_maximum_reward(api, make, admin_key):
    make.rule("purchase", type="TRANSACTION", points=None, points_per_unit=2, max_per_event=150)
    r = api.post("/v1/event", admin_key, {"eventId": "purchase", "userId": "a", "amount": 99.5})
    data = r.get_json()["data"]
    assert (data["points"], data["maximumReward"], data["type"]) == (150, 150, "TRANSACTION")


def test_transaction_rule_without_a_value_is_validation_error(api, make, admin_key):
    make.rule("purchase", type="TRANSACTION", points=None, points_per_unit=1)
    r = api.post("/v1/event", admin_key, {"eventId": "purchase", "userId": "a"})
    assert r.status_code == 400 and error_code(r) == "validation_error"
    assert "metadata.amount" in r.get_json()["error"]["details"]


def test_pending_points_answer_zero_with_reason_pending(api, make, admin_key):
    make.rule("review", points=30, pending_days=14)
    data = api.post("/v1/event", admin_key, {"eventId": "review", "userId": "a"}).get_json()["data"]
    assert (data["points"], data["reason"], data["balance"]) == (0, "pending", 0)


@pytest.mark.parametrize("path", ["/v1/events", "/v0/event", "/v2/event", "/v3/events"])
def test_legacy_path_and_version_aliases_log_events(api, make, admin_key, path):
    make.rule("login", points=10)
    r = api.post(path, admin_key, {"eventId": "login", "customerId": "legacy"})
    assert r.status_code == 200 and r.get_json()["data"]["userId"] == "legacy"


def test_user_id_alias_is_accepted(api, make, admin_key):
    make.rule("login", points=10)
    r = api.post("/v1/event", admin_key, {"eventId": "login", "user_id": "snake"})
    assert r.get_json()["data"]["userId"] == "snake"


def test_only_api_keys_join_user_groups(api, make, app, admin_key):
    make.group("vip")
    make.rule("login", points=10, overrides={"vip": 25})
    r = api.post(
        "/v1/event",
        admin_key,
        {"eventId": "login", "userId": "a", "metadata": {"usergroup": ["vip"]}},
    )
    assert r.get_json()["data"]["points"] == 25
    make.member("b")
    r = api.post(
        "/v1/event",
        api.member("b"),
        {"eventId": "login", "metadata": {"usergroup": ["vip"]}},
    )
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["data"]["points"] == 10
    profile = api.get("/v1/user/b", admin_key).get_json()
    assert profile["usergroups"] == []


def test_unknown_group_is_validation_error(api, make, admin_key):
    make.rule("login", points=10)
    r = api.post(
        "/v1/event", admin_key, {"eventId": "login", "userId": "a", "metadata": {"usergroup": "x"}}
    )
    assert r.status_code == 400 and "metadata.usergroup" in r.get_json()["error"]["details"]


def test_rule_requiring_an_api_key_refuses_member_tokens(api, make, app):
    make.rule("purchase_completed", points=100, requires_api_key=True)
    make.member("a")
    r = api.post("/v1/event", api.member("a"), {"eventId": "purchase_completed"})
    assert r.status_code == 403 and error_code(r) == "forbidden"
    with app.app_context():
        assert db.session.scalar(select(EventLog.id)) is None
    ok = api.post("/v1/event", api.key("events"), {"eventId": "purchase_completed", "userId": "a"})
    assert ok.get_json()["data"]["points"] == 100


def test_member_token_logs_for_its_own_sub_when_user_id_is_omitted(api, make):
    make.rule("login", points=10)
    r = api.post("/v1/event", api.member("me"), {"eventId": "login"})
    assert r.status_code == 200 and r.get_json()["data"]["userId"] == "me"


def test_api_key_must_name_the_user(api, make, admin_key):
    make.rule("login", points=10)
    r = api.post("/v1/event", admin_key, {"eventId": "login"})
    assert r.status_code == 400 and r.get_json()["error"]["details"] == {"userId": ["required"]}


@pytest.mark.parametrize(
    ("timestamp", "expected"),
    [
        (1_780_000_000_000, datetime(2026, 5, 28, 20, 26, 40, tzinfo=UTC)),
        ("2026-05-28T20:26:40Z", datetime(2026, 5, 28, 20, 26, 40, tzinfo=UTC)),
        ("2026-05-28T22:26:40+02:00", datetime(2026, 5, 28, 20, 26, 40, tzinfo=UTC)),
    ],
)
def test_timestamp_accepts_epoch_ms_and_iso(api, make, app, admin_key, timestamp, expected):
    make.rule("login", points=10)
    body = {"eventId": "login", "userId": "a", "timestamp": timestamp}
    assert api.post("/v1/event", admin_key, body).status_code == 200
    with app.app_context():
        assert db.session.scalar(select(EventLog.occurred_at)) == expected


def test_unknown_fields_are_ignored(api, make, admin_key):
    make.rule("login", points=10)
    r = api.post("/v1/event", admin_key, {"eventId": "login", "userId": "a", "colour": "red"})
    assert r.status_code == 200


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"userId": "a"}, "eventId"),
        ({"eventId": 7, "userId": "a"}, "eventId"),
        ({"eventId": "login", "userId": 12}, "userId"),
        ({"eventId": "login", "userId": "a", "amount": "12"}, "amount"),
        ({"eventId": "login", "userId": "a", "amount": -1}, "amount"),
        ({"eventId": "x" * 129, "userId": "a"}, "eventId"),
        ({"eventId": "login", "userId": "u" * 129}, "userId"),
        ({"eventId": "login", "userId": "a", "metadata": {"note": "n" * 501}}, "metadata.note"),
        ({"eventId": "login", "userId": "a", "metadata": {"k": {"nested": 1}}}, "metadata.k"),
        ({"eventId": "login", "userId": "a", "metadata": [1]}, "metadata"),
        (
            {"eventId": "login", "userId": "a", "metadata": {f"f{i}": i for i in range(11)}},
            "metadata",
        ),
        ({"eventId": "login", "userId": "a", "timestamp": "yesterday"}, "timestamp"),
        ({"eventId": "login", "userId": "a", "timestamp": -5}, "timestamp"),
    ],
)
def test_bad_input_is_validation_error_with_details(api, make, app, admin_key, body, field):
    make.rule("login", points=10)
    r = api.post("/v1/event", admin_key, body)
    assert r.status_code == 400 and error_code(r) == "validation_error"
    assert field in r.get_json()["error"]["details"]
    with app.app_context():
        assert db.session.scalar(select(EventLog.id)) is None


def test_ten_metadata_fields_are_fine(api, make, admin_key):
    make.rule("login", points=10)
    body = {"eventId": "login", "userId": "a", "metadata": {f"f{i}": i for i in range(10)}}
    assert api.post("/v1/event", admin_key, body).status_code == 200


@pytest.mark.parametrize("raw", [b"not json", b"[1, 2]", b'"text"'])
def test_a_body_that_is_not_a_json_object_is_validation_error(api, admin_key, raw):
    r = api.client.post(
        "/v1/event", data=raw, headers={**admin_key, "Content-Type": "application/json"}
    )
    assert r.status_code == 400 and error_code(r) == "validation_error"


def test_points_past_the_32_bit_columns_are_refused_not_a_500(api, make, admin_key):
    make.rule("buy", type="TRANSACTION", points=None, points_per_unit=5)
    r = api.post("/v1/event", admin_key, {"eventId": "buy", "userId": "rich", "amount": 1e9})
    assert r.status_code == 400 and "metadata.amount" in r.get_json()["error"]["details"]
    make.rule("big", type="TRANSACTION", points=None, points_per_unit=1)
    body = {"eventId": "big", "userId": "rich", "amount": 1_000_000_000}
    assert [api.post("/v1/event", admin_key, body).status_code for _ in range(3)] == [200, 200, 400]
    assert api.get("/v1/user/rich/points", admin_key).get_json()["points"] == 2_000_000_000
