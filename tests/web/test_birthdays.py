"""Birthdays: set in the portal profile (year optional), shown to admins, and rewarded by
`flask points birthdays` once per member per year on the day in the program's zone;
29 February birthdays are celebrated on 28 February in other years."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from loyalty_portal.extensions import db
from loyalty_portal.models import LedgerEntry, Member
from loyalty_portal.services.members import birthdays
from loyalty_portal.services.members.birthdays import celebrated_on
from tests.factories import growth_settings
from tests.web.portal_support import logged_in_member, text_of

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
def app_config():
    return {"TIMEZONE": "Europe/Berlin"}


def _birthday(app, user_id, month, day, year=None):
    with app.app_context():
        member = db.session.scalar(select(Member).where(Member.user_id == user_id))
        birthdays.set_birthday(db.session, member, month, day, year)
        db.session.commit()


def _run(app, now):
    with app.app_context():
        result = birthdays.award_birthdays(db.session, now)
        db.session.commit()
        return result


def _balance(app, user_id):
    with app.app_context():
        return db.session.scalar(select(Member.balance).where(Member.user_id == user_id))


def test_member_sets_a_birthday_without_a_year_and_the_admin_sees_it(app, client, make, auth):
    growth_settings(app, birthday_points=50)
    logged_in_member(client, make, user_id="ann")
    page = text_of(client.get("/portal/profile").get_data(as_text=True))
    assert "get 50 points on the day" in page
    saved = client.post("/portal/profile", data={"birth_month": "2", "birth_day": "29"})
    assert saved.status_code == 303
    with app.app_context():
        member = db.session.scalar(select(Member).where(Member.user_id == "ann"))
        assert (member.birth_month, member.birth_day, member.birth_year) == (2, 29, None)
    bad = client.post("/portal/profile", data={"birth_month": "4", "birth_day": "31"})
    assert "That month has no such day." in bad.get_data(as_text=True)
    client.post("/auth/logout")
    make.admin("root@example.com")
    auth.login("root@example.com")
    admin_page = text_of(client.get("/admin/members/ann").get_data(as_text=True))
    assert "Birthday: 29 February" in admin_page


def test_reward_is_paid_once_a_year_on_the_day_in_the_program_zone(app, make, runner):
    growth_settings(app, birthday_points=50)
    make.member("ann")
    make.member("bob")
    _birthday(app, "ann", 12, 3, 1990)
    _birthday(app, "bob", 12, 4)
    # 23:30 UTC on 2 December is 00:30 on 3 December in Berlin: ann's day
    assert _run(app, datetime(2026, 12, 2, 23, 30, tzinfo=UTC)) == (1, 50)
    assert _run(app, datetime(2026, 12, 3, 12, 0, tzinfo=UTC)) == (0, 0)  # once a year
    assert (_balance(app, "ann"), _balance(app, "bob")) == (50, 0)
    assert _run(app, datetime(2027, 12, 3, 12, 0, tzinfo=UTC)) == (1, 50)  # next year again
    with app.app_context():
        titles = db.session.scalars(select(LedgerEntry.title)).all()
        assert titles == ["Happy birthday!", "Happy birthday!"]
    result = runner.invoke(args=["points", "birthdays"])
    assert result.exit_code == 0 and "Birthday rewards:" in result.output


def test_29_february_is_celebrated_on_28_february_in_other_years(app, make):
    growth_settings(app, birthday_points=20)
    make.member("leap")
    _birthday(app, "leap", 2, 29)
    assert celebrated_on(datetime(2027, 2, 28).date()) == [(2, 28), (2, 29)]
    assert celebrated_on(datetime(2028, 2, 28).date()) == [(2, 28)]
    assert _run(app, datetime(2027, 2, 28, 10, tzinfo=BERLIN)) == (1, 20)
    assert _run(app, datetime(2028, 2, 28, 10, tzinfo=BERLIN)) == (0, 0)
    assert _run(app, datetime(2028, 2, 29, 10, tzinfo=BERLIN)) == (1, 20)
    assert _balance(app, "leap") == 40


def test_no_reward_configured_pays_nothing(app, make):
    make.member("ann")
    _birthday(app, "ann", 5, 5)
    assert _run(app, datetime(2026, 5, 5, 12, tzinfo=UTC)) == (0, 0)


def test_the_worker_pays_todays_birthdays_once(app, make, runner, caplog):
    import logging

    from loyalty_portal.timeutil import utcnow

    growth_settings(app, birthday_points=50)
    make.member("cy")
    today = utcnow().astimezone(ZoneInfo("Europe/Berlin"))
    _birthday(app, "cy", today.month, today.day)
    with caplog.at_level(logging.INFO, logger="loyalty_portal.worker"):
        for _ in range(2):  # the hourly job may run many times on the day
            result = runner.invoke(args=["worker", "--once", "--only", "birthdays"])
            assert result.exit_code == 0, result.output
    lines = [r.getMessage() for r in caplog.records if "birthday rewards" in r.getMessage()]
    assert any("50 points to 1 member" in line for line in lines), lines
    assert _balance(app, "cy") == 50
