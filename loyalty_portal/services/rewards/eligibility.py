"""Can this member redeem this offer now? Shared by the feed, the redeem check and the UI."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, select

from loyalty_portal.models import CouponCode, Member, Offer, Redemption
from loyalty_portal.models.enums import COUNTED_COUPON_STATUSES
from loyalty_portal.services.core.session import DbSession
from loyalty_portal.services.ledger.spending import spendable
from loyalty_portal.services.rewards.offer_terms import OfferTerms

#: Redemptions that count against a per-member limit.


@dataclass(frozen=True)
class Refusal:
    """Why an offer can't be redeemed: an API error code, a message and its facts."""

    code: str
    message: str
    missing_points: int = 0
    data: dict[str, Any] | None = None


def availability_refusal(
    offer: Offer | OfferTerms, member: Member, now: datetime
) -> Refusal | None:
    """Checks that need no counting: active, validity window, user group, tier."""
    if not offer.active:
        return Refusal("offer_not_available", "This reward is no longer offered.")
    if offer.valid_from is not None and now < offer.valid_from:
        return Refusal(
            "offer_not_available",
            "This reward is not available yet.",
            data={"valid_from": offer.valid_from},
        )
    if offer.valid_until is not None and now >= offer.valid_until:
        return Refusal(
            "offer_not_available", "This reward has ended.", data={"valid_until": offer.valid_until}
        )
    if offer.usergroups:
        mine = {g.id for g in member.usergroups}
        if not mine & {g.id for g in offer.usergroups}:
            return Refusal(
                "offer_not_available",
                "This reward is for other member groups.",
                data={"usergroups": [g.id for g in offer.usergroups]},
            )
    if offer.min_tier is not None:
        threshold = member.tier.threshold if member.tier else -1
        if threshold < offer.min_tier.threshold:
            return Refusal(
                "tier_required",
                f"{offer.min_tier.name} members only.",
                data={"tier": offer.min_tier.name},
            )
    return None


def counted_refusal(
    offer: Offer | OfferTerms,
    balance: int,
    taken: int,
    free_codes: int | None,
    stock_left: int | None,
) -> Refusal | None:
    """Checks on counts: stock, code pool, per-member limit, balance.

    `stock_left` None: unlimited. `free_codes` None: the caller claims a code atomically.
    """
    if stock_left is not None and stock_left <= 0:
        return Refusal("out_of_stock", "Out of stock.")
    if offer.fulfilment == "pool" and free_codes is not None and not free_codes:
        return Refusal("out_of_stock", "Out of stock.")
    return limit_or_balance_refusal(offer, balance, taken)


def limit_or_balance_refusal(offer: Offer | OfferTerms, balance: int, taken: int) -> Refusal | None:
    """The per-member limit and the balance (the redeem path reserved the stock already)."""
    if offer.limit_per_member is not None and taken >= offer.limit_per_member:
        return Refusal(
            "limit_reached",
            f"Limit reached: {offer.limit_per_member} per member.",
            data={"limit": offer.limit_per_member},
        )
    if balance < offer.cost:
        missing = offer.cost - balance
        return Refusal("insufficient_points", f"{missing:,} more points needed.", missing)
    return None


def redemptions_by_offer(
    session: DbSession, member_id: int, offer_ids: list[str]
) -> dict[str, int]:
    if not offer_ids:
        return {}
    rows = session.execute(
        select(Redemption.offer_id, func.count())
        .where(
            Redemption.member_id == member_id,
            Redemption.offer_id.in_(offer_ids),
            Redemption.status.in_(COUNTED_COUPON_STATUSES),
        )
        .group_by(Redemption.offer_id)
    ).all()
    return dict(rows)


def stock_and_taken(session: DbSession, offer_id: str, member_id: int) -> tuple[int | None, int]:
    """The offer's stock left (None: unlimited) and the member's redemptions of it that
    count against a limit, in one statement (read under the member's lock)."""
    row = session.execute(_STOCK_AND_TAKEN, {"counted_offer": offer_id, "counter": member_id})
    stock, taken = row.one()
    return stock, int(taken)


#: Built once per process: the redeem path runs it for every limited offer.
_STOCK_AND_TAKEN = select(
    select(Offer.stock).where(Offer.id == bindparam("counted_offer")).scalar_subquery(),
    select(func.count())
    .where(
        Redemption.member_id == bindparam("counter"),
        Redemption.offer_id == bindparam("counted_offer"),
        Redemption.status.in_(COUNTED_COUPON_STATUSES),
    )
    .scalar_subquery(),
)


def free_codes_by_offer(session: DbSession, offer_ids: list[str]) -> dict[str, int]:
    if not offer_ids:
        return {}
    rows = session.execute(
        select(CouponCode.offer_id, func.count())
        .where(CouponCode.offer_id.in_(offer_ids), CouponCode.redemption_id.is_(None))
        .group_by(CouponCode.offer_id)
    ).all()
    return dict(rows)


def check_offers(
    session: DbSession, member: Member, offers: list[Offer], now: datetime
) -> dict[str, Refusal | None]:
    """Refusal (or None: redeemable) for each offer, in a fixed number of queries."""
    limited = [o.id for o in offers if o.limit_per_member is not None]
    pooled = [o.id for o in offers if o.fulfilment == "pool"]
    taken = redemptions_by_offer(session, member.id, limited)
    free = free_codes_by_offer(session, pooled)
    return {
        offer.id: availability_refusal(offer, member, now)
        or counted_refusal(
            offer, spendable(member), taken.get(offer.id, 0), free.get(offer.id, 0), offer.stock
        )
        for offer in offers
    }


def check_offer(session: DbSession, member: Member, offer: Offer, now: datetime) -> Refusal | None:
    return check_offers(session, member, [offer], now)[offer.id]
