"""Sessions end on the server: logout, a password change and an admin end them everywhere."""

from __future__ import annotations

from sqlalchemy import select

from loyalty_portal.extensions import db
from loyalty_portal.models import AuditLog

PASSWORD = "correct-horse-battery"


def logged_in(app, email, password=PASSWORD):
    client = app.test_client()
    response = client.post("/auth/login", data={"email": email, "password": password})
    assert response.status_code == 303
    return client


def is_in(client):
    return client.get("/portal/").status_code == 200


def test_a_cookie_copied_before_logout_no_longer_works(app, make):
    make.member_login("ann@example.com")
    browser = logged_in(app, "ann@example.com")
    copied = browser.get_cookie("session").value
    thief = app.test_client()
    thief.set_cookie("session", copied)
    assert is_in(thief)  # the copy works while the session lives

    browser.post("/auth/logout")

    assert not is_in(thief)
    assert not is_in(browser)


def test_logout_ends_the_accounts_other_sessions(app, make):
    make.member_login("ann@example.com")
    phone, laptop = logged_in(app, "ann@example.com"), logged_in(app, "ann@example.com")
    laptop.post("/auth/logout")
    assert not is_in(phone)
    assert is_in(logged_in(app, "ann@example.com"))  # logging in again works


def test_a_password_change_ends_other_sessions_and_keeps_this_one(app, make):
    make.member_login("ann@example.com")
    bob = make.member_login("bob@example.com")
    phone, laptop = logged_in(app, "ann@example.com"), logged_in(app, "ann@example.com")
    bobs = logged_in(app, bob.email)
    response = laptop.post(
        "/auth/password",
        data={
            "current_password": PASSWORD,
            "new_password": "new-secret-42",
            "confirm": "new-secret-42",
        },
    )
    assert response.status_code == 303
    page = laptop.get("/portal/")
    assert page.status_code == 200 and b"Your password has been changed." in page.data
    assert not is_in(phone)
    assert is_in(bobs)  # another account's sessions are untouched


def test_a_refused_password_change_ends_nothing(app, make):
    make.member_login("ann@example.com")
    phone, laptop = logged_in(app, "ann@example.com"), logged_in(app, "ann@example.com")
    laptop.post(
        "/auth/password",
        data={
            "current_password": "wrong-pw-123",
            "new_password": "new-secret-42",
            "confirm": "new-secret-42",
        },
    )
    assert is_in(phone) and is_in(laptop)


def test_an_admin_ends_a_members_sessions_from_the_member_page(app, make):
    make.member_login("ann@example.com", user_id="ann")
    make.admin("root@example.com")
    ann = logged_in(app, "ann@example.com")
    admin = logged_in(app, "root@example.com")
    page = admin.get("/admin/members/ann")
    assert b"End all sessions" in page.data

    response = admin.post("/admin/members/ann/end-sessions")

    assert response.status_code == 303
    assert response.headers["Location"] == "/admin/members/ann"
    assert b"sessions of ann@example.com were ended" in admin.get("/admin/members/ann").data
    assert not is_in(ann)
    assert is_in(logged_in(app, "ann@example.com"))
    with app.app_context():
        entry = db.session.scalars(
            select(AuditLog).where(AuditLog.action == "account.end_sessions")
        ).one()
        assert entry.actor == "admin:root@example.com" and entry.target_id == "ann"


def test_a_member_without_a_login_has_no_session_button(app, make):
    make.member("walk-in")
    make.admin("root@example.com")
    admin = logged_in(app, "root@example.com")
    assert b"End all sessions" not in admin.get("/admin/members/walk-in").data
    assert admin.post("/admin/members/walk-in/end-sessions").status_code == 404
