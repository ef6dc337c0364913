"""Webhook endpoints (scope `webhooks`) and the shop's fulfilment of a manual redemption."""

from __future__ import annotations

from flask import current_app

from loyalty_portal.api import serialize
from loyalty_portal.api.routing import Call, api_route
from loyalty_portal.api.schemas import responses as out
from loyalty_portal.api.schemas.webhooks import (
    FulfilBody,
    WebhookBody,
    WebhookCreated,
    WebhookDeleted,
    WebhookOut,
    WebhooksResponse,
)
from loyalty_portal.extensions import db
from loyalty_portal.models import WebhookEndpoint
from loyalty_portal.models.enums import EndpointStatus
from loyalty_portal.services.rewards import coupons
from loyalty_portal.services.webhooks import endpoints
from loyalty_portal.timeutil import to_epoch_ms


def _out(endpoint: WebhookEndpoint) -> WebhookOut:
    return WebhookOut(
        webhookId=endpoint.id,
        url=endpoint.url,
        events=list(endpoint.event_types),
        description=endpoint.description,
        status=EndpointStatus(endpoint.status),
        createdAt=to_epoch_ms(endpoint.created_at) or 0,
        disabledReason=endpoint.disabled_reason,
    )


@api_route(
    "POST",
    "/webhook",
    tag="Webhooks",
    scope="webhooks",
    api_key_only=True,
    body=WebhookBody,
    response=WebhookCreated,
    status=201,
    summary="Subscribe a URL to webhook messages",
    description="Deliveries follow Standard Webhooks (webhook-id, webhook-timestamp, "
    "webhook-signature `v1,`), signed with the returned `secret`, which is shown once. "
    "A URL on a loopback, private or link-local address is 400 with `details.url`.",
)
def create_webhook(call: Call) -> WebhookCreated:
    body: WebhookBody = call.body
    endpoint = endpoints.create(
        db.session,
        body.url,
        body.events,
        description=body.description,
        actor=call.principal.actor,
        now=call.now,
        allow_private=bool(current_app.config["WEBHOOKS_ALLOW_PRIVATE"]),
    )
    return WebhookCreated(**_out(endpoint).model_dump(), secret=endpoint.secret)


@api_route(
    "GET",
    "/webhook",
    tag="Webhooks",
    scope="webhooks",
    api_key_only=True,
    response=WebhooksResponse,
    summary="The webhook endpoints (without their secrets)",
)
def list_webhooks(call: Call) -> WebhooksResponse:
    return WebhooksResponse(webhooks=[_out(e) for e in endpoints.list_endpoints(db.session)])


@api_route(
    "DELETE",
    "/webhook/{webhookId}",
    tag="Webhooks",
    scope="webhooks",
    api_key_only=True,
    response=WebhookDeleted,
    errors=(404,),
    summary="Delete a webhook endpoint",
    description="Unknown id: 404 `webhook_not_found`. Its pending deliveries are dropped.",
)
def delete_webhook(call: Call) -> WebhookDeleted:
    endpoint = endpoints.get_endpoint(db.session, call.params["webhook_id"])
    endpoints.delete(db.session, endpoint, actor=call.principal.actor, now=call.now)
    return WebhookDeleted(success=True, message="webhook deleted")


@api_route(
    "POST",
    "/coupon/{couponId}/fulfil",
    tag="Redemption",
    scope="redeem",
    api_key_only=True,
    body=FulfilBody,
    response=out.CouponResponse,
    errors=(404,),
    summary="Fulfil a manual redemption (PENDING -> ACTIVE) with the shop's code",
    description="The same step as the admin fulfilment queue; sends `redemption.fulfilled`. "
    "A coupon that is not PENDING is 409 `coupon_not_active`.",
)
def fulfil_coupon(call: Call) -> out.CouponResponse:
    body: FulfilBody = call.body
    coupon = coupons.fulfil(
        db.session,
        call.params["coupon_id"],
        actor=call.principal.actor,
        now=call.now,
        code=body.code,
    )
    return out.CouponResponse(coupon=serialize.coupon(coupon, call.now))
