"""Admin referrals: settings saved (and validated) through the service, the report's
totals, top referrers and the chart's data."""

from __future__ import annotations

import json
import re

import pytest

from loyalty_portal.extensions import db
from loyalty_portal.models import GrowthSettings
from loyalty_portal.services.earning import events, referrals
from loyalty_portal.services.members import members
from loyalty_portal.timeutil import utcnow
from tests.web.portal_support import text_of


@pytest.fixture
def admin(make, auth):
    account = make.admin("root@example.com")
    auth.login("root@example.com")
    return account


FORM = {
    "referrals_enabled": "y",
    "qualifying_event_id": "buy",
    "minimum_value": "10",
    "referrer_points": "200",
    "friend_points": "100",
    "monthly_cap": "10",
    "birthday_points": "50",
}


def test_settings_are_saved_and_validated(app, client, admin, make):
    make.rule("buy", points=5)
    assert client.post("/admin/referrals", data=FORM).status_code == 303
    with app.app_context():
        row = db.session.get(GrowthSettings, 1)
        assert (row.referrals_enabled, row.qualifying_event_id, row.referrer_points) == (
            True,
            "buy",
            200,
        )
        assert (row.friend_points, row.monthly_cap, row.birthday_points) == (100, 10, 50)
    refused = client.post("/admin/referrals", data={**FORM, "qualifying_event_id": "nope"})
    assert refused.status_code == 200 and "No earning rule with this event id." in text_of(
        refused.get_data(as_text=True)
    )


def test_report_shows_totals_top_referrers_and_chart_data(app, client, admin, make):
    make.rule("buy", points=5)
    client.post("/admin/referrals", data={**FORM, "minimum_value": ""})
    with app.app_context():
        now = utcnow()
        ann = members.create_member(db.session, "ann", now, "Ann")
        for friend in ("bob", "cy", "dee"):
            referrals.refer(db.session, members.create_member(db.session, friend, now), ann, now)
        db.session.commit()
        events.record_event(db.session, user_id="bob", event_id="buy", now=now, source="t")
        db.session.commit()
    html = client.get("/admin/referrals").get_data(as_text=True)
    page = text_of(html)
    assert "Invites 3" in page and "Completions 1" in page
    assert "Points paid 300" in page and "Conversion rate 33%" in page
    assert "Ann (ann) 3 1 200" in page
    data = json.loads(re.search(r'id="referral-data">(.*?)</script>', html).group(1))
    assert data["invites"][-1] == 3 and data["completions"][-1] == 1
    assert len(data["months"]) == 6 and 'id="chart-referrals"' in html
