"""An offer's static terms, cached per process (core.config_cache): what redeeming reads.

Stock is not a term: it changes with every redemption and is only ever decremented by a
conditional UPDATE. Everything else (cost, window, limits, groups, tier, fulfilment, shop
name) changes when an admin edits the offer, which bumps the configuration version.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from loyalty_portal.models import Offer
from loyalty_portal.services.core import config_cache
from loyalty_portal.services.core.errors import OfferNotFound
from loyalty_portal.services.core.session import DbSession
from loyalty_portal.services.program.tiers import TierInfo


@dataclass(frozen=True)
class GroupRef:
    id: str


@dataclass(frozen=True)
class OfferTerms:
    """The fields of an Offer that eligibility and redeeming read (same names)."""

    id: str
    title: str
    cost: int
    limited_stock: bool
    limit_per_member: int | None
    valid_from: datetime | None
    valid_until: datetime | None
    fulfilment: str
    coupon_valid_days: int | None
    active: bool
    usergroups: tuple[GroupRef, ...]
    min_tier: TierInfo | None
    shop_name: str
    shop_id: str | None = None


def terms_of(offer: Offer) -> OfferTerms:
    tier = offer.min_tier
    return OfferTerms(
        id=offer.id,
        title=offer.title,
        cost=offer.cost,
        limited_stock=offer.stock is not None,
        limit_per_member=offer.limit_per_member,
        valid_from=offer.valid_from,
        valid_until=offer.valid_until,
        fulfilment=offer.fulfilment,
        coupon_valid_days=offer.coupon_valid_days,
        active=offer.active,
        usergroups=tuple(GroupRef(g.id) for g in offer.usergroups),
        min_tier=(
            TierInfo(tier.id, tier.name, tier.threshold, tier.multiplier, tier.benefits or "")
            if tier
            else None
        ),
        shop_name=offer.shop.name if offer.shop else "",
        shop_id=offer.shop_id,
    )


def _load_terms(session: DbSession) -> dict[str, OfferTerms]:
    return {offer.id: terms_of(offer) for offer in session.scalars(select(Offer)).unique()}


def offer_terms(session: DbSession, offer_id: str) -> OfferTerms:
    terms = config_cache.cached(session, "offer_terms", _load_terms).get(offer_id)
    if terms is None:
        raise OfferNotFound(f"No offer {offer_id!r}.")
    return terms
