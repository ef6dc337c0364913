"""GET /v1/user/{userId}/referral (**ours**): the member's code, link and results."""

from __future__ import annotations

from flask import url_for

from loyalty_portal.api.routing import Call, api_route
from loyalty_portal.api.schemas.growth import ReferralOut
from loyalty_portal.extensions import db
from loyalty_portal.services.earning import referrals
from loyalty_portal.services.members import members


@api_route(
    "GET",
    "/user/{userId}/referral",
    tag="Users",
    response=ReferralOut,
    errors=(404,),
    summary="The user's referral code, registration link, invited and completed friends",
    description="The code is created on first use.",
)
def get_referral(call: Call) -> ReferralOut:
    member = members.get_member(db.session, str(call.user_id))
    stats = referrals.stats_for(db.session, member)
    return ReferralOut(
        code=stats.code,
        link=url_for("auth.register", ref=stats.code, _external=True),
        invited=stats.invited,
        completed=stats.completed,
        pointsEarned=stats.points_earned,
    )
