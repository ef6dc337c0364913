"""Webhook endpoints: created with a secret shown once, rotated with a day of overlap,
disabled, deleted. Every change is audited."""

from __future__ import annotations

import base64
import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from loyalty_portal.models import WebhookEndpoint
from loyalty_portal.models.enums import TEST_MESSAGE_TYPE, EndpointStatus, MessageType
from loyalty_portal.services.core import audit, outbox
from loyalty_portal.services.core.actors import Actor
from loyalty_portal.services.core.errors import ValidationFailed, WebhookNotFound
from loyalty_portal.services.core.session import DbSession
from loyalty_portal.services.webhooks.addresses import check_url

#: After a rotation the old secret keeps signing this long, beside the new one.
ROTATION_OVERLAP = timedelta(hours=24)
ALL_TYPES = "*"
MAX_DESCRIPTION = 500


def new_secret() -> str:
    """`whsec_` + base64 of 32 random bytes (the Standard Webhooks form)."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def new_endpoint_id() -> str:
    return "wh_" + secrets.token_hex(8)


def clean_event_types(types: list[str]) -> list[str]:
    """The subscribed types, known and without repeats; `["*"]` for every type."""
    wanted = list(dict.fromkeys(t.strip() for t in types if isinstance(t, str) and t.strip()))
    unknown = [t for t in wanted if t != ALL_TYPES and t not in tuple(MessageType)]
    if not wanted or unknown:
        message = (
            f"Unknown event type(s): {', '.join(unknown)}."
            if unknown
            else "Choose at least one event type (or * for all)."
        )
        raise ValidationFailed(message, details={"events": [message]})
    return [ALL_TYPES] if ALL_TYPES in wanted else wanted


def create(
    session: DbSession,
    url: str,
    event_types: list[str],
    *,
    description: str = "",
    actor: Actor,
    now: datetime,
    allow_private: bool,
) -> WebhookEndpoint:
    """A new active endpoint with a fresh secret (the caller shows it once)."""
    description = (description or "").strip()
    if len(description) > MAX_DESCRIPTION:
        raise ValidationFailed(
            f"At most {MAX_DESCRIPTION} characters.", details={"description": ["too long"]}
        )
    types = clean_event_types(event_types)
    endpoint = WebhookEndpoint(
        id=new_endpoint_id(),
        url=check_url(url, allow_private=allow_private),
        description=description,
        event_types=types,
        status=EndpointStatus.ACTIVE,
        secret=new_secret(),
        created_at=now,
    )
    session.add(endpoint)
    session.flush()
    audit.record(
        session, actor, "webhook.create", "webhook", endpoint.id, now=now, after=_audited(endpoint)
    )
    return endpoint


def _audited(endpoint: WebhookEndpoint) -> dict[str, Any]:
    return {"url": endpoint.url, "events": endpoint.event_types, "status": endpoint.status}


def list_endpoints(session: DbSession) -> list[WebhookEndpoint]:
    return list(
        session.scalars(select(WebhookEndpoint).order_by(WebhookEndpoint.created_at.desc()))
    )


def get_endpoint(session: DbSession, endpoint_id: str) -> WebhookEndpoint:
    endpoint = session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None:
        raise WebhookNotFound(f"No webhook {endpoint_id!r}.")
    return endpoint


def delete(session: DbSession, endpoint: WebhookEndpoint, *, actor: Actor, now: datetime) -> None:
    """Remove the endpoint with its deliveries and their log."""
    before = _audited(endpoint)
    session.delete(endpoint)
    session.flush()
    audit.record(session, actor, "webhook.delete", "webhook", endpoint.id, now=now, before=before)


def rotate_secret(
    session: DbSession, endpoint: WebhookEndpoint, *, actor: Actor, now: datetime
) -> str:
    """A new secret; the old one also signs for `ROTATION_OVERLAP` so receivers can switch."""
    endpoint.previous_secret = endpoint.secret
    endpoint.previous_secret_until = now + ROTATION_OVERLAP
    endpoint.secret = new_secret()
    session.flush()
    audit.record(
        session,
        actor,
        "webhook.rotate_secret",
        "webhook",
        endpoint.id,
        now=now,
        after={"previousSecretUntil": endpoint.previous_secret_until.isoformat()},
    )
    return endpoint.secret


def signing_secrets(endpoint: WebhookEndpoint, now: datetime) -> list[str]:
    """The secrets that sign a message sent now: the current one, and the previous one
    while its overlap lasts."""
    found = [endpoint.secret]
    until = endpoint.previous_secret_until
    if endpoint.previous_secret and until is not None and until > now:
        found.append(endpoint.previous_secret)
    return found


def set_status(
    session: DbSession,
    endpoint: WebhookEndpoint,
    active: bool,
    *,
    actor: Actor,
    now: datetime,
    reason: str = "Disabled by an admin.",
) -> None:
    """Disable (no new deliveries) or enable again (with a clean failure record)."""
    before = endpoint.status
    if active:
        endpoint.status = EndpointStatus.ACTIVE
        endpoint.disabled_at = endpoint.disabled_reason = endpoint.failing_since = None
    else:
        endpoint.status = EndpointStatus.DISABLED
        endpoint.disabled_at, endpoint.disabled_reason = now, reason[:200]
    session.flush()
    if before != endpoint.status:
        action = "webhook.enable" if active else "webhook.disable"
        audit.record(
            session,
            actor,
            action,
            "webhook",
            endpoint.id,
            now=now,
            before={"status": before},
            after={"status": endpoint.status},
        )


def send_test(session: DbSession, endpoint: WebhookEndpoint, *, actor: Actor, now: datetime) -> Any:
    """Queue a `webhook.test` message for this endpoint alone (the worker sends it)."""
    message = outbox.publish(
        session,
        TEST_MESSAGE_TYPE,
        {"webhookId": endpoint.id, "message": "A test message from the loyalty program."},
        now,
        endpoint_id=endpoint.id,
    )
    audit.record(
        session,
        actor,
        "webhook.test",
        "webhook",
        endpoint.id,
        now=now,
        after={"messageId": message.public_id},
    )
    return message
