"""Admin campaigns: create in the program's zone, edit, end; the list groups scheduled,
active and ended with the points each awarded. The portal dashboard shows the active ones
the member can benefit from."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from loyalty_portal.extensions import db
from loyalty_portal.models import AuditLog, Campaign
from loyalty_portal.services.earning import events
from loyalty_portal.timeutil import utcnow
from tests.web.portal_support import logged_in_member, text_of, write


@pytest.fixture
def app_config():
    return {"TIMEZONE": "Europe/Berlin"}


@pytest.fixture
def admin(make, auth):
    account = make.admin("root@example.com")
    auth.login("root@example.com")
    return account


def test_admin_creates_a_campaign_in_berlin_time_and_ends_it(app, client, admin, make):
    make.rule("purchase", title="Purchase", points=10)
    day = (datetime.now(UTC) + timedelta(days=30)).date()  # to come, whenever this runs
    starts = datetime.combine(day, time(18, 0))  # as typed, in the program's time zone
    ends = datetime.combine(day + timedelta(days=3), time(0, 0))  # midnight
    berlin = ZoneInfo("Europe/Berlin")
    form = {
        "title": "Double points weekend",
        "startsAt": starts.strftime("%Y-%m-%dT%H:%M"),
        "endsAt": ends.strftime("%Y-%m-%dT%H:%M"),
        "multiplier": "2",
        "bonusPoints": "",
        "eventIds": ["purchase"],
        "minTier": "",
    }
    assert client.post("/admin/campaigns/new", data=form).status_code == 303
    with app.app_context():
        campaign = db.session.query(Campaign).one()
        assert campaign.starts_at == starts.replace(tzinfo=berlin).astimezone(UTC)
        assert campaign.ends_at == ends.replace(tzinfo=berlin).astimezone(UTC)
        assert campaign.starts_at.hour != 18  # stored in UTC, not as typed
        assert campaign.event_ids == ["purchase"]
        campaign_id = campaign.id
    edit = client.get(f"/admin/campaigns/{campaign_id}").get_data(as_text=True)
    assert f'value="{form["endsAt"]}"' in edit
    client.post(
        f"/admin/campaigns/{campaign_id}", data={**form, "title": "Triple", "multiplier": "3"}
    )
    page = text_of(client.get("/admin/campaigns").get_data(as_text=True))
    assert "Triple" in page and "Scheduled (1)" in page
    client.post(f"/admin/campaigns/{campaign_id}/end")
    page = text_of(client.get("/admin/campaigns").get_data(as_text=True))
    assert "Ended (1)" in page
    with app.app_context():
        actions = [a for (a,) in db.session.query(AuditLog.action)]
        assert {"campaign.create", "campaign.update", "campaign.end"} <= set(actions)


def test_refusals_are_shown_next_to_the_fields(client, admin):
    form = {"title": "Bad", "startsAt": "2026-12-04T18:00", "endsAt": "2026-12-04T10:00"}
    response = client.post("/admin/campaigns/new", data=form)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Must be after the start." in html
    assert "Give a multiplier above 1, bonus points, or both." in html


def test_list_shows_points_awarded_per_campaign(app, client, admin, make):
    make.rule("login", points=10)
    now = utcnow()
    make.campaign("Live", now - timedelta(hours=1), now + timedelta(hours=1), bonus_points=5)
    make.campaign("Soon", now + timedelta(days=1), now + timedelta(days=2), multiplier="2")
    for user in ("a", "b"):
        write(
            app,
            lambda s, u=user: events.record_event(
                s, user_id=u, event_id="login", now=utcnow(), source="test"
            ),
        )
    page = text_of(client.get("/admin/campaigns").get_data(as_text=True))
    assert "Active (1)" in page and "Scheduled (1)" in page and "Ended (0)" in page
    live_row = page[page.index("Live") :]
    assert "30" in live_row.split("Scheduled")[0]  # 2 events x (10 + 5)


def test_campaign_admin_is_for_admins_only(client, make):
    logged_in_member(client, make, user_id="ann")
    assert client.get("/admin/campaigns").status_code in (302, 403)


def test_dashboard_and_ways_to_earn_show_active_campaigns_the_member_can_use(app, client, make):
    make.group("vip")
    make.rule("purchase", title="Purchase", points=10)
    now = utcnow()
    hour = timedelta(hours=1)
    make.campaign(
        "Double points weekend", now - hour, now + hour, multiplier="2", event_ids=["purchase"]
    )
    make.campaign("VIP only", now - hour, now + hour, bonus_points=50, usergroups=["vip"])
    make.campaign("Next week", now + timedelta(days=7), now + timedelta(days=8), multiplier="3")
    logged_in_member(client, make, user_id="ann")
    page = text_of(client.get("/portal/").get_data(as_text=True))
    assert "Double points weekend" in page and "×2 points on Purchase" in page
    assert "VIP only" not in page and "Next week" not in page
    berlin_end = (now + hour).astimezone(ZoneInfo("Europe/Berlin"))
    assert f"{berlin_end:%H:%M}" in page
    ways = text_of(client.get("/portal/earn").get_data(as_text=True))  # Ways to earn too
    assert "Double points weekend" in ways and "×2 points on Purchase" in ways
    assert "VIP only" not in ways and "Next week" not in ways


def test_try_it_panel_applies_campaigns_like_the_event_path(app, client, admin, make):
    rule = make.rule("login", points=10, title="Login")
    now = utcnow()
    make.campaign("Plus five", now - timedelta(hours=1), now + timedelta(hours=1), bonus_points=5)
    response = client.post(
        f"/admin/rules/{rule.id}/try",
        data={"user_id": "nobody-yet", "metadata": "", "amount": ""},
        headers={"HX-Request": "true"},
    )
    html = response.get_data(as_text=True)
    assert 'data-testid="try-points">15<' in html and "Campaign: Plus five" in html
    with app.app_context():
        from loyalty_portal.models import Member

        assert db.session.query(Member).count() == 0
