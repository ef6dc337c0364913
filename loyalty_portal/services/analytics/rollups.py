"""Keeping the daily analytics rollups (stats_day, stats_offer_day) up to date.

Each day is computed from indexed range queries over that day only (ledger entries,
events, new members, and redemptions by their created/fulfilled/used/cancelled times).
A refresh recomputes
  * every day not yet final (missing, or last computed before it ended + GRACE), and
  * every final day that a back-dated ledger entry landed in since the last refresh
    (expiry entries carry the lot's expiry time, released pending points their release
    time), found by scanning only ledger ids above a watermark.
The watermark advances to an id seen at least GRACE earlier, so an entry whose
transaction committed late (ids are assigned before commit) is still scanned.
Refreshes run under the state row's lock, one at a time.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select

from loyalty_portal.models import EventLog, LedgerEntry, Member, Redemption
from loyalty_portal.models.stats import StatsDay, StatsOfferDay, StatsState
from loyalty_portal.services.core.session import DbSession
from loyalty_portal.services.core.sql import insert_ignore
from loyalty_portal.timeutil import local_midnight

GRACE = timedelta(minutes=5)
#: On the first build, ids this close to the newest may belong to unfinished transactions.
FIRST_BUILD_MARGIN = 10_000


def day_bounds(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    return local_midnight(day, tz), local_midnight(day + timedelta(days=1), tz)


def local_day(at: datetime, tz: ZoneInfo) -> date:
    return at.astimezone(tz).date()


def lock_state(session: DbSession, tz: ZoneInfo) -> StatsState:
    """The state row, created if missing, locked for this transaction."""
    insert_ignore(
        session,
        StatsState.__table__,
        {
            "id": 1,
            "timezone": tz.key,
            "ledger_watermark": 0,
            "pending_watermark": 0,
            "snapshot": {},
        },
        ["id"],
    )
    stmt = (
        select(StatsState)
        .where(StatsState.id == 1)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return session.execute(stmt).scalar_one()


def compute_day(session: DbSession, day: date, tz: ZoneInfo, now: datetime) -> None:
    """Recompute one day's rows from the source tables (range queries on indexed times)."""
    start, end = day_bounds(day, tz)
    kinds = dict(
        session.execute(
            select(LedgerEntry.kind, func.sum(LedgerEntry.delta))
            .where(LedgerEntry.created_at >= start, LedgerEntry.created_at < end)
            .group_by(LedgerEntry.kind)
        ).all()
    )
    events, active = session.execute(
        select(func.count(), func.count(func.distinct(EventLog.member_id))).where(
            EventLog.created_at >= start, EventLog.created_at < end
        )
    ).one()
    new_members = session.scalar(
        select(func.count()).where(Member.created_at >= start, Member.created_at < end)
    )
    offers: dict[str, dict[str, int]] = {}
    for column, name in (
        (Redemption.created_at, "redeemed"),
        (Redemption.fulfilled_at, "issued"),
        (Redemption.used_at, "used"),
        (Redemption.cancelled_at, "cancelled"),
    ):
        rows = session.execute(
            select(Redemption.offer_id, func.count(), func.sum(Redemption.points))
            .where(column >= start, column < end)
            .group_by(Redemption.offer_id)
        ).all()
        for offer_id, count, points in rows:
            entry = offers.setdefault(offer_id, {"redeemed": 0, "points": 0})
            entry[name] = int(count)
            if name == "redeemed":
                entry["points"] = int(points or 0)

    def total(*names: str) -> int:
        return sum(int(kinds.get(n) or 0) for n in names)

    row = session.get(StatsDay, day) or StatsDay(day=day)
    row.issued, row.redeemed = total("earn"), -total("redeem", "payment")  # payments: holds
    row.refunded, row.expired = total("refund"), -total("expire")
    row.adjusted = total("adjust", "reverse")
    row.net = sum(int(v or 0) for v in kinds.values())
    row.events, row.active_members = int(events), int(active)
    row.new_members = int(new_members or 0)
    row.redemptions = sum(o["redeemed"] for o in offers.values())
    row.computed_at = now
    session.add(row)
    session.execute(delete(StatsOfferDay).where(StatsOfferDay.day == day))
    if offers:
        session.add_all(StatsOfferDay(day=day, offer_id=o, **v) for o, v in offers.items())
    session.flush()


