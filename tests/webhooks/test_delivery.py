"""Delivery to a real receiver on 127.0.0.1: Standard Webhooks signatures checked with the
`standardwebhooks` verifier, retries with the same webhook-id, the attempt log, failure,
the SSRF guard at delivery time, rotation, test messages and /healthz."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from loyalty_portal.extensions import db
from loyalty_portal.models import OutboxMessage, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from loyalty_portal.services.core import outbox
from loyalty_portal.services.core.actors import Actor
from loyalty_portal.services.earning import events
from loyalty_portal.services.webhooks import deliveries, endpoints
from loyalty_portal.services.webhooks.sending import Reply
from loyalty_portal.timeutil import utcnow
from loyalty_portal.worker import Worker
from tests.webhooks.receiver import Receiver

ADMIN = Actor.system("test-admin")


def subscribe(api, url, events=("*",)):
    r = api.post("/v1/webhook", api.key("webhooks"), {"url": url, "events": list(events)})
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def deliver(app):
    Worker(app, ["deliveries"]).run_once()


def deliveries_of(app):
    with app.app_context():
        rows = db.session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)).all()
        found = [(d.message.type, d.status, d.attempts) for d in rows]
        db.session.rollback()
        return found


def test_a_change_arrives_signed_with_its_documented_body(app, api, make, receiver):
    hook = subscribe(api, receiver.url, ["points.earned"])
    make.rule("visit", points=10, title="Visit")
    r = api.post("/v1/event", api.key("events"), {"eventId": "visit", "userId": "ann"})
    assert r.status_code == 200
    deliver(app)
    [got] = receiver.wait_for(1)
    body = got.verified(hook["secret"])  # raises unless the signature is right
    assert body["type"] == "points.earned"
    assert body["data"] == {
        "userId": "ann",
        "points": 10,
        "balance": 10,
        "eventId": "visit",
        "title": "Visit",
    }
    assert body["timestamp"].endswith("Z")
    assert got.headers["webhook-id"].startswith("msg_")
    assert got.headers["webhook-signature"].startswith("v1,")
    assert deliveries_of(app) == [("points.earned", "delivered", 1)]  # not member.created


def test_fails_twice_then_succeeds_with_the_same_webhook_id(app, api, make):
    receiver = Receiver(statuses=[500, 503]).start()
    try:
        hook = subscribe(api, receiver.url)
        make.member("bea")
        deliver(app)
        got = receiver.wait_for(3)
    finally:
        receiver.stop()
    assert len(got) == 3
    assert len({g.headers["webhook-id"] for g in got}) == 1
    assert all(g.verified(hook["secret"])["type"] == "member.created" for g in got)
    assert deliveries_of(app) == [("member.created", "delivered", 3)]
    with app.app_context():
        log = db.session.scalars(select(WebhookAttempt).order_by(WebhookAttempt.id)).all()
        assert [(a.status_code, a.succeeded) for a in log] == [
            (500, False),
            (503, False),
            (200, True),
        ]
        assert log[0].response_excerpt == "answered 500"


def test_failed_after_the_last_attempt(app, api, make):
    receiver = Receiver(statuses=[500] * 10).start()
    try:
        subscribe(api, receiver.url)
        make.member("cy")
        deliver(app)
        deliver(app)
    finally:
        receiver.stop()
    # three retries configured (WEBHOOK_RETRY_DELAYS): four attempts, then failed
    assert len(receiver.received) == 4
    assert deliveries_of(app) == [("member.created", "failed", 4)]


def test_a_rolled_back_change_sends_nothing(app, api, make, receiver):
    hook = subscribe(api, receiver.url)
    make.rule("visit", points=10)
    with app.app_context():
        events.record_event(db.session, user_id="ghost", event_id="visit", now=utcnow(), source="t")
        db.session.rollback()
    make.member("real")
    deliver(app)
    got = receiver.wait_for(1)
    assert [g.verified(hook["secret"])["data"]["userId"] for g in got] == ["real"]


def test_a_later_endpoint_never_hears_older_changes(app, api, make, receiver):
    make.member("early")
    subscribe(api, receiver.url)
    make.member("late")
    deliver(app)
    got = receiver.wait_for(1)
    assert len(got) == 1 and b'"userId":"late"' in got[0].body


def test_a_backlog_nobody_hears_does_not_hold_back_a_later_change(app, api, make, receiver):
    earlier = utcnow() - timedelta(minutes=5)
    with app.app_context():  # more than one fan-out round of messages from before the endpoint
        for i in range(450):
            db.session.add(OutboxMessage(**outbox.message_row("member.created", {"i": i}, earlier)))
        db.session.commit()
    subscribe(api, receiver.url)
    make.member("late")
    deliver(app)  # one pass of the worker
    got = receiver.wait_for(1)
    assert len(got) == 1 and b'"userId":"late"' in got[0].body
    assert deliveries_of(app) == [("member.created", "delivered", 1)]


def test_rotation_signs_with_both_secrets_for_a_day(app, api, make, receiver):
    hook = subscribe(api, receiver.url)
    with app.app_context():
        endpoint = db.session.get_one(WebhookEndpoint, hook["webhookId"])
        new = endpoints.rotate_secret(db.session, endpoint, actor=ADMIN, now=utcnow())
        db.session.commit()
        tomorrow = utcnow() + timedelta(hours=25)
        assert endpoints.signing_secrets(endpoint, tomorrow) == [new]
    make.member("dee")
    deliver(app)
    [got] = receiver.wait_for(1)
    assert got.verified(hook["secret"]) == got.verified(new)
    assert len(got.headers["webhook-signature"].split(" ")) == 2


def test_private_address_refused_at_delivery_time(app, api, make, receiver):
    subscribe(api, receiver.url)
    make.member("eve")
    app.config["WEBHOOKS_ALLOW_PRIVATE"] = False
    app.config["WEBHOOK_RETRY_DELAYS"] = (3600,)
    deliver(app)
    assert receiver.received == []
    with app.app_context():
        attempt = db.session.scalars(select(WebhookAttempt)).one()
        assert not attempt.succeeded and "loopback" in (attempt.error or "")


def test_no_answer_within_the_timeout_is_a_failed_attempt(app, api, make):
    app.config["WEBHOOK_TIMEOUT_SECONDS"] = 1
    app.config["WEBHOOK_RETRY_DELAYS"] = (3600,)
    receiver = Receiver(hold_seconds=3).start()
    try:
        subscribe(api, receiver.url)
        make.member("fin")
        deliver(app)
    finally:
        receiver.stop()
    with app.app_context():
        attempt = db.session.scalars(select(WebhookAttempt)).one()
        assert attempt.error == "No answer within 1 s." and attempt.status_code is None
    assert deliveries_of(app) == [("member.created", "pending", 1)]


def test_an_endpoint_failing_for_three_days_is_disabled(app, api, make, receiver):
    hook = subscribe(api, receiver.url)
    make.member("gil")
    with app.app_context():
        deliveries.dispatch(db.session, utcnow())
        [delivery] = db.session.scalars(select(WebhookDelivery)).all()
        start = utcnow()
        failed = Reply(False, 500, 3)
        deliveries.record(db.session, delivery.id, failed, start, delays=(60,) * 9)
        deliveries.record(db.session, delivery.id, failed, start + timedelta(days=2))
        endpoint = db.session.get_one(WebhookEndpoint, hook["webhookId"])
        assert endpoint.status == "ACTIVE"
        deliveries.record(db.session, delivery.id, failed, start + timedelta(days=3))
        assert endpoint.status == "DISABLED" and "3 days" in (endpoint.disabled_reason or "")
        db.session.commit()
    listed = api.get("/v1/webhook", api.key("webhooks")).get_json()["webhooks"]
    assert listed[0]["status"] == "DISABLED"


def test_test_message_goes_to_its_endpoint_only(app, api, receiver):
    other = Receiver().start()
    try:
        hook = subscribe(api, receiver.url, ["points.earned"])
        subscribe(api, other.url)
        with app.app_context():
            endpoint = db.session.get_one(WebhookEndpoint, hook["webhookId"])
            endpoints.send_test(db.session, endpoint, actor=ADMIN, now=utcnow())
            db.session.commit()
        deliver(app)
        [got] = receiver.wait_for(1)
        assert got.verified(hook["secret"])["type"] == "webhook.test"
        assert other.received == []
    finally:
        other.stop()


def test_healthz_reports_heartbeat_and_backlog(app, api, client, make, receiver):
    subscribe(api, receiver.url)
    make.member("hub")
    health = client.get("/healthz").get_json()
    assert health["outbox"]["oldestUndeliveredSeconds"] is not None
    assert health["worker"]["lastHeartbeat"] is None
    deliver(app)
    health = client.get("/healthz").get_json()
    assert health["outbox"]["oldestUndeliveredSeconds"] is None
    assert health["worker"]["secondsSinceHeartbeat"] is not None
    with app.app_context():
        assert db.session.scalars(select(OutboxMessage)).one().dispatched_at is not None


def test_old_messages_are_purged_once_nothing_is_left_to_send(app, api, make, receiver):
    subscribe(api, receiver.url)
    make.member("old")
    deliver(app)
    make.member("new")  # written, not yet sent
    with app.app_context():
        later = utcnow() + timedelta(days=31)
        assert deliveries.purge(db.session, later) == 1
        db.session.commit()
        left = db.session.scalars(select(OutboxMessage)).all()
        assert [m.data["userId"] for m in left] == ["new"]
        assert db.session.scalars(select(WebhookAttempt)).all() == []
