"""Login sessions that end on the server.

Flask-Login keeps `Account.get_id()` ("<id>:<session version>") in the signed session
cookie. Bumping the account's version makes every cookie issued before unknown, including
copies: logout, a password change or reset, and an admin's "end all sessions" do it.
"""

from __future__ import annotations

from datetime import datetime

from loyalty_portal.models import Account
from loyalty_portal.services.core import audit
from loyalty_portal.services.core.actors import Actor
from loyalty_portal.services.core.session import DbSession


def find_session_account(session: DbSession, session_id: str) -> Account | None:
    """The active account a login session (`Account.get_id()`) still belongs to, if any."""
    account_id, _, version = session_id.partition(":")
    if not (account_id.isdigit() and version.isdigit()):
        return None
    account = session.get(Account, int(account_id))
    if account is None or not account.active or account.session_version != int(version):
        return None
    return account


def end_sessions(
    session: DbSession, account: Account, *, actor: Actor | None = None, now: datetime | None = None
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
