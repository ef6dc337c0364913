"""The transactional outbox: a webhook message is a row written with the change it reports.

`publish` adds the row to the caller's transaction and flushes; it never commits. A
committed change therefore always has its message and a rolled-back one never does
(DESIGN.md invariant 9). The worker fans messages out to the endpoints and delivers them.
The helpers below `publish` build the documented `data` of each type (docs/webhooks.md), so a
change point stays one line.
"""

from __future__ import annotations

import functools
import secrets
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Insert, insert

from loyalty_portal.models import Member, OutboxMessage, Redemption
from loyalty_portal.services.core.session import DbSession
from loyalty_portal.timeutil import to_epoch_ms


def new_message_id() -> str:
    return "msg_" + secrets.token_hex(12)


def message_row(
    message_type: str, data: dict[str, Any], now: datetime, endpoint_id: str | None = None
) -> dict[str, Any]:
    """A message's columns: what `publish` writes, and batch ingest inserts in bulk."""
    return {
        "public_id": new_message_id(),
        "type": message_type,
        "data": data,
        "created_at": now,
        "endpoint_id": endpoint_id,
    }


def publish(
    session: DbSession,
    message_type: str,
    data: dict[str, Any],
    now: datetime,
    *,
    endpoint_id: str | None = None,
    flush: bool = True,
) -> OutboxMessage:
    """Write one message of `message_type` in the caller's transaction (flush, no commit).

    `flush=False` leaves the row to the caller's next flush."""
    message = OutboxMessage(**message_row(message_type, data, now, endpoint_id))
    session.add(message)
    if flush:
        session.flush()
    return message


def write(session: DbSession, message_type: str, data: dict[str, Any], now: datetime) -> None:
    """`publish` for a hot path: the same row, inserted in Core at once (`core.rows`)."""
    session.connection().execute(_inserting(), message_row(message_type, data, now))


@functools.cache
def _inserting() -> Insert:
    return insert(OutboxMessage.__table__)


def points(member: Member, delta: int, **ids: Any) -> dict[str, Any]:
    """`data` where points moved: who, how many (signed as the ledger books them), balance."""
    return {"userId": member.user_id, "points": delta, "balance": member.balance, **ids}


class EarningRuleLike(Protocol):
    """A rule or its cached snapshot: what `points.earned` names."""

    @property
    def event_id(self) -> str: ...
    @property
    def title(self) -> str: ...


def earned(member: Member, delta: int, rule: EarningRuleLike) -> dict[str, Any]:
    """`points.earned`: the points, the new balance and the rule (eventId) that gave them."""
    return points(member, delta, eventId=rule.event_id, title=rule.title)


def member(created: Member) -> dict[str, Any]:
    return {"userId": created.user_id, "createdAt": to_epoch_ms(created.created_at)}


class OfferLike(Protocol):
    """An offer or its cached terms: what a coupon's message names."""

    @property
    def title(self) -> str: ...
    @property
    def shop_id(self) -> str | None: ...
    @property
    def fulfilment(self) -> str: ...


def coupon(
    redemption: Redemption, member: Member, offer: OfferLike | None = None, **extra: Any
) -> dict[str, Any]:
    """Everything a shop needs to fulfil or honour a redemption, without asking back.
    `offer`: the redemption's offer when the caller has it (the hot path's cached terms)."""
    offer = offer or redemption.offer
    return {
        "userId": member.user_id,
        "couponId": redemption.id,
        "offerId": redemption.offer_id,
        "offerTitle": offer.title,
        "shopId": offer.shop_id,
        "fulfilment": offer.fulfilment,
        "status": redemption.status,
        "code": redemption.code,
        "points": redemption.points,
        "balance": member.balance,
        "metadata": dict(redemption.coupon_metadata or {}),
        "createdAt": to_epoch_ms(redemption.created_at),
        "expiresAt": to_epoch_ms(redemption.expires_at),
        **extra,
    }
