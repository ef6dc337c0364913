"""The admin dashboard's figures, read from the daily rollups in a fixed number of queries.

Points issued, redeemed and expired per day; outstanding points (the liability) over
time as a running sum of each day's net change; active members and events per day; top
offers with their funnel (redeemed -> code issued -> used); the tier distribution from a
snapshot taken at most every SNAPSHOT_AGE (it needs a count over all members). An admin's
change to members or tiers marks the snapshot stale (`counts_changed`), so the next
dashboard counts again; the page shows when each figure was taken.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import case, func, select, update

from loyalty_portal.models import Member, Offer, Redemption, Tier
from loyalty_portal.models.stats import StatsDay, StatsOfferDay, StatsState
from loyalty_portal.services.analytics import rollups
from loyalty_portal.services.core.errors import ValidationFailed
from loyalty_portal.services.core.session import DbSession
from loyalty_portal.services.program.settings import load_program

SNAPSHOT_AGE = timedelta(minutes=15)
MAX_DAYS = 731
SERIES = (
    "issued",
    "redeemed",
    "expired",
    "refunded",
    "adjusted",
    "events",
    "active_members",
    "new_members",
    "redemptions",
)


@dataclass(frozen=True)
class OfferFigures:
    offer_id: str
    title: str
    redeemed: int
    points: int
    issued: int
    used: int
    cancelled: int


@dataclass
class Dashboard:
    first: date
    last: date
    days: list[date]
    series: dict[str, list[int]]
    outstanding: list[int]
    outstanding_now: int
    top_offers: list[OfferFigures]
    tiers: list[tuple[str, int]]
    members_total: int
    pending_fulfilment: int
    refreshed_at: datetime | None
    snapshot_at: datetime | None
    totals: dict[str, int] = field(default_factory=dict)

    @property
    def counts_lag(self) -> bool:
        """The member and tier counts are older than the other figures (by over a minute)."""
        if self.snapshot_at is None or self.refreshed_at is None:
            return False
        return self.refreshed_at - self.snapshot_at > timedelta(minutes=1)


def check_range(first: date, last: date) -> None:
    if first > last:
        raise ValidationFailed("The start is after the end.", details={"from": ["after to"]})
    if (last - first).days >= MAX_DAYS:
        raise ValidationFailed(
            f"At most {MAX_DAYS} days at once.", details={"from": ["range too long"]}
        )


def refresh_snapshot(session: DbSession, state: StatsState, now: datetime) -> bool:
    """Members per tier and in total (a full count, so at most every SNAPSHOT_AGE)."""
    if state.snapshot_at is not None and now - state.snapshot_at < SNAPSHOT_AGE:
        return False
    rows = session.execute(
        select(Member.tier_id, func.count())
        .where(Member.erased_at.is_(None))
        .group_by(Member.tier_id)
    ).all()
    state.snapshot = {
        "tiers": {str(tier_id or 0): int(n) for tier_id, n in rows},
        "members": sum(int(n) for _, n in rows),
    }
    state.snapshot_at = now
    return True


def counts_changed(session: DbSession) -> None:
    """Members or tiers were changed: the next dashboard counts them again."""
    session.execute(update(StatsState).values(snapshot_at=None))


def refresh(session: DbSession, now: datetime, *, max_age: timedelta) -> tuple[StatsState, bool]:
    """Bring rollups and snapshot up to date; returns the state and whether to commit."""
    tz = load_program(session).timezone
    state, changed = rollups.refresh(session, tz, now, max_age=max_age)
    if changed or state.snapshot_at is None:
        changed = refresh_snapshot(session, state, now) or changed
        session.flush()
    return state, changed


def dashboard(session: DbSession, first: date, last: date, state: StatsState) -> Dashboard:
    check_range(first, last)
    rows = {
        r.day: r
        for r in session.scalars(
            select(StatsDay).where(StatsDay.day >= first, StatsDay.day <= last)
        )
    }
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    series = {name: [getattr(rows.get(d), name, 0) or 0 for d in days] for name in SERIES}
    before, total = session.execute(
        select(
            func.coalesce(func.sum(case((StatsDay.day < first, StatsDay.net), else_=0)), 0),
            func.coalesce(func.sum(StatsDay.net), 0),
        )
    ).one()
    running, outstanding = int(before), []
    for d in days:
        running += getattr(rows.get(d), "net", 0) or 0
        outstanding.append(running)
    return Dashboard(
        first=first,
        last=last,
        days=days,
        series=series,
        outstanding=outstanding,
        outstanding_now=int(total),
        top_offers=top_offers(session, first, last),
        tiers=tier_distribution(session, state),
        members_total=int(state.snapshot.get("members", 0)),
        pending_fulfilment=pending_count(session),
        refreshed_at=state.refreshed_at,
        snapshot_at=state.snapshot_at,
        totals={name: sum(values) for name, values in series.items()},
    )


def top_offers(session: DbSession, first: date, last: date, limit: int = 10) -> list[OfferFigures]:
    """Offers by redemptions in the range, with points spent and their funnel."""
    redeemed = func.sum(StatsOfferDay.redeemed)
    stmt = (
        select(
            StatsOfferDay.offer_id,
            func.max(Offer.title),
            redeemed,
            func.sum(StatsOfferDay.points),
            func.sum(StatsOfferDay.issued),
            func.sum(StatsOfferDay.used),
            func.sum(StatsOfferDay.cancelled),
        )
        .outerjoin(Offer, Offer.id == StatsOfferDay.offer_id)
        .where(StatsOfferDay.day >= first, StatsOfferDay.day <= last)
        .group_by(StatsOfferDay.offer_id)
        .order_by(redeemed.desc(), func.sum(StatsOfferDay.points).desc(), StatsOfferDay.offer_id)
        .limit(limit)
    )
    return [
        OfferFigures(oid, title or oid, *(int(v or 0) for v in values))
        for oid, title, *values in session.execute(stmt).all()
    ]


def tier_distribution(session: DbSession, state: StatsState) -> list[tuple[str, int]]:
    counts = state.snapshot.get("tiers", {})
    ladder = session.scalars(select(Tier).order_by(Tier.threshold)).all()
    result = [("No tier", int(counts.get("0", 0)))]
    result += [(t.name, int(counts.get(str(t.id), 0))) for t in ladder]
    return result


def pending_count(session: DbSession) -> int:
    """Manual redemptions waiting for a code (the status index keeps this cheap)."""
    stmt = select(func.count()).select_from(Redemption).where(Redemption.status == "PENDING")
    return int(session.execute(stmt).scalar_one())
