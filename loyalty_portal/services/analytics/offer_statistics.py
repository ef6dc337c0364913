"""Offers' statistics: redemptions and points spent, per status and per month. Reads only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func, select

from loyalty_portal.models import Offer, Redemption
from loyalty_portal.models.enums import COUNTED_COUPON_STATUSES
from loyalty_portal.services.core.session import DbSession
from loyalty_portal.timeutil import local_midnight


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
    session: DbSession, offer: Offer, now: datetime, tz: ZoneInfo, *, months: int = 12
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
        ).where(Redemption.offer_id == offer.id, Redemption.status.in_(COUNTED_COUPON_STATUSES))
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


def redemption_stats(session: DbSession, offer_ids: list[str]) -> dict[str, dict[str, int]]:
    """{offer_id: {status: count, ..., 'total': n, 'points': points spent net of refunds}}."""
    stats: dict[str, dict[str, int]] = {
        offer_id: {"total": 0, "points": 0} for offer_id in offer_ids
    }
    if not offer_ids:
        return stats
    rows = session.execute(
        select(Redemption.offer_id, Redemption.status, func.count(), func.sum(Redemption.points))
        .where(Redemption.offer_id.in_(offer_ids))
        .group_by(Redemption.offer_id, Redemption.status)
    ).all()
    for offer_id, status, count, points in rows:
        entry = stats[offer_id]
        entry[status] = int(count)
        entry["total"] += int(count)
        if status != "CANCELLED":
            entry["points"] += int(points or 0)
    return stats
