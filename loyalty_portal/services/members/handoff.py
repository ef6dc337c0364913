"""The portal hand-off (`POST /auth/token`): a member JWT opens one session, once, fresh.

A JWT is a bearer credential that an integrator's app may also send to the API for an
hour, so as a login it is held to more: issued at most five minutes ago, and never used
for a login before (its `jti` is remembered until it expires). A page on another site
that posts an attacker's own token can then at most ask the victim to switch accounts
(see auth/token.py), and a token read from a log or a proxy opens nothing.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from loyalty_portal.models import UsedHandoffToken
from loyalty_portal.services.core.errors import Unauthorized
from loyalty_portal.services.core.session import DbSession

#: How old a hand-off token may be.
MAX_AGE = timedelta(minutes=5)


def token_id(token: str, claims: dict[str, Any]) -> str:
    jti = claims.get("jti")
    if isinstance(jti, str) and 0 < len(jti) <= 200:
        return f"jti:{jti}"
    return "sha256:" + hashlib.sha256(token.encode()).hexdigest()


def check_fresh(claims: dict[str, Any], now: datetime, leeway: int) -> None:
    issued = datetime.fromtimestamp(float(claims["iat"]), UTC)
    if now - issued > MAX_AGE + timedelta(seconds=leeway):
        raise Unauthorized(
            "This sign-in link is too old: a token opens the portal only within "
            f"{MAX_AGE.seconds // 60} minutes of being issued."
        )


def claim(
    session: DbSession, token: str, claims: dict[str, Any], now: datetime, leeway: int
) -> None:
    """Mark the token used, or refuse it (401) if it is stale or was used before.

    The row is inserted in a savepoint: of two requests racing with one token, the second
    meets the primary key and is refused, on both databases.
    """
    check_fresh(claims, now, leeway)
    session.execute(delete(UsedHandoffToken).where(UsedHandoffToken.expires_at < now))
    expires = datetime.fromtimestamp(float(claims["exp"]), UTC) + timedelta(seconds=leeway)
    try:
        with session.begin_nested():
            session.add(
                UsedHandoffToken(token_id=token_id(token, claims), expires_at=expires, used_at=now)
            )
    except IntegrityError:
        raise Unauthorized(
            "This sign-in token was already used; ask the app for a new one."
        ) from None
