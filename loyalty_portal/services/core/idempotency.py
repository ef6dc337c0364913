"""Idempotency keys: one effect per (principal, key); a retry replays the first answer.

A door runs the effect and then `store`s the key with its answer in the same transaction
(one commit). Two requests with one key: on PostgreSQL the second's INSERT waits for the
first's open transaction and then finds its row; on SQLite BEGIN IMMEDIATE serialises
them. The loser rolls its effect back and replays (`replay`). A request that dies rolls
back with its key, so its retry runs at once; no "stale" claim is ever taken over.

`claim`/`complete` reserve a key in a transaction of its own first (a key found reserved
is in progress: 409); the hypothesis ledger model uses them.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from loyalty_portal.models import IdempotencyKey
from loyalty_portal.services.core.errors import (
    IdempotencyKeyReused,
    RequestInProgress,
    ValidationFailed,
)
from loyalty_portal.services.core.session import DbSession
from loyalty_portal.services.core.sql import insert_ignore, rowcount


@dataclass(frozen=True)
class Claim:
    """This request owns the key; complete or release it by `id`."""

    id: int


@dataclass(frozen=True)
class Replay:
    status: int
    body: dict[str, Any]


def fingerprint(method: str, path: str, payload: Any) -> str:
    """A stable hash of what was asked: method, path and the parsed body."""
    canonical = json.dumps([method.upper(), path, payload], sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def validate_key(key: str) -> str:
    if not 1 <= len(key) <= 255:
        raise ValidationFailed(
            "Idempotency-Key must be 1 to 255 characters.",
            details={"Idempotency-Key": ["1 to 255 characters"]},
        )
    return key


def store(
    session: DbSession,
    principal: str,
    key: str,
    request_hash: str,
    status: int,
    body: dict[str, Any],
    now: datetime,
) -> bool:
    """Record the key with its answer; False when the key is already taken (then replay)."""
    new_id = insert_ignore(
        session,
        IdempotencyKey.__table__,
        {
            "principal": principal,
            "key": key,
            "request_hash": request_hash,
            "state": "done",
            "created_at": now,
            "completed_at": now,
            "response_status": status,
            "response_body": body,
        },
        ["principal", "key"],
    )
    return new_id is not None


def replay(session: DbSession, principal: str, key: str, request_hash: str) -> Replay:
    """The stored answer for the key: 422 for another request, 409 while reserved."""
    record = session.execute(
        select(IdempotencyKey)
        .where(IdempotencyKey.principal == principal, IdempotencyKey.key == key)
        .execution_options(populate_existing=True)
    ).scalar_one()
    if record.request_hash != request_hash:
        raise IdempotencyKeyReused()
    if record.state != "done":
        raise RequestInProgress()
    return Replay(record.response_status or 200, record.response_body or {})


def claim_many(
    session: DbSession, principal: str, keys: dict[str, str], now: datetime
) -> tuple[set[str], dict[str, Replay | Exception]]:
    """Claim many keys (key -> request hash) in this transaction, for a batch's items.

    Returns the keys claimed (complete them with `complete_many` before commit) and, for
    the rest, the stored answer to replay or the error (422 another request, 409 running).
    A concurrent request with one of these keys waits for this transaction (PostgreSQL) or
    runs before or after it (SQLite).
    """
    if not keys:
        return set(), {}
    dialect = session.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    table = IdempotencyKey.__table__
    rows = [
        {
            "principal": principal,
            "key": key,
            "request_hash": keys[key],
            "state": "in_progress",
            "created_at": now,
        }
        for key in sorted(keys)
    ]
    claimed = set(
        session.scalars(
            module.insert(table)
            .values(rows)
            .on_conflict_do_nothing(index_elements=["principal", "key"])
            .returning(table.c.key)
        )
    )
    others: dict[str, Replay | Exception] = {}
    for key in sorted(set(keys) - claimed):
        try:
            others[key] = replay(session, principal, key, keys[key])
        except (IdempotencyKeyReused, RequestInProgress) as exc:
            others[key] = exc
    return claimed, others


def complete_many(
    session: DbSession,
    principal: str,
    answers: dict[str, tuple[int, dict[str, Any]]],
    now: datetime,
) -> None:
    """Store the answers of keys claimed by `claim_many` (one executemany)."""
    if not answers:
        return
    table = IdempotencyKey.__table__
    stmt = (
        update(table)
        .where(table.c.principal == principal, table.c.key == bindparam("k"))
        .values(
            state="done",
            response_status=bindparam("s"),
            response_body=bindparam("b"),
            completed_at=now,
        )
    )
    session.connection().execute(
        stmt, [{"k": key, "s": status, "b": body} for key, (status, body) in answers.items()]
    )


def claim(
    session: DbSession,
    principal: str,
    key: str,
    request_hash: str,
    now: datetime,
    stale_after: timedelta,
) -> Claim | Replay:
    """Claim the key for this request, or say what to answer instead.

    Returns the claim (the caller commits it before the effect), or the stored
    response to replay. Raises 422 for the same key with another request and 409
    while the first request is still running (a claim older than `stale_after` is
    taken over: its request died without completing).
    """
    validate_key(key)
    new_id = insert_ignore(
        session,
        IdempotencyKey.__table__,
        {
            "principal": principal,
            "key": key,
            "request_hash": request_hash,
            "state": "in_progress",
            "created_at": now,
        },
        ["principal", "key"],
    )
    if new_id is not None:
        return Claim(new_id)
    record = session.execute(
        select(IdempotencyKey)
        .where(IdempotencyKey.principal == principal, IdempotencyKey.key == key)
        .execution_options(populate_existing=True)
    ).scalar_one()
    if record.request_hash != request_hash:
        raise IdempotencyKeyReused()
    if record.state == "done":
        return Replay(record.response_status or 200, record.response_body or {})
    if record.created_at > now - stale_after:
        raise RequestInProgress()
    taken = rowcount(
        session.execute(
            update(IdempotencyKey)
            .where(
                IdempotencyKey.id == record.id,
                IdempotencyKey.state == "in_progress",
                IdempotencyKey.created_at == record.created_at,
            )
            .values(created_at=now)
            .execution_options(synchronize_session=False)
        )
    )
    if not taken:
        raise RequestInProgress()
    return Claim(record.id)


def complete(
    session: DbSession, record_id: int, status: int, body: dict[str, Any], now: datetime
) -> None:
    """Store the response, in the same transaction as the effect."""
    session.execute(
        update(IdempotencyKey)
        .where(IdempotencyKey.id == record_id)
        .values(state="done", response_status=status, response_body=body, completed_at=now)
        .execution_options(synchronize_session=False)
    )


def release(session: DbSession, record_id: int) -> None:
    """Forget a claim whose request failed without an answer worth replaying."""
    session.execute(delete(IdempotencyKey).where(IdempotencyKey.id == record_id))


def purge(session: DbSession, older_than: datetime) -> int:
    result = session.execute(
        delete(IdempotencyKey).where(
            IdempotencyKey.created_at < older_than, IdempotencyKey.state == "done"
        )
    )
    return rowcount(result) or 0


class StoredRefusal(Exception):
    """A replayed error response; the door renders `body` with `status` and the replay header."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(body.get("error", {}).get("message", "replayed error"))
        self.status = status
        self.body = body
