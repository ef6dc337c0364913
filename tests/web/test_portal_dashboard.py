"""The dashboard: balance, pending points, tier progress, expiring points, recent
activity and the rewards the member can afford now."""

from __future__ import annotations

from datetime import timedelta

from loyalty_portal.services.earning import events
from loyalty_portal.timeutil import utcnow
from tests.web.portal_support import logged_in_member, text_of, write


def earn(app, user_id, event_id, now=None):
    write(
        app,
        lambda s: events.record_event(
            s, user_id=user_id, event_id=event_id, now=now or utcnow(), source="test", trusted=True
        ),
    )


def test_dashboard_shows_what_the_member_has(app, client, make):
    make.tier("Bronze", 0)
    make.tier("Gold", 1000)
    make.rule("visit", points=680, title="Shop visit", expiry_policy="days", expiry_days=10)
    make.rule("review", points=40, title="Review", pending_days=7)
    account = logged_in_member(client, make, user_id="ann")
    earn(app, "ann", "visit")
    earn(app, "ann", "review")
    make.offer("coffee", title="Free coffee", cost=150)
    make.offer("bike", title="A bike", cost=50_000)

    page = text_of(client.get("/portal/").get_data(as_text=True))

    assert "Hello, Ann" in page  # from the email, not the userId
    assert "680 points" in page  # balance
    assert "+40 points pending" in page
    assert "Bronze" in page and "320 points to Gold" in page
    expires = utcnow() + timedelta(days=10)
    assert f"680 points on {expires.day} {expires:%b %Y}" in page  # expiring, with the date
    assert "Shop visit" in page and "+680" in page  # recent activity
    assert "Free coffee" in page  # affordable now
    assert "A bike" not in page
    assert account.member_id


def test_dashboard_empty_state(client, make):
    logged_in_member(client, make)
    page = text_of(client.get("/portal/").get_data(as_text=True))
    assert "Your balance 0 points" in page
    assert "No points pending." in page
    assert "This program has no tiers." in page
    assert "No points expire in the next 30 days." in page
    assert "No activity yet." in page
    assert "Nothing within reach yet." in page


def test_dashboard_top_tier_and_thousands_separators(app, client, make):
    make.tier("Gold", 0)
    make.rule("visit", points=10)
    logged_in_member(client, make, balance=1_234_557, user_id="ann")
    earn(app, "ann", "visit")
    html = client.get("/portal/").get_data(as_text=True)
    assert '<span data-testid="balance">1,234,567</span>' in html  # header
    assert '<span id="dashboard-balance">1,234,567</span>' in html
    assert "Gold You have reached the top tier." in text_of(html)


def test_affordable_rewards_leave_out_what_cannot_be_redeemed(client, make):
    gold = make.tier("Gold", 5000)
    make.offer("coffee", title="Free coffee", cost=100)
    make.offer("gone", title="Sold out mug", cost=100, stock=0)
    make.offer("vip", title="Gold lounge", cost=100, min_tier_id=gold.id)
    make.offer("later", title="Winter special", cost=100, valid_from=utcnow() + timedelta(days=3))
    make.offer("off", title="Retired offer", cost=100, active=False)
    logged_in_member(client, make, balance=500)
    page = text_of(client.get("/portal/").get_data(as_text=True))
    section = page[page.index("Rewards you can get now") : page.index("Recent activity")]
    assert "Free coffee" in section
    for title in ("Sold out mug", "Gold lounge", "Winter special", "Retired offer"):
        assert title not in section
