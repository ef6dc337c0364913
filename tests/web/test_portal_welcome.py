"""A new member: in the base tier from creation everywhere, greeted by a friendly name
(never the internal id), paid the welcome bonus through the ledger by either door, and
shown what to do first; the member card and active coupons carry QR codes."""

from __future__ import annotations

import re

import pytest
import segno
from sqlalchemy import select

from loyalty_portal.models import Account, LedgerEntry, Member, ProgramSettings
from tests.api.conftest import Api
from tests.web.portal_support import as_new_request, logged_in_member, read, text_of, write

PASSWORD = "plum-harbour-sky-42"


def register(client, email, display_name=""):
    response = client.post(
        "/auth/register",
        data={
            "display_name": display_name,
            "email": email,
            "password": PASSWORD,
            "confirm": PASSWORD,
        },
    )
    assert response.status_code == 303, response.data
    return response


def member_of(app, email):
    def find(session):
        account = session.scalars(select(Account).where(Account.email == email)).one()
        member = session.get_one(Member, account.member_id)
        return member.user_id, member.tier.name if member.tier else None, member.balance

    return read(app, find)


def set_welcome_bonus(app, points):
    def change(session):
        row = session.get(ProgramSettings, 1) or ProgramSettings(id=1)
        row.welcome_bonus = points
        session.add(row)

    write(app, change)


def test_a_new_member_is_in_the_base_tier_from_creation_in_every_door(app, client, make):
    make.tier("Bronze", 0)
    make.tier("Gold", 1000)
    register(client, "dana@example.com")
    user_id, tier, _ = member_of(app, "dana@example.com")
    assert tier == "Bronze"  # stored, so the admin list and the API agree with the portal
    api = Api(client, make)
    key = api.key()
    assert api.post("/v1/user", key, {"userId": "api-user"}).status_code == 201
    assert (
        read(
            app,
            lambda s: s.scalars(select(Member).where(Member.user_id == "api-user")).one().tier.name,
        )
        == "Bronze"
    )
    make.admin("root@example.com")
    as_new_request()
    client.post("/auth/logout")
    client.post(
        "/auth/login", data={"email": "root@example.com", "password": "correct-horse-battery"}
    )
    listing = text_of(client.get("/admin/members").get_data(as_text=True))
    assert listing.count("Bronze") >= 2


def test_no_base_tier_means_no_tier(app, client, make):
    make.tier("Gold", 1000)
    register(client, "dana@example.com")
    assert member_of(app, "dana@example.com")[1] is None


@pytest.mark.parametrize(
    ("email", "display_name", "greeting"),
    [
        ("dana.k@example.com", "", "Hello, Dana"),
        ("x9@example.com", "", "Hello, welcome back"),
        ("z@example.com", "Zoë Brandt", "Hello, Zoë Brandt"),
    ],
)
def test_the_greeting_never_shows_the_internal_id(app, client, email, display_name, greeting):
    register(client, email, display_name)
    user_id = member_of(app, email)[0]
    page = text_of(client.get("/portal/").get_data(as_text=True))
    assert f"{greeting} " in page
    assert f"Hello, {user_id}" not in page


def test_the_welcome_bonus_is_paid_through_the_ledger_by_both_doors(app, client, make):
    make.tier("Bronze", 0)
    make.tier("Silver", 100)
    set_welcome_bonus(app, 150)
    register(client, "dana@example.com")
    _, tier, balance = member_of(app, "dana@example.com")
    assert (balance, tier) == (150, "Silver")
    page = text_of(client.get("/portal/history").get_data(as_text=True))
    assert "Welcome bonus" in page and "+150" in page
    api = Api(client, make)
    key = api.key()
    assert api.post("/v1/user", key, {"userId": "api-user"}).status_code == 201
    body = api.get("/v1/user/api-user", key).get_json()
    assert body["points"] == 150
    entries = read(
        app,
        lambda s: [
            (e.kind, e.delta, e.title)
            for e in s.scalars(select(LedgerEntry).order_by(LedgerEntry.id))
        ],
    )
    assert entries == [("earn", 150, "Welcome bonus"), ("earn", 150, "Welcome bonus")]


