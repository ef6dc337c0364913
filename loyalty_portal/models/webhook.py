"""Webhooks: the outbox of messages, the endpoints that hear them, deliveries and attempts.

A message row is written in the transaction of the change it reports (services/core/
outbox.py). The worker fans each message out into one delivery per endpoint that was
active and subscribed when the change committed, then delivers, retries and logs.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from loyalty_portal.models.base import Base, BigId
from loyalty_portal.models.enums import DeliveryStatus, EndpointStatus, one_of
from loyalty_portal.timeutil import utcnow


class OutboxMessage(Base):
    """One change, as the message every subscribed endpoint will receive."""

    __tablename__ = "outbox_message"
    __table_args__ = (
        Index(
            "ix_outbox_message_undispatched",
            "created_at",
            postgresql_where=text("dispatched_at IS NULL"),
            sqlite_where=text("dispatched_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    #: The `webhook-id` header: the same on every attempt and every replay.
    public_id: Mapped[str] = mapped_column(String(40), unique=True)
    type: Mapped[str] = mapped_column(String(40))
    data: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Set once the worker has created this message's deliveries.
    dispatched_at: Mapped[datetime | None]
    #: A test message goes to this endpoint only.
    endpoint_id: Mapped[str | None] = mapped_column(
        ForeignKey("webhook_endpoint.id", ondelete="CASCADE")
    )

    def __repr__(self) -> str:
        return f"<OutboxMessage {self.public_id} {self.type}>"


class WebhookEndpoint(Base):
    """A URL that receives the message types it subscribed to, signed with its secret."""

    __tablename__ = "webhook_endpoint"
    __table_args__ = (CheckConstraint(one_of("status", EndpointStatus), name="status"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    description: Mapped[str] = mapped_column(String(500), default="")
    #: Message types, or ["*"] for every type.
    event_types: Mapped[list[str]]
    status: Mapped[str] = mapped_column(String(16), default=EndpointStatus.ACTIVE)
    #: `whsec_` + base64: kept as is, since signing needs the secret itself.
    secret: Mapped[str] = mapped_column(String(100))
    #: After a rotation the old secret signs too, until `previous_secret_until`.
    previous_secret: Mapped[str | None] = mapped_column(String(100))
    previous_secret_until: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: The first failed attempt since the last success; three days of it disables.
    failing_since: Mapped[datetime | None]
    disabled_at: Mapped[datetime | None]
    disabled_reason: Mapped[str | None] = mapped_column(String(200))

    def subscribes_to(self, message_type: str) -> bool:
        return "*" in self.event_types or message_type in self.event_types

    def __repr__(self) -> str:
        return f"<WebhookEndpoint {self.id} {self.url} {self.status}>"


class WebhookDelivery(Base):
    """One message to one endpoint: retried on its schedule until delivered or failed."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (
        CheckConstraint(one_of("status", DeliveryStatus), name="status"),
        Index("ix_webhook_delivery_due", "status", "next_attempt_at"),
        Index("ix_webhook_delivery_endpoint", "endpoint_id", "created_at"),
        Index("ix_webhook_delivery_message", "message_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("outbox_message.id", ondelete="CASCADE"))
    endpoint_id: Mapped[str] = mapped_column(ForeignKey("webhook_endpoint.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16), default=DeliveryStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None]
    #: A worker holds the delivery until then; after that another may take it over
    #: (a worker killed mid-attempt loses nothing).
    claimed_until: Mapped[datetime | None]
    last_status_code: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]

    message: Mapped[OutboxMessage] = relationship(lazy="joined")
    endpoint: Mapped[WebhookEndpoint] = relationship(lazy="joined")


class WebhookAttempt(Base):
    """One POST of a delivery: what came back and how long it took."""

    __tablename__ = "webhook_attempt"
    __table_args__ = (Index("ix_webhook_attempt_delivery", "delivery_id", "attempted_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("webhook_delivery.id", ondelete="CASCADE"))
    attempted_at: Mapped[datetime]
    succeeded: Mapped[bool]
    status_code: Mapped[int | None]
    latency_ms: Mapped[int]
    #: The first 1 KB of the reply.
    response_excerpt: Mapped[str] = mapped_column(String(1024), default="")
    error: Mapped[str | None] = mapped_column(String(300))


class WorkerHeartbeat(Base):
    """Each running worker's last sign of life (`/healthz` shows the newest)."""

    __tablename__ = "worker_heartbeat"

    worker_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    beat_at: Mapped[datetime]
    started_at: Mapped[datetime]
