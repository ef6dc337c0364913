"""Tiers, user groups (titles per language) and the program's settings."""

from __future__ import annotations

from decimal import Decimal

import pytest

from loyalty_portal.extensions import db
from loyalty_portal.models import AuditLog, Member, ProgramSettings, Tier, UserGroup
from loyalty_portal.services.earning import events
from loyalty_portal.services.program.settings import load_program
from loyalty_portal.timeutil import utcnow
from tests.conftest import API_SECRET


@pytest.fixture
def admin(make, auth):
    account = make.admin("root@example.com")
    auth.login("root@example.com")
    return account


def actions(app) -> list[str]:
    with app.app_context():
        return [a for (a,) in db.session.query(AuditLog.action).order_by(AuditLog.id)]


def test_create_and_edit_a_tier(app, client, admin):
    response = client.post(
        "/admin/tiers/new",
        data={"name": "Gold", "threshold": "1000", "multiplier": "1.5", "benefits": "Lounge"},
    )
    assert response.status_code == 303
    with app.app_context():
        tier = db.session.query(Tier).one()
        assert (tier.name, tier.threshold, tier.multiplier) == ("Gold", 1000, Decimal("1.5"))
    client.post(
        f"/admin/tiers/{tier.id}",
        data={"name": "Gold", "threshold": "1200", "multiplier": "1.5", "benefits": "Lounge"},
    )
    with app.app_context():
        assert db.session.get(Tier, tier.id).threshold == 1200
        entry = db.session.query(AuditLog).filter_by(action="tier.update").one()
        assert (entry.before, entry.after) == ({"threshold": 1000}, {"threshold": 1200})
    assert b"1,200" in client.get("/admin/tiers").data


def test_tier_validation(app, client, admin, make):
    make.tier("Silver", 500)
    response = client.post(
        "/admin/tiers/new", data={"name": "silver", "threshold": "500", "multiplier": "0"}
    )
    html = response.data.decode()
    assert "Another tier has this name." in html
    assert "Silver already starts at this threshold." in html
    assert "Must be more than 0." in html
    assert 'value="silver"' in html
    with app.app_context():
        assert db.session.query(Tier).count() == 1


def test_recompute_moves_members_and_is_audited(app, client, admin, make):
    make.tier("Silver", 100)
    make.rule("buy", points=150)
    with app.app_context():
        events.record_event(db.session, user_id="ann", event_id="buy", now=utcnow(), source="t")
        db.session.commit()
    gold = make.tier("Gold", 120)  # Ann already qualifies, but tiers move on recompute
    response = client.post("/admin/tiers/recompute", follow_redirects=True)
    assert b"1 member changed tier" in response.data
    with app.app_context():
        assert db.session.query(Member).filter_by(user_id="ann").one().tier_id == gold.id
    assert "tier.recompute" in actions(app)


def test_create_a_group_with_titles_in_several_languages(app, client, admin):
    response = client.post(
        "/admin/groups/new",
        data={
            "id": "regulars",
            "title": "Regulars",
            "title_de": "Stammkunden",
            "title_translations": "fr: Habitués\n",
            "description": "Come often",
            "description_translations": "de: Kommen oft",
            "status": "ACTIVE",
        },
    )
    assert response.status_code == 303
    with app.app_context():
        group = db.session.get(UserGroup, "regulars")
        assert group.title == {"default": "Regulars", "de": "Stammkunden", "fr": "Habitués"}
        assert group.description == {"default": "Come often", "de": "Kommen oft"}
    edit = client.get("/admin/groups/regulars").data.decode()
    assert 'value="Stammkunden"' in edit and "fr: Habitués" in edit
    client.post(
        "/admin/groups/regulars",
        data={"title": "Regulars", "title_de": "Stammgäste", "status": "INACTIVE"},
    )
    with app.app_context():
        group = db.session.get(UserGroup, "regulars")
        assert group.title == {"default": "Regulars", "de": "Stammgäste"}
        assert group.status == "INACTIVE" and group.description == {}
    assert actions(app) == ["usergroup.create", "usergroup.update"]


def test_a_group_without_an_id_gets_one(app, client, admin):
    client.post("/admin/groups/new", data={"title": "Fans", "title_de": "Fans", "status": "ACTIVE"})
    with app.app_context():
        (group,) = db.session.query(UserGroup).all()
        assert group.id.startswith("ug_") and len(group.id) == 15


def test_group_validation_reports_every_problem_at_once(app, client, admin, make):
    make.group("staff")
    response = client.post(
        "/admin/groups/new",
        data={
            "id": "staff",
            "title": "Staff",
            "title_translations": "German Personal\nfr:\nfr: Personnel\nfr: Équipe",
            "status": "ACTIVE",
        },
    )
    html = response.data.decode()
    assert "A user group &#39;staff&#39; already exists." in html
    assert "A &#39;de&#39; title is required." in html
    assert "Line 1: write a language code, a colon, the text." in html
    assert "Line 2: write the text after the colon." in html
    assert "Line 4: fr is given twice." in html
    with app.app_context():
        assert db.session.query(UserGroup).count() == 1


def settings_form(**changes):
    data = {
        "name": "Coffee Club",
        "timezone": "Europe/Berlin",
        "expiry_policy": "days",
        "expiry_days": "365",
        "pending_days": "7",
        "tier_window_days": "180",
        "coupon_valid_days": "30",
        "tenant_id": "acme",
        "project_id": "coffee",
    }
    data.update(changes)
    return data


def test_settings_are_saved_and_audited(app, client, admin):
    response = client.post("/admin/settings", data=settings_form())
    assert response.status_code == 303
    with app.app_context():
        program = load_program(db.session)
        entry = db.session.query(AuditLog).filter_by(action="settings.update").one()
    assert (program.name, program.timezone.key) == ("Coffee Club", "Europe/Berlin")
    assert (program.expiry_policy, program.expiry_days, program.pending_days) == ("days", 365, 7)
    assert (program.tier_window_days, program.coupon_valid_days) == (180, 30)
    assert (program.tenant_id, program.project_id) == ("acme", "coffee")
    assert entry.before["timezone"] == "UTC" and entry.after["timezone"] == "Europe/Berlin"
    assert b"Coffee Club" in client.get("/admin/settings").data


def test_settings_validation_and_the_secret_is_never_shown(app, client, admin):
    response = client.post(
        "/admin/settings",
        data=settings_form(timezone="Mars/Olympus", expiry_days="", pending_days="-1"),
    )
    html = response.data.decode()
    assert "Not a known IANA time zone" in html
    assert "Required when points expire after a number of days." in html
    assert "At least 0." in html
    assert 'value="Mars/Olympus"' in html
    with app.app_context():
        assert db.session.get(ProgramSettings, 1) is None
    assert API_SECRET not in html
    assert API_SECRET not in client.get("/admin/settings").data.decode()
