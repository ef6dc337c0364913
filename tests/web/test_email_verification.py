"""Email verification at registration (LOYALTY_REQUIRE_EMAIL_VERIFICATION), and a
registration that never says whether an address already has an account."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from loyalty_portal.extensions import db
from loyalty_portal.mail import wait_for_deliveries
from loyalty_portal.models import Account
from tests.smtp import link_in

PASSWORD = "correct-horse-battery"


def register(client, email, password="dana-secret-pw"):
    return client.post(
        "/auth/register",
        data={"display_name": "Dana", "email": email, "password": password, "confirm": password},
    )


def log_in(app, email, password):
    return app.test_client().post("/auth/login", data={"email": email, "password": password})


def page_text(response):
    """The page without its per-session CSRF tokens."""
    return re.sub(r'(X-CSRFToken": "|value=")[^"]+', r"\1", response.get_data(as_text=True))


def accounts_count(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Account))


class TestVerificationOn:
    @pytest.fixture
    def app_config(self, smtp_server):
        return {"SMTP_URL": smtp_server.url, "REQUIRE_EMAIL_VERIFICATION": True}

    def test_a_new_account_must_follow_the_link_before_it_logs_in(self, app, client, smtp_server):
        response = register(client, "dana@example.com")
        assert response.status_code == 303 and response.headers["Location"] == "/auth/check-email"
        page = client.get("/auth/check-email")
        assert b"Check your email: we sent a message to dana@example.com" in page.data
        assert client.get("/portal/").status_code == 302  # not logged in

        refused = log_in(app, "dana@example.com", "dana-secret-pw")
        assert refused.status_code == 200
        assert b"Confirm your email address first" in refused.data
        first, again = smtp_server.wait_for(2)  # the login attempt sent a fresh link
        assert "Confirm your email address" in first["Subject"]
        assert link_in(again, "/auth/verify/")

        confirmed = client.get(link_in(first, "/auth/verify/"))
        assert confirmed.status_code == 303 and confirmed.headers["Location"] == "/auth/login"
        assert b"Your email address is confirmed." in client.get("/auth/login").data
        assert log_in(app, "dana@example.com", "dana-secret-pw").status_code == 303

    def test_a_taken_address_gets_the_same_answer_and_its_owner_a_note(
        self, app, make, smtp_server
    ):
        make.member_login("ann@example.com")
        new, taken = app.test_client(), app.test_client()
        for_new = register(new, "dana@example.com")
        for_taken = register(taken, "ann@example.com", "attackers-guess-1")
        assert (for_new.status_code, for_new.headers["Location"]) == (
            for_taken.status_code,
            for_taken.headers["Location"],
        )
        new_page = page_text(new.get("/auth/check-email")).replace("dana@", "X@")
        taken_page = page_text(taken.get("/auth/check-email")).replace("ann@", "X@")
        assert new_page == taken_page

        mails = {m["To"]: m for m in smtp_server.wait_for(2)}
        assert "Someone tried to register" in mails["ann@example.com"]["Subject"]
        assert "/auth/verify/" not in mails["ann@example.com"].get_body().get_content()
        assert accounts_count(app) == 2
        assert log_in(app, "ann@example.com", PASSWORD).status_code == 303  # unchanged
        assert log_in(app, "ann@example.com", "attackers-guess-1").status_code == 200

    def test_the_resend_path_sends_a_new_link_and_says_the_same_to_everyone(
        self, app, client, smtp_server
    ):
        register(client, "dana@example.com")
        smtp_server.wait_for(1)
        assert b"a new link" in client.get("/auth/verify/resend").data.lower()
        known = client.post("/auth/verify/resend", data={"email": "dana@example.com"})
        unknown = app.test_client().post("/auth/verify/resend", data={"email": "who@example.com"})
        assert known.headers["Location"] == unknown.headers["Location"] == "/auth/check-email"
        _, resent = smtp_server.wait_for(2)
        wait_for_deliveries(app)
        assert [m["To"] for m in smtp_server.messages] == ["dana@example.com"] * 2
        assert client.get(link_in(resent, "/auth/verify/")).status_code == 303
        assert log_in(app, "dana@example.com", "dana-secret-pw").status_code == 303

    def test_registering_an_unconfirmed_address_again_replaces_its_password(self, app, smtp_server):
        register(app.test_client(), "dana@example.com", "strangers-pw-1")
        smtp_server.wait_for(1)  # each mail leaves on its own thread: keep them in order
        register(app.test_client(), "dana@example.com", "danas-own-pw-2")
        strangers, danas = smtp_server.wait_for(2)
        assert app.test_client().get(link_in(strangers, "/auth/verify/")).status_code == 400
        assert app.test_client().get(link_in(danas, "/auth/verify/")).status_code == 303
        assert log_in(app, "dana@example.com", "strangers-pw-1").status_code == 200
        assert log_in(app, "dana@example.com", "danas-own-pw-2").status_code == 303
        assert accounts_count(app) == 1

    def test_a_reset_link_also_confirms_the_address(self, app, client, smtp_server):
        register(client, "dana@example.com")
        smtp_server.wait_for(1)
        client.post("/auth/forgot", data={"email": "dana@example.com"})
        reset = smtp_server.wait_for(2)[1]
        link = link_in(reset, "/auth/reset/")
        client.post(link, data={"new_password": "chosen-by-dana", "confirm": "chosen-by-dana"})
        assert log_in(app, "dana@example.com", "chosen-by-dana").status_code == 303

    def test_a_broken_link_explains_what_to_do(self, client):
        page = client.get("/auth/verify/nonsense")
        assert page.status_code == 400 and b'href="/auth/verify/resend"' in page.data


class TestVerificationOff:
    @pytest.fixture
    def app_config(self, smtp_server):
        return {"SMTP_URL": smtp_server.url}

    def test_a_new_account_logs_in_at_once(self, app, client):
        response = register(client, "dana@example.com")
        assert response.headers["Location"] == "/portal/"
        assert client.get("/portal/").status_code == 200

    def test_a_taken_address_is_refused_without_saying_so_and_its_owner_told(
        self, app, make, client, smtp_server
    ):
        make.member_login("ann@example.com")
        response = register(client, "ann@example.com", "attackers-guess-1")
        assert response.status_code == 200
        text = response.get_data(as_text=True)
        assert "We could not create an account with this address." in text
        assert not re.search("already (exists|has an account|registered)", text)
        [note] = smtp_server.wait_for(1)
        assert note["To"] == "ann@example.com" and "Someone tried to register" in note["Subject"]
        assert accounts_count(app) == 1
