"""Server-to-server API keys: shown once, stored hashed, scoped, revocable."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import Connection, select, update

from loyalty_portal.models import ApiKey
from loyalty_portal.models.enums import ApiScope
from loyalty_portal.services.core import audit, config_cache
from loyalty_portal.services.core.actors import Actor
from loyalty_portal.services.core.errors import NotFound, ValidationFailed
from loyalty_portal.services.core.session import DbSession

KEY_PREFIX = "lp_"
_TOUCH_EVERY = timedelta(minutes=1)


def hash_key(plain: str) -> str:
    return hashlib.sha256(plain.encode()).hexdigest()


def create(
    session: DbSession, name: str, scopes: list[str], actor: Actor, now: datetime
) -> tuple[ApiKey, str]:
    """Create a key; returns it with the plain text, which is never stored."""
    name = (name or "").strip()
    if not name or len(name) > 120:
        raise ValidationFailed(
            "Give the key a name (at most 120 characters).", details={"name": ["required"]}
        )
    scopes = sorted(set(scopes))
    unknown = [s for s in scopes if s not in tuple(ApiScope)]
    if not scopes or unknown:
        raise ValidationFailed(
            f"Scopes must be some of: {', '.join(ApiScope)}.",
            details={"scopes": [f"unknown scope {s}" for s in unknown] or ["at least one"]},
        )
    plain = KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(
        name=name,
        prefix=plain[:10],
        key_hash=hash_key(plain),
        scopes=scopes,
        created_at=now,
        created_by_account_id=actor.account_id,
    )
    session.add(key)
    session.flush()
    audit.record(
        session,
        actor,
        "api_key.create",
        "api_key",
        str(key.id),
        now=now,
        after={"name": name, "scopes": scopes},
    )
    return key, plain


@dataclass(frozen=True)
class KeyInfo:
    """An active key as requests see it (cached per process; see core.config_cache)."""

    id: int
    name: str
    scopes: tuple[str, ...]


def _active_keys(session: DbSession) -> dict[str, KeyInfo]:
    rows = session.execute(
        select(ApiKey.id, ApiKey.name, ApiKey.key_hash, ApiKey.scopes).where(
            ApiKey.revoked_at.is_(None)
        )
    ).all()
    return {r.key_hash: KeyInfo(r.id, r.name, tuple(r.scopes or ())) for r in rows}


_STAMPS = "loyalty.api_key_stamps"  # app.extensions: key id -> when this app last stamped it


def authenticate(session: DbSession, plain: str, now: datetime) -> KeyInfo | None:
    """The active key for this plain text, or None (no statement while nothing changed)."""
    if not plain or not plain.startswith(KEY_PREFIX) or len(plain) > 200:
        return None
    return config_cache.cached(session, "api_keys", _active_keys).get(hash_key(plain))


def needs_stamp(key: KeyInfo, now: datetime) -> bool:
    """Whether to record the key's use now (at most once a minute per app instance)."""
    stamped: dict[int, datetime] = current_app.extensions.setdefault(_STAMPS, {})
    last = stamped.get(key.id)
    if last is not None and now - last < _TOUCH_EVERY:
        return False
    stamped[key.id] = now
    return True


def stamp_last_use(connection: Connection, key_id: int, now: datetime) -> None:
    """Record last use on a connection of its own, outside the request's transaction (a
    read takes no write lock for it; a Core statement, so no cache is invalidated)."""
    connection.execute(update(ApiKey).where(ApiKey.id == key_id).values(last_used_at=now))


def list_keys(session: DbSession) -> list[ApiKey]:
    return list(session.scalars(select(ApiKey).order_by(ApiKey.revoked_at.is_not(None), ApiKey.id)))


def find(session: DbSession, key_id_or_prefix: str) -> ApiKey:
    key = None
    if key_id_or_prefix.isdigit():
        key = session.get(ApiKey, int(key_id_or_prefix))
    if key is None:
        key = session.scalar(select(ApiKey).where(ApiKey.prefix == key_id_or_prefix))
    if key is None:
        raise NotFound(f"No API key {key_id_or_prefix!r}.")
    return key


def revoke(session: DbSession, key: ApiKey, actor: Actor, now: datetime) -> ApiKey:
    if key.revoked_at is None:
        key.revoked_at = now
        audit.record(
            session,
            actor,
            "api_key.revoke",
            "api_key",
            str(key.id),
            now=now,
            before={"active": True},
            after={"active": False},
        )
    return key
