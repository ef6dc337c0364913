"""Invite friends: the code and link on the portal, registration through ?ref=CODE that
says who invited the visitor and what they get, and both rewards on the first purchase."""

from __future__ import annotations

from sqlalchemy import select

from loyalty_portal.extensions import db
from loyalty_portal.models import Account, Member, Referral
from loyalty_portal.services.earning import events
from loyalty_portal.timeutil import utcnow
from tests.factories import growth_settings
from tests.web.portal_support import as_new_request, logged_in_member, text_of, write

SETTINGS = {
    "referrals_enabled": True,
    "qualifying_event_id": "purchase_completed",
    "referrer_points": 200,
    "friend_points": 100,
    "monthly_cap": 10,
}
NEW = {"display_name": "Bob", "email": "bob@example.com", "password": "long-enough-pw"}


def _program(app, make):
    make.rule("purchase_completed", type="TRANSACTION", points_per_unit=1, title="Purchase")
    growth_settings(app, **SETTINGS)


def test_invite_page_shows_code_link_counts_and_rewards(app, client, make):
    _program(app, make)
    logged_in_member(client, make, user_id="ann")
    html = client.get("/portal/invite").get_data(as_text=True)
    with app.app_context():
        code = db.session.scalar(select(Member.referral_code).where(Member.user_id == "ann"))
    assert code and len(code) == 8
    assert f'data-copy="http://localhost/auth/register?ref={code}"' in html
    assert "<script" not in html.split("</head>")[1]  # no inline script in the page body
    page = text_of(html)
    assert "you get 200 points and your friend gets 100 points" in page
    assert "Friends invited 0" in page and "Points earned from referrals 0" in page
    assert client.get("/portal/invite").get_data(as_text=True).count(code) >= 2  # stable


def test_registering_through_the_link_refers_and_both_are_rewarded_after_a_purchase(
    app, client, make
):
    _program(app, make)
    logged_in_member(client, make, user_id="ann")
    client.get("/portal/invite")
    with app.app_context():
        code = db.session.scalar(select(Member.referral_code).where(Member.user_id == "ann"))
    client.post("/auth/logout")
    as_new_request()
    landing = text_of(client.get(f"/auth/register?ref={code}").get_data(as_text=True))
    assert (
        "ann invited you." in landing
        and "You get 100 points after your first “Purchase”" in landing
    )
    response = client.post("/auth/register", data={**NEW, "confirm": NEW["password"], "ref": code})
    assert response.status_code == 303
    with app.app_context():
        bob = db.session.scalars(select(Account).where(Account.email == "bob@example.com")).one()
        bob_user = bob.member.user_id
        assert db.session.scalar(select(Referral.friend_id)) == bob.member_id
    write(
        app,
        lambda s: events.record_event(
            s,
            user_id=bob_user,
            event_id="purchase_completed",
            now=utcnow(),
            source="test",
            amount=12,
            trusted=True,
        ),
    )
    with app.app_context():
        balances = dict(db.session.execute(select(Member.user_id, Member.balance)).all())
    assert balances == {"ann": 200, bob_user: 112}


def test_an_unknown_code_is_said_and_refused_on_submit(app, client, make):
    _program(app, make)
    page = text_of(client.get("/auth/register?ref=NOTACODE").get_data(as_text=True))
    assert "This invitation link is not valid." in page
    response = client.post(
        "/auth/register", data={**NEW, "confirm": NEW["password"], "ref": "NOTACODE"}
    )
    assert response.status_code == 303  # the invalid ref is dropped, the account is made
    with app.app_context():
        assert db.session.scalar(select(Referral.id)) is None


def test_invite_page_needs_a_member_login(client):
    assert client.get("/portal/invite").status_code == 302
