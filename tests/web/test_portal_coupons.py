"""My rewards: every coupon with its status, code (with a copy button) and dates."""

from __future__ import annotations

import re
from datetime import timedelta

from loyalty_portal.services.core.actors import Actor
from loyalty_portal.services.members.members import get_member
from loyalty_portal.services.rewards import coupons, redeeming
from loyalty_portal.timeutil import utcnow
from tests.web.portal_support import logged_in_member, read, text_of, write


def redeem_as(app, user_id, offer_id, now=None):
    ids = []

    def change(session):
        member = get_member(session, user_id)
        coupon = redeeming.redeem(
            session, member, offer_id, now=now or utcnow(), actor=Actor.member(user_id)
        )
        ids.append(coupon.id)

    write(app, change)
    return ids[0]


def test_my_rewards_shows_each_status(app, client, make):
    make.offer(
        "active",
        title="Active one",
        cost=10,
        coupon_valid_days=30,
        how_to_use="Show it at the till.",
    )
    make.offer("manual", title="Pending one", cost=10, fulfilment="manual")
    make.offer("used", title="Used one", cost=10)
    make.offer("cancelled", title="Cancelled one", cost=10)
    make.offer("short", title="Expired one", cost=10, coupon_valid_days=1)
    logged_in_member(client, make, balance=1000, user_id="ann")
    redeem_as(app, "ann", "short", now=utcnow() - timedelta(days=3))
    active = redeem_as(app, "ann", "active")
    redeem_as(app, "ann", "manual")
    used = redeem_as(app, "ann", "used")
    cancelled = redeem_as(app, "ann", "cancelled")
    write(app, lambda s: coupons.use_coupon(s, get_member(s, "ann"), used, utcnow()))
    write(
        app,
        lambda s: coupons.cancel(
            s, cancelled, actor=Actor.system("t"), now=utcnow(), reason="test"
        ),
    )
    html = client.get("/portal/coupons").get_data(as_text=True)
    page = text_of(html)
    statuses = re.findall(r'data-testid="coupon-status">(\w+)<', html)
    assert statuses == ["Cancelled", "Used", "Pending", "Active", "Expired"]  # newest first
    active_code = read(app, lambda s: coupons.get_coupon(s, active).code)
    assert f'data-copy="{active_code}"' in html  # copy button for the active code
    assert "How to use it: Show it at the till." in page
    assert "We are preparing this reward." in page
    assert "its 10 points were returned" in page
    assert "Used " in page and "Cancelled " in page and "Expired " in page
    assert "Valid until" in page and "Redeemed" in page


def test_my_rewards_empty_state(client, make):
    logged_in_member(client, make)
    page = text_of(client.get("/portal/coupons").get_data(as_text=True))
    assert "You have not redeemed any rewards yet." in page


def test_my_rewards_pages(app, client, make):
    make.offer("coffee", title="Coffee", cost=1)
    logged_in_member(client, make, balance=100, user_id="ann")
    for _ in range(23):
        redeem_as(app, "ann", "coffee")
    first = client.get("/portal/coupons").get_data(as_text=True)
    assert first.count('data-testid="coupon-card"') == 20 and "Next page" in first
    second = client.get("/portal/coupons?page=2").get_data(as_text=True)
    assert second.count('data-testid="coupon-card"') == 3 and "Previous page" in second


def test_one_coupon_page(app, client, make):
    make.offer("coffee", title="Free coffee", cost=10)
    logged_in_member(client, make, balance=100, user_id="ann")
    coupon_id = redeem_as(app, "ann", "coffee")
    html = client.get(f"/portal/coupons/{coupon_id}").get_data(as_text=True)
    assert "<h1" in html and "Free coffee" in html and 'data-testid="coupon-code"' in html
    assert client.get("/portal/coupons/cp_doesnotexist").status_code == 404
