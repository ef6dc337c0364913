"""Member JWTs (HS256): issued as an integrator's backend would, verified strictly."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

import jwt

from loyalty_portal.services.core.errors import Unauthorized
from loyalty_portal.services.program.settings import Program
from loyalty_portal.timeutil import utcnow

ALGORITHM = "HS256"
REQUIRED_CLAIMS = ["exp", "iat", "sub", "iss", "aud"]


def issue_member_token(user_id: str, secret: str, program: Program, *, ttl: int = 3600) -> str:
    now = utcnow()
    claims = {
        "sub": user_id,
        "iss": program.tenant_id,
        "aud": program.project_id,
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(seconds=ttl)).timestamp()),
        "jti": secrets.token_urlsafe(16),
    }
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def verify_member_token(token: str, secret: str, program: Program, leeway: int) -> str:
    """The token's `sub` (a userId) if every claim checks out; otherwise Unauthorized."""
    return str(member_token_claims(token, secret, program, leeway)["sub"])


def member_token_claims(token: str, secret: str, program: Program, leeway: int) -> dict[str, Any]:
    """Every claim of the token if every claim checks out; otherwise Unauthorized.

    The algorithm is fixed here, never read from the token: `alg: none` and RS256/HS256
    confusion fail. `iat` in the future beyond the leeway fails too.
    """
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            audience=program.project_id,
            issuer=program.tenant_id,
            leeway=leeway,
            options={"require": REQUIRED_CLAIMS, "verify_iat": True},
        )
    except jwt.PyJWTError as exc:
        raise Unauthorized(f"Invalid token: {exc}") from None
    sub = claims.get("sub")
    if not isinstance(sub, str) or not sub.strip():
        raise Unauthorized("Invalid token: empty subject.")
    iat = claims.get("iat")
    if not isinstance(iat, int | float) or iat > utcnow().timestamp() + leeway:
        raise Unauthorized("Invalid token: issued in the future.")
    return claims
