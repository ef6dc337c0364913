"""Redeeming offers and the coupon lifecycle: list, use at the till, cancel with refund."""

from __future__ import annotations

from typing import Any

from loyalty_portal.api import serialize
from loyalty_portal.api.routing import Alias, Call, api_route
from loyalty_portal.api.schemas import responses as out
from loyalty_portal.api.schemas.requests import (
    CancelCouponBody,
    GenericRedeemBody,
    LegacyRedeemBody,
    PageQuery,
    RedeemBody,
    UseCouponBody,
)
from loyalty_portal.extensions import db
from loyalty_portal.services.ledger.spending import spendable
from loyalty_portal.services.members import members
from loyalty_portal.services.rewards import coupons, redeeming
from loyalty_portal.services.rewards import coupons as coupons_service

REFUSALS = (
    "Refusals are 409 with nothing changed: insufficient_points, out_of_stock, "
    "limit_reached, offer_not_available, tier_required, price_changed (when "
    "`expectedPoints` is not the offer's price now; details in `error`, with "
    "`missingPoints` for insufficient_points)."
)


def _redeemed(
    call: Call, offer_id: str, metadata: dict[str, Any], expected_points: int | None
) -> out.RedeemResponse:
    coupon = redeeming.redeem(
        db.session,
        str(call.user_id),
        offer_id,
        now=call.now,
        actor=call.principal.actor,
        metadata=metadata,
        expected_points=expected_points,
    )
    return out.RedeemResponse(
        coupon=serialize.coupon(coupon, call.now), points=spendable(coupon.member)
    )


@api_route(
    "POST",
    "/user/{userId}/offer/{offerId}/redeem",
    tag="Redemption",
    scope="redeem",
    body=RedeemBody,
    response=out.RedeemResponse,
    status=201,
    errors=(404,),
    summary="Redeem an offer for a user",
    description="The check and the spend are one atomic step. " + REFUSALS,
)
def redeem_for_user(call: Call) -> out.RedeemResponse:
    body: RedeemBody = call.body
    return _redeemed(call, call.params["offer_id"], body.metadata, body.expectedPoints)


@api_route(
    "POST",
    "/offer/redeem",
    aliases=(Alias("/redeem", body=LegacyRedeemBody),),
    tag="Redemption",
    scope="redeem",
    body=GenericRedeemBody,
    response=out.RedeemResponse,
    status=201,
    errors=(404,),
    summary="Redeem an offer (the body names the user and the offer)",
    description="`customerId`/`user_id` are accepted for `userId`, `rewardId` for "
    "`offerId`. " + REFUSALS,
)
def redeem_offer(call: Call) -> out.RedeemResponse:
    body = call.body
    offer_id = body.rewardId if isinstance(body, LegacyRedeemBody) else body.offerId
    return _redeemed(call, offer_id, body.metadata, body.expectedPoints)


@api_route(
    "GET",
    "/user/{userId}/coupon",
    tag="Redemption",
    query=PageQuery,
    response=out.CouponsResponse,
    errors=(404,),
    summary="The user's coupons (redemptions), newest first",
)
def list_coupons(call: Call) -> out.CouponsResponse:
    query: PageQuery = call.query
    member = members.get_member(db.session, str(call.user_id))
    page = coupons.member_coupons(db.session, member, limit=query.limit, offset=query.offset)
    return out.CouponsResponse(
        coupons=[serialize.coupon(c, call.now) for c in page.items], hasMore=page.has_more
    )


@api_route(
    "PUT",
    "/user/{userId}/coupon/{couponId}",
    tag="Redemption",
    scope="redeem",
    body=UseCouponBody,
    response=out.CouponResponse,
    errors=(404,),
    summary="Use a coupon (ACTIVE -> USED), e.g. at a till",
    description="A coupon that is not ACTIVE is 409 `coupon_not_active`.",
)
def use_coupon(call: Call) -> out.CouponResponse:
    member = members.get_member(db.session, str(call.user_id))
    coupon = coupons_service.use_coupon(db.session, member, call.params["coupon_id"], call.now)
    return out.CouponResponse(coupon=serialize.coupon(coupon, call.now))


@api_route(
    "POST",
    "/coupon/{couponId}/cancel",
    tag="Redemption",
    scope="redeem",
    api_key_only=True,
    body=CancelCouponBody,
    response=out.RedeemResponse,
    errors=(404,),
    summary="Cancel a redemption and refund its points (API key only)",
    description="Only PENDING or ACTIVE coupons can be cancelled (409 `coupon_not_active`).",
)
def cancel_coupon(call: Call) -> out.RedeemResponse:
    body: CancelCouponBody = call.body
    coupon = coupons_service.cancel(
        db.session,
        call.params["coupon_id"],
        actor=call.principal.actor,
        now=call.now,
        reason=body.reason,
    )
    return out.RedeemResponse(
        coupon=serialize.coupon(coupon, call.now), points=spendable(coupon.member)
    )
