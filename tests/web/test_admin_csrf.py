"""CSRF is on for every admin form and HTMX action (the default test config turns it off)."""

from __future__ import annotations

import re

import pytest

from loyalty_portal.extensions import db
from loyalty_portal.models import AuditLog, Member, Offer, Redemption
from loyalty_portal.services.core.actors import Actor
from loyalty_portal.services.rewards import redeeming
from loyalty_portal.timeutil import utcnow
from tests.web.test_admin_access import admin_routes, program  # noqa: F401  (fixture)

TOKEN = re.compile(rb'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
HX_TOKEN = re.compile(rb'"X-CSRFToken": "([^"]+)"')


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True}


def token_from(html: bytes) -> str:
    match = TOKEN.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1).decode()


@pytest.fixture
def admin_client(client, make):
    make.admin("root@example.com")
    page = client.get("/auth/login")
    response = client.post(
        "/auth/login",
        data={
            "email": "root@example.com",
            "password": "correct-horse-battery",
            "csrf_token": token_from(page.data),
        },
    )
    assert response.status_code == 303
    return client


def test_every_admin_post_without_a_token_is_refused(app, admin_client, program):  # noqa: F811
    with app.app_context():
        audit_before = db.session.query(AuditLog).count()
    posts = [(e, p) for e, m, p in admin_routes(app, program) if m == "POST"]
    for endpoint, path in posts:
        response = admin_client.post(path, data={"action": "issue", "ids": program["coupon_id"]})
        assert response.status_code == 403, (endpoint, path)
        assert b"Please reload the page" in response.data, endpoint
    with app.app_context():
        assert db.session.query(AuditLog).count() == audit_before
        assert db.session.get(Redemption, program["coupon_id"]).status == "PENDING"


def test_an_htmx_action_without_the_header_gets_an_inline_refusal(admin_client, program):  # noqa: F811
    response = admin_client.post(
        f"/admin/fulfilment/{program['coupon_id']}/issue", headers={"HX-Request": "true"}
    )
    assert response.status_code == 403
    assert b'role="alert"' in response.data and b"<html" not in response.data


def test_a_form_with_its_token_goes_through(app, admin_client):
    page = admin_client.get("/admin/offers/new")
    response = admin_client.post(
        "/admin/offers/new",
        data={
            "csrf_token": token_from(page.data),
            "id": "tote",
            "title": "Tote bag",
            "type": "LOCAL",
            "cost": "300",
            "fulfilment": "auto",
            "active": "y",
        },
    )
    assert response.status_code == 303
    with app.app_context():
        assert db.session.get(Offer, "tote").title == "Tote bag"


def test_an_htmx_action_with_the_page_header_token_goes_through(app, admin_client, make):
    make.offer("gift", cost=10, fulfilment="manual")
    make.member("bo", balance=50)
    with app.app_context():
        member = db.session.query(Member).filter_by(user_id="bo").one()
        coupon_id = redeeming.redeem(
            db.session, member, "gift", now=utcnow(), actor=Actor.member("bo")
        ).id
        db.session.commit()
    page = admin_client.get("/admin/fulfilment")
    token = HX_TOKEN.search(page.data).group(1).decode()
    response = admin_client.post(
        f"/admin/fulfilment/{coupon_id}/issue",
        data={"code": "HELLO-1"},
        headers={"HX-Request": "true", "X-CSRFToken": token},
    )
    assert response.status_code == 200
    assert b"HELLO-1" in response.data
    with app.app_context():
        assert db.session.get(Redemption, coupon_id).status == "ACTIVE"
