"""Users: create, profile, erase, points, history and manual adjustments."""

from __future__ import annotations

from sqlalchemy import select

from loyalty_portal.api import serialize
from loyalty_portal.api.routing import Alias, Call, api_route
from loyalty_portal.api.schemas import responses as out
from loyalty_portal.api.schemas.requests import AdjustPointsBody, CreateUserBody, HistoryQuery
from loyalty_portal.extensions import db
from loyalty_portal.models import Member, Offer, Redemption
from loyalty_portal.services.earning import referrals
from loyalty_portal.services.ledger import adjustments, history, settlement
from loyalty_portal.services.members import members, summary
from loyalty_portal.services.program import tiers
from loyalty_portal.services.program.settings import load_program


def _settled(call: Call) -> Member:
    """The user acted for, with due pending points released and due lots expired."""
    return settlement.settle(
        db.session, members.get_member(db.session, str(call.user_id)), call.now
    )


@api_route(
    "POST",
    "/user",
    tag="Users",
    scope="users",
    body=CreateUserBody,
    response=out.UserCreated,
    status=201,
    summary="Create a user",
    description="An existing userId is 400 `user_exists`; an unknown `referralCode` (or the "
    "user's own) is 400 `referral_invalid`, nothing created.",
)
def create_user(call: Call) -> out.UserCreated:
    body: CreateUserBody = call.body
    code = body.referralCode
    referrer = (
        referrals.referrer_for_code(db.session, code, friend_user_id=str(call.user_id))
        if code
        else None
    )
    member = members.create_member(db.session, str(call.user_id), call.now)
    if referrer is not None:
        referrals.refer(db.session, member, referrer, call.now)
    return out.UserCreated(
        message="user created", userId=member.user_id, createdAt=serialize.ms(member.created_at)
    )


@api_route(
    "GET",
    "/user/{userId}",
    tag="Users",
    response=out.UserProfile,
    errors=(404,),
    summary="A user's profile: points, tier, next tier, user groups",
    reads_only=True,
)
def get_user(call: Call) -> out.UserProfile:
    now = call.now
    standing = summary.standing(db.session, str(call.user_id), now, with_window=True)
    member = standing.member
    window = load_program(db.session).tier_window_days
    progress = tiers.progress(
        db.session, member, now, window, earned_in_window=standing.earned_in_window
    )
    tier, following = progress.tier, progress.next_tier
    return out.UserProfile(
        userId=member.user_id,
        points=standing.spendable,
        lifetimePoints=member.lifetime_points,
        tier=out.TierRef(name=tier.name, multiplier=float(tier.multiplier)) if tier else None,
        nextTier=(
            out.NextTier(name=following.name, pointsNeeded=progress.points_needed)
            if following
            else None
        ),
        usergroups=[g.id for g in member.usergroups],
        createdAt=serialize.ms(member.created_at),
    )


@api_route(
    "DELETE",
    "/user/{userId}",
    tag="Users",
    scope="users",
    api_key_only=True,
    response=out.Deleted,
    errors=(404,),
    summary="Erase a user: personal data, coupons and history (program totals stay correct)",
)
def delete_user(call: Call) -> out.Deleted:
    member = members.get_member(db.session, str(call.user_id))
    members.erase(db.session, member, call.principal.actor, call.now)
    return out.Deleted(success=True, message="user deleted")


@api_route(
    "GET",
    "/user/{userId}/points",
    aliases=(Alias("/customer/{customerId}/points"),),
    tag="Users",
    response=out.PointsResponse,
    errors=(404,),
    summary="Spendable balance, pending, held and owed points, the next lots to expire",
    reads_only=True,
)
def get_points(call: Call) -> out.PointsResponse:
    points = summary.points_now(db.session, str(call.user_id), call.now, expiring=5)
    return out.PointsResponse(
        points=points.spendable,
        pendingPoints=points.pending_points,
        expiringPoints=[
            out.ExpiringLot(points=e.points, expiresAt=serialize.ms(e.expires_at))
            for e in points.expiring
        ],
        heldPoints=points.held_points,
        pointsOwed=points.points_owed,
    )


@api_route(
    "GET",
    "/user/{userId}/history",
    tag="Users",
    query=HistoryQuery,
    response=out.HistoryResponse,
    errors=(404,),
    summary="Activity history, newest first",
)
def get_history(call: Call) -> out.HistoryResponse:
    query: HistoryQuery = call.query
    member = _settled(call)
    names = [t.strip() for t in (query.types or "").split(",") if t.strip()]
    start, end = history.day_range(query.from_, query.to, load_program(db.session).timezone)
    flt = history.HistoryFilter(
        kinds=history.kinds_for(names, history.API_TYPES) or None, start=start, end=end
    )
    page = history.page_by_offset(
        db.session, member.id, flt, limit=query.limit, offset=query.offset
    )
    images = _offer_images([e.redemption_id for e in page.items if e.redemption_id])
    return out.HistoryResponse(
        data=[serialize.history_item(e, images.get(e.redemption_id or "")) for e in page.items],
        hasMore=page.has_more,
    )


def _offer_images(redemption_ids: list[str]) -> dict[str, str | None]:
    """Each redemption's offer image, in one query for the whole page."""
    if not redemption_ids:
        return {}
    rows = db.session.execute(
        select(Redemption.id, Offer.image_url)
        .join(Offer, Offer.id == Redemption.offer_id)
        .where(Redemption.id.in_(redemption_ids))
    ).all()
    return dict(rows)


@api_route(
    "POST",
    "/user/{userId}/points",
    tag="Users",
    scope="users",
    api_key_only=True,
    body=AdjustPointsBody,
    response=out.AdjustResponse,
    errors=(404,),
    summary="Adjust a user's points with a reason (API key only)",
    description="Removing more than the balance is 409 `insufficient_points`.",
)
def adjust_points(call: Call) -> out.AdjustResponse:
    body: AdjustPointsBody = call.body
    member = members.get_member(db.session, str(call.user_id))
    entry = adjustments.adjust(
        db.session,
        member,
        body.points,
        reason=body.reason,
        title=body.title,
        actor=call.principal.actor,
        now=call.now,
    )
    balance = db.session.get_one(Member, member.id).balance
    return out.AdjustResponse(points=balance, entry=serialize.history_item(entry))
