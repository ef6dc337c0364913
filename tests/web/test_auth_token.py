"""The embedding hand-off: POST /auth/token with a member JWT starts a portal session."""

from __future__ import annotations

import json
from datetime import timedelta

import jwt
import pytest
from sqlalchemy import select

from loyalty_portal.models import Account, Member
from loyalty_portal.services.members.tokens import issue_member_token
from loyalty_portal.services.program.settings import load_program
from loyalty_portal.timeutil import utcnow
from tests.conftest import API_SECRET
from tests.web.portal_support import read, write


def token_for(app, user_id="ext-42", **overrides):
    if not overrides:
        return read(app, lambda s: issue_member_token(user_id, API_SECRET, load_program(s)))
    now = utcnow()
    claims = {
        "sub": user_id,
        "iss": "test-tenant",
        "aud": "test-project",
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(hours=1)).timestamp()),
    }
    claims.update(overrides)
    secret = claims.pop("secret", API_SECRET)
    return jwt.encode({k: v for k, v in claims.items() if v is not None}, secret, "HS256")


def members_named(app, user_id):
    return read(app, lambda s: s.query(Member).filter_by(user_id=user_id).count())


def test_form_token_creates_the_member_and_lands_in_the_portal(app, client):
    response = client.post("/auth/token", data={"token": token_for(app)})
    assert response.status_code == 303
    assert response.location == "/portal/"
    assert "token" not in response.location
    page = client.get("/portal/")
    html = page.get_data(as_text=True)  # greeted, but never by the internal userId
    assert page.status_code == 200 and "<h1>Hello, welcome back</h1>" in html
    assert members_named(app, "ext-42") == 1
    account = read(
        app, lambda s: s.execute(select(Account.role, Account.email, Account.password_hash)).one()
    )
    assert tuple(account) == ("member", None, None)


def test_json_token_and_an_existing_member(app, client, make):
    make.member("ext-42", balance=1234)
    response = client.post(
        "/auth/token",
        data=json.dumps({"token": token_for(app)}),
        content_type="application/json",
    )
    assert response.status_code == 303
    assert '<span data-testid="balance">1,234</span>' in client.get("/portal/").get_data(
        as_text=True
    )
    assert members_named(app, "ext-42") == 1


def test_a_same_site_next_page_is_followed(app, client):
    response = client.post("/auth/token", data={"token": token_for(app), "next": "/portal/rewards"})
    assert response.location == "/portal/rewards"
    token = token_for(app, jti="second")  # a token opens one session
    response = client.post("/auth/token", data={"token": token, "next": "https://evil.test/"})
    assert response.location == "/portal/"


@pytest.mark.parametrize(
    "claims",
    [
        {"secret": "another-secret-that-is-long-enough-0123456789"},
        {"exp": 1_000_000},
        {"aud": "other-project"},
        {"iss": "other-tenant"},
        {"sub": None},
        {"exp": None},
    ],
    ids=["wrong-secret", "expired", "wrong-audience", "wrong-issuer", "no-sub", "no-exp"],
)
def test_bad_tokens_are_refused_without_a_session(app, client, claims):
    response = client.post("/auth/token", data={"token": token_for(app, **claims)})
    assert response.status_code == 401
    assert "Invalid token" in response.get_data(as_text=True)
    assert client.get("/portal/").status_code == 302  # still anonymous
    assert read(app, lambda s: s.query(Member).count()) == 0


def test_alg_none_is_refused(app, client):
    header_only = jwt.encode(
        {"sub": "x", "iss": "test-tenant", "aud": "test-project", "iat": 1, "exp": 9e9},
        key=None,
        algorithm="none",
    )
    assert client.post("/auth/token", data={"token": header_only}).status_code == 401


def test_missing_token_and_token_in_the_url(app, client):
    assert client.post("/auth/token", data={}).status_code == 401
    assert client.post("/auth/token", json={"token": 42}).status_code == 401
    response = client.post(f"/auth/token?token={token_for(app)}")
    assert response.status_code == 400
    assert "never in the URL" in response.get_data(as_text=True)
    assert client.get("/auth/token").status_code == 405


def test_an_invalid_user_id_is_refused(app, client):
    response = client.post("/auth/token", data={"token": token_for(app, user_id="bad id!")})
    assert response.status_code == 400
    assert read(app, lambda s: s.query(Member).count()) == 0


def test_a_disabled_account_is_refused(app, client, make):
    make.member_login("ann@example.com", user_id="ann")

    def disable(session):
        session.query(Account).filter_by(email="ann@example.com").one().active = False

    write(app, disable)
    response = client.post("/auth/token", data={"token": token_for(app, user_id="ann")})
    assert response.status_code == 403
