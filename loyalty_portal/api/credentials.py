"""Who is calling /v1: an API key (`x-api-key`) or a member JWT (`Authorization: Bearer`).

A session cookie never counts. The caller is resolved once per request and cached on
the request; the rate limiter's key function resolves it first (it runs before any view), so
limits are per API key or per member, and failed attempts are limited per address.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, request
from flask_limiter.util import get_remote_address

from loyalty_portal.extensions import RATE_LIMIT_PRINCIPAL, db, rate_limit_key
from loyalty_portal.services.core.actors import Actor
from loyalty_portal.services.core.errors import (
    DomainError,
    Forbidden,
    Unauthorized,
    ValidationFailed,
)
from loyalty_portal.services.members import api_keys
from loyalty_portal.services.members.members import USER_ID_PATTERN
from loyalty_portal.services.members.tokens import verify_member_token
from loyalty_portal.services.program.settings import load_program
from loyalty_portal.timeutil import utcnow

API_KEY_HEADER = "x-api-key"
MAX_TOKEN_LENGTH = 4096


@dataclass(frozen=True)
class Principal:
    """An authenticated caller: an API key with scopes, or a member acting for themself."""

    api_key: api_keys.KeyInfo | None = None
    member_user_id: str | None = None

    @property
    def is_api_key(self) -> bool:
        return self.api_key is not None

    @property
    def name(self) -> str:
        """Scopes idempotency keys and rate limits: one namespace per credential."""
        if self.api_key is not None:
            return f"api_key:{self.api_key.id}"
        return f"user:{self.member_user_id}"

    @property
    def actor(self) -> Actor:
        if self.api_key is not None:
            return Actor.api_key(self.api_key)
        return Actor.member(str(self.member_user_id))

    @property
    def source(self) -> str:
        """The `source` recorded on events."""
        return f"api:{self.api_key.name}" if self.api_key is not None else "api:member"

    def require(self, scope: str, *, api_key_only: bool = False) -> None:
        if self.api_key is None:
            if api_key_only:
                raise Forbidden("This call needs an API key; a member token cannot make it.")
            return
        if scope not in self.api_key.scopes:
            raise Forbidden(f"This API key lacks the {scope!r} scope.")

    def act_for(self, user_id: str | None) -> str:
        """The userId this call acts for; a member token may only act for its own `sub`."""
        if self.api_key is None:
            if user_id is not None and user_id != self.member_user_id:
                raise Forbidden("A member token can only act for its own user.")
            return str(self.member_user_id)
        if user_id is None:
            raise ValidationFailed("userId is required.", details={"userId": ["required"]})
        return user_id


def _authenticate() -> Principal:
    plain = request.headers.get(API_KEY_HEADER)
    if plain is not None:
        now = utcnow()
        key = api_keys.authenticate(db.session, plain.strip(), now)
        if key is None:
            raise Unauthorized("Unknown or revoked API key.")
        if api_keys.needs_stamp(key, now):
            request.environ[_STAMP] = (key.id, now)
        return Principal(api_key=key)
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() == "bearer" and token:
        if len(token) > MAX_TOKEN_LENGTH:
            raise Unauthorized("Invalid token: too long.")
        config = current_app.config
        sub = verify_member_token(
            token, config["API_SECRET"], load_program(db.session), config["JWT_LEEWAY_SECONDS"]
        )
        if not USER_ID_PATTERN.fullmatch(sub):
            raise Unauthorized("Invalid token: the subject is not a valid userId.")
        return Principal(member_user_id=sub)
    raise Unauthorized("Send an API key in x-api-key or a member token as Authorization: Bearer.")


_CACHE = "loyalty.api_principal"
_STAMP = "loyalty.api_key_stamp"


def stamp_key_use(_exc: BaseException | None) -> None:
    """After the request's transaction ended: record the key's last use (once a minute)."""
    stamp = request.environ.pop(_STAMP, None)
    if stamp is not None:
        with db.engine.begin() as connection:
            api_keys.stamp_last_use(connection, *stamp)


def _resolve() -> Principal | DomainError:
    """Authenticate once per request (cached on the request, not on `g`, which an app
    context reused across requests would share)."""
    if _CACHE not in request.environ:
        try:
            request.environ[_CACHE] = _authenticate()
        except DomainError as exc:
            db.session.rollback()
            request.environ[_CACHE] = exc
    resolved: Principal | DomainError = request.environ[_CACHE]
    return resolved


def forget_principal() -> None:
    """Authenticate again on the next `current_principal` (the configuration moved)."""
    request.environ.pop(_CACHE, None)
    request.environ.pop(_STAMP, None)


def current_principal() -> Principal:
    """The authenticated caller, or 401."""
    resolved = _resolve()
    if isinstance(resolved, DomainError):
        raise resolved
    return resolved


def api_rate_key() -> str:
    """Rate-limit bucket: the credential when it checks out, else the client address."""
    resolved = _resolve()
    principal = resolved.name if isinstance(resolved, Principal) else None
    request.environ[RATE_LIMIT_PRINCIPAL] = principal or f"addr:{get_remote_address()}"
    return rate_limit_key()


def api_rate_limit() -> str:
    return str(current_app.config["API_RATE_LIMIT"])
