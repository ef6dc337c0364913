"""Self-registration that does not tell a visitor whether an address has an account.

With email verification on, every registration ends in "check your email": a new address
gets a verification link; an address with an account gets a note to its owner instead
(or, when that account was never confirmed, a fresh link, and the password typed now
replaces the unconfirmed one, so a stranger who registered the address first gains
nothing when the owner confirms it).

With verification off, a new account is logged in at once, so an address that has an
account cannot be made to look the same from outside. The visitor then reads a sentence
that does not state it ("We could not create an account with this address...") and the
owner gets the note; the route shares the login rate limit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from loyalty_portal.models import Account
from loyalty_portal.models.enums import Role
from loyalty_portal.services.core.session import DbSession
from loyalty_portal.services.members import account_mail, accounts, passwords
from loyalty_portal.services.members.account_mail import AccountLinks


class Outcome(StrEnum):
    CREATED = "created"  # log in now
    CHECK_EMAIL = "check_email"  # verification on: the same answer for every address
    TAKEN = "taken"  # verification off and the address has an account


@dataclass(frozen=True)
class Registration:
    outcome: Outcome
    account: Account | None = None  # only when CREATED
    new_account: Account | None = None  # whenever a new account was made (for referrals)


def register(
    session: DbSession,
    email: str,
    password: str,
    now: datetime,
    display_name: str | None = None,
    *,
    links: AccountLinks,
    verify: bool,
) -> Registration:
    email = accounts.normalise_email(email)
    passwords.check_strength(password, email=email)
    existing = accounts.find_by_email(session, email)
    if existing is None:
        account = accounts.register_member(session, email, password, now, display_name)
        if not verify:
            return Registration(Outcome.CREATED, account, account)
        account_mail.send_verification_link(session, account, links, now)
        return Registration(Outcome.CHECK_EMAIL, new_account=account)
    unconfirmed = (
        existing.email_verified_at is None and existing.active and existing.role == Role.MEMBER
    )
    if verify and unconfirmed:
        accounts.replace_unconfirmed_password(session, existing, password)
        account_mail.send_verification_link(session, existing, links, now)
    else:
        accounts.spend_hashing_time(password)
        account_mail.send_registration_notice(session, existing, links, now)
    return Registration(Outcome.CHECK_EMAIL if verify else Outcome.TAKEN)
