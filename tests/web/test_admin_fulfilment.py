"""The fulfilment queue: oldest first, filters, issue (typed or generated code), cancel with
refund, inline HTMX row updates and bulk actions."""

from __future__ import annotations

from datetime import timedelta

import pytest

from loyalty_portal.extensions import db
from loyalty_portal.models import AuditLog, Member, Offer, Redemption
from loyalty_portal.services.core.actors import Actor
from loyalty_portal.services.ledger.invariants import verify
from loyalty_portal.services.rewards import redeeming
from loyalty_portal.timeutil import utcnow


@pytest.fixture
def admin(make, auth):
    account = make.admin("root@example.com")
    auth.login("root@example.com")
    return account


@pytest.fixture
def queue(app, make):
    """Three pending manual redemptions (oldest: ann's) and one automatic one."""
    make.offer("session", title="Styling session", cost=100, fulfilment="manual", stock=10)
    make.offer("lounge", title="Lounge pass", cost=50, fulfilment="manual")
    make.offer("mug", title="Mug", cost=10)
    for user in ("ann", "bob", "cid"):
        make.member(user, balance=500)
    now = utcnow()
    coupons = {}
    redeems = [
        ("ann", "session", 3),
        ("bob", "lounge", 2),
        ("cid", "session", 1),
        ("ann", "mug", 0),
    ]
    with app.app_context():
        for user, offer, hours_ago in redeems:
            member = db.session.query(Member).filter_by(user_id=user).one()
            at = now - timedelta(hours=hours_ago)
            coupon = redeeming.redeem(db.session, member, offer, now=at, actor=Actor.member(user))
            coupons["auto" if offer == "mug" else user] = coupon.id
        db.session.commit()
    return coupons


@pytest.fixture
def status(app):
    """Read a coupon as it is now."""

    def read(coupon_id: str) -> Redemption:
        with app.app_context():
            coupon = db.session.get(Redemption, coupon_id)
            db.session.expunge(coupon)
            return coupon

    return read


def test_queue_lists_pending_oldest_first_and_filters(client, admin, queue):
    html = client.get("/admin/fulfilment").data.decode()
    assert html.index(queue["ann"]) < html.index(queue["bob"]) < html.index(queue["cid"])
    assert queue["auto"] not in html  # already active
    by_offer = client.get("/admin/fulfilment?offer=lounge").data.decode()
    assert queue["bob"] in by_offer and queue["ann"] not in by_offer
    active = client.get("/admin/fulfilment?status=ACTIVE").data.decode()
    assert queue["auto"] in active and queue["ann"] not in active


def test_issue_with_a_typed_code(app, client, admin, queue, status):
    response = client.post(
        f"/admin/fulfilment/{queue['ann']}/issue",
        data={"code": " VIP-2026 ", "back": "/admin/fulfilment?offer=session"},
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/admin/fulfilment?offer=session"
    coupon = status(queue["ann"])
    assert (coupon.status, coupon.code) == ("ACTIVE", "VIP-2026")
    with app.app_context():
        entry = db.session.query(AuditLog).filter_by(action="redemption.fulfil").one()
        assert entry.actor == "admin:root@example.com" and entry.target_id == queue["ann"]


def test_issue_inline_with_htmx_generates_a_code_and_swaps_the_row(client, admin, queue, status):
    response = client.post(
        f"/admin/fulfilment/{queue['bob']}/issue", data={"code": ""}, headers={"HX-Request": "true"}
    )
    html = response.data.decode()
    assert response.status_code == 200 and html.lstrip().startswith(f'<tr id="row-{queue["bob"]}"')
    coupon = status(queue["bob"])
    assert coupon.status == "ACTIVE" and len(coupon.code) == 14
    assert coupon.code in html and "Issued code" in html


def test_issuing_twice_is_refused_inline(client, admin, queue, status):
    client.post(f"/admin/fulfilment/{queue['ann']}/issue", data={"code": "ONE"})
    response = client.post(
        f"/admin/fulfilment/{queue['ann']}/issue",
        data={"code": "TWO"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert b"Only pending redemptions can be issued; this one is active." in response.data
    assert status(queue["ann"]).code == "ONE"


def test_cancel_refunds_points_and_restores_stock(app, client, admin, queue, status):
    response = client.post(
        f"/admin/fulfilment/{queue['ann']}/cancel",
        data={"reason": "Fully booked"},
        headers={"HX-Request": "true"},
    )
    assert b"Cancelled; 100 points refunded." in response.data
    coupon = status(queue["ann"])
    assert (coupon.status, coupon.note) == ("CANCELLED", "Fully booked")
    with app.app_context():
        assert db.session.query(Member).filter_by(user_id="ann").one().balance == 500 - 10
        assert db.session.get(Offer, "session").stock == 9  # two taken, one given back
        assert db.session.query(AuditLog).filter_by(action="redemption.cancel").count() == 1
        assert verify(db.session) == []


def test_bulk_issue_and_cancel_report_what_could_not_be_done(app, client, admin, queue, status):
    response = client.post(
        "/admin/fulfilment/bulk",
        data={"action": "issue", "ids": [queue["ann"], queue["auto"], queue["bob"]]},
        follow_redirects=True,
    )
    html = response.data.decode()
    assert "2 redemptions issued." in html
    assert f"{queue['auto']}: Only pending redemptions can be issued" in html
    assert status(queue["ann"]).status == "ACTIVE" and status(queue["bob"]).status == "ACTIVE"
    response = client.post(
        "/admin/fulfilment/bulk",
        data={"action": "cancel", "ids": [queue["cid"]], "reason": "Closed"},
        follow_redirects=True,
    )
    assert b"1 redemption cancelled with refund." in response.data
    assert status(queue["cid"]).status == "CANCELLED"
    with app.app_context():
        assert db.session.query(AuditLog).filter_by(action="redemption.fulfil").count() == 2
        assert verify(db.session) == []


def test_bulk_needs_a_choice(client, admin, queue, status):
    response = client.post(
        "/admin/fulfilment/bulk", data={"action": "issue"}, follow_redirects=True
    )
    assert b"Tick at least one redemption." in response.data
    response = client.post(
        "/admin/fulfilment/bulk",
        data={"action": "zap", "ids": [queue["ann"]]},
        follow_redirects=True,
    )
    assert b"Choose issue or cancel." in response.data
    assert status(queue["ann"]).status == "PENDING"


def test_back_link_only_goes_to_this_site(client, admin, queue):
    response = client.post(
        f"/admin/fulfilment/{queue['ann']}/issue", data={"back": "//evil.example/x"}
    )
    assert response.headers["Location"] == "/admin/fulfilment"
