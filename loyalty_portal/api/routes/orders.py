"""Orders and refunds: GET /v1/order/{orderId}, POST /v1/order/{orderId}/refund."""

from __future__ import annotations

from decimal import Decimal

from loyalty_portal.api import serialize
from loyalty_portal.api.routing import Call, api_route
from loyalty_portal.api.schemas.checkout import (
    OrderEventOut,
    OrderQuery,
    OrderResponse,
    RefundBody,
    RefundResponse,
)
from loyalty_portal.extensions import db
from loyalty_portal.services.earning import orders, refunds
from loyalty_portal.services.ledger.spending import spendable


@api_route(
    "POST",
    "/order/{orderId}/refund",
    tag="Orders",
    scope="events",
    api_key_only=True,
    body=RefundBody,
    response=RefundResponse,
    errors=(404,),
    summary="Refund an order, fully or in part: reverse the points it earned",
    description="Cumulative and exact: after refunds totalling R of an order worth V that "
    "earned P points, floor(P * R / V) are reversed. Pending points are cancelled first; "
    "points already spent become `pointsOwed`. More than the order's remaining value: 409 "
    "`refund_exceeds_order`. An order without value can only be refunded in full.",
)
def refund_order(call: Call) -> RefundResponse:
    body: RefundBody = call.body
    outcome = refunds.refund_order(
        db.session,
        str(call.user_id),
        orders.checked_order_key(call.params["order_key"]) or "",
        amount=Decimal(str(body.amount)) if body.amount is not None else None,
        reason=body.reason.strip(),
        now=call.now,
    )
    order, member = outcome.order, outcome.member
    return RefundResponse(
        orderId=order.order_key,
        userId=member.user_id,
        orderAmount=float(order.value),
        refundedAmount=float(order.refunded_amount),
        pointsEarned=order.points_earned,
        pointsReversed=outcome.refund.points_reversed,
        pointsReversedTotal=order.points_reversed,
        pendingCancelled=outcome.refund.pending_cancelled,
        pointsOwed=member.points_owed,
        points=spendable(member),
    )


@api_route(
    "GET",
    "/order/{orderId}",
    tag="Orders",
    query=OrderQuery,
    response=OrderResponse,
    errors=(404,),
    summary="An order: its value, refunds, the points it earned and reversed, its events",
    description="Unknown order, or another user's: 404 `order_not_found`.",
)
def get_order(call: Call) -> OrderResponse:
    query: OrderQuery = call.query
    user_id = call.principal.act_for(query.userId)
    found = orders.get_order(db.session, user_id, call.params["order_key"])
    order = found.order
    return OrderResponse(
        orderId=order.order_key,
        userId=found.user_id,
        orderAmount=float(order.value),
        refundedAmount=float(order.refunded_amount),
        pointsEarned=order.points_earned,
        pointsReversed=order.points_reversed,
        createdAt=serialize.ms(order.created_at),
        events=[
            OrderEventOut(
                eventId=e.event_id,
                points=e.points,
                pendingPoints=e.pending_points,
                createdAt=serialize.ms(e.created_at),
            )
            for e in found.events
        ],
    )
