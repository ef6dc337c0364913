"""API keys (shown once, scopes, last use, revoke) and the audit log page."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from loyalty_portal.extensions import db
from loyalty_portal.models import ApiKey, AuditLog
from loyalty_portal.services.core import audit
from loyalty_portal.services.core.actors import Actor
from loyalty_portal.services.members import api_keys
from loyalty_portal.timeutil import utcnow


@pytest.fixture
def admin(make, auth):
    account = make.admin("root@example.com")
    auth.login("root@example.com")
    return account


def test_create_a_key_shows_it_once(app, client, admin):
    response = client.post(
        "/admin/api-keys", data={"name": "Shop backend", "scopes": ["events", "read"]}
    )
    assert response.status_code == 303  # post/redirect/get: a reload re-sends no form
    response = client.get(response.headers["Location"])
    assert response.headers["Cache-Control"] == "no-store"
    plain = re.search(rb'data-testid="plain-key">([^<]+)<', response.data).group(1).decode()
    listing = client.get("/admin/api-keys").data.decode()
    assert plain not in listing and "never" in listing
    with app.app_context():
        key = db.session.query(ApiKey).one()
        assert (key.name, key.scopes) == ("Shop backend", ["events", "read"])
        assert key.prefix in listing
        assert api_keys.authenticate(db.session, plain, utcnow()).id == key.id
        entry = db.session.query(AuditLog).filter_by(action="api_key.create").one()
        assert entry.actor == "admin:root@example.com" and plain not in str(entry.after)


def test_key_form_validation(app, client, admin):
    response = client.post("/admin/api-keys", data={"name": "No scopes"})
    scopes = b"events, users, redeem, read, webhooks, program"
    assert b"Scopes must be some of: " + scopes + b"." in response.data
    assert b'value="No scopes"' in response.data
    with app.app_context():
        assert db.session.query(ApiKey).count() == 0


def test_last_use_and_revoke(app, client, admin, make):
    key, plain = make.api_key(["read"], name="reporting")
    assert b"never" in client.get("/admin/api-keys").data
    # a real call stamps the last use (after its own transaction, at most once a minute)
    app.test_client().get("/v1/user/nobody/points", headers={"x-api-key": plain})
    assert b"never" not in client.get("/admin/api-keys").data
    response = client.post(f"/admin/api-keys/{key.id}/revoke", follow_redirects=True)
    assert "API key “reporting” revoked.".encode() in response.data
    with app.app_context():
        assert api_keys.authenticate(db.session, plain, utcnow()) is None
        assert db.session.query(AuditLog).filter_by(action="api_key.revoke").count() == 1


def test_audit_log_filters_and_pages(app, client, admin):
    now = utcnow()
    ann, bob = Actor.system("ann-tool"), Actor.system("bob-tool")
    with app.app_context():
        for n in range(30):
            audit.record(
                db.session,
                ann,
                "offer.update",
                "offer",
                f"o{n}",
                now=now - timedelta(minutes=n),
                before={"cost": n},
                after={"cost": n + 1},
            )
        audit.record(db.session, bob, "member.erase", "member", "42", now=now - timedelta(days=3))
        db.session.commit()
    first = client.get("/admin/audit").data.decode()
    assert "<code>o0</code>" in first and "<code>o29</code>" not in first and 'rel="next"' in first
    assert "&#34;cost&#34;: 1" in first or '"cost": 1' in first  # before/after shown
    assert "<code>o29</code>" in client.get("/admin/audit?page=2").data.decode()
    by_actor = client.get("/admin/audit?actor=BOB").data.decode()
    assert "<code>member.erase</code>" in by_actor and "<code>offer.update</code>" not in by_actor
    by_action = client.get("/admin/audit?action=offer.").data.decode()
    assert "<code>offer.update</code>" in by_action and "<code>member.erase</code>" not in by_action
    by_target = client.get("/admin/audit?target_type=member&target_id=42").data.decode()
    assert "<code>member.erase</code>" in by_target and "<code>offer.update</code>" not in by_target
    day = (now - timedelta(days=3)).date().isoformat()
    by_day = client.get(f"/admin/audit?from={day}&to={day}").data.decode()
    assert "<code>member.erase</code>" in by_day and "<code>o0</code>" not in by_day
    oldest_first = client.get("/admin/audit?sort=time").data.decode()
    assert oldest_first.index("<code>member.erase</code>") < oldest_first.index("<code>o29</code>")
    assert b"is after" in client.get("/admin/audit?from=2030-01-02&to=2030-01-01").data
