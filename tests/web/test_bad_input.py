"""Boundary dates, NUL characters, deep JSON and huge ids: each a clear 400 (or 404), never
a 500, in the member portal, the admin area and the API; nothing is stored."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from loyalty_portal.models import AuditLog, EventLog, LedgerEntry
from tests.web.portal_support import logged_in_member, read, text_of

OUT_OF_RANGE = ["0001-01-01", "9999-12-31"]
RANGE_MESSAGE = "Choose a date from 1900-01-01 to 2999-12-31."


@pytest.fixture
def admin(make, auth):
    make.admin("root@example.com")
    auth.login("root@example.com")


@pytest.fixture
def key(make):
    return {"x-api-key": make.api_key()[1]}


def count(app, model):
    return read(app, lambda s: s.scalar(select(func.count()).select_from(model)))


@pytest.mark.parametrize("day", OUT_OF_RANGE)
def test_member_history_says_which_date_is_out_of_range(client, make, day):
    logged_in_member(client, make)
    for query in (f"start={day}", f"end={day}", f"start={day}&end={day}"):
        response = client.get(f"/portal/history?{query}")
        assert response.status_code == 200, query
        assert RANGE_MESSAGE in text_of(response.get_data(as_text=True)), query


@pytest.mark.parametrize("day", OUT_OF_RANGE)
def test_audit_log_and_dashboard_refuse_out_of_range_dates(client, admin, day):
    for path in ("/admin/audit", "/admin/"):
        for name in ("from", "to"):
            response = client.get(path, query_string={name: day})
            assert response.status_code == 400, (path, name)
            assert RANGE_MESSAGE in response.get_data(as_text=True), (path, name)


@pytest.mark.parametrize("day", OUT_OF_RANGE)
def test_csv_export_shows_a_form_error(app, client, admin, day):
    for name in ("start", "end"):
        response = client.post("/admin/exports", data={"kind": "ledger", name: day})
        assert response.status_code == 400, name
        assert response.mimetype == "text/html"
        assert RANGE_MESSAGE in response.get_data(as_text=True)
    assert count(app, AuditLog) == 0  # no export was recorded


@pytest.mark.parametrize("day", OUT_OF_RANGE)
def test_api_history_answers_400_with_the_field(client, make, key, day):
    make.member("ann", balance=10)
    for name in ("from", "to"):
        response = client.get(f"/v1/user/ann/history?{name}={day}", headers=key)
        assert response.status_code == 400
        error = response.get_json()["error"]
        assert error["code"] == "validation_error" and error["details"] == {name: [RANGE_MESSAGE]}


@pytest.mark.parametrize("month", ["0000-01", "9999-12", "1899-12", "3000-01"])
def test_leaderboard_months_out_of_range_are_refused(client, make, key, month):
    make.member("ann", balance=10)
    for path in ("/v1/user/ann/leaderboard", "/v1/project/test-project/leaderboard"):
        response = client.get(
            path, query_string={"groupId": "default", "month": month}, headers=key
        )
        assert response.status_code == 400, path
        assert response.get_json()["error"]["details"] == {
            "month": ["Choose a month from 1900-01 to 2999-12."]
        }
    ok = client.get("/v1/user/ann/leaderboard?groupId=default&month=2999-12", headers=key)
    assert ok.status_code == 200


def test_nul_in_ids_event_ids_and_reasons_is_refused_by_the_api(app, client, make, key):
    make.member("ann", balance=100)
    make.rule("visit", points=10)
    calls = [
        ("GET", "/v1/user/a%00b", None),
        ("GET", "/v1/offer/x%00", None),
        ("POST", "/v1/event", {"eventId": "vis\x00it", "userId": "ann"}),
        ("POST", "/v1/event", {"eventId": "visit", "userId": "an\x00n"}),
        ("POST", "/v1/user/ann/points", {"points": 5, "reason": "because\x00"}),
        ("POST", "/v1/event", {"eventId": "visit", "userId": "ann", "metadata": {"k": "\x00"}}),
        ("POST", "/v1/event", {"eventId": "visit", "userId": "ann", "metadata": {"\x00": 1}}),
        ("GET", "/v1/user/ann/history?lang=d%00e", None),
    ]
    for method, path, body in calls:
        response = client.open(path, method=method, json=body, headers=key)
        assert response.status_code == 400, (method, path, body)
        error = response.get_json()["error"]
        assert error["code"] == "validation_error"
        assert error["message"] == "Text may not contain NUL characters (\\u0000).", path
    assert count(app, EventLog) == 0
    assert count(app, LedgerEntry) == 1  # the opening balance only


def test_nul_in_admin_search_and_forms_is_a_clear_400(app, client, admin, make):
    make.member("ann", balance=100)
    for path in ("/admin/members?q=a%00", "/admin/offers?q=%00", "/admin/audit?actor=%00"):
        response = client.get(path)
        assert response.status_code == 400, path
        assert "Text may not contain NUL characters" in response.get_data(as_text=True)
    response = client.post("/admin/members/ann/adjust", data={"points": "5", "reason": "a\x00b"})
    assert response.status_code == 400
    assert count(app, LedgerEntry) == 1


def test_json_nested_deeply_is_a_400_not_a_recursion_error(client, key):
    deep_bodies = ("[" * 3000 + "]" * 3000, '{"a":' * 3000 + "1" + "}" * 3000)
    for deep in deep_bodies:
        for content_type in ("application/json", "text/plain"):  # the API reads both
            response = client.post("/v1/event", data=deep, content_type=content_type, headers=key)
            assert response.status_code == 400, content_type
            assert "nest at most 32 levels" in response.get_json()["error"]["message"]
    nul = '{"eventId": "visit", "userId": "ann", "metadata": {"k": "\\u0000"}}'
    response = client.post("/v1/event", data=nul, content_type="text/plain", headers=key)
    assert response.status_code == 400 and "NUL" in response.get_json()["error"]["message"]
    # brackets inside strings do not count
    text = {"eventId": "x", "userId": "ann", "metadata": {"note": '[\\"[' * 30}}
    response = client.post("/v1/event", json=text, headers=key)
    assert "nest at most" not in response.get_data(as_text=True)


def test_ids_too_large_for_a_column_are_not_found(client, admin):
    for path in ("/admin/rules/99999999999999999999", "/admin/tiers/2147483648"):
        assert client.get(path).status_code == 404, path
    assert client.post("/admin/api-keys/99999999999999999999/revoke").status_code == 404
