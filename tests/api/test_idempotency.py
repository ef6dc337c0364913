"""Idempotency-Key on every write: replay, 422 on another body, 409 while in flight."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from loyalty_portal.extensions import db
from loyalty_portal.models import ApiKey
from loyalty_portal.services.core import idempotency
from loyalty_portal.timeutil import utcnow
from tests.api.conftest import error_code, snapshot

EVENT = {"eventId": "login", "userId": "a"}


@pytest.fixture
def world(make):
    make.rule("login", points=10)
    make.offer("coffee", cost=10)
    make.member("a", balance=15)


def _with_key(headers, key):
    return {**headers, "Idempotency-Key": key}


def test_a_retry_replays_the_first_answer_and_awards_once(api, app, world, admin_key):
    first = api.post("/v1/event", _with_key(admin_key, "evt-1"), EVENT)
    assert first.status_code == 200 and "Idempotent-Replayed" not in first.headers
    before = snapshot(app)
    again = api.post("/v1/event", _with_key(admin_key, "evt-1"), EVENT)
    assert again.status_code == 200
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json() == first.get_json()
    assert snapshot(app) == before
    assert api.get("/v1/user/a/points", admin_key).get_json()["points"] == 25


def test_version_prefixes_share_the_key(api, world, admin_key):
    api.post("/v1/event", _with_key(admin_key, "evt-1"), EVENT)
    again = api.post("/v2/event", _with_key(admin_key, "evt-1"), EVENT)
    assert again.headers.get("Idempotent-Replayed") == "true"


def test_the_same_key_with_another_body_is_422(api, app, world, admin_key):
    api.post("/v1/event", _with_key(admin_key, "evt-1"), EVENT)
    before = snapshot(app)
    r = api.post("/v1/event", _with_key(admin_key, "evt-1"), {**EVENT, "userId": "b"})
    assert r.status_code == 422 and error_code(r) == "idempotency_key_reused"
    assert snapshot(app) == before


def test_a_key_still_in_flight_is_409(api, app, world, admin_key):
    request_hash = idempotency.fingerprint("POST", "/event", EVENT)
    with app.app_context():
        key_id = db.session.scalar(select(ApiKey.id).order_by(ApiKey.id.desc()))
        idempotency.claim(
            db.session, f"api_key:{key_id}", "evt-1", request_hash, utcnow(), timedelta(seconds=60)
        )
        db.session.commit()
    before = snapshot(app)
    r = api.post("/v1/event", _with_key(admin_key, "evt-1"), EVENT)
    assert r.status_code == 409 and error_code(r) == "request_in_progress"
    assert snapshot(app) == before


def test_keys_are_scoped_per_credential(api, world, admin_key):
    one, two = api.key("events"), api.key("events")
    assert "Idempotent-Replayed" not in api.post("/v1/event", _with_key(one, "k"), EVENT).headers
    assert "Idempotent-Replayed" not in api.post("/v1/event", _with_key(two, "k"), EVENT).headers
    member = api.member("a")
    body = {"eventId": "login"}
    assert "Idempotent-Replayed" not in api.post("/v1/event", _with_key(member, "k"), body).headers
    assert api.post("/v1/event", _with_key(member, "k"), body).headers["Idempotent-Replayed"]
    assert api.get("/v1/user/a/points", admin_key).get_json()["points"] == 45


def test_a_refusal_is_replayed_too(api, app, world, admin_key):
    headers = _with_key(admin_key, "redeem-1")
    assert api.post("/v1/user/a/offer/coffee/redeem", headers).status_code == 201
    refused = api.post("/v1/user/a/offer/coffee/redeem", _with_key(admin_key, "redeem-2"))
    assert refused.status_code == 409 and error_code(refused) == "insufficient_points"
    api.post("/v1/user/a/points", admin_key, {"points": 100, "reason": "top up"})
    replay = api.post("/v1/user/a/offer/coffee/redeem", _with_key(admin_key, "redeem-2"))
    assert replay.status_code == 409 and replay.headers["Idempotent-Replayed"] == "true"
    assert replay.get_json() == refused.get_json()
    fresh = api.post("/v1/user/a/offer/coffee/redeem", _with_key(admin_key, "redeem-3"))
    assert fresh.status_code == 201


def test_put_and_delete_replay(api, world, admin_key):
    coupon = api.post("/v1/user/a/offer/coffee/redeem", admin_key).get_json()["coupon"]
    path = f"/v1/user/a/coupon/{coupon['couponId']}"
    first = api.call("PUT", path, _with_key(admin_key, "use-1"), json={})
    again = api.call("PUT", path, _with_key(admin_key, "use-1"), json={})
    assert (first.status_code, again.status_code) == (200, 200)
    assert again.headers["Idempotent-Replayed"] == "true"
    gone = api.call("DELETE", "/v1/user/a", _with_key(admin_key, "del-1"))
    replay = api.call("DELETE", "/v1/user/a", _with_key(admin_key, "del-1"))
    assert (gone.status_code, replay.status_code) == (200, 200)
    assert replay.headers["Idempotent-Replayed"] == "true"


@pytest.mark.parametrize("key", ["", "k" * 256])
def test_key_length_is_validated(api, app, world, admin_key, key):
    before = snapshot(app)
    r = api.post("/v1/event", _with_key(admin_key, key), EVENT)
    assert r.status_code == 400 and error_code(r) == "validation_error"
    assert snapshot(app) == before


def test_erasing_a_member_forgets_their_keys(api, app, world, admin_key):
    member = api.member("a")
    api.post("/v1/event", _with_key(member, "mine"), {"eventId": "login"})
    api.call("DELETE", "/v1/user/a", admin_key)
    counts = snapshot(app)
    assert counts["IdempotencyKey"] == 0
