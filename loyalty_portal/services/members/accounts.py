"""Logins: registration, authentication, passwords and admins."""

from __future__ import annotations

import secrets
from datetime import datetime

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from loyalty_portal.models import Account, Member
from loyalty_portal.services.core import audit
from loyalty_portal.services.core.actors import Actor
from loyalty_portal.services.core.errors import NotFound, ValidationFailed
from loyalty_portal.services.members import members, passwords

# Checked when no account matches, so a wrong email costs as long as a wrong password.
_DUMMY_HASH = generate_password_hash(secrets.token_hex(16))


def normalise_email(email: str) -> str:
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise ValidationFailed(str(exc), details={"email": [str(exc)]}) from None


def find_by_email(session: Session, email: str) -> Account | None:
    return session.scalar(select(Account).where(func.lower(Account.email) == email.lower()))


def _new_account(session: Session, email: str, password: str, role: str) -> Account:
    email = normalise_email(email)
    passwords.check_strength(password, email=email)
    if find_by_email(session, email) is not None:
        message = "An account with this email already exists."
        raise ValidationFailed(message, details={"email": [message]})
    account = Account(email=email, password_hash=generate_password_hash(password), role=role)
    session.add(account)
    return account


def register_member(
    session: Session, email: str, password: str, now: datetime, display_name: str | None = None
) -> Account:
    """Self-registration: a new member (with a generated userId) and its login."""
    account = _new_account(session, email, password, "member")
    member = members.create_member(session, "m_" + secrets.token_hex(6), now, display_name)
    account.member_id = member.id
    account.created_at = now
    session.flush()
    return account


def create_admin(session: Session, email: str, password: str) -> Account:
    account = _new_account(session, email, password, "admin")
    session.flush()
    return account


def create_member_login(
    session: Session,
    email: str,
    password: str,
    now: datetime,
    user_id: str | None = None,
    display_name: str | None = None,
) -> Account:
    """A member login for an existing userId (or a new member when none is given)."""
    if user_id is None:
        return register_member(session, email, password, now, display_name)
    account = _new_account(session, email, password, "member")
    member = members.find_member(session, user_id) or members.create_member(
        session, user_id, now, display_name
    )
    if session.scalar(select(Account.id).where(Account.member_id == member.id)):
        raise ValidationFailed(f"Member {user_id!r} already has a login.")
    account.member_id = member.id
    session.flush()
    return account


def authenticate(session: Session, email: str, password: str, now: datetime) -> Account | None:
    account = find_by_email(session, (email or "").strip())
    if account is None or account.password_hash is None:
        check_password_hash(_DUMMY_HASH, password or "")
        return None
    if not check_password_hash(account.password_hash, password or "") or not account.active:
        return None
    account.last_login_at = now
    return account


def change_password(session: Session, account: Account, current: str, new: str) -> None:
    if account.password_hash is None or not check_password_hash(account.password_hash, current):
        message = "The current password is not correct."
        raise ValidationFailed(message, details={"current_password": [message]})
    passwords.check_strength(new, email=account.email, field="new_password")
    if check_password_hash(account.password_hash, new):
        message = "The new password must differ from the current one."
        raise ValidationFailed(message, details={"new_password": [message]})
    account.password_hash = generate_password_hash(new)
    end_sessions(session, account)


def member_login(session: Session, member: Member) -> Account:
    """The member's account, created without a password for a JWT hand-off."""
    account = find_login(session, member)
    if account is None:
        account = Account(role="member", member_id=member.id)
        session.add(account)
        session.flush()
    return account


def find_login(session: Session, member: Member) -> Account | None:
    return session.scalar(select(Account).where(Account.member_id == member.id))


def login_of(session: Session, member: Member) -> Account:
    """The member's login; a member without one is `not_found`."""
    account = find_login(session, member)
    if account is None:
        raise NotFound(f"Member {member.user_id!r} has no login.")
    return account


def find_session_account(session: Session, session_id: str) -> Account | None:
    """The active account a login session (`Account.get_id()`) still belongs to, if any."""
    account_id, _, version = session_id.partition(":")
    if not (account_id.isdigit() and version.isdigit()):
        return None
    account = session.get(Account, int(account_id))
    if account is None or not account.active or account.session_version != int(version):
        return None
    return account


def end_sessions(
    session: Session, account: Account, *, actor: Actor | None = None, now: datetime | None = None
) -> None:
    """End every login session of the account (audited when an admin does it)."""
    account.session_version = Account.session_version + 1
    session.flush()
    session.refresh(account, ["session_version"])
    if actor is not None:
        target = account.member.user_id if account.member else str(account.id)
        audit.record(
            session,
            actor,
            "account.end_sessions",
            "member" if account.member else "account",
            target,
            after={"email": account.email},
            now=now,
        )
