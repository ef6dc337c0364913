"""Reset and verification links: signed, expiring, single-use, one purpose each; and the
`send_reset_link` service other doors (the member import) call."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from loyalty_portal.models import Account, OutgoingMail
from loyalty_portal.services.core.actors import Actor
from loyalty_portal.services.core.errors import ValidationFailed
from loyalty_portal.services.members import account_mail, account_tokens, accounts
from loyalty_portal.services.members.account_mail import AccountLinks
from loyalty_portal.services.members.account_tokens import InvalidLink

NOW = datetime(2026, 5, 1, 10, tzinfo=UTC)
SECRET = "test-secret-key-that-is-long-enough-0123456789"
LINKS = AccountLinks(
    secret=SECRET,
    reset=lambda token: f"https://shop.example/auth/reset/{token}",
    verify=lambda token: f"https://shop.example/auth/verify/{token}",
    login="https://shop.example/auth/login",
    forgot="https://shop.example/auth/forgot",
)


@pytest.fixture
def ann(ctx):
    return accounts.register_member(ctx, "ann@example.com", "first-good-pw", NOW)


def test_a_reset_link_holds_for_an_hour(ctx, ann):
    token = account_tokens.reset_token(SECRET, ann, NOW)
    read = account_tokens.account_for_reset
    assert read(ctx, SECRET, token, NOW + timedelta(minutes=59)) is ann
    with pytest.raises(InvalidLink):
        read(ctx, SECRET, token, NOW + timedelta(minutes=61))
    with pytest.raises(InvalidLink):  # nor before it was issued
        read(ctx, SECRET, token, NOW - timedelta(minutes=5))


def test_a_link_dies_when_the_password_changes(ctx, ann):
    token = account_tokens.reset_token(SECRET, ann, NOW)
    accounts.reset_password(ctx, ann, "second-good-pw", NOW)
    with pytest.raises(InvalidLink):
        account_tokens.account_for_reset(ctx, SECRET, token, NOW)


def test_links_have_one_purpose_and_one_secret(ctx, ann):
    reset = account_tokens.reset_token(SECRET, ann, NOW)
    verify = account_tokens.verification_token(SECRET, ann, NOW)
    with pytest.raises(InvalidLink):
        account_tokens.account_for_verification(ctx, SECRET, reset, NOW)
    with pytest.raises(InvalidLink):
        account_tokens.account_for_reset(ctx, SECRET, verify, NOW)
    with pytest.raises(InvalidLink):
        account_tokens.account_for_reset(ctx, "another-secret-" + SECRET, reset, NOW)
    assert account_tokens.account_for_verification(ctx, SECRET, verify, NOW + timedelta(days=2))
    with pytest.raises(InvalidLink):
        account_tokens.account_for_verification(ctx, SECRET, verify, NOW + timedelta(days=4))


def test_a_disabled_account_has_no_valid_link(ctx, ann):
    token = account_tokens.reset_token(SECRET, ann, NOW)
    ann.active = False
    with pytest.raises(InvalidLink):
        account_tokens.account_for_reset(ctx, SECRET, token, NOW)


def test_send_reset_link_welcomes_a_login_without_a_password(ctx, make):
    """The member import creates a login with only an email, then calls this."""
    member = make.member("imported-1")
    login = Account(email="new@example.com", role="member", member_id=member.id)
    ctx.add(login)
    ctx.flush()
    account_mail.send_reset_link(ctx, login, LINKS, NOW, welcome=True, actor=Actor.system("import"))
    mail = ctx.query(OutgoingMail).one()
    assert mail.recipient == "new@example.com" and "Choose your password" in mail.subject
    assert "for the next 3 days" in mail.body
    token = mail.body.split("https://shop.example/auth/reset/")[1].split()[0]
    assert account_tokens.account_for_reset(ctx, SECRET, token, NOW + timedelta(days=2)) is login
    accounts.reset_password(ctx, login, "chosen-at-last", NOW + timedelta(days=2))
    assert accounts.authenticate(ctx, "new@example.com", "chosen-at-last", NOW) is login
    assert login.email_verified_at is not None  # the link reached the address
    with pytest.raises(InvalidLink):
        account_tokens.account_for_reset(ctx, SECRET, token, NOW + timedelta(days=2))


def test_send_reset_link_needs_an_address(ctx, make):
    member = make.member("jwt-only")
    login = accounts.member_login(ctx, member)
    with pytest.raises(ValidationFailed, match="no email address"):
        account_mail.send_reset_link(ctx, login, LINKS, NOW)
