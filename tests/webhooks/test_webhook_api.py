"""/v1/webhook (scope `webhooks`), the SSRF guard, and the shop's fulfilment call."""

from __future__ import annotations

import base64

import pytest
from sqlalchemy import select

from loyalty_portal.extensions import db
from loyalty_portal.models import AuditLog, OutboxMessage
from tests.api.conftest import counted_queries, error_code


def test_create_list_delete(api, receiver):
    key = api.key("webhooks")
    r = api.post(
        "/v1/webhook", key, {"url": receiver.url, "events": ["points.earned"], "description": "CRM"}
    )
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert body["status"] == "ACTIVE" and body["events"] == ["points.earned"]
    assert body["url"] == receiver.url and body["description"] == "CRM"
    assert body["secret"].startswith("whsec_")
    assert len(base64.b64decode(body["secret"].removeprefix("whsec_"))) == 32
    listed = api.get("/v1/webhook", key).get_json()["webhooks"]
    assert [w["webhookId"] for w in listed] == [body["webhookId"]]
    assert "secret" not in listed[0]
    r = api.call("DELETE", f"/v1/webhook/{body['webhookId']}", key)
    assert r.status_code == 200 and r.get_json() == {"success": True, "message": "webhook deleted"}
    assert api.get("/v1/webhook", key).get_json() == {"webhooks": []}
    r = api.call("DELETE", f"/v1/webhook/{body['webhookId']}", key)
    assert r.status_code == 404 and error_code(r) == "webhook_not_found"


def test_every_change_is_audited(api, app, receiver):
    key = api.key("webhooks")
    hook = api.post("/v1/webhook", key, {"url": receiver.url, "events": ["*"]}).get_json()
    api.call("DELETE", f"/v1/webhook/{hook['webhookId']}", key)
    with app.app_context():
        actions = db.session.scalars(
            select(AuditLog.action).where(AuditLog.target_id == hook["webhookId"])
        ).all()
    assert sorted(actions) == ["webhook.create", "webhook.delete"]


def test_scope_and_credential(api, receiver):
    body = {"url": receiver.url, "events": ["*"]}
    r = api.post("/v1/webhook", api.key("events", "users", "redeem", "read"), body)
    assert r.status_code == 403 and error_code(r) == "forbidden"
    r = api.post("/v1/webhook", api.member("alice"), body)
    assert r.status_code == 403
    assert api.get("/v1/webhook", {}).status_code == 401


@pytest.mark.parametrize(
    ("events", "field"),
    [([], "events"), (["points.earned", "nope.never"], "events"), ("points.earned", "events")],
)
def test_event_types_are_checked(api, receiver, events, field):
    r = api.post("/v1/webhook", api.key("webhooks"), {"url": receiver.url, "events": events})
    assert r.status_code == 400 and error_code(r) == "validation_error"
    assert field in r.get_json()["error"]["details"]


@pytest.fixture
def guarded(app):
    app.config["WEBHOOKS_ALLOW_PRIVATE"] = False
    return app


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/hook",
        "http://localhost/hook",
        "http://10.1.2.3/hook",
        "http://192.168.0.10/hook",
        "http://172.16.5.4/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://0.0.0.0/hook",
        "ftp://example.com/hook",
        "http://user:pw@example.com/hook",
        "not a url",
    ],
)
def test_private_and_odd_urls_are_refused(guarded, api, url):
    r = api.post("/v1/webhook", api.key("webhooks"), {"url": url, "events": ["*"]})
    assert r.status_code == 400 and error_code(r) == "validation_error"
    assert r.get_json()["error"]["details"]["url"]


def test_openapi_documents_the_routes_and_the_scope(api, client):
    doc = client.get("/v1/openapi.json").get_json()
    assert doc["paths"]["/v1/webhook"]["post"]["x-scope"] == "webhooks"
    assert "delete" in doc["paths"]["/v1/webhook/{webhookId}"]
    assert doc["paths"]["/v1/coupon/{couponId}/fulfil"]["post"]["x-scope"] == "redeem"
    assert "webhooks" in doc["components"]["securitySchemes"]["apiKey"]["description"]


def test_shop_fulfils_a_manual_redemption(api, app, make):
    make.member("gus", balance=500)
    make.offer("tshirt", cost=100, fulfilment="manual")
    key = api.key("redeem")
    coupon = api.post("/v1/user/gus/offer/tshirt/redeem", key, {}).get_json()["coupon"]
    assert coupon["status"] == "PENDING" and coupon["code"] is None
    r = api.post(f"/v1/coupon/{coupon['couponId']}/fulfil", key, {"code": "SHIRT-7"})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["coupon"]["status"] == "ACTIVE"
    assert r.get_json()["coupon"]["code"] == "SHIRT-7"
    again = api.post(f"/v1/coupon/{coupon['couponId']}/fulfil", key, {})
    assert again.status_code == 409 and error_code(again) == "coupon_not_active"
    with app.app_context():
        fulfilled = db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.type == "redemption.fulfilled")
        ).all()
    assert [(m.data["couponId"], m.data["code"]) for m in fulfilled] == [
        (coupon["couponId"], "SHIRT-7")
    ]


def test_fulfil_generates_a_code_and_needs_the_redeem_scope(api, make):
    make.member("gus", balance=500)
    make.offer("tshirt", cost=100, fulfilment="manual")
    coupon = api.post("/v1/user/gus/offer/tshirt/redeem", api.key("redeem"), {}).get_json()
    path = f"/v1/coupon/{coupon['coupon']['couponId']}/fulfil"
    assert api.post(path, api.key("read"), {}).status_code == 403
    assert api.post(path, api.member("gus"), {}).status_code == 403
    r = api.post(path, api.key("redeem"), {})
    assert r.status_code == 200 and r.get_json()["coupon"]["code"]
    missing = api.post("/v1/coupon/cp_nope/fulfil", api.key("redeem"), {})
    assert missing.status_code == 404 and error_code(missing) == "coupon_not_found"


def test_the_outbox_adds_one_statement_to_an_earning_event(api, app, make):
    make.member("ann")
    make.rule("visit", points=10)
    make.rule("review", type="CONDITIONAL", points=25, value_field="rating", threshold=4)
    key = api.key("events")
    api.post("/v1/event", key, {"eventId": "visit", "userId": "ann"})  # first tier check
    with counted_queries(app) as statements:
        r = api.post("/v1/event", key, {"eventId": "visit", "userId": "ann"})
    assert r.status_code == 200 and r.get_json()["data"]["points"] == 10
    assert len([s for s in statements if "outbox_message" in s]) == 1
    with counted_queries(app) as statements:
        body = {"eventId": "review", "userId": "ann", "metadata": {"rating": 1}}
        api.post("/v1/event", key, body)
    assert [s for s in statements if "outbox_message" in s] == []  # no points, no message
