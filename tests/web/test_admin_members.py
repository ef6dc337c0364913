"""Members: search, the member's page, manual adjustments with a reason, erasure."""

from __future__ import annotations

from datetime import timedelta

import pytest

from loyalty_portal.extensions import db
from loyalty_portal.models import Account, AuditLog, LedgerEntry, Member
from loyalty_portal.services.core.actors import Actor
from loyalty_portal.services.earning import events
from loyalty_portal.services.ledger import adjustments
from loyalty_portal.services.ledger.invariants import verify
from loyalty_portal.services.rewards import redeeming
from loyalty_portal.timeutil import utcnow


@pytest.fixture
def admin(make, auth):
    account = make.admin("root@example.com")
    auth.login("root@example.com")
    return account


def test_search_by_user_id_email_or_name(client, admin, make):
    make.member_login("ann@example.com", user_id="u-ann")
    make.member("u-bob", display_name="Bob Builder")
    make.member("u-cid")
    assert b"u-ann" in client.get("/admin/members?q=ANN@EXAMPLE").data
    found = client.get("/admin/members?q=builder").data
    assert b"u-bob" in found and b"u-ann" not in found
    assert b"u-cid" in client.get("/admin/members?q=cid").data
    assert b"No member matches" in client.get("/admin/members?q=zzz").data
    # LIKE wildcards are taken literally.
    assert b"No member matches" in client.get("/admin/members?q=%25").data


def test_member_list_paginates_and_sorts(client, admin, make):
    for n in range(30):
        make.member(f"m{n:02d}", balance=n + 1)
    first = client.get("/admin/members?sort=-balance").data.decode()
    assert first.index("m29") < first.index("m28") and "m04" not in first
    assert 'rel="next"' in first
    second = client.get("/admin/members?sort=-balance&page=2").data.decode()
    assert "m04" in second and "m29" not in second and 'rel="prev"' in second


def test_member_page_shows_balance_tier_lots_ledger_coupons_and_events(app, client, admin, make):
    make.tier("Silver", 10)
    make.rule("login", points=40, expiry_policy="days", expiry_days=30)
    make.offer("mug", title="Mug", cost=25)
    now = utcnow()
    with app.app_context():
        outcome = events.record_event(
            db.session, user_id="ann", event_id="login", now=now, source="api"
        )
        redeeming.redeem(db.session, outcome.member, "mug", now=now, actor=Actor.member("ann"))
        db.session.commit()
    html = client.get("/admin/members/ann").data.decode()
    assert 'data-testid="balance">15<' in html
    assert "Silver" in html
    expiry = (now + timedelta(days=30)).strftime("%-d %b %Y")
    assert expiry in html  # the lot and when it expires
    assert "Redeemed: Mug" in html and "−25" in html
    assert "<code>login</code>" in html  # the event
    assert "Mug</a>" in html and "Active" in html  # the coupon


def test_member_ledger_pages(app, client, admin, make):
    make.member("ann")
    with app.app_context():
        member = db.session.query(Member).filter_by(user_id="ann").one()
        for n in range(30):
            adjustments.adjust(
                db.session, member, n + 1, reason=f"gift {n}", actor=Actor.system("t"), now=utcnow()
            )
        db.session.commit()
    page1 = client.get("/admin/members/ann").data.decode()
    assert "gift 29" in page1 and "gift 0<" not in page1
    page2 = client.get("/admin/members/ann?page=2").data.decode()
    assert "gift 0<" in page2


def test_adjust_needs_a_reason_and_keeps_what_was_typed(app, client, admin, make):
    make.member("ann", balance=100)
    response = client.post("/admin/members/ann/adjust", data={"points": "50", "reason": ""})
    html = response.data.decode()
    assert "A reason is required." in html and 'value="50"' in html
    response = client.post("/admin/members/ann/adjust", data={"points": "0", "reason": "x"})
    assert b"A whole number other than zero." in response.data
    response = client.post("/admin/members/ann/adjust", data={"points": "-500", "reason": "oops"})
    assert b"Cannot remove 500 points: the balance is 100." in response.data
    with app.app_context():  # only the factory's opening balance
        assert db.session.query(AuditLog).filter_by(action="points.adjust").count() == 1


def test_adjust_records_an_entry_with_the_admin_as_source(app, client, admin, make):
    make.member("ann", balance=100)
    response = client.post(
        "/admin/members/ann/adjust", data={"points": "-30", "reason": "Double booking"}
    )
    assert response.status_code == 303
    with app.app_context():
        member = db.session.query(Member).filter_by(user_id="ann").one()
        assert member.balance == 70
        entry = db.session.query(LedgerEntry).order_by(LedgerEntry.id.desc()).first()
        assert (entry.kind, entry.delta, entry.description) == ("adjust", -30, "Double booking")
        assert entry.actor_account_id == admin.id
        audit = db.session.query(AuditLog).filter_by(actor="admin:root@example.com").one()
        assert audit.action == "points.adjust" and audit.after["reason"] == "Double booking"
        assert verify(db.session) == []


def test_erase_needs_the_user_id_typed_and_uses_the_erase_service(app, client, admin, make):
    make.member_login("ann@example.com", user_id="ann", balance=80)
    page = client.get("/admin/members/ann/erase").data.decode()
    assert "80" in page and "cannot be undone" in page
    response = client.post("/admin/members/ann/erase", data={"confirm": "bob"})
    assert b"Type ann exactly to confirm." in response.data
    with app.app_context():
        assert db.session.query(Member).filter_by(user_id="ann").count() == 1
    response = client.post("/admin/members/ann/erase", data={"confirm": "ann"})
    assert response.status_code == 303
    assert client.get("/admin/members/ann").status_code == 404
    with app.app_context():
        assert db.session.query(Member).filter_by(user_id="ann").count() == 0
        assert db.session.query(Account).filter_by(email="ann@example.com").count() == 0
        erased = db.session.query(Member).filter(Member.erased_at.is_not(None)).one()
        assert erased.balance == 0
        entry = db.session.query(AuditLog).filter_by(action="member.erase").one()
        assert entry.actor == "admin:root@example.com" and entry.before == {"userId": "ann"}
        assert verify(db.session) == []
