"""Logins: creation, authentication, passwords, and confirming the email address.

Logins that an operator creates (CLI, demo, admin) count as confirmed: the operator vouches
for the address. Self-registered ones are confirmed by a verification or reset link.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from loyalty_portal.models import Account, Member
from loyalty_portal.services.core.errors import Forbidden, NotFound, ValidationFailed
from loyalty_portal.services.core.session import DbSession
from loyalty_portal.services.members import login_sessions, members, passwords
from loyalty_portal.timeutil import utcnow

# Checked when no account matches, so a wrong email costs as long as a wrong password.
_DUMMY_HASH = generate_password_hash(secrets.token_hex(16))


class EmailNotVerified(Forbidden):
    """The password was right, but the address was never confirmed (and must be)."""

    code = "email_not_verified"
    default_message = "Confirm your email address first: follow the link we sent you."

    def __init__(self, account: Account) -> None:
        super().__init__()
        self.account = account


def normalise_email(email: str) -> str:
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise ValidationFailed(str(exc), details={"email": [str(exc)]}) from None


def find_by_email(session: DbSession, email: str) -> Account | None:
    return session.scalar(select(Account).where(func.lower(Account.email) == email.lower()))


def _new_account(session: DbSession, email: str, password: str, role: str) -> Account:
    email = normalise_email(email)
    passwords.check_strength(password, email=email)
    if find_by_email(session, email) is not None:
        message = "An account with this email already exists."
        raise ValidationFailed(message, details={"email": [message]})
    account = Account(email=email, password_hash=generate_password_hash(password), role=role)
    session.add(account)
    return account


def register_member(
    session: DbSession, email: str, password: str, now: datetime, display_name: str | None = None
) -> Account:
    """Self-registration: a new member (with a generated userId) and its login."""
    account = _new_account(session, email, password, "member")
    member = members.create_member(session, "m_" + secrets.token_hex(6), now, display_name)
    account.member_id = member.id
    account.created_at = now
    session.flush()
    return account


def create_admin(
    session: DbSession, email: str, password: str, now: datetime | None = None
) -> Account:
    account = _new_account(session, email, password, "admin")
    account.email_verified_at = now or utcnow()
    session.flush()
    return account


def create_member_login(
    session: DbSession,
    email: str,
    password: str,
    now: datetime,
    user_id: str | None = None,
    display_name: str | None = None,
) -> Account:
    """A member login for an existing userId (or a new member when none is given)."""
    if user_id is None:
        account = register_member(session, email, password, now, display_name)
    else:
        account = _new_account(session, email, password, "member")
        member = members.find_member(session, user_id) or members.create_member(
            session, user_id, now, display_name
        )
        if session.scalar(select(Account.id).where(Account.member_id == member.id)):
            raise ValidationFailed(f"Member {user_id!r} already has a login.")
        account.member_id = member.id
    account.email_verified_at = now
    session.flush()
    return account


def authenticate(
    session: DbSession,
    email: str,
    password: str,
    now: datetime,
    *,
    require_verified_email: bool = False,
) -> Account | None:
    """The account for a right email and password, else None (`EmailNotVerified` when the
    password was right but the address still has to be confirmed)."""
    account = find_by_email(session, (email or "").strip())
    if account is None or account.password_hash is None:
        check_password_hash(_DUMMY_HASH, password or "")
        return None
    if not check_password_hash(account.password_hash, password or "") or not account.active:
        return None
    if require_verified_email and account.email_verified_at is None:
        raise EmailNotVerified(account)
    account.last_login_at = now
    return account


def _refuse_reuse(account: Account, new: str) -> None:
    if account.password_hash is not None and check_password_hash(account.password_hash, new):
        message = "The new password must differ from the current one."
        raise ValidationFailed(message, details={"new_password": [message]})


def change_password(session: DbSession, account: Account, current: str, new: str) -> None:
    if account.password_hash is None or not check_password_hash(account.password_hash, current):
        message = "The current password is not correct."
        raise ValidationFailed(message, details={"current_password": [message]})
    passwords.check_strength(new, email=account.email, field="new_password")
    _refuse_reuse(account, new)
    account.password_hash = generate_password_hash(new)
    login_sessions.end_sessions(session, account)


def reset_password(session: DbSession, account: Account, new: str, now: datetime) -> None:
    """A new password from a reset link: every session ends, and the address is confirmed
    (the link reached it)."""
    passwords.check_strength(new, email=account.email, field="new_password")
    _refuse_reuse(account, new)
    account.password_hash = generate_password_hash(new)
    confirm_email(session, account, now)
    login_sessions.end_sessions(session, account)


def confirm_email(session: DbSession, account: Account, now: datetime) -> None:
    if account.email_verified_at is None:
        account.email_verified_at = now
        session.flush()


def replace_unconfirmed_password(session: DbSession, account: Account, password: str) -> None:
    """Registering an unconfirmed address again: the latest registration's password counts
    (and the earlier verification links die with the old one)."""
    assert account.email_verified_at is None
    account.password_hash = generate_password_hash(password)
    session.flush()


def spend_hashing_time(password: str) -> None:
    """Cost what hashing a new password costs, where none is stored (equal response times)."""
    generate_password_hash(password or "")


def member_login(session: DbSession, member: Member) -> Account:
    """The member's account, created without a password for a JWT hand-off."""
    account = find_login(session, member)
    if account is None:
        account = Account(role="member", member_id=member.id)
        session.add(account)
        session.flush()
    return account


def find_login(session: DbSession, member: Member) -> Account | None:
    return session.scalar(select(Account).where(Account.member_id == member.id))


def login_of(session: DbSession, member: Member) -> Account:
    """The member's login; a member without one is `not_found`."""
    account = find_login(session, member)
    if account is None:
        raise NotFound(f"Member {member.user_id!r} has no login.")
    return account
