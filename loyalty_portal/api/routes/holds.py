"""Points holds (pay with points at checkout): hold, capture, release, read."""

from __future__ import annotations

from datetime import datetime

from loyalty_portal.api import serialize
from loyalty_portal.api.routing import Call, api_route
from loyalty_portal.api.schemas.checkout import (
    CaptureBody,
    HoldBody,
    HoldChangeResponse,
    HoldOut,
    HoldResponse,
    ReleaseBody,
)
from loyalty_portal.extensions import db
from loyalty_portal.models import Member, PointsHold
from loyalty_portal.services.ledger import holds
from loyalty_portal.services.ledger.spending import spendable


def hold_out(found: holds.HoldView) -> HoldOut:
    hold = found.hold
    return HoldOut(
        holdId=hold.id,
        userId=found.user_id,
        points=hold.points,
        status=found.status,
        orderId=hold.order_key,
        createdAt=serialize.ms(hold.created_at),
        expiresAt=serialize.ms(hold.expires_at),
        capturedPoints=hold.captured_points,
    )


def _changed(hold: PointsHold, member: Member, now: datetime) -> HoldChangeResponse:
    return HoldChangeResponse(
        hold=hold_out(holds.view(hold, member.user_id, now)),
        points=spendable(member),
        heldPoints=member.held_points,
    )


def _owner(call: Call) -> str | None:
    """A member token sees only its own holds; an API key sees every hold."""
    return None if call.principal.is_api_key else call.principal.member_user_id


@api_route(
    "POST",
    "/user/{userId}/points/hold",
    tag="Holds",
    scope="redeem",
    body=HoldBody,
    response=HoldChangeResponse,
    status=201,
    errors=(404,),
    summary="Hold points for a checkout: they leave the spendable balance at once",
    description="Not enough spendable points: 409 `insufficient_points`. A member token "
    "may hold its own points.",
)
def create_hold(call: Call) -> HoldChangeResponse:
    body: HoldBody = call.body
    hold, member = holds.create_hold(
        db.session,
        str(call.user_id),
        body.points,
        now=call.now,
        expires_in=body.expiresIn,
        order_key=body.orderId,
        metadata=body.metadata,
    )
    return _changed(hold, member, call.now)


@api_route(
    "POST",
    "/hold/{holdId}/capture",
    tag="Holds",
    scope="redeem",
    api_key_only=True,
    body=CaptureBody,
    response=HoldChangeResponse,
    errors=(404,),
    summary="Capture a hold: spend its points (or part; the rest is released)",
    description="API key only (the shop decides). A hold that is not HELD: 409 "
    "`hold_not_active` (`hold_expired` when it expired).",
)
def capture_hold(call: Call) -> HoldChangeResponse:
    body: CaptureBody = call.body
    hold, member = holds.capture(db.session, call.params["hold_id"], body.points, now=call.now)
    return _changed(hold, member, call.now)


@api_route(
    "POST",
    "/hold/{holdId}/release",
    tag="Holds",
    scope="redeem",
    body=ReleaseBody,
    response=HoldChangeResponse,
    errors=(404,),
    summary="Release a hold: its points are spendable again",
    description="A member token may release its own holds. A hold that is not HELD: 409 "
    "`hold_not_active` (`hold_expired` when it expired).",
)
def release_hold(call: Call) -> HoldChangeResponse:
    hold, member = holds.release(
        db.session, call.params["hold_id"], now=call.now, owner=_owner(call)
    )
    return _changed(hold, member, call.now)


@api_route(
    "GET",
    "/hold/{holdId}",
    tag="Holds",
    response=HoldResponse,
    errors=(404,),
    summary="A hold, with its status as of now",
    description="Another user's hold: 404 `hold_not_found`.",
)
def get_hold(call: Call) -> HoldResponse:
    found = holds.get_hold(db.session, call.params["hold_id"], call.now, _owner(call))
    return HoldResponse(hold=hold_out(found))
