"""Who may see what: anonymous users log in first, members see only their own data,
admins are sent to their area and members are kept out of it."""

from __future__ import annotations

import re

import pytest

from loyalty_portal.services.core.actors import Actor
from loyalty_portal.services.ledger import adjustments
from loyalty_portal.services.members.members import get_member
from loyalty_portal.services.rewards import redeeming
from loyalty_portal.timeutil import utcnow
from tests.web.portal_support import logged_in_member, redemptions_of, write

PAGES = [
    "/portal/",
    "/portal/rewards",
    "/portal/history",
    "/portal/coupons",
    "/portal/coupons/cp_0000",
    "/portal/leaderboard",
]


@pytest.mark.parametrize("path", PAGES)
def test_anonymous_visitors_are_sent_to_login(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.location.startswith("/auth/login?next=")


def test_anonymous_redeem_changes_nothing(app, client, make):
    make.offer("coffee", cost=10)
    member = make.member("ann", balance=100)
    response = client.post("/portal/rewards/coffee/redeem", data={"idempotency_key": "k" * 10})
    assert response.status_code == 302 and "/auth/login" in response.location
    assert redemptions_of(app, member.id) == []


def test_member_a_never_sees_member_b(app, client, make):
    make.offer("coffee", title="Free coffee", cost=10)
    bob = make.member("bob", balance=100)
    ids = []

    def bob_activity(session):
        member = get_member(session, "bob")
        adjustments.adjust(
            session, member, 5, reason="Bob's secret gift", actor=Actor.system("t"), now=utcnow()
        )
        coupon = redeeming.redeem(
            session, member, "coffee", now=utcnow(), actor=Actor.member("bob")
        )
        ids.append((coupon.id, coupon.code))

    write(app, bob_activity)
    coupon_id, code = ids[0]
    logged_in_member(client, make, "ann@example.com", balance=7)
    for path in ("/portal/", "/portal/history", "/portal/coupons", "/portal/rewards"):
        html = client.get(path).get_data(as_text=True)
        assert "Bob's secret gift" not in html and "Bob&#39;s secret gift" not in html
        assert code not in html and coupon_id not in html
        assert not re.search(r">\s*95\s*<|\b95 points", html)  # Bob's balance never shows
    assert client.get(f"/portal/coupons/{coupon_id}").status_code == 404
    assert bob.user_id == "bob"


def test_a_member_gets_403_on_admin_pages(client, make):
    logged_in_member(client, make)
    response = client.get("/admin/")
    assert response.status_code == 403


def test_an_admin_is_sent_from_the_portal_to_the_admin_area(client, make):
    make.admin("root@example.com")
    client.post(
        "/auth/login", data={"email": "root@example.com", "password": "correct-horse-battery"}
    )
    response = client.get("/portal/")
    assert response.status_code == 302 and response.location == "/admin/"
    assert client.get("/").location == "/admin/"


def test_member_start_page_and_nav(client, make):
    logged_in_member(client, make)
    assert client.get("/").location == "/portal/"
    html = client.get("/portal/history").get_data(as_text=True)
    assert '<a href="/portal/history" aria-current="page">History</a>' in html
    assert 'href="/admin/"' not in html


def test_an_htmx_tap_after_the_session_ended_says_so_and_links_to_log_in(app, client, make):
    make.offer("coffee", cost=10)
    response = client.post(
        "/portal/rewards/coffee/redeem",
        data={"idempotency_key": "k" * 10},
        headers={"HX-Request": "true", "HX-Current-URL": "http://localhost/portal/rewards?shop=a"},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 401
    assert "HX-Redirect" not in response.headers
    assert "You were logged out" in html and "nothing was done" in html
    assert '<a href="/auth/login?next=/portal/rewards?shop%3Da">Log in again</a>' in html
