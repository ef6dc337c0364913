"""Log in, log out, registration and password changes through the real forms."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from loyalty_portal.extensions import db
from loyalty_portal.models import Account, Member


def test_member_and_admin_land_in_their_own_area(make, client, app):
    make.member_login("ann@example.com")
    make.admin("boss@example.com")
    response = client.post(
        "/auth/login", data={"email": "ann@example.com", "password": "correct-horse-battery"}
    )
    assert response.status_code == 303 and response.headers["Location"] == "/portal/"
    other = app.test_client()
    response = other.post(
        "/auth/login", data={"email": "BOSS@example.com", "password": "correct-horse-battery"}
    )
    assert response.headers["Location"] == "/admin/"
    assert other.get("/admin/").status_code == 200


def test_wrong_password_and_unknown_email_get_the_same_message(make, client):
    make.member_login("ann@example.com")
    for email, password in [("ann@example.com", "nope-nope"), ("who@example.com", "nope-nope")]:
        response = client.post("/auth/login", data={"email": email, "password": password})
        assert response.status_code == 200
        assert b"Email or password is not correct." in response.data
    assert client.get("/portal/").status_code == 302  # still anonymous


def test_logout_needs_post_and_ends_the_session(make, client, auth):
    make.member_login("ann@example.com")
    auth.login("ann@example.com")
    assert client.get("/portal/").status_code == 200
    assert client.get("/auth/logout").status_code == 405
    assert auth.logout().headers["Location"] == "/auth/login"
    assert client.get("/portal/").headers["Location"].startswith("/auth/login")


def test_registration_creates_a_member_and_logs_in(app, client):
    response = client.post(
        "/auth/register",
        data={
            "display_name": "Dana",
            "email": "dana@example.com",
            "password": "long-enough-pw",
            "confirm": "long-enough-pw",
        },
    )
    assert response.status_code == 303 and response.headers["Location"] == "/portal/"
    page = client.get("/portal/")
    assert b"Hello, Dana" in page.data
    with app.app_context():
        account = db.session.scalars(select(Account)).one()
        assert account.role == "member" and account.password_hash != "long-enough-pw"
        assert account.password_hash.startswith("scrypt:")
        member = db.session.get(Member, account.member_id)
        assert member.user_id.startswith("m_") and member.display_name == "Dana"


def test_registration_errors_sit_next_to_their_fields_and_keep_input(make, client):
    make.member_login("ann@example.com")
    response = client.post(
        "/auth/register",
        data={
            "display_name": "Ann Again",
            "email": "ann@example.com",
            "password": "long-enough-pw",
            "confirm": "long-enough-pw",
        },
    )
    # It does not say "already exists" (see tests/web/test_email_verification.py).
    assert b"We could not create an account with this address." in response.data
    assert b'value="Ann Again"' in response.data
    response = client.post(
        "/auth/register", data={"email": "new@example.com", "password": "short", "confirm": "other"}
    )
    assert b"Use at least 10 characters." in response.data
    assert b"The passwords differ." in response.data


def test_change_password(make, client, auth):
    make.member_login("ann@example.com")
    auth.login("ann@example.com")
    bad = client.post(
        "/auth/password",
        data={
            "current_password": "wrong-one",
            "new_password": "brand-new-pw",
            "confirm": "brand-new-pw",
        },
    )
    assert b"The current password is not correct." in bad.data
    good = client.post(
        "/auth/password",
        data={
            "current_password": "correct-horse-battery",
            "new_password": "brand-new-pw",
            "confirm": "brand-new-pw",
        },
    )
    assert good.status_code == 303
    auth.logout()
    assert auth.login("ann@example.com").status_code == 200  # old password refused
    assert auth.login("ann@example.com", "brand-new-pw").status_code == 303


def test_login_follows_only_local_next(make, client):
    make.member_login("ann@example.com")
    data = {"email": "ann@example.com", "password": "correct-horse-battery"}
    evil = client.post("/auth/login?next=https://evil.example/", data=data)
    assert evil.headers["Location"] == "/portal/"
    client.post("/auth/logout")
    local = client.post("/auth/login?next=/portal/?x=1", data=data)
    assert local.headers["Location"] == "/portal/?x=1"


def test_session_cookie_is_httponly_and_samesite(make, client):
    make.member_login("ann@example.com")
    response = client.post(
        "/auth/login", data={"email": "ann@example.com", "password": "correct-horse-battery"}
    )
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_anonymous_users_are_sent_to_login_and_members_kept_out_of_admin(make, client, auth):
    assert client.get("/portal/").headers["Location"].startswith("/auth/login?next=")
    assert client.get("/admin/").headers["Location"].startswith("/auth/login")
    make.member_login("ann@example.com")
    auth.login("ann@example.com")
    assert client.get("/admin/").status_code == 403


class TestRateLimit:
    @pytest.fixture
    def app_config(self):
        return {"LOGIN_RATE_LIMIT": "3 per minute"}

    def test_login_attempts_are_rate_limited(self, make, client):
        make.member_login("ann@example.com")
        data = {"email": "ann@example.com", "password": "wrong-password"}
        codes = [client.post("/auth/login", data=data).status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        assert client.get("/auth/login").status_code == 200  # only posts are limited


class TestCsrf:
    @pytest.fixture
    def app_config(self):
        return {"WTF_CSRF_ENABLED": True}

    def test_forms_without_the_token_are_refused(self, make, client):
        make.member_login("ann@example.com")
        data = {"email": "ann@example.com", "password": "correct-horse-battery"}
        response = client.post("/auth/login", data=data)
        assert response.status_code in (400, 403)
        assert b"reload the page" in response.data.lower()
        assert client.get("/portal/").status_code == 302  # not logged in

    def test_forms_with_the_token_work(self, make, client):
        make.member_login("ann@example.com")
        page = client.get("/auth/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)[1]
        response = client.post(
            "/auth/login",
            data={
                "email": "ann@example.com",
                "password": "correct-horse-battery",
                "csrf_token": token,
            },
        )
        assert response.status_code == 303
        logout = client.post("/auth/logout")
        assert logout.status_code in (400, 403)  # logout is a form too


def test_weak_passwords_are_refused_at_registration(client, app):
    refusals = [("12345678", b"Use at least 10 characters."), ("password123", b"too common")]
    for weak, says in refusals:
        response = client.post(
            "/auth/register", data={"email": "dana@example.com", "password": weak, "confirm": weak}
        )
        assert response.status_code == 200 and says in response.data
    with app.app_context():
        assert db.session.scalars(select(Account)).all() == []


def test_a_new_password_equal_to_the_current_one_is_refused(make, client, auth):
    make.member_login("ann@example.com")
    auth.login("ann@example.com")
    same = "correct-horse-battery"
    response = client.post(
        "/auth/password",
        data={"current_password": same, "new_password": same, "confirm": same},
    )
    assert response.status_code == 200
    assert b"The new password must differ from the current one." in response.data
