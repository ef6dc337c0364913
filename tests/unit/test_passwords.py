"""The password rule every door shares: long enough, not a common password, not the old one."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from loyalty_portal.services.core.errors import ValidationFailed
from loyalty_portal.services.members import accounts, passwords

NOW = datetime(2026, 5, 1, 10, tzinfo=UTC)


@pytest.mark.parametrize(
    "weak",
    ["password", "12345678", "short-pw1", "1234567890", "Password123", "QWERTYUIOP", "iloveyou12"],
)
def test_short_and_common_passwords_are_refused(weak):
    with pytest.raises(ValidationFailed) as refused:
        passwords.check_strength(weak)
    assert refused.value.details["password"]


def test_the_refusal_says_why():
    with pytest.raises(ValidationFailed, match="at least 10 characters"):
        passwords.check_strength("12345678")
    with pytest.raises(ValidationFailed, match="too common"):
        passwords.check_strength("password123")


def test_a_long_uncommon_password_is_accepted():
    passwords.check_strength("correct-horse-battery")
    passwords.check_strength("tram ticket umbrella")


def test_the_password_may_not_be_the_email_address():
    with pytest.raises(ValidationFailed, match="email"):
        passwords.check_strength("ann.smith@example.com", email="Ann.Smith@example.com")


def test_registration_and_admin_creation_use_the_rule(ctx):
    with pytest.raises(ValidationFailed, match="too common"):
        accounts.register_member(ctx, "ann@example.com", "password123", NOW)
    with pytest.raises(ValidationFailed, match="at least 10"):
        accounts.create_admin(ctx, "boss@example.com", "12345678")


def test_a_new_password_equal_to_the_old_one_is_refused(ctx):
    account = accounts.register_member(ctx, "ann@example.com", "first-good-pw", NOW)
    with pytest.raises(ValidationFailed, match="differ"):
        accounts.change_password(ctx, account, "first-good-pw", "first-good-pw")
    accounts.change_password(ctx, account, "first-good-pw", "second-good-pw")
    assert accounts.authenticate(ctx, "ann@example.com", "second-good-pw", NOW) is account
