"""POST /v1/event (and the legacy /v1/events): log an event, award points by its rule."""

from __future__ import annotations

from typing import Any

from loyalty_portal.api.routing import Alias, Call, api_route
from loyalty_portal.api.schemas.requests import EventBody
from loyalty_portal.api.schemas.responses import CampaignRef, EventData, EventResponse
from loyalty_portal.api.schemas.types import parse_timestamp
from loyalty_portal.extensions import db
from loyalty_portal.services.core.errors import ValidationFailed
from loyalty_portal.services.earning import events, orders, preview
from loyalty_portal.services.earning.evaluation import Evaluation
from loyalty_portal.services.earning.events import EventOutcome
from loyalty_portal.services.ledger.spending import spendable

GROUPS_FIELD = "usergroup"


@api_route(
    "POST",
    "/event",
    aliases=(Alias("/events"),),
    tag="Events",
    scope="events",
    body=EventBody,
    response=EventResponse,
    errors=(404,),
    summary="Log an event and award points by its earning rule",
    description="An unknown user is created by their first event. `metadata.usergroup` "
    "adds the user to those groups (API keys only). A rule that requires an API key "
    "refuses member tokens with 403. `orderId` (or `metadata.orderId`) books the points "
    "to that order; a second event of the same rule for the order earns nothing "
    "(`reason` `duplicate_order`).",
)
def log_event(call: Call) -> EventResponse:
    body: EventBody = call.body
    principal = call.principal
    metadata: dict[str, Any] = dict(body.metadata)
    outcome = events.record_event(
        db.session,
        user_id=str(call.user_id),
        event_id=body.eventId,
        now=call.now,
        source=principal.source,
        metadata=metadata,
        amount=body.amount,
        occurred_at=parse_timestamp(body.timestamp),
        trusted=principal.is_api_key,
        join_groups=groups_of(metadata) if principal.is_api_key else None,
        order_key=orders.event_order_key(body.orderId, metadata),
    )
    return EventResponse(
        statusCode=200,
        message="Event logged",
        data=event_data(outcome, metadata, spendable(outcome.member)),
    )


@api_route(
    "POST",
    "/event/preview",
    tag="Events",
    scope="events",
    body=EventBody,
    response=EventResponse,
    errors=(404,),
    summary="What an event would earn now (points, reason, campaign), changing nothing",
    description="The same evaluation as POST /v1/event; nothing is written, no user created.",
)
def preview_event(call: Call) -> EventResponse:
    body: EventBody = call.body
    metadata: dict[str, Any] = dict(body.metadata)
    result = preview.preview_event(
        db.session,
        user_id=str(call.user_id),
        event_id=body.eventId,
        now=call.now,
        metadata=metadata,
        amount=body.amount,
        trusted=call.principal.is_api_key,
        extra_groups=groups_of(metadata) if call.principal.is_api_key else None,
    )
    return EventResponse(
        statusCode=200,
        message="Event logged",
        data=_data(
            metadata,
            result.evaluation,
            user_id=str(call.user_id),
            points=result.points,
            balance=result.balance,
            reason=result.reason,
        ),
    )


def _data(
    metadata: dict[str, Any],
    ev: Evaluation,
    *,
    user_id: str,
    points: int,
    balance: int,
    reason: str | None,
) -> EventData:
    rule, campaign = ev.rule, ev.campaign
    return EventData(
        userId=user_id,
        eventId=rule.event_id,
        points=points,
        type=rule.type,
        title=rule.title,
        limit=rule.cap_count,
        maximumReward=rule.max_per_event,
        metadata=metadata,
        conditionReached=ev.condition_reached,
        limitReached=ev.limit_reached,
        balance=balance,
        reason=reason,
        campaign=CampaignRef(campaignId=campaign.id, title=campaign.title)
        if campaign
        else None,
    )


def event_data(outcome: EventOutcome, metadata: dict[str, Any], balance: int) -> EventData:
    """The `data` of an event's answer (single events and batch items alike)."""
    return _data(
        metadata,
        outcome.evaluation,
        user_id=outcome.member.user_id,
        points=outcome.points,
        balance=balance,
        reason=outcome.event.reason,
    )


def groups_of(metadata: dict[str, Any]) -> list[str] | None:
    value = metadata.get(GROUPS_FIELD)
    if value is None:
        return None
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    raise ValidationFailed(
        "metadata.usergroup must be a list of user-group ids.",
        details={"metadata.usergroup": ["a list of user-group ids"]},
    )
