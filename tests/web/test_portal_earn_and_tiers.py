"""Ways to earn lists the active rules as a member reads them, with caps and the member's
own group rates; Tiers explained shows thresholds, the window, multipliers, the benefits
an admin sets, and where the member stands."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from loyalty_portal.models import Member
from loyalty_portal.services.earning import events
from loyalty_portal.services.members.members import join_groups
from loyalty_portal.timeutil import utcnow
from tests.web.portal_support import as_new_request, logged_in_member, text_of, write

PASSWORD = "correct-horse-battery"


def page_text(client, path):
    response = client.get(path)
    assert response.status_code == 200
    return text_of(response.get_data(as_text=True))


def test_ways_to_earn_reads_like_a_member_talks(client, make):
    make.group("vip")
    make.rule("visit", title="Daily visit", points=10, cap_count=1, cap_period="day")
    make.rule(
        "buy",
        title="Shopping",
        type="TRANSACTION",
        points=None,
        points_per_unit=Decimal("1"),
        max_per_event=500,
    )
    make.rule(
        "small",
        title="Coffee",
        type="TRANSACTION",
        points=None,
        points_per_unit=Decimal("0.1"),
    )
    make.rule(
        "basket",
        title="Big basket",
        type="CONDITIONAL",
        points=50,
        threshold=Decimal("100"),
        cap_count=3,
        cap_period="week",
    )
    make.rule("review", title="Review", points=40, pending_days=7, overrides={"vip": 80})
    make.rule("old", title="Switched off", points=5, active=False)
    make.rule("later", title="Not yet", points=5, active_from=utcnow() + timedelta(days=3))
    logged_in_member(client, make)
    text = page_text(client, "/portal/earn")
    assert "Daily visit 10 points, once a day" in text
    assert "Shopping 1 point per 1.00 spent, at most 500 points each time" in text
    assert "Coffee 1 point per 10.00 spent" in text
    assert "Big basket 50 points when you spend at least 100, up to 3 times a week" in text
    assert "Review 40 points, yours to spend 7 days later" in text
    assert "Switched off" not in text and "Not yet" not in text
    assert "TRANSACTION" not in text and "FIX" not in text


def test_ways_to_earn_shows_the_members_group_rate_and_tier_multiplier(app, client, make):
    make.group("vip")
    make.tier("Silver", 0, multiplier="1.5")
    make.rule("review", title="Review", points=40, overrides={"vip": 80})
    account = logged_in_member(client, make)

    def join(session):
        join_groups(session, session.get_one(Member, account.member_id), ["vip"])

    write(app, join)
    text = page_text(client, "/portal/earn")
    assert "Review 80 points" in text
    assert "As a Silver member you get ×1.5 the points shown here." in text


def test_ways_to_earn_without_rules(client, make):
    logged_in_member(client, make)
    assert "There are no ways to earn points right now." in page_text(client, "/portal/earn")


def test_tiers_explained_shows_the_ladder_and_the_members_progress(app, client, make):
    make.tier("Bronze", 0)
    make.tier("Silver", 500, multiplier="1.25")
    make.tier("Gold", 2000, multiplier="1.5")
    make.rule("visit", title="Visit", points=200)
    make.member_login("ann@example.com", user_id="ann")
    for _ in range(3):
        write(
            app,
            lambda s: events.record_event(
                s, user_id="ann", event_id="visit", now=utcnow(), source="test", trusted=True
            ),
        )
    as_new_request()
    client.post("/auth/login", data={"email": "ann@example.com", "password": PASSWORD})
    text = page_text(client, "/portal/tiers")
    assert "points you earned in the last 365 days" in text
    assert "You earned 600 points in the last 365 days: you are Silver" in text
    assert "1,400 more points to Gold." in text
    assert "Bronze Every member starts here · Standard points" in text
    assert "Silver Your tier From 500 points earned in 365 days · 25% more points" in text
    assert "Gold From 2,000 points earned in 365 days · 50% more points" in text


def test_benefits_an_admin_sets_show_on_tiers_explained(app, client, make, auth):
    make.admin("root@example.com")
    auth.login("root@example.com")
    response = client.post(
        "/admin/tiers/new",
        data={"name": "Gold", "threshold": "1000", "multiplier": "2", "benefits": "Free delivery."},
    )
    assert response.status_code == 303
    client.post("/auth/logout")
    as_new_request()
    logged_in_member(client, make)
    text = page_text(client, "/portal/tiers")
    assert "Gold From 1,000 points earned in 365 days · 100% more points Free delivery." in text
    assert "1,000 more points to Gold." in text


def test_the_portal_nav_links_both_pages(client, make):
    logged_in_member(client, make)
    html = client.get("/portal/").get_data(as_text=True)
    assert '<a href="/portal/earn">Ways to earn</a>' in html
    assert '<a href="/portal/tiers">Tiers</a>' in html
