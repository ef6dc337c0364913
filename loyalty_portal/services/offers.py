"""Reading the catalog: the offers a member can see, shops, and an offer's statistics.

Shared by the member portal, the admin area and the API; reads only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Select, and_, case, func, or_, select
from sqlalchemy.orm import Session

from loyalty_portal.models import Member, Offer, OfferUserGroup, Redemption, Shop
from loyalty_portal.services.errors import NotFound
from loyalty_portal.timeutil import local_midnight

#: Redemptions that count as "redeemed" in statistics (cancelled ones were refunded).
REDEEMED_STATUSES = ("PENDING", "ACTIVE", "USED", "EXPIRED")


def visible_offers_query(member: Member, now: datetime) -> Select[tuple[Offer]]:
    """Offers this member may see: active, not ended, for everyone or one of their groups.

    Offers not started yet, tier-locked and out-of-stock ones are included (the feed and
    the catalog say why they can't be redeemed). Doors add their own order and filters.
    """
    my_groups = [g.id for g in member.usergroups]
    restricted = select(OfferUserGroup.offer_id).where(OfferUserGroup.offer_id == Offer.id)
    for_me = restricted.where(OfferUserGroup.usergroup_id.in_(my_groups))
    return select(Offer).where(
        Offer.active.is_(True),
        or_(Offer.valid_until.is_(None), Offer.valid_until > now),
        or_(~restricted.exists(), for_me.exists()),
    )


def visible_offers(session: Session, member: Member, now: datetime) -> list[Offer]:
    """The offers of `visible_offers_query`, cheapest first (the API's feed)."""
    stmt = visible_offers_query(member, now).order_by(Offer.cost, Offer.id)
    return list(session.scalars(stmt).unique())


def get_shop(session: Session, shop_id: str) -> Shop:
    shop = session.get(Shop, shop_id)
    if shop is None:
        raise NotFound(f"No shop {shop_id!r}.")
    return shop


@dataclass(frozen=True)
class MonthCount:
    month: str  # YYYY-MM in the program's zone
    redemptions: int


@dataclass(frozen=True)
class OfferStatistics:
    redemptions: int
    points_spent: int
    monthly: list[MonthCount]


def _month_starts(now: datetime, tz: ZoneInfo, months: int) -> list[date]:
    local = now.astimezone(tz).date().replace(day=1)
    firsts = []
    year, month = local.year, local.month
    for _ in range(months):
        firsts.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return list(reversed(firsts))


def offer_statistics(
    session: Session, offer: Offer, now: datetime, tz: ZoneInfo, *, months: int = 12
) -> OfferStatistics:
    """Redemptions and points spent on an offer (not counting cancelled ones), in total
    and per calendar month (program zone) for the last `months` months. One query."""
    firsts = _month_starts(now, tz, months)
    bounds = [local_midnight(d, tz) for d in firsts]
    bounds.append(local_midnight(_next_month(firsts[-1]), tz))
    per_month = [
        func.coalesce(
            func.sum(
                case(
                    (and_(Redemption.created_at >= start, Redemption.created_at < end), 1),
                    else_=0,
                )
            ),
            0,
        )
        for start, end in zip(bounds, bounds[1:], strict=False)
    ]
    row = session.execute(
        select(
            func.count(Redemption.id),
            func.coalesce(func.sum(Redemption.points), 0),
            *per_month,
        ).where(Redemption.offer_id == offer.id, Redemption.status.in_(REDEEMED_STATUSES))
    ).one()
    return OfferStatistics(
        redemptions=int(row[0]),
        points_spent=int(row[1]),
        monthly=[
            MonthCount(f"{d.year:04d}-{d.month:02d}", int(n))
            for d, n in zip(firsts, row[2:], strict=True)
        ],
    )


def _next_month(first: date) -> date:
    return date(first.year + (first.month == 12), first.month % 12 + 1, 1)
