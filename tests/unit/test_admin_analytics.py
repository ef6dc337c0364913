"""Analytics rollups: figures per program-zone day that agree with the ledger, back-dated
entries caught by the watermark, refresh throttling, and rebuild on a time-zone change."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select

from loyalty_portal.models import Member, StatsDay, StatsState
from loyalty_portal.services.analytics import dashboard
from loyalty_portal.services.core.actors import Actor
from loyalty_portal.services.earning import events
from loyalty_portal.services.ledger import adjustments, settlement
from loyalty_portal.services.members import members
from loyalty_portal.services.program.settings import settings_row
from loyalty_portal.services.rewards import coupons, redeeming

T0 = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


def refresh(session, now, max_age=timedelta(0)):
    state, _ = dashboard.refresh(session, now, max_age=max_age)
    session.commit()
    return state


def board(session, first, last, now):
    return dashboard.dashboard(session, first, last, refresh(session, now))


def day_of(board_, day):
    return board_.days.index(day)


def test_figures_per_day_match_the_ledger(ctx, make):
    make.rule("buy", points=100)
    make.offer("mug", title="Mug", cost=30, fulfilment="manual")
    make.offer("pen", title="Pen", cost=10)
    ev = events.record_event(ctx, user_id="ann", event_id="buy", now=T0, source="t")
    events.record_event(ctx, user_id="bob", event_id="buy", now=T0 + HOUR, source="t")
    events.record_event(ctx, user_id="ann", event_id="buy", now=T0 + DAY, source="t")
    mug = redeeming.redeem(ctx, ev.member, "mug", now=T0 + DAY, actor=Actor.member("ann"))
    pen = redeeming.redeem(ctx, ev.member, "pen", now=T0 + DAY, actor=Actor.member("ann"))
    coupons.use_coupon(ctx, ev.member, pen.id, T0 + 2 * DAY)
    coupons.fulfil(ctx, mug.id, actor=Actor.system("t"), now=T0 + 2 * DAY)
    coupons.cancel(ctx, mug.id, actor=Actor.system("t"), now=T0 + 2 * DAY, reason="x")
    adjustments.adjust(ctx, ev.member, -5, reason="fix", actor=Actor.system("t"), now=T0 + 2 * DAY)
    ctx.commit()

    b = board(ctx, date(2026, 3, 9), date(2026, 3, 12), T0 + 3 * DAY)
    d0, d1, d2 = (day_of(b, date(2026, 3, d)) for d in (10, 11, 12))
    assert b.series["issued"][d0] == 200 and b.series["events"][d0] == 2
    assert b.series["active_members"][d0] == 2 and b.series["new_members"][d0] == 2
    assert b.series["issued"][d1] == 100 and b.series["redeemed"][d1] == 40
    assert b.series["redemptions"][d1] == 2
    assert b.series["refunded"][d2] == 30 and b.series["adjusted"][d2] == -5
    assert b.outstanding == [0, 200, 260, 285]
    total = ctx.scalar(select(func.sum(Member.balance)))
    assert b.outstanding_now == total == 285
    figures = {o.offer_id: o for o in b.top_offers}
    assert (figures["mug"].redeemed, figures["mug"].points) == (1, 30)
    assert (figures["mug"].issued, figures["mug"].cancelled) == (1, 1)
    assert (figures["pen"].issued, figures["pen"].used) == (1, 1)
    assert [o.offer_id for o in b.top_offers] == ["mug", "pen"]  # same count: points first
    assert b.members_total == 2 and b.tiers[0] == ("No tier", 2)


def test_days_are_calendar_days_of_the_program_zone(ctx, make):
    settings_row(ctx).timezone = "Europe/Berlin"
    make.rule("buy", points=10)
    late = datetime(2026, 3, 10, 23, 30, tzinfo=UTC)  # 00:30 on the 11th in Berlin
    events.record_event(ctx, user_id="ann", event_id="buy", now=late, source="t")
    ctx.commit()
    b = board(ctx, date(2026, 3, 10), date(2026, 3, 11), late + HOUR)
    assert b.series["issued"] == [0, 10]


def test_a_back_dated_expiry_updates_a_day_already_final(ctx, make):
    make.rule("buy", points=50, expiry_policy="days", expiry_days=2)
    events.record_event(ctx, user_id="ann", event_id="buy", now=T0, source="t")
    ctx.commit()
    refresh(ctx, T0 + 5 * DAY)  # builds every day; the lot is due on the 12th, not yet expired
    refresh(ctx, T0 + 5 * DAY + timedelta(minutes=10))  # the watermark moves up
    ann = members.get_member(ctx, "ann")
    settlement.settle(ctx, ann, T0 + 5 * DAY + HOUR)  # writes the expiry, dated the 12th
    ctx.commit()
    b = board(ctx, date(2026, 3, 10), date(2026, 3, 15), T0 + 5 * DAY + 2 * HOUR)
    assert b.series["expired"][day_of(b, date(2026, 3, 12))] == 50
    assert b.outstanding[-1] == b.outstanding_now == 0


def test_refresh_is_throttled(ctx, make):
    make.rule("buy", points=10)
    events.record_event(ctx, user_id="ann", event_id="buy", now=T0, source="t")
    ctx.commit()
    refresh(ctx, T0)
    events.record_event(
        ctx, user_id="bob", event_id="buy", now=T0 + timedelta(seconds=10), source="t"
    )
    ctx.commit()
    state = refresh(ctx, T0 + timedelta(seconds=30), max_age=timedelta(minutes=1))
    assert ctx.get(StatsDay, date(2026, 3, 10)).issued == 10  # not yet
    assert state.refreshed_at == T0
    refresh(ctx, T0 + timedelta(minutes=2), max_age=timedelta(minutes=1))
    ctx.expire_all()
    assert ctx.get(StatsDay, date(2026, 3, 10)).issued == 20


def test_a_new_time_zone_rebuilds_the_days(ctx, make):
    make.rule("buy", points=10)
    late = datetime(2026, 3, 10, 23, 30, tzinfo=UTC)
    events.record_event(ctx, user_id="ann", event_id="buy", now=late, source="t")
    ctx.commit()
    assert board(ctx, date(2026, 3, 10), date(2026, 3, 11), late + HOUR).series["issued"] == [10, 0]
    settings_row(ctx).timezone = "Asia/Tokyo"  # as the settings screen changes it
    ctx.commit()
    b = board(ctx, date(2026, 3, 10), date(2026, 3, 11), late + 2 * HOUR)
    assert b.series["issued"] == [0, 10]
    assert ctx.get(StatsState, 1).timezone == "Asia/Tokyo"


def test_days_are_final_once_computed_after_they_ended(ctx, make):
    """A day computed while it was still running is recomputed until it is final."""
    make.rule("buy", points=10)
    events.record_event(ctx, user_id="ann", event_id="buy", now=T0, source="t")
    ctx.commit()
    refresh(ctx, T0 + HOUR)
    # Later the same day, no refresh before midnight; the next one must still count it.
    events.record_event(ctx, user_id="bob", event_id="buy", now=T0 + 6 * HOUR, source="t")
    ctx.commit()
    b = board(ctx, date(2026, 3, 10), date(2026, 3, 11), T0 + 2 * DAY)
    assert b.series["issued"] == [20, 0]
    day = ctx.get(StatsDay, date(2026, 3, 10))
    assert day.computed_at >= datetime(2026, 3, 11, tzinfo=UTC)
