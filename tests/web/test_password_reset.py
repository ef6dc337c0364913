"""Forgot password: a signed, single-use, expiring link by email, through a real SMTP
server; admins can send the link too. The answers never tell whether an address has an
account."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from loyalty_portal.extensions import db
from loyalty_portal.mail import wait_for_deliveries
from loyalty_portal.models import Account, AuditLog
from tests.smtp import body_of, link_in

PASSWORD = "correct-horse-battery"
NEW = "a-brand-new-secret"
SENT = b"If an account exists for that address, we sent a link"


@pytest.fixture
def app_config(smtp_server):
    return {"SMTP_URL": smtp_server.url, "MAIL_FROM": "Loyalty <loyalty@shop.example>"}


def login(app, email, password):
    client = app.test_client()
    return client, client.post("/auth/login", data={"email": email, "password": password})


def ask_for_link(client, email):
    response = client.post("/auth/forgot", data={"email": email})
    assert response.status_code == 303 and response.headers["Location"] == "/auth/check-email"
    return client.get(response.headers["Location"])


def test_the_login_page_offers_forgot_password(client):
    assert b'href="/auth/forgot"' in client.get("/auth/login").data


def test_a_mailed_link_sets_a_new_password_once(app, make, client, smtp_server):
    make.member_login("ann@example.com")
    page = ask_for_link(client, "Ann@Example.com")
    assert SENT in page.data and b"Check your email" in page.data

    [mail] = smtp_server.wait_for(1)
    assert mail["To"] == "ann@example.com" and "Reset your password" in mail["Subject"]
    assert "for the next hour" in body_of(mail)
    link = link_in(mail, "/auth/reset/")

    form = client.get(link)
    assert form.status_code == 200 and b"Choose a new password" in form.data
    assert form.headers["Referrer-Policy"] == "no-referrer"
    done = client.post(link, data={"new_password": NEW, "confirm": NEW})
    assert done.status_code == 303 and done.headers["Location"] == "/portal/"
    assert client.get("/portal/").status_code == 200  # logged in by the link

    assert login(app, "ann@example.com", PASSWORD)[1].status_code == 200  # old one refused
    assert login(app, "ann@example.com", NEW)[1].status_code == 303

    again = app.test_client().get(link)
    assert again.status_code == 400 and b"This link no longer works" in again.data
    used = app.test_client().post(
        link, data={"new_password": "yet-another-pw", "confirm": "yet-another-pw"}
    )
    assert used.status_code == 400
    assert login(app, "ann@example.com", "yet-another-pw")[1].status_code == 200


def test_an_unknown_address_gets_the_same_answer_and_no_mail(app, make, client, smtp_server):
    make.member_login("ann@example.com")
    unknown = client.post("/auth/forgot", data={"email": "nobody@example.com"})
    known = app.test_client().post("/auth/forgot", data={"email": "ann@example.com"})
    assert (unknown.status_code, unknown.headers["Location"]) == (
        known.status_code,
        known.headers["Location"],
    )
    assert SENT in client.get("/auth/check-email").data
    smtp_server.wait_for(1)
    wait_for_deliveries(app)
    assert [m["To"] for m in smtp_server.messages] == ["ann@example.com"]


def test_a_disabled_account_gets_no_link(app, make, client, smtp_server):
    account = make.member_login("ann@example.com")
    make.member_login("bob@example.com")
    with app.app_context():
        db.session.get(Account, account.id).active = False
        db.session.commit()
    ask_for_link(client, "ann@example.com")
    ask_for_link(client, "bob@example.com")
    smtp_server.wait_for(1)
    wait_for_deliveries(app)
    assert [m["To"] for m in smtp_server.messages] == ["bob@example.com"]


def test_a_reset_ends_every_other_session(app, make, client, smtp_server):
    make.member_login("ann@example.com")
    phone, _ = login(app, "ann@example.com", PASSWORD)
    ask_for_link(client, "ann@example.com")
    link = link_in(smtp_server.wait_for(1)[0], "/auth/reset/")
    client.post(link, data={"new_password": NEW, "confirm": NEW})
    assert phone.get("/portal/").status_code == 302


def test_the_new_password_must_be_strong_and_new(make, client, smtp_server):
    make.member_login("ann@example.com")
    ask_for_link(client, "ann@example.com")
    link = link_in(smtp_server.wait_for(1)[0], "/auth/reset/")
    same = client.post(link, data={"new_password": PASSWORD, "confirm": PASSWORD})
    assert b"The new password must differ from the current one." in same.data
    weak = client.post(link, data={"new_password": "password123", "confirm": "password123"})
    assert b"too common" in weak.data
    assert client.post(link, data={"new_password": NEW, "confirm": NEW}).status_code == 303


def test_a_changed_password_kills_an_older_link(app, make, client, smtp_server):
    make.member_login("ann@example.com")
    ask_for_link(client, "ann@example.com")
    link = link_in(smtp_server.wait_for(1)[0], "/auth/reset/")
    ann, _ = login(app, "ann@example.com", PASSWORD)
    ann.post(
        "/auth/password", data={"current_password": PASSWORD, "new_password": NEW, "confirm": NEW}
    )
    assert client.get(link).status_code == 400


def test_a_tampered_link_is_refused(make, client, smtp_server):
    make.member_login("ann@example.com")
    ask_for_link(client, "ann@example.com")
    link = link_in(smtp_server.wait_for(1)[0], "/auth/reset/")
    assert client.get(link[:-3] + ("xyz" if not link.endswith("xyz") else "abc")).status_code == 400
    assert client.get("/auth/reset/not-a-token").status_code == 400


def test_an_admin_sends_a_reset_link_from_the_member_page(app, make, smtp_server):
    make.member_login("ann@example.com", user_id="ann")
    make.admin("root@example.com")
    admin, _ = login(app, "root@example.com", PASSWORD)
    assert b"Send password reset link" in admin.get("/admin/members/ann").data

    response = admin.post("/admin/members/ann/send-reset-link")

    assert response.status_code == 303 and response.headers["Location"] == "/admin/members/ann"
    assert b"was sent to ann@example.com" in admin.get("/admin/members/ann").data
    [mail] = smtp_server.wait_for(1)
    assert mail["To"] == "ann@example.com"
    member = app.test_client()
    link = link_in(mail, "/auth/reset/")
    assert member.post(link, data={"new_password": NEW, "confirm": NEW}).status_code == 303
    with app.app_context():
        entry = db.session.scalars(
            select(AuditLog).where(AuditLog.action == "account.send_reset_link")
        ).one()
        assert entry.actor == "admin:root@example.com" and entry.target_id == "ann"


def test_links_start_with_the_public_url_whatever_the_host_header(app, make, smtp_server):
    app.config["PUBLIC_URL"] = "https://loyalty.shop.example"
    make.member_login("ann@example.com")
    app.test_client().post(
        "/auth/forgot", data={"email": "ann@example.com"}, headers={"Host": "evil.example"}
    )
    body = body_of(smtp_server.wait_for(1)[0])
    assert "https://loyalty.shop.example/auth/reset/" in body and "evil.example" not in body
