"""Every admin route, whatever its method: anonymous -> login, member -> 403, admin -> page.

The routes come from app.url_map, so a route added later is covered without editing this.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask import Flask

from loyalty_portal.extensions import db
from loyalty_portal.models import EarningRule, Member, Tier, WebhookDelivery
from loyalty_portal.services.core.actors import Actor
from loyalty_portal.services.ledger import holds
from loyalty_portal.services.rewards import coupons, redeeming
from loyalty_portal.services.webhooks import deliveries, endpoints
from loyalty_portal.timeutil import utcnow


@pytest.fixture
def program(app: Flask, make: Any) -> dict[str, str]:
    """One of everything, so every admin page has a real object to show."""
    make.shop("cafe", name="Corner Café")
    make.tier("Silver", 100)
    make.group("staff", "Staff")
    make.rule("daily_login", points=10)
    make.offer("coffee", cost=50, shop_id="cafe", fulfilment="manual")
    make.member("ann", balance=500)
    key, _ = make.api_key(["read"])
    campaign = make.campaign("Double", utcnow(), utcnow() + timedelta(days=1), multiplier="2")
    with app.app_context():
        ann = db.session.query(Member).filter_by(user_id="ann").one()
        coupon = redeeming.redeem(
            db.session, ann, "coffee", now=utcnow(), actor=Actor.member("ann")
        )
        hook = endpoints.create(
            db.session,
            "http://127.0.0.1:9/hooks",
            ["*"],
            actor=Actor.system("test"),
            now=utcnow(),
            allow_private=True,
        )
        endpoints.send_test(db.session, hook, actor=Actor.system("test"), now=utcnow())
        deliveries.dispatch(db.session, utcnow())
        values = {
            "endpoint_id": hook.id,
            "delivery_id": str(db.session.query(WebhookDelivery.id).limit(1).scalar()),
            "offer_id": "coffee",
            "shop_id": "cafe",
            "group_id": "staff",
            "user_id": "ann",
            "coupon_id": coupon.id,
            "key_id": str(key.id),
            "rule_id": str(db.session.query(EarningRule.id).scalar()),
            "tier_id": str(db.session.query(Tier.id).scalar()),
            "campaign_id": campaign.id,
            "order_key": "1017",
            "hold_id": holds.create_hold(db.session, "ann", 10, now=utcnow())[0].id,
        }
        db.session.commit()
    return values


def admin_routes(app: Flask, values: dict[str, str]) -> list[tuple[str, str, str]]:
    """(endpoint, method, path) for every admin route, with real ids filled in."""
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("admin."):
            continue
        path = rule.rule
        for name in rule.arguments:
            path = path.replace(f"<int:{name}>", values[name]).replace(f"<{name}>", values[name])
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.append((rule.endpoint, method, path))
    return found


def test_the_admin_area_has_its_routes(app, program):
    routes = admin_routes(app, program)
    endpoints = {endpoint for endpoint, _, _ in routes}
    assert len(endpoints) >= 35
    assert {"admin.dashboard", "admin.offers", "admin.fulfilment_bulk", "admin.export"} <= endpoints
    assert len([r for r in routes if r[1] == "POST"]) >= 25


def test_anonymous_visitors_are_sent_to_the_login_page_everywhere(app, program):
    client = app.test_client()
    for endpoint, method, path in admin_routes(app, program):
        response = client.open(path, method=method)
        assert response.status_code == 302, (endpoint, method, path)
        assert response.headers["Location"].startswith("/auth/login"), (endpoint, method)


def test_members_are_refused_everywhere(app, make, client, auth, program):
    make.member_login("mia@example.com")
    auth.login("mia@example.com")
    for endpoint, method, path in admin_routes(app, program):
        response = client.open(path, method=method)
        assert response.status_code == 403, (endpoint, method, path)
        assert b"This page is for administrators." in response.data
    with app.app_context():  # nothing changed: the coupon is still waiting
        assert coupons.get_coupon(db.session, program["coupon_id"]).status == "PENDING"


def test_admins_can_open_every_page(app, make, client, auth, program):
    make.admin("root@example.com")
    auth.login("root@example.com")
    pages = [(e, p) for e, m, p in admin_routes(app, program) if m == "GET"]
    assert len(pages) >= 20
    for endpoint, path in pages:
        response = client.get(path)
        assert response.status_code == 200, (endpoint, path, response.status_code)
        assert b'aria-label="Admin sections"' in response.data, endpoint
