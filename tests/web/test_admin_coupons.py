"""Finding a coupon by the code a member shows, and marking it used (audited, once)."""

from __future__ import annotations

import pytest

from loyalty_portal.extensions import db
from loyalty_portal.models import AuditLog, Member, Redemption
from loyalty_portal.services.core.actors import Actor
from loyalty_portal.services.rewards import redeeming
from loyalty_portal.timeutil import utcnow


@pytest.fixture
def admin(make, auth):
    account = make.admin("root@example.com")
    auth.login("root@example.com")
    return account


@pytest.fixture
def coupon(app, make):
    make.offer("mug", title="Mug", cost=10)
    make.member("ann", balance=100, display_name="Ann")
    with app.app_context():
        ann = db.session.query(Member).filter_by(user_id="ann").one()
        redeemed = redeeming.redeem(db.session, ann, "mug", now=utcnow(), actor=Actor.member("a"))
        db.session.commit()
        return redeemed.id, redeemed.code


def test_find_by_code_and_mark_used(app, client, admin, coupon):
    coupon_id, code = coupon
    assert b'action="/admin/coupons"' in client.get("/admin/fulfilment").data  # the search box
    html = client.get(f"/admin/coupons?code={code.lower()}").data.decode()
    assert 'data-testid="no-coupon"' in html  # codes are matched exactly
    html = client.get(f"/admin/coupons?code=+{code}+").data.decode()
    assert "Mug" in html and "Ann" in html and "Mark used" in html
    response = client.post(f"/admin/coupons/{coupon_id}/use", follow_redirects=True)
    html = response.data.decode()
    assert f"Coupon {code} marked used: Mug." in html
    assert "Mark used</button>" not in html and "Used" in html
    with app.app_context():
        assert db.session.get(Redemption, coupon_id).status == "USED"
        (entry,) = db.session.query(AuditLog).filter_by(action="redemption.use").all()
        assert (entry.target_id, entry.actor) == (coupon_id, "admin:root@example.com")
    again = client.post(f"/admin/coupons/{coupon_id}/use", follow_redirects=True)
    assert "Coupon is used, not active." in again.data.decode()
    with app.app_context():
        assert db.session.query(AuditLog).filter_by(action="redemption.use").count() == 1


def test_bad_codes_are_a_clear_400(client, admin):
    assert client.get("/admin/coupons?code=" + "x" * 200).status_code == 400
    assert client.get("/admin/coupons?code=a%00b").status_code == 400
    assert client.get("/admin/coupons").status_code == 200


def test_members_cannot_look_coupons_up(client, make, auth, coupon):
    make.member_login("bob@example.com", user_id="bob")
    auth.login("bob@example.com")
    coupon_id, code = coupon
    assert client.get(f"/admin/coupons?code={code}").status_code == 403
    assert client.post(f"/admin/coupons/{coupon_id}/use").status_code in (400, 403)