def test_without_a_welcome_bonus_nothing_is_paid(app, client):
    register(client, "dana@example.com")
    assert member_of(app, "dana@example.com")[2] == 0
    assert read(app, lambda s: s.scalars(select(LedgerEntry)).all()) == []


def test_admins_set_the_welcome_bonus_in_the_settings(app, client, make):
    from tests.web.test_admin_program import settings_form

    make.admin("root@example.com")
    client.post(
        "/auth/login", data={"email": "root@example.com", "password": "correct-horse-battery"}
    )
    page = client.get("/admin/settings").get_data(as_text=True)
    assert 'name="welcome_bonus"' in page
    bad = client.post("/admin/settings", data=settings_form(welcome_bonus="-5"))
    assert "At least 0." in bad.get_data(as_text=True)
    assert client.post("/admin/settings", data=settings_form(welcome_bonus="75")).status_code == 303
    assert read(app, lambda s: s.get_one(ProgramSettings, 1).welcome_bonus) == 75


def test_a_first_time_member_is_told_what_to_do_first(app, client, make):
    set_welcome_bonus(app, 50)
    register(client, "dana@example.com")
    page = text_of(client.get("/portal/").get_data(as_text=True))
    assert "Welcome! Here is how to start" in page
    assert "You already have 50 points" in page and "a welcome bonus to get you going" in page
    assert "See the ways to earn points" in page and "Pick a reward" in page


def test_the_first_steps_go_once_the_member_has_activity(app, client, make):
    make.rule("visit", points=10, title="Visit")
    logged_in_member(client, make, balance=100)  # an opening adjustment: not first time
    page = text_of(client.get("/portal/").get_data(as_text=True))
    assert "Here is how to start" not in page


def _svg_path(qr_html):
    return re.search(r'<path[^>]* d="([^"]+)"', qr_html).group(1)


def test_the_dashboard_shows_the_member_card_qr_of_the_member_id(client, make):
    logged_in_member(client, make, user_id="card-4711")
    html = client.get("/portal/").get_data(as_text=True)
    card = html[html.index('data-testid="member-card"') :]
    expected = segno.make("card-4711", error="m").svg_inline(scale=4, border=2)
    assert _svg_path(card) == _svg_path(expected)
    assert "<script" not in card.split("</section>")[0]


def test_each_active_coupon_carries_its_qr_code(app, client, make):
    make.offer("coffee", title="Coffee", cost=10)
    logged_in_member(client, make, balance=100)
    client.post("/portal/rewards/coffee/redeem", data={"idempotency_key": "k" * 12})
    html = client.get("/portal/coupons").get_data(as_text=True)
    code = re.search(r'data-testid="coupon-code"[^>]*>([A-Z0-9-]+)<', html).group(1)
    qr = html[html.index('data-testid="coupon-qr"') :]
    assert f"<title>QR code of coupon {code}</title>" in qr
    assert _svg_path(qr) == _svg_path(segno.make(code, error="m").svg_inline(scale=4, border=2))


def test_a_member_first_seen_in_an_event_gets_the_welcome_bonus_and_base_tier(app, client, make):
    make.tier("Bronze", 0)
    make.rule("visit", points=10)
    set_welcome_bonus(app, 25)
    api = Api(client, make)
    key = api.key()
    assert api.post("/v1/event", key, {"eventId": "visit", "userId": "walk-in"}).status_code == 200
    assert api.post("/v1/event", key, {"eventId": "visit", "userId": "walk-in"}).status_code == 200
    body = api.get("/v1/user/walk-in", key).get_json()
    assert body["points"] == 45  # paid once, on creation
    titles = read(
        app, lambda s: [e.title for e in s.scalars(select(LedgerEntry).order_by(LedgerEntry.id))]
    )
    assert titles.count("Welcome bonus") == 1
