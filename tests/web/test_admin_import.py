"""The member import as spreadsheets write it: `;` from German Excel, headers in any case,
the members export fed back in, logins from an `email` column, a dry run that keeps the file."""

from __future__ import annotations

import re
from html import unescape as html_unescape

import pytest

from loyalty_portal.extensions import db
from loyalty_portal.models import Account, Member, OutgoingMail

from .test_admin_data import import_file, snapshot


@pytest.fixture
def admin(make, auth):
    account = make.admin("root@example.com")
    auth.login("root@example.com")
    return account


def test_semicolons_and_any_header_case(app, client, admin, make):
    make.group("staff")
    make.group("vip")
    text = "USERID;Name;BALANCE;Groups\nann;Ann Müller;1200;staff,vip\nbob;Bob;0;\n"
    html = import_file(client, text, dry_run=False).data.decode()
    assert "Imported 2 members with 1,200 points." in html
    with app.app_context():
        ann = db.session.query(Member).filter_by(user_id="ann").one()
        assert (ann.display_name, ann.balance) == ("Ann Müller", 1200)
        assert sorted(g.id for g in ann.usergroups) == ["staff", "vip"]


def test_the_members_export_imports_unchanged(app, client, admin, make):
    make.member("ann", display_name="-Ann", balance=70)
    make.member("bob", display_name="Bob", balance=0)
    exported = client.post("/admin/exports", data={"kind": "members"}).get_data(as_text=True)
    with app.app_context():
        for member in db.session.query(Member).all():
            member.user_id = "old-" + member.user_id  # the file goes to a fresh program
        db.session.commit()
    html = import_file(client, exported, dry_run=False).data.decode()
    assert "Imported 2 members with 70 points." in html, html
    with app.app_context():
        ann = db.session.query(Member).filter_by(user_id="ann").one()
        assert (ann.display_name, ann.balance) == ("-Ann", 70)  # the formula guard undone


def test_an_email_column_creates_logins_with_a_welcome_link(app, client, admin, make):
    make.member_login("taken@example.com", user_id="someone")
    text = (
        "userId,email,balance\n"
        "ann,Ann@Example.com,5\n"
        "bob,,0\n"
        "cid,not-an-address,0\n"
        "dee,taken@example.com,0\n"
        "eve,ann@example.com,0\n"
    )
    before = snapshot(app)
    html = import_file(client, text, dry_run=True).data.decode()
    assert "3 problems found" in html
    assert "Line 4: email" in html
    assert "Line 5: email taken@example.com already has a login" in html
    assert "Line 6: email ann@example.com is also on line 2" in html
    assert snapshot(app) == before
    good = "userId,email,balance\nann,Ann@Example.com,5\nbob,,0\n"
    html = import_file(client, good, dry_run=True).data.decode()
    assert "1 login" in html
    html = import_file(client, good, dry_run=False).data.decode()
    assert "Imported 2 members with 5 points" in html and "1 login" in html
    with app.app_context():
        account = db.session.query(Account).filter_by(email="ann@example.com").one()
        assert account.member.user_id == "ann" and account.role == "member"
        assert db.session.query(Account).filter(Account.member.has(user_id="bob")).count() == 0
        (mail,) = db.session.query(OutgoingMail).filter_by(recipient="ann@example.com").all()
        assert mail.subject.startswith("Choose your password")


def test_the_dry_run_keeps_the_chosen_file(app, client, admin):
    text = "userId,balance\nann,5\nbob,7\n"
    html = import_file(client, text, dry_run=True).data.decode()
    assert "The file is clean: 2 members with 12 points would be imported." in html
    assert "members.csv" in html  # the page says which file it kept
    kept = html_unescape(re.search(r'name="kept_file" type="hidden" value="([^"]*)"', html)[1])
    token = re.search(r'name="csrf_token" value="([^"]+)"', html)[1]
    response = client.post(
        "/admin/imports/members",
        data={"kept_file": kept, "kept_name": "members.csv", "import": "1", "csrf_token": token},
    )  # the Import button, without choosing the file again
    assert "Imported 2 members with 12 points." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(Member).filter_by(user_id="bob").one().balance == 7


def test_a_form_post_without_any_file_asks_for_one(client, admin):
    response = client.post("/admin/imports/members", data={"import": "1"})
    assert "Choose a file." in response.get_data(as_text=True)
