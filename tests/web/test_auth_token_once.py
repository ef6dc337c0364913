"""Login CSRF through the hand-off: a token opens one session, only while fresh, and never
silently replaces the session of another account."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from loyalty_portal.models import UsedHandoffToken
from loyalty_portal.timeutil import utcnow
from tests.web.portal_support import read, text_of, write
from tests.web.test_auth_token import token_for


def who(client):
    page = client.get("/portal/")
    if page.status_code != 200:
        return None
    # whose dashboard: the member card's number is the userId
    match = re.search(r'class="card-number">([^<]+)<', page.get_data(as_text=True))
    return match[1].strip() if match else "?"


def test_a_token_opens_one_session_only(app, client):
    token = token_for(app, jti="once-1")
    assert client.post("/auth/token", data={"token": token}).status_code == 303
    other = app.test_client()  # e.g. the token read from a log, in another browser
    again = other.post("/auth/token", data={"token": token})
    assert again.status_code == 401
    assert "already used" in again.get_data(as_text=True)
    assert other.get("/portal/").status_code == 302


def test_a_token_without_jti_is_remembered_by_its_digest(app, client):
    token = token_for(app)  # issued by the CLI helper: has a jti
    assert client.post("/auth/token", data={"token": token}).status_code == 303
    bare = token_for(app, user_id="ext-43", exp=int((utcnow() + timedelta(hours=1)).timestamp()))
    assert app.test_client().post("/auth/token", data={"token": bare}).status_code == 303
    assert app.test_client().post("/auth/token", data={"token": bare}).status_code == 401


def test_a_token_older_than_five_minutes_is_refused(app, client):
    issued = int((utcnow() - timedelta(minutes=6)).timestamp())
    response = client.post("/auth/token", data={"token": token_for(app, iat=issued)})
    assert response.status_code == 401
    assert "too old" in response.get_data(as_text=True)
    fresh = int((utcnow() - timedelta(minutes=4)).timestamp())
    assert client.post("/auth/token", data={"token": token_for(app, iat=fresh)}).status_code == 303


def test_used_tokens_are_forgotten_once_expired(app, client):
    def used(session):
        return session.scalars(select(UsedHandoffToken.token_id)).all()

    def expire_all(session):
        session.query(UsedHandoffToken).update({"expires_at": utcnow() - timedelta(seconds=1)})

    assert client.post("/auth/token", data={"token": token_for(app, jti="a")}).status_code == 303
    assert read(app, used) == ["jti:a"]
    write(app, expire_all)  # its token (plus the leeway) has expired by now
    later = app.test_client()
    assert later.post("/auth/token", data={"token": token_for(app, jti="b")}).status_code == 303
    assert read(app, used) == ["jti:b"]


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True}


def csrf_of(html):
    return re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', html)[1]


def login_with_password(client, make, email):
    make.member_login(email, user_id=email.split("@")[0])
    page = client.get("/auth/login").get_data(as_text=True)
    data = {"email": email, "password": "correct-horse-battery", "csrf_token": csrf_of(page)}
    assert client.post("/auth/login", data=data).status_code in (302, 303)


def test_another_accounts_session_is_not_replaced_without_asking(app, client, make):
    login_with_password(client, make, "victim@example.com")
    assert who(client) == "victim"
    attacker = token_for(app, user_id="attacker", jti="attack-1")
    asked = client.post("/auth/token", data={"token": attacker})  # e.g. from a hostile page
    assert asked.status_code == 200
    page = asked.get_data(as_text=True)
    assert "Switch accounts?" in text_of(page)
    assert "logged in as victim@example.com" in text_of(page)
    assert who(client) == "victim"  # nothing changed yet
    # a forged "switch" without this page's CSRF token only asks again
    forged = client.post("/auth/token", data={"token": attacker, "confirm": "switch"})
    assert forged.status_code == 200 and who(client) == "victim"
    # the member presses "Switch": now (and only now) the token is used
    data = {"token": attacker, "confirm": "switch", "csrf_token": csrf_of(page), "next": ""}
    assert client.post("/auth/token", data=data).status_code == 303
    assert who(client) == "attacker"


def test_an_admin_is_not_logged_out_by_a_member_token(app, client, make):
    make.admin("root@example.com")
    page = client.get("/auth/login").get_data(as_text=True)
    data = {"email": "root@example.com", "password": "correct-horse-battery"}
    client.post("/auth/login", data={**data, "csrf_token": csrf_of(page)})
    asked = client.post("/auth/token", data={"token": token_for(app, jti="attack-2")})
    assert asked.status_code == 200 and "Switch accounts?" in asked.get_data(as_text=True)
    assert client.get("/admin/").status_code == 200


def test_the_same_member_continues_without_a_question(app, client, make):
    login_with_password(client, make, "ann@example.com")
    response = client.post("/auth/token", data={"token": token_for(app, user_id="ann")})
    assert response.status_code == 303 and who(client) == "ann"
