"""Offers: a user's feed, the redeemable check, offer details and shops."""

from __future__ import annotations

from loyalty_portal.api import serialize
from loyalty_portal.api.routing import Call, api_route
from loyalty_portal.api.schemas import responses as out
from loyalty_portal.api.schemas.requests import OfferQuery
from loyalty_portal.extensions import db
from loyalty_portal.services.analytics import offer_statistics
from loyalty_portal.services.ledger import settlement
from loyalty_portal.services.members import members
from loyalty_portal.services.program.settings import load_program
from loyalty_portal.services.rewards import offers, shops
from loyalty_portal.services.rewards.eligibility import check_offer, check_offers
from loyalty_portal.services.rewards.offers import get_offer


@api_route(
    "GET",
    "/user/{userId}/offer/feed",
    tag="Offers",
    response=out.FeedResponse,
    errors=(404,),
    summary="Offers this user can see, each with whether they can redeem it now",
)
def offer_feed(call: Call) -> out.FeedResponse:
    member = members.get_member(db.session, str(call.user_id))
    member = settlement.settle(db.session, member, call.now)
    visible = offers.visible_offers(db.session, member, call.now)
    refusals = check_offers(db.session, member, visible, call.now)
    return out.FeedResponse(offers=[serialize.feed_item(o, refusals[o.id]) for o in visible])


@api_route(
    "GET",
    "/user/{userId}/offer/{offerId}/redeemable",
    tag="Offers",
    response=out.Redeemability,
    errors=(404,),
    summary="Can this user redeem this offer now? If not, why",
)
def offer_redeemable(call: Call) -> out.Redeemability:
    member = members.get_member(db.session, str(call.user_id))
    member = settlement.settle(db.session, member, call.now)
    offer = get_offer(db.session, call.params["offer_id"])
    return out.Redeemability(
        **serialize.redeemability(check_offer(db.session, member, offer, call.now))
    )


@api_route(
    "GET",
    "/offer/{offerId}",
    tag="Offers",
    query=OfferQuery,
    response=out.OfferResponse,
    errors=(404,),
    summary="Offer details, optionally with statistics and its shop",
)
def offer_details(call: Call) -> out.OfferResponse:
    query: OfferQuery = call.query
    offer = get_offer(db.session, call.params["offer_id"])
    result = out.OfferResponse(offer=serialize.offer(offer))
    if query.includeStatistics:
        tz = load_program(db.session).timezone
        stats = offer_statistics.offer_statistics(db.session, offer, call.now, tz)
        result.statistics = serialize.statistics(stats)
    if query.includeShop:
        result.shop = serialize.shop(offer.shop) if offer.shop else None
    return result


@api_route(
    "GET",
    "/offer/shop/{shopId}",
    tag="Offers",
    response=out.ShopResponse,
    errors=(404,),
    summary="Shop details",
)
def shop_details(call: Call) -> out.ShopResponse:
    return out.ShopResponse(shop=serialize.shop(shops.get_shop(db.session, call.params["shop_id"])))
