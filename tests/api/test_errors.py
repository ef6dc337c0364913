"""Errors are JSON everywhere under /v0-/v3: routing 404/405, 413, 500; never HTML."""

from __future__ import annotations

import pytest

from loyalty_portal.services.members import summary
from tests.api.conftest import error_code


@pytest.mark.parametrize("prefix", ["/v0", "/v1", "/v2", "/v3"])
def test_unknown_route_is_json_404(api, admin_key, prefix):
    r = api.get(f"{prefix}/no/such/route", admin_key)
    assert r.status_code == 404 and r.is_json and error_code(r) == "not_found"


def test_other_version_prefixes_are_not_the_api(api, admin_key):
    r = api.get("/v4/user/a/points", admin_key)
    assert r.status_code == 404 and not r.is_json


def test_wrong_method_is_json_405_with_allow(api, admin_key):
    r = api.call("DELETE", "/v1/event", admin_key)
    assert r.status_code == 405 and error_code(r) == "method_not_allowed"
    assert "POST" in r.headers["Allow"]
    r = api.call("PATCH", "/v1/user/a", admin_key)
    assert set(r.headers["Allow"].split(", ")) >= {"GET", "DELETE"}


def test_too_large_body_is_413(api, make, admin_key):
    make.rule("login", points=10)
    body = {"eventId": "login", "userId": "a", "metadata": {"blob": "x" * 70_000}}
    r = api.post("/v1/event", admin_key, body)
    assert r.status_code == 413 and error_code(r) == "payload_too_large"


def test_an_unexpected_error_is_json_500_without_a_trace(api, make, admin_key, monkeypatch):
    make.member("a")

    def boom(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(summary, "points_now", boom)  # what the points read calls
    r = api.get("/v1/user/a/points", admin_key)
    assert r.status_code == 500
    assert r.get_json() == {
        "error": {"code": "internal_error", "message": "Internal server error."}
    }
    assert b"secret internals" not in r.data


def test_errors_carry_code_and_message_only(api, admin_key):
    r = api.get("/v1/user/ghost", admin_key)
    assert r.get_json() == {"error": {"code": "user_not_found", "message": "No user 'ghost'."}}
