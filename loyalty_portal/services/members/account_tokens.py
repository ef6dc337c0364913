"""Signed links for password resets and email verification (itsdangerous).

A token names the account, when it was issued and for how long it holds, signed with the
app's secret and a salt per purpose (a reset token is no verification token). It also
carries a fingerprint of the account's email and password hash, so a link dies as soon as
the password changes: once it was used, or after any later change, every older link stops
working. Nothing is stored for a token.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta
from typing import Any

from itsdangerous import BadData, URLSafeSerializer

from loyalty_portal.models import Account
from loyalty_portal.services.core.errors import DomainError
from loyalty_portal.services.core.session import DbSession

RESET_LIFETIME = timedelta(hours=1)
#: A login created for someone else (an admin's import) waits longer for its first password.
WELCOME_LIFETIME = timedelta(days=3)
VERIFICATION_LIFETIME = timedelta(days=3)
CLOCK_SKEW = timedelta(minutes=1)

RESET = "password-reset"
VERIFICATION = "email-verification"


class InvalidLink(DomainError):
    status = 400
    code = "invalid_link"
    default_message = "This link has expired or was already used."


def _serializer(secret: str, purpose: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt=f"loyalty-portal/{purpose}")


def _fingerprint(account: Account) -> str:
    material = f"{account.email or ''}\0{account.password_hash or ''}".encode()
    return hashlib.sha256(material).hexdigest()[:20]


def issue(secret: str, purpose: str, account: Account, now: datetime, lifetime: timedelta) -> str:
    payload = {
        "a": account.id,
        "f": _fingerprint(account),
        "t": int(now.timestamp()),
        "x": int(lifetime.total_seconds()),
    }
    return _serializer(secret, purpose).dumps(payload)


def _payload(secret: str, purpose: str, token: str) -> dict[str, Any]:
    try:
        data = _serializer(secret, purpose).loads(token)
    except BadData:
        raise InvalidLink() from None
    fields = {"a": int, "f": str, "t": int, "x": int}
    if not isinstance(data, dict) or any(not isinstance(data.get(k), t) for k, t in fields.items()):
        raise InvalidLink()
    return data


def read(session: DbSession, secret: str, purpose: str, token: str, now: datetime) -> Account:
    """The active account the token was issued for, while it holds; else `InvalidLink`."""
    data = _payload(secret, purpose, token or "")
    issued = datetime.fromtimestamp(data["t"], now.tzinfo)
    if not issued - CLOCK_SKEW <= now <= issued + timedelta(seconds=data["x"]):
        raise InvalidLink()
    account = session.get(Account, data["a"])
    if account is None or not account.active:
        raise InvalidLink()
    if not hmac.compare_digest(_fingerprint(account), data["f"]):
        raise InvalidLink()
    return account


def reset_token(
    secret: str, account: Account, now: datetime, lifetime: timedelta = RESET_LIFETIME
) -> str:
    return issue(secret, RESET, account, now, lifetime)


def account_for_reset(session: DbSession, secret: str, token: str, now: datetime) -> Account:
    return read(session, secret, RESET, token, now)


def verification_token(secret: str, account: Account, now: datetime) -> str:
    return issue(secret, VERIFICATION, account, now, VERIFICATION_LIFETIME)


def account_for_verification(session: DbSession, secret: str, token: str, now: datetime) -> Account:
    return read(session, secret, VERIFICATION, token, now)
