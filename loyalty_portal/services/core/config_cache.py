"""Configuration cached per process, reloaded only when some process committed a change.

Keys, settings, rules, tiers, groups, offers and campaigns change rarely but are read by every call.
Any flush that touches one of them bumps the single `config_version` row in the same
transaction; each transaction reads that counter once (the first time it needs the cache)
and drops every cached snapshot when it moved. So a change is in force for every request
that starts after it commits, in every worker. Snapshots are frozen dataclasses: no ORM
object outlives its session.

The cache lives in `app.extensions` (one per app instance, like one per worker process).
A session that has itself changed configuration reads past the cache until it ends, so it
never sees its own uncommitted edit cached, nor stale data.

An API request may check the version after its work instead of before it (`defer_check`,
then `confirm`): it uses the cache as it stands, and a statement it runs anyway (a read's
standing, a write's member lock) reads the counter too (`version_column`, `saw`), so the
check costs no round trip of its own. Had the counter moved, `confirm` (before a write
stores its Idempotency-Key or commits) raises `StaleConfiguration`; the caller rolls the
attempt back and answers the request again, checked first. What the first attempt
computed is never sent nor stored.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

from flask import current_app
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from loyalty_portal.models import (
    ApiKey,
    Campaign,
    ConfigVersion,
    EarningRule,
    GrowthSettings,
    Offer,
    OfferUserGroup,
    ProgramSettings,
    RuleGroupOverride,
    Shop,
    Tier,
    UserGroup,
)
from loyalty_portal.services.core.session import DbSession
from loyalty_portal.services.core.sql import upsert_add

T = TypeVar("T")

#: Models whose rows are configuration: a change of any of them invalidates every cache.
CONFIG_MODELS: tuple[type, ...] = (
    ApiKey,
    ProgramSettings,
    EarningRule,
    RuleGroupOverride,
    Tier,
    UserGroup,
    Offer,
    OfferUserGroup,
    Shop,
    Campaign,
    GrowthSettings,
)
_EXTENSION = "loyalty.config_cache"
_VERSION = "config_cache.version"  # session.info: the version this transaction read
_DIRTY = "config_cache.dirty"  # session.info: this transaction changed configuration
# session.info, for the request (kept across its transactions, unlike the two above):
_DEFER = "config_cache.defer"  # check the version after the work (`defer_check`)
_USED = "config_cache.used"  # the cache's version, used unchecked
_SAW = "config_cache.saw"  # the version a statement of this request read (`saw`)


class StaleConfiguration(Exception):
    """A read used cached configuration that had changed: answer it again (`confirm`)."""


#: Built once (every request runs it), in Core on the session's connection: the ORM's
#: statement machinery cost more than the round trip, and there is nothing to flush first.
_VERSION_STATEMENT = select(ConfigVersion.__table__.c.version)


class ConfigCache:
    """Snapshots by name, valid for one version of the configuration."""

    def __init__(self) -> None:
        self.version: int | None = None
        self.values: dict[str, Any] = {}
        self.lock = threading.Lock()


def _cache() -> ConfigCache:
    cache = current_app.extensions.get(_EXTENSION)
    if cache is None:
        cache = current_app.extensions.setdefault(_EXTENSION, ConfigCache())
    return cache  # type: ignore[no-any-return]


def version(session: DbSession) -> int:
    """The configuration version this transaction works with (one read per transaction)."""
    seen: int | None = session.info.get(_VERSION)
    if seen is None:
        known = _cache().version
        if session.info.get(_DEFER) and known is not None and _USED not in session.info:
            seen = session.info[_USED] = known  # checked by `confirm`
        else:
            seen = _read_version(session)
        session.info[_VERSION] = seen
    return seen


def _read_version(session: DbSession) -> int:
    return session.connection().execute(_VERSION_STATEMENT).scalar() or 0


def defer_check(session: DbSession) -> None:
    """Use the cache unchecked in this request, and `confirm` it before answering."""
    session.info[_DEFER] = True


def version_column() -> Any:
    """The counter as a column, for a statement of a deferred request to carry (`saw`)."""
    return _VERSION_STATEMENT.scalar_subquery().label("config_version")


def saw(session: DbSession, current: int | None) -> None:
    """A statement of this request read the counter (`version_column`) as `current`."""
    if session.info.get(_DEFER):  # the first one: any read after the request began will do
        session.info.setdefault(_SAW, current or 0)


def confirm(session: DbSession) -> None:
    """End a deferred check: raise `StaleConfiguration` if the cache this request used
    was older than the counter (as a statement of the request read it, or reads it now).
    The request's next attempt checks before it reads, as a write does."""
    session.info.pop(_DEFER, None)
    used = session.info.pop(_USED, None)
    current = session.info.pop(_SAW, None)
    if used is None:
        return
    if current is None:
        current = _read_version(session)
    if current != used:
        session.info.pop(_VERSION, None)
        raise StaleConfiguration(f"configuration moved from version {used} to {current}")


def cached(session: DbSession, name: str, load: Callable[[DbSession], T]) -> T:
    """The snapshot `name`, loaded by `load(session)` when the configuration changed."""
    if session.info.get(_DIRTY):
        return load(session)
    current = version(session)
    cache = _cache()
    with cache.lock:
        if cache.version is None or cache.version < current:
            cache.version, cache.values = current, {}
        values = cache.values if cache.version == current else None
    if values is None:  # this transaction is older than the cache: read, don't store
        return load(session)
    if name in values:
        return values[name]  # type: ignore[no-any-return]
    value = load(session)
    values[name] = value
    return value


def _touches_config(session: Session) -> bool:
    for obj in session.new | session.deleted:
        if isinstance(obj, CONFIG_MODELS):
            return True
    return any(
        isinstance(obj, CONFIG_MODELS) and session.is_modified(obj, include_collections=True)
        for obj in session.dirty
    )


def _bump(session: DbSession) -> None:
    # an upsert: a database whose row went missing (emptied tables) still invalidates
    upsert_add(session, ConfigVersion.__table__, {"id": 1}, "version", 1)
    session.info[_DIRTY] = True


def _bump_on_change(session: Session, _context: Any, _instances: Any) -> None:
    if not session.info.get(_DIRTY) and _touches_config(session):
        _bump(session)


def _forget(session: Session, *_args: Any) -> None:
    session.info.pop(_VERSION, None)
    session.info.pop(_DIRTY, None)


def mark_changed(session: DbSession) -> None:
    """For changes made with Core statements (which no flush sees): bump the version now."""
    if not session.info.get(_DIRTY):
        _bump(session)


def install() -> None:
    """Listen on every ORM session (idempotent)."""
    if not event.contains(Session, "before_flush", _bump_on_change):
        event.listen(Session, "before_flush", _bump_on_change)
        event.listen(Session, "after_commit", _forget)
        event.listen(Session, "after_rollback", _forget)


install()
