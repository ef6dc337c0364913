"""The admin's webhook pages: create (secret shown once, after the redirect), the type
picker, rotate, disable and enable, delete, the delivery log with filters, replay and a
test message; every action audited."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from loyalty_portal.extensions import db
from loyalty_portal.models import AuditLog, WebhookDelivery, WebhookEndpoint
from loyalty_portal.worker import Worker
from tests.webhooks.receiver import Receiver


@pytest.fixture
def admin(make, auth):
    account = make.admin("root@example.com")
    auth.login("root@example.com")
    return account


def secret_on(page: bytes) -> str | None:
    found = re.search(rb'data-testid="webhook-secret">([^<]+)<', page)
    return found.group(1).decode() if found else None


def create(client, url, events=("points.earned", "redemption.created")):
    return client.post("/admin/webhooks", data={"url": url, "events": list(events)})


def test_create_shows_the_secret_once_after_the_redirect(app, client, admin, receiver):
    r = create(client, receiver.url)
    assert r.status_code == 303
    page = client.get(r.headers["Location"])
    assert page.headers["Cache-Control"] == "no-store"
    secret = secret_on(page.data)
    assert secret and secret.startswith("whsec_")
    again = client.get(r.headers["Location"])
    assert secret_on(again.data) is None and secret.encode() not in again.data
    with app.app_context():
        endpoint = db.session.scalars(select(WebhookEndpoint)).one()
        assert endpoint.secret == secret
        assert endpoint.event_types == ["points.earned", "redemption.created"]
        assert db.session.scalars(select(AuditLog.action)).all().count("webhook.create") == 1
    listing = client.get("/admin/webhooks").data.decode()
    assert receiver.url in listing and "points.earned, redemption.created" in listing


def test_refusals_show_on_the_form(client, admin, app):
    app.config["WEBHOOKS_ALLOW_PRIVATE"] = False
    r = create(client, "http://127.0.0.1:8080/hooks")
    assert r.status_code == 400 and b"loopback, private or link-local" in r.data
    r = create(client, "https://example.invalid.test/", events=())
    assert r.status_code == 400 and b"at least one event type" in r.data


def test_test_message_log_and_replay(app, client, admin):
    receiver = Receiver(statuses=[500]).start()
    app.config["WEBHOOK_RETRY_DELAYS"] = ()  # one attempt, then failed
    try:
        location = create(client, receiver.url).headers["Location"]
        client.get(location)  # the secret is shown (and gone)
        r = client.post(location + "/test")
        assert r.status_code == 303
        Worker(app, ["deliveries"]).run_once()
        page = client.get(location).data.decode()
        assert "webhook.test" in page and "Failed" in page and "answered 500" in page
        with app.app_context():
            delivery = db.session.scalars(select(WebhookDelivery)).one()
        assert client.post(f"/admin/webhooks/deliveries/{delivery.id}/replay").status_code == 303
        Worker(app, ["deliveries"]).run_once()
        got = receiver.wait_for(2)
        assert len(got) == 2 and got[0].headers["webhook-id"] == got[1].headers["webhook-id"]
        delivered = client.get(location + "?status=delivered").data.decode()
        assert "webhook.test" in delivered and "Delivered" in delivered
        failed = client.get(location + "?status=failed").data.decode()
        assert "No deliveries match these filters" in failed
        other_type = client.get(location + "?type=points.earned").data.decode()
        assert "No deliveries match these filters" in other_type
    finally:
        receiver.stop()
    with app.app_context():
        actions = set(db.session.scalars(select(AuditLog.action)))
    assert {"webhook.create", "webhook.test", "webhook.replay"} <= actions


def test_rotate_disable_enable_delete(app, client, admin, receiver):
    location = create(client, receiver.url).headers["Location"]
    first = secret_on(client.get(location).data)
    client.post(location + "/rotate")
    page = client.get(location).data.decode()
    second = secret_on(page.encode())
    assert second and second != first and "still signs until" in page
    client.post(location + "/status", data={"active": "0"})
    assert "Disabled by an admin." in client.get(location).data.decode()
    client.post(location + "/status", data={"active": "1"})
    assert "Disabled by an admin." not in client.get(location).data.decode()
    assert client.post(location + "/delete").status_code == 303
    assert client.get(location).status_code == 404
    with app.app_context():
        actions = list(db.session.scalars(select(AuditLog.action).order_by(AuditLog.id)))
    assert actions[-5:] == [
        "webhook.create",
        "webhook.rotate_secret",
        "webhook.disable",
        "webhook.enable",
        "webhook.delete",
    ]
