"""The password rule every door shares: long enough and not one attackers try first.

The common-password list is the 30,000 most frequent passwords that `zxcvbn` (MIT, the
Python port of Dropbox's estimator) ships, compared without regard to case. NIST SP
800-63B asks for exactly this: a minimum length and a check against known-bad passwords,
no composition rules.
"""

from __future__ import annotations

from functools import cache

from loyalty_portal.services.core.errors import ValidationFailed

MIN_LENGTH = 10
MAX_LENGTH = 256


@cache
def common_passwords() -> frozenset[str]:
    """Loaded on first use (the module holds several large word lists)."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def _refuse(message: str, field: str) -> ValidationFailed:
    return ValidationFailed(message, details={field: [message]})


def check_strength(password: str, *, email: str | None = None, field: str = "password") -> None:
    """Refuse a password that is short, too long, common or the account's email address."""
    password = password or ""
    if len(password) < MIN_LENGTH:
        raise _refuse(f"Use at least {MIN_LENGTH} characters.", field)
    if len(password) > MAX_LENGTH:
        raise _refuse(f"Use at most {MAX_LENGTH} characters.", field)
    folded = password.casefold()
    if folded in common_passwords():
        raise _refuse("This password is too common: attackers try it first. Pick another.", field)
    if email and folded == email.strip().casefold():
        raise _refuse("Do not use your email address as the password.", field)
