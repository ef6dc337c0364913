"""Models -> response models. Pure mapping: every number here was computed by a service."""

from __future__ import annotations

from datetime import datetime

from loyalty_portal.api.schemas import responses as out
from loyalty_portal.models import LedgerEntry, Offer, Redemption, Shop
from loyalty_portal.services.analytics.leaderboard import Standing
from loyalty_portal.services.analytics.offer_statistics import OfferStatistics
from loyalty_portal.services.ledger.history import KIND_TO_API_TYPE
from loyalty_portal.services.rewards.eligibility import Refusal
from loyalty_portal.timeutil import to_epoch_ms


def ms(value: datetime) -> int:
    return int(value.timestamp() * 1000)


def offer(o: Offer) -> out.OfferOut:
    return out.OfferOut(**_offer_fields(o))


def _offer_fields(o: Offer) -> dict[str, object]:
    return {
        "offerId": o.id,
        "title": o.title,
        "description": o.description or "",
        "image": o.image_url,
        "type": o.type,
        "points": o.cost,
        "shopId": o.shop_id,
        "validFrom": to_epoch_ms(o.valid_from),
        "validUntil": to_epoch_ms(o.valid_until),
        "stock": o.stock,
        "limitPerUser": o.limit_per_member,
        "minTier": o.min_tier.name if o.min_tier else None,
    }


def redeemability(refusal: Refusal | None) -> dict[str, object]:
    return {
        "redeemable": refusal is None,
        "reason": refusal.code if refusal else None,
        "missingPoints": refusal.missing_points if refusal else 0,
    }


def feed_item(o: Offer, refusal: Refusal | None) -> out.FeedItem:
    return out.FeedItem(**_offer_fields(o), **redeemability(refusal))


def shop(s: Shop) -> out.ShopOut:
    return out.ShopOut(
        shopId=s.id,
        name=s.name,
        status=s.status,
        logo=s.logo,
        image=s.image,
        description={str(k): str(v) for k, v in (s.description or {}).items()},
    )


def statistics(stats: OfferStatistics) -> out.OfferStatisticsOut:
    return out.OfferStatisticsOut(
        redemptions=stats.redemptions,
        pointsSpent=stats.points_spent,
        monthly=[
            out.MonthlyRedemptions(month=m.month, redemptions=m.redemptions) for m in stats.monthly
        ],
    )


def coupon(r: Redemption, now: datetime) -> out.CouponOut:
    return out.CouponOut(
        couponId=r.id,
        offerId=r.offer_id,
        code=r.code,
        status=r.status_at(now),
        points=r.points,
        metadata=dict(r.coupon_metadata or {}),
        createdAt=ms(r.created_at),
        usedAt=to_epoch_ms(r.used_at),
        expiresAt=to_epoch_ms(r.expires_at),
    )


def history_item(entry: LedgerEntry, image: str | None = None) -> out.HistoryItem:
    return out.HistoryItem(
        id=str(entry.id),
        title=entry.title,
        description=entry.description or "",
        points=entry.delta,
        type=KIND_TO_API_TYPE[entry.kind],
        timestamp=ms(entry.created_at),
        image=image,
    )


def standing(s: Standing) -> out.StandingOut:
    return out.StandingOut(userId=s.user_id, username=s.username, points=s.points, rank=s.rank)
