"""The mail an account gets: reset links, verification links, "someone tried to register".

Each mail is queued in the caller's transaction (`outgoing_mail`) and leaves when it
commits. The door supplies `AccountLinks`: the signing secret and the public addresses of
its pages, so services never build URLs. Answers to the visitor never say whether an
address has an account: `request_password_reset` and `resend_verification` do the same
from the outside either way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from loyalty_portal.models import Account
from loyalty_portal.services.core import audit
from loyalty_portal.services.core.actors import Actor
from loyalty_portal.services.core.errors import ValidationFailed
from loyalty_portal.services.core.outgoing_mail import queue_mail
from loyalty_portal.services.core.session import DbSession
from loyalty_portal.services.members import account_tokens, accounts
from loyalty_portal.services.program.settings import load_program


@dataclass(frozen=True)
class AccountLinks:
    """What the mail needs from the door that sends it."""

    secret: str
    reset: Callable[[str], str]  # token -> the "choose a new password" page
    verify: Callable[[str], str]  # token -> the "email confirmed" page
    login: str
    forgot: str


def _how_long(lifetime: timedelta) -> str:
    hours = int(lifetime.total_seconds() // 3600)
    if hours % 24 == 0 and hours >= 48:
        return f"the next {hours // 24} days"
    return "the next hour" if hours == 1 else f"the next {hours} hours"


def _sign_off(session: DbSession) -> str:
    return f"\n-- \n{load_program(session).name}\n"


def send_reset_link(
    session: DbSession,
    account: Account,
    links: AccountLinks,
    now: datetime,
    *,
    actor: Actor | None = None,
    welcome: bool = False,
) -> None:
    """Mail the account a one-time link to choose a password (audited when an admin sends it).

    `welcome` words it for a login someone else created (e.g. an admin's member import):
    "choose your password", and the link holds for three days instead of one hour.
    """
    if not account.email:
        raise ValidationFailed("This login has no email address to send a link to.")
    lifetime = account_tokens.WELCOME_LIFETIME if welcome else account_tokens.RESET_LIFETIME
    url = links.reset(account_tokens.reset_token(links.secret, account, now, lifetime))
    name = load_program(session).name
    if welcome:
        subject = f"Choose your password for {name}"
        opening = f"an account at {name} was set up for you ({account.email})."
    else:
        subject = f"Reset your password for {name}"
        opening = f"someone asked to reset the password of your {name} account ({account.email})."
    body = (
        f"Hello,\n\n{opening}\nChoose a password here. The link works once, for "
        f"{_how_long(lifetime)}:\n\n{url}\n\n"
        "If you did not expect this mail, ignore it: nothing changes.\n" + _sign_off(session)
    )
    queue_mail(session, account.email, subject, body, now)
    if actor is not None:
        user_id = account.member.user_id if account.member else str(account.id)
        audit.record(
            session,
            actor,
            "account.send_reset_link",
            "member" if account.member else "account",
            user_id,
            after={"email": account.email},
            now=now,
        )


def request_password_reset(
    session: DbSession, email: str, links: AccountLinks, now: datetime
) -> None:
    """ "Forgot password": a link if an active account has the address, silence otherwise."""
    account = accounts.find_by_email(session, accounts.normalise_email(email))
    if account is not None and account.active:
        send_reset_link(session, account, links, now)


def send_verification_link(
    session: DbSession, account: Account, links: AccountLinks, now: datetime
) -> None:
    assert account.email is not None
    url = links.verify(account_tokens.verification_token(links.secret, account, now))
    name = load_program(session).name
    body = (
        f"Hello,\n\nplease confirm that {account.email} is your address, so you can log in "
        f"to {name}. The link holds for {_how_long(account_tokens.VERIFICATION_LIFETIME)}:"
        f"\n\n{url}\n\nIf you did not sign up, ignore this mail: no account is opened "
        "without this step.\n" + _sign_off(session)
    )
    queue_mail(session, account.email, f"Confirm your email address for {name}", body, now)


def resend_verification(session: DbSession, email: str, links: AccountLinks, now: datetime) -> None:
    """A new verification link if an unconfirmed account has the address, else nothing."""
    account = accounts.find_by_email(session, accounts.normalise_email(email))
    if account is not None and account.active and account.email_verified_at is None:
        send_verification_link(session, account, links, now)


def send_registration_notice(
    session: DbSession, account: Account, links: AccountLinks, now: datetime
) -> None:
    """Tell an address's owner that someone tried to register it again."""
    assert account.email is not None
    name = load_program(session).name
    body = (
        f"Hello,\n\nsomeone just tried to create a new {name} account with {account.email}. "
        "That address already has an account, so nothing was created and nothing changed."
        f"\n\nIf it was you, log in here:\n{links.login}\n\nForgot your password? Get a "
        f"new one here:\n{links.forgot}\n\nIf it was not you, ignore this mail.\n"
        + _sign_off(session)
    )
    queue_mail(
        session, account.email, f"Someone tried to register with your address at {name}", body, now
    )
