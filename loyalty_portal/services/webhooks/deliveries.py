"""Deliveries: fan-out of outbox messages, claiming due attempts, recording each attempt.

The worker runs these in short transactions of its own: claim (commit), POST with no
transaction open, record (commit). A claim is a lease: a worker killed mid-attempt
leaves the delivery to be taken over when the lease runs out, so nothing is lost (at
least once). On PostgreSQL the claim skips rows another worker is claiming
(FOR UPDATE SKIP LOCKED), so two workers never send the same attempt.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, exists, func, or_, select, update

from loyalty_portal.models import OutboxMessage, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from loyalty_portal.models.enums import DeliveryStatus, EndpointStatus
from loyalty_portal.services.core import audit
from loyalty_portal.services.core.actors import Actor
from loyalty_portal.services.core.errors import ValidationFailed
from loyalty_portal.services.core.session import DbSession
from loyalty_portal.services.webhooks.endpoints import signing_secrets
from loyalty_portal.services.webhooks.sending import Reply, headers_for

#: Waits after each failed attempt (API.md): 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h.
RETRY_DELAYS = (5, 300, 1800, 7200, 18000, 36000, 36000)
#: An endpoint that failed every attempt for this long is disabled.
DISABLE_AFTER = timedelta(days=3)


def dispatch(session: DbSession, now: datetime, *, limit: int = 200) -> int:
    """One delivery per endpoint that was active and subscribed when each message was
    written (a test message: its endpoint only). Returns the messages dispatched."""
    messages = list(
        session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.dispatched_at.is_(None))
            .order_by(OutboxMessage.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )
    if not messages:
        return 0
    active = list(
        session.scalars(
            select(WebhookEndpoint).where(WebhookEndpoint.status == EndpointStatus.ACTIVE)
        )
    )
    for message in messages:
        for endpoint in active:
            if message.endpoint_id is not None:
                wanted = endpoint.id == message.endpoint_id
            else:
                wanted = endpoint.subscribes_to(message.type) and (
                    endpoint.created_at <= message.created_at
                )
            if wanted:
                session.add(
                    WebhookDelivery(
                        message_id=message.id,
                        endpoint_id=endpoint.id,
                        status=DeliveryStatus.PENDING,
                        next_attempt_at=now,
                        created_at=now,
                    )
                )
        message.dispatched_at = now
    session.flush()
    return len(messages)


def claim_due(session: DbSession, now: datetime, *, limit: int, lease_seconds: int) -> list[int]:
    """Take up to `limit` due deliveries for `lease_seconds` (the caller commits)."""
    due = (
        select(WebhookDelivery.id)
        .where(
            WebhookDelivery.status == DeliveryStatus.PENDING,
            WebhookDelivery.next_attempt_at <= now,
            or_(WebhookDelivery.claimed_until.is_(None), WebhookDelivery.claimed_until <= now),
        )
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    ids = list(session.scalars(due))
    if ids:
        session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.id.in_(ids))
            .values(claimed_until=now + timedelta(seconds=lease_seconds))
        )
    return ids


def release(session: DbSession, delivery_ids: list[int]) -> None:
    """Hand claimed deliveries back untried (a worker shutting down)."""
    if delivery_ids:
        session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.id.in_(delivery_ids))
            .values(claimed_until=None)
        )


@dataclass(frozen=True)
class Outgoing:
    """Everything one attempt sends, read before the POST so no transaction stays open."""

    delivery_id: int
    url: str
    body: str
    headers: dict[str, str]
    endpoint_active: bool


def message_body(message: OutboxMessage) -> str:
    """The JSON body; the same bytes on every attempt."""
    at = message.created_at.astimezone(UTC).isoformat(timespec="milliseconds")
    envelope = {"type": message.type, "timestamp": at.replace("+00:00", "Z"), "data": message.data}
    return json.dumps(envelope, separators=(",", ":"), sort_keys=True)


def prepare(session: DbSession, delivery_id: int, now: datetime) -> Outgoing | None:
    """What to send now; None when the delivery went away (its endpoint was deleted)."""
    delivery = session.get(WebhookDelivery, delivery_id)
    if delivery is None:
        return None
    endpoint, message = delivery.endpoint, delivery.message
    body = message_body(message)
    return Outgoing(
        delivery_id=delivery.id,
        url=endpoint.url,
        body=body,
        headers=headers_for(message.public_id, now, body, signing_secrets(endpoint, now)),
        endpoint_active=endpoint.status == EndpointStatus.ACTIVE
        or message.endpoint_id == endpoint.id,
    )


def record(
    session: DbSession,
    delivery_id: int,
    reply: Reply,
    now: datetime,
    *,
    delays: tuple[int, ...] = RETRY_DELAYS,
) -> WebhookDelivery | None:
    """Log the attempt; delivered, retried later, or failed after the last attempt.
    An endpoint that has failed every attempt for three days is disabled."""
    delivery = session.get(WebhookDelivery, delivery_id, populate_existing=True)
    if delivery is None:
        return None
    session.add(
        WebhookAttempt(
            delivery_id=delivery.id,
            attempted_at=now,
            succeeded=reply.ok,
            status_code=reply.status,
            latency_ms=reply.latency_ms,
            response_excerpt=reply.excerpt[:1024],
            error=reply.error,
        )
    )
    delivery.attempts += 1
    delivery.last_status_code = reply.status
    delivery.claimed_until = None
    endpoint = delivery.endpoint
    if reply.ok:
        _finish(delivery, DeliveryStatus.DELIVERED, now)
        endpoint.failing_since = None
    else:
        if delivery.attempts > len(delays):
            _finish(delivery, DeliveryStatus.FAILED, now)
        else:
            delivery.next_attempt_at = now + timedelta(seconds=delays[delivery.attempts - 1])
        endpoint.failing_since = failing_since = endpoint.failing_since or now
        if endpoint.status == EndpointStatus.ACTIVE and now - failing_since >= DISABLE_AFTER:
            endpoint.status = EndpointStatus.DISABLED
            endpoint.disabled_at = now
            endpoint.disabled_reason = "Every attempt failed for 3 days."
    session.flush()
    return delivery


def _finish(delivery: WebhookDelivery, status: DeliveryStatus, now: datetime) -> None:
    delivery.status = status
    delivery.finished_at = now
    delivery.next_attempt_at = None


def replay(
    session: DbSession, delivery: WebhookDelivery, *, actor: Actor, now: datetime
) -> WebhookDelivery:
    """Send the same message (same webhook-id) again, now."""
    if delivery.status == DeliveryStatus.PENDING and delivery.claimed_until is not None:
        raise ValidationFailed("This delivery is being sent right now.", details={"id": ["busy"]})
    before = delivery.status
    delivery.status = DeliveryStatus.PENDING
    delivery.next_attempt_at = now
    delivery.finished_at = None
    session.flush()
    audit.record(
        session,
        actor,
        "webhook.replay",
        "webhook_delivery",
        str(delivery.id),
        now=now,
        before={"status": before},
        after={"status": delivery.status, "webhookId": delivery.endpoint_id},
    )
    return delivery


def oldest_undelivered(session: DbSession) -> datetime | None:
    """When the oldest message still waiting (to be fanned out, or on an endpoint) was written."""
    waiting = session.scalar(
        select(func.min(OutboxMessage.created_at)).where(OutboxMessage.dispatched_at.is_(None))
    )
    pending = session.scalar(
        select(func.min(OutboxMessage.created_at))
        .join(WebhookDelivery, WebhookDelivery.message_id == OutboxMessage.id)
        .where(WebhookDelivery.status == DeliveryStatus.PENDING)
    )
    found = [t for t in (waiting, pending) if t is not None]
    return min(found) if found else None


def purge(session: DbSession, older_than: datetime) -> int:
    """Forget messages dispatched before `older_than` with nothing left to send (their
    deliveries and attempt log go with them). Returns the messages removed."""
    waiting = exists().where(
        WebhookDelivery.message_id == OutboxMessage.id,
        WebhookDelivery.status == DeliveryStatus.PENDING,
    )
    ids = list(
        session.scalars(
            select(OutboxMessage.id)
            .where(OutboxMessage.dispatched_at < older_than, ~waiting)
            .limit(5000)
        )
    )
    if ids:
        attempts = select(WebhookDelivery.id).where(WebhookDelivery.message_id.in_(ids))
        session.execute(delete(WebhookAttempt).where(WebhookAttempt.delivery_id.in_(attempts)))
        session.execute(delete(WebhookDelivery).where(WebhookDelivery.message_id.in_(ids)))
        session.execute(delete(OutboxMessage).where(OutboxMessage.id.in_(ids)))
    return len(ids)
