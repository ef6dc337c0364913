"""Earning rules: create every type with every option, validation, overrides, audit, and the
"try it" panel that judges a sample event and writes nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from loyalty_portal.extensions import db
from loyalty_portal.models import AuditLog, EarningRule, EventLog, LedgerEntry, Member
from loyalty_portal.services.earning import events
from loyalty_portal.timeutil import utcnow


@pytest.fixture
def admin(make, auth):
    account = make.admin("root@example.com")
    auth.login("root@example.com")
    return account


def rule_form(**changes):
    data = {
        "event_id": "purchase",
        "title": "Purchase",
        "description": "Points for every euro",
        "type": "TRANSACTION",
        "points": "",
        "points_per_unit": "1.5",
        "value_field": "total",
        "threshold": "",
        "max_per_event": "500",
        "cap_count": "3",
        "cap_period": "day",
        "active_from": "2026-01-01T00:00",
        "active_until": "2030-01-01T00:00",
        "requires_api_key": "y",
        "pending_days": "14",
        "expiry_policy": "days",
        "expiry_days": "365",
        "active": "y",
    }
    data.update(changes)
    return data


def test_create_a_transaction_rule_with_every_option(app, client, admin, make):
    make.group("staff", "Staff")
    make.group("vip", "VIP")
    form = rule_form(
        **{
            "overrides-0-usergroup_id": "staff",
            "overrides-0-points_per_unit": "3",
            "overrides-1-usergroup_id": "vip",
            "overrides-1-points_per_unit": "",
        }
    )
    response = client.post("/admin/rules/new", data=form)
    assert response.status_code == 303
    with app.app_context():
        rule = db.session.query(EarningRule).filter_by(event_id="purchase").one()
        assert (rule.type, rule.points, rule.points_per_unit) == (
            "TRANSACTION",
            None,
            Decimal("1.5"),
        )
        assert (rule.value_field, rule.max_per_event) == ("total", 500)
        assert (rule.cap_count, rule.cap_period, rule.pending_days) == (3, "day", 14)
        assert (rule.expiry_policy, rule.expiry_days, rule.requires_api_key) == ("days", 365, True)
        assert rule.active_from == datetime(2026, 1, 1, tzinfo=UTC)
        assert [(o.usergroup_id, o.points_per_unit) for o in rule.group_overrides] == [
            ("staff", Decimal(3))
        ]
        entry = db.session.query(AuditLog).filter_by(action="rule.create").one()
        assert entry.target_id == "purchase" and entry.after["overrides"] == {"staff": "3"}
        rule_id = rule.id
    page = client.get(f"/admin/rules/{rule_id}").data.decode()
    assert 'value="1.5"' in page and 'name="overrides-0-points_per_unit"' in page


def test_new_rule_form_offers_an_override_row_per_group(client, admin, make):
    make.group("staff", "Staff")
    make.group("vip", "VIP")
    html = client.get("/admin/rules/new").data.decode()
    assert 'name="overrides-0-usergroup_id" type="hidden" value="staff"' in html
    assert 'name="overrides-1-usergroup_id" type="hidden" value="vip"' in html


def test_conditional_rule_needs_points_and_threshold(app, client, admin):
    response = client.post(
        "/admin/rules/new",
        data=rule_form(type="CONDITIONAL", points="", threshold="", points_per_unit="2"),
    )
    html = response.data.decode()
    assert "Required for this type." in html and "Required for a conditional rule." in html
    assert 'value="Purchase"' in html  # what was typed stays
    response = client.post(
        "/admin/rules/new",
        data=rule_form(type="CONDITIONAL", points="50", threshold="100", points_per_unit="2"),
    )
    assert response.status_code == 303
    with app.app_context():
        rule = db.session.query(EarningRule).one()
        assert (rule.points, rule.threshold, rule.points_per_unit) == (50, Decimal(100), None)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"event_id": "has space"}, "no spaces"),
        ({"points_per_unit": "0"}, "Must be more than 0"),
        ({"points_per_unit": "1.23456"}, "At most 4 decimal places."),
        ({"cap_count": "3", "cap_period": ""}, "Give both a number of completions and a period"),
        ({"active_until": "2025-01-01T00:00"}, "Must be after the start."),
        ({"expiry_days": ""}, "Required when points expire after a number of days."),
        ({"value_field": "total amount"}, "Letters, digits and _"),
        ({"pending_days": "400"}, "At most 365."),
        ({"max_per_event": "0"}, "At least 1."),
    ],
)
def test_rule_validation_messages(app, client, admin, changes, message):
    response = client.post("/admin/rules/new", data=rule_form(**changes))
    assert response.status_code == 200
    assert message in response.data.decode()
    with app.app_context():
        assert db.session.query(EarningRule).count() == 0


def test_duplicate_event_id_is_refused(client, admin, make):
    make.rule("purchase")
    response = client.post("/admin/rules/new", data=rule_form())
    assert b"A rule for this eventId already exists." in response.data


def test_edit_a_rule_and_replace_its_overrides(app, client, admin, make):
    make.group("staff", "Staff")
    rule = make.rule("login", points=10, overrides={"staff": 20})
    response = client.post(
        f"/admin/rules/{rule.id}",
        data={
            "title": "Daily login",
            "type": "FIX",
            "points": "15",
            "value_field": "amount",
            "cap_count": "1",
            "cap_period": "day",
            "expiry_policy": "program",
            "active": "y",
            "overrides-0-usergroup_id": "staff",
            "overrides-0-points": "",
        },
    )
    assert response.status_code == 303
    with app.app_context():
        rule = db.session.get(EarningRule, rule.id)
        assert (rule.title, rule.points, rule.cap_count) == ("Daily login", 15, 1)
        assert rule.group_overrides == []
        entry = db.session.query(AuditLog).filter_by(action="rule.update").one()
        assert entry.before["points"] == 10 and entry.after["points"] == 15
        assert entry.before["overrides"] == {"staff": 20} and entry.after["overrides"] == {}


def test_deactivate_a_rule(app, client, admin, make):
    rule = make.rule("login")
    client.post(f"/admin/rules/{rule.id}/active", data={"active": "0"})
    with app.app_context():
        assert db.session.get(EarningRule, rule.id).active is False
        assert db.session.query(AuditLog).filter_by(action="rule.deactivate").count() == 1
    assert b"<code>login</code>" in client.get("/admin/rules?status=inactive").data
    assert b"<code>login</code>" not in client.get("/admin/rules?status=active").data


def counts(app):
    with app.app_context():
        return (
            db.session.query(EventLog).count(),
            db.session.query(LedgerEntry).count(),
            db.session.query(Member).count(),
            db.session.query(AuditLog).count(),
        )


def test_try_it_shows_points_and_steps_and_writes_nothing(app, client, admin, make):
    make.group("vip", "VIP")
    silver = make.tier("Silver", 0, multiplier="2")
    rule = make.rule(
        "purchase",
        type="TRANSACTION",
        points_per_unit=Decimal("1.5"),
        value_field="total",
        max_per_event=100,
        overrides={"vip": Decimal(3)},
        cap_count=5,
        cap_period="day",
    )
    make.member("ann", groups=["vip"])
    with app.app_context():
        db.session.query(Member).filter_by(user_id="ann").one().tier_id = silver.id
        db.session.commit()
    before = counts(app)
    response = client.post(
        f"/admin/rules/{rule.id}/try",
        data={"user_id": "ann", "metadata": '{"total": 20}', "amount": ""},
        headers={"HX-Request": "true"},
    )
    html = response.data.decode()
    assert response.status_code == 200 and "<html" not in html  # the panel only
    # 20 x 3 (vip rate) = 60, x2 (Silver) = 120, capped at 100.
    assert 'data-testid="try-points">100<' in html
    assert "User-group rate applied." in html and "Capped at 100 points per event." in html
    assert counts(app) == before


def test_try_it_for_a_new_member_and_without_javascript(app, client, admin, make):
    rule = make.rule(
        "review", type="CONDITIONAL", points=25, threshold=Decimal(4), value_field="stars"
    )
    before = counts(app)
    response = client.post(
        f"/admin/rules/{rule.id}/try", data={"user_id": "nobody", "metadata": '{"stars": 3}'}
    )
    html = response.data.decode()
    assert "<html" in html and 'name="title"' in html  # the whole page, rule form included
    assert 'data-testid="try-points">0<' in html and "below the threshold 4" in html
    assert counts(app) == before


def test_try_it_reports_bad_input_next_to_the_field(client, admin, make):
    rule = make.rule("purchase", type="TRANSACTION", points_per_unit=Decimal(1))
    response = client.post(
        f"/admin/rules/{rule.id}/try",
        data={"metadata": "{not json", "amount": "12"},
        headers={"HX-Request": "true"},
    )
    assert b"Not valid JSON" in response.data and b'aria-invalid="true"' in response.data
    response = client.post(
        f"/admin/rules/{rule.id}/try", data={"metadata": "{}"}, headers={"HX-Request": "true"}
    )
    assert b"needs a number in metadata.amount or amount" in response.data


def test_try_it_agrees_with_the_live_path(app, client, admin, make):
    """After the one completion a day is used, the panel says the limit is reached."""
    rule = make.rule("login", points=10, cap_count=1, cap_period="day")
    make.member("ann")
    with app.app_context():
        events.record_event(
            db.session, user_id="ann", event_id="login", now=utcnow(), source="test"
        )
        db.session.commit()
    html = client.post(f"/admin/rules/{rule.id}/try", data={"user_id": "ann"}).data.decode()
    assert 'data-testid="try-points">0<' in html and "Already completed 1 of 1 times" in html


def test_try_it_judges_the_unsaved_form(app, client, admin, make):
    rule = make.rule(
        "purchase", type="TRANSACTION", points_per_unit=Decimal(1), value_field="total"
    )
    before = counts(app)
    edited = rule_form(points_per_unit="4", max_per_event="", cap_count="", cap_period="")
    del edited["event_id"]
    trial = {**edited, "user_id": "", "metadata": '{"total": 10}', "amount": ""}
    html = client.post(
        f"/admin/rules/{rule.id}/try", data=trial, headers={"HX-Request": "true"}
    ).data.decode()
    assert 'data-testid="try-points">40<' in html  # 10 x 4 from the form, not x 1 as saved
    no_js = client.post(f"/admin/rules/{rule.id}/try", data=trial).data.decode()
    assert 'data-testid="try-points">40<' in no_js and 'value="4"' in no_js  # edits kept
    with app.app_context():
        assert db.session.get(EarningRule, rule.id).points_per_unit == Decimal(1)  # unsaved
    assert counts(app) == before  # no audit entry, no event
    broken = {**trial, "points_per_unit": "", "title": ""}
    html = client.post(
        f"/admin/rules/{rule.id}/try", data=broken, headers={"HX-Request": "true"}
    ).data.decode()
    assert 'data-testid="try-rule-problems"' in html and "Title" in html
    assert 'data-testid="try-result"' not in html


def test_try_it_bounds_its_numbers(client, admin, make):
    rule = make.rule("purchase", type="TRANSACTION", points_per_unit=Decimal(1))
    for data in ({"amount": "9" * 39}, {"metadata": '{"amount": 1e300}'}, {"amount": "Infinity"}):
        html = client.post(
            f"/admin/rules/{rule.id}/try", data=data, headers={"HX-Request": "true"}
        ).data.decode()
        assert "1,000,000,000 for a sample" in html, data
        assert 'data-testid="try-result"' not in html  # no steps with 300-digit numbers


def test_every_problem_is_reported_in_one_round(app, client, admin):
    html = client.post(
        "/admin/rules/new", data=rule_form(title="", value_field="no spaces", cap_count="0")
    ).data.decode()
    assert "This field is required." in html  # the form's own check (title)
    assert "Letters, digits and _ (a metadata key)." in html  # the service's, same round
    with app.app_context():
        assert db.session.query(EarningRule).count() == 0
        assert db.session.query(AuditLog).count() == 0
