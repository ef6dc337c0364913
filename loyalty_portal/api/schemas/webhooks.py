"""Bodies and answers of the webhook routes and of the shop's fulfilment call."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from loyalty_portal.api.schemas.responses import EpochMs, ResponseModel
from loyalty_portal.api.schemas.types import RequestModel
from loyalty_portal.models.enums import EndpointStatus, MessageType

EventType = Annotated[str, StringConstraints(min_length=1, max_length=40)]
TYPES_TEXT = "Message types (" + ", ".join(MessageType) + '), or ["*"] for every type.'


class WebhookBody(RequestModel):
    url: Annotated[str, StringConstraints(min_length=1, max_length=2000)] = Field(
        description="http(s) URL on a public address (loopback, private and link-local "
        "addresses are refused unless LOYALTY_WEBHOOKS_ALLOW_PRIVATE=true)."
    )
    events: list[EventType] = Field(min_length=1, max_length=20, description=TYPES_TEXT)
    description: Annotated[str, StringConstraints(max_length=500)] = ""


class FulfilBody(RequestModel):
    code: Annotated[str, StringConstraints(max_length=128)] | None = Field(
        None, description="The code to hand the member; generated when omitted."
    )


class WebhookOut(ResponseModel):
    webhookId: str
    url: str
    events: list[str]
    description: str
    status: EndpointStatus
    createdAt: EpochMs
    disabledReason: str | None = None


class WebhookCreated(WebhookOut):
    secret: str = Field(description="`whsec_` + base64 of 32 bytes; shown this once only.")


class WebhooksResponse(ResponseModel):
    webhooks: list[WebhookOut]


class WebhookDeleted(ResponseModel):
    success: bool
    message: str