def first_day(session: DbSession, tz: ZoneInfo, today: date) -> date:
    """The earliest day with any data (today when there is none)."""
    earliest = [
        session.scalar(select(func.min(LedgerEntry.created_at))),
        session.scalar(select(func.min(EventLog.created_at))),
        session.scalar(select(func.min(Member.created_at))),
    ]
    known = [local_day(at, tz) for at in earliest if at is not None]
    return min([*known, today])


def days_to_compute(
    session: DbSession, state: StatsState, tz: ZoneInfo, now: datetime
) -> set[date]:
    """Days after the newest final one up to today, plus final days hit by back-dated entries.

    Finality is prefix-closed (a refresh computes every open day up to today), so only
    the newest few rows can be open.
    """
    today = local_day(now, tz)
    recent = session.execute(
        select(StatsDay.day, StatsDay.computed_at).order_by(StatsDay.day.desc()).limit(3)
    ).all()
    final = [d for d, at in recent if d < today and at >= day_bounds(d, tz)[1] + GRACE]
    if final:
        start = max(final) + timedelta(days=1)
    elif recent:
        start = min(d for d, _ in recent)
    else:
        start = first_day(session, tz, today)
    wanted = {start + timedelta(days=n) for n in range((today - start).days + 1)}
    backdated = session.scalars(
        select(LedgerEntry.created_at).where(
            LedgerEntry.id > state.ledger_watermark,
            LedgerEntry.created_at < day_bounds(start, tz)[0],
        )
    )
    return wanted | {local_day(at, tz) for at in backdated}


def is_fresh(state: StatsState | None, tz: ZoneInfo, now: datetime, max_age: timedelta) -> bool:
    return (
        state is not None
        and state.timezone == tz.key
        and state.refreshed_at is not None
        and now - state.refreshed_at < max_age
    )


def refresh(
    session: DbSession, tz: ZoneInfo, now: datetime, *, max_age: timedelta
) -> tuple[StatsState, bool]:
    """Bring the rollups up to date unless a refresh ran within `max_age`.

    Returns the state row and whether anything was recomputed. A fresh state is read
    without a lock; otherwise the row is locked and checked again, so concurrent
    dashboards wait for one refresh instead of repeating it.
    """
    state = session.get(StatsState, 1)
    if state is not None and is_fresh(state, tz, now, max_age):
        return state, False
    state = lock_state(session, tz)
    if is_fresh(state, tz, now, max_age):
        return state, False
    if state.timezone != tz.key:  # days are calendar days of the program's zone: rebuild
        session.execute(delete(StatsOfferDay))
        session.execute(delete(StatsDay))
        state.timezone, state.ledger_watermark, state.pending_seen_at = tz.key, 0, None
        state.refreshed_at = None
    newest = int(session.scalar(select(func.coalesce(func.max(LedgerEntry.id), 0))) or 0)
    if state.refreshed_at is None and state.ledger_watermark == 0:  # the first build
        state.ledger_watermark = max(0, newest - FIRST_BUILD_MARGIN)
    for day in sorted(days_to_compute(session, state, tz, now)):
        compute_day(session, day, tz, now)
    if state.pending_seen_at is not None and now - state.pending_seen_at >= GRACE:
        state.ledger_watermark = max(state.ledger_watermark, state.pending_watermark)
        state.pending_seen_at = None
    if state.pending_seen_at is None:
        state.pending_watermark, state.pending_seen_at = newest, now
    state.refreshed_at = now
    session.flush()
    return state, True
