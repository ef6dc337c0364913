"""Earning rules: each type, caps in the program's zone, windows, groups, tiers, pending, expiry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from loyalty_portal.models import EventLog, LedgerEntry
from loyalty_portal.services.core.errors import EventNotFound, Forbidden, ValidationFailed
from loyalty_portal.services.earning import events
from loyalty_portal.services.ledger import pending, settlement
from loyalty_portal.services.members import members

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
def app_config():
    return {"TIMEZONE": "Europe/Berlin"}


def berlin(*parts: int) -> datetime:
    """A wall-clock time in Berlin, as the UTC instant the services take."""
    return datetime(*parts, tzinfo=BERLIN).astimezone(UTC)


def send(session, event_id, when, user_id="ann", **kwargs):
    outcome = events.record_event(
        session,
        user_id=user_id,
        event_id=event_id,
        now=when,
        source="test",
        trusted=True,
        **kwargs,
    )
    session.commit()
    return outcome


NOON = berlin(2026, 3, 10, 12, 0)


# -- rule types --------------------------------------------------------------


def test_fix_rule_awards_its_points_and_logs_the_event(ctx, make):
    make.rule("daily_login", points=10, title="Daily login")
    outcome = send(ctx, "daily_login", NOON)
    assert outcome.points == 10
    assert outcome.member.balance == 10 and outcome.member.lifetime_points == 10
    log = ctx.scalars(select(EventLog)).one()
    assert (log.points, log.reason, log.completed) == (10, None, True)
    entry = ctx.scalars(select(LedgerEntry)).one()
    assert (entry.kind, entry.delta, entry.title, entry.event_log_id) == (
        "earn",
        10,
        "Daily login",
        log.id,
    )


def test_conditional_rule_awards_only_at_or_above_threshold(ctx, make):
    make.rule("review", type="CONDITIONAL", points=25, value_field="rating", threshold=Decimal(4))
    low = send(ctx, "review", NOON, metadata={"rating": 3})
    assert (low.points, low.event.reason, low.evaluation.condition_reached) == (
        0,
        "condition_not_met",
        False,
    )
    at = send(ctx, "review", NOON, metadata={"rating": 4})
    assert at.points == 25 and at.evaluation.condition_reached
    assert at.member.balance == 25
    assert len(ctx.scalars(select(EventLog)).all()) == 2  # the refused one is logged too


def test_conditional_rule_falls_back_to_amount(ctx, make):
    make.rule(
        "big_spender", type="CONDITIONAL", points=50, value_field="total", threshold=Decimal(100)
    )
    assert send(ctx, "big_spender", NOON, amount=150).points == 50


@pytest.mark.parametrize(
    ("amount", "rate", "cap", "expected"),
    [(42.99, "1", None, 42), (19.99, "0.5", None, 9), (900, "1", 500, 500), ("0.99", "1", None, 0)],
)
def test_transaction_rule_rounds_down_and_caps(ctx, make, amount, rate, cap, expected):
    make.rule(
        "purchase",
        type="TRANSACTION",
        points=None,
        points_per_unit=Decimal(rate),
        value_field="amount",
        max_per_event=cap,
    )
    outcome = send(ctx, "purchase", NOON, metadata={"amount": amount})
    assert outcome.points == expected
    if expected == 0:
        assert outcome.event.reason == "zero_points"


def test_transaction_rule_needs_a_number(ctx, make):
    make.rule("purchase", type="TRANSACTION", points=None, points_per_unit=Decimal(1))
    with pytest.raises(ValidationFailed):
        send(ctx, "purchase", NOON, metadata={})
    ctx.rollback()
    with pytest.raises(ValidationFailed):
        send(ctx, "purchase", NOON, metadata={"amount": "lots"})
    ctx.rollback()
    with pytest.raises(ValidationFailed):
        send(ctx, "purchase", NOON, metadata={"amount": -5})


def test_unknown_event_and_api_key_only_rules(ctx, make):
    make.rule("purchase", requires_api_key=True)
    with pytest.raises(EventNotFound):
        send(ctx, "nope", NOON)
    with pytest.raises(Forbidden):
        events.record_event(
            ctx, user_id="ann", event_id="purchase", now=NOON, source="jwt", trusted=False
        )
    ctx.rollback()
    assert members.find_member(ctx, "ann") is None  # nothing half-done


def test_first_event_creates_the_member(ctx, make):
    make.rule("daily_login")
    assert members.find_member(ctx, "newbie") is None
    send(ctx, "daily_login", NOON, user_id="newbie")
    assert members.get_member(ctx, "newbie").balance == 10


# -- completion caps in the program's time zone ---------------------------------


def test_daily_cap_follows_the_berlin_day_not_the_utc_day(ctx, make):
    make.rule("daily_login", cap_count=1, cap_period="day")
    # 00:10 and 23:50 Berlin on 10 March are different UTC days but the same local day.
    first = send(ctx, "daily_login", berlin(2026, 3, 10, 0, 10))
    assert first.points == 10 and first.evaluation.limit_reached
    second = send(ctx, "daily_login", berlin(2026, 3, 10, 23, 50))
    assert (second.points, second.event.reason) == (0, "limit_reached")
    # 00:05 Berlin on 11 March is still 10 March in UTC, but a new local day.
    third = send(ctx, "daily_login", berlin(2026, 3, 11, 0, 5))
    assert third.points == 10
    assert third.member.balance == 20


def test_weekly_cap_starts_on_monday_in_program_zone(ctx, make):
    make.rule("review", cap_count=3, cap_period="week")
    sunday_night = berlin(2026, 3, 15, 23, 30)  # Sunday
    results = [send(ctx, "review", sunday_night + timedelta(minutes=i)).points for i in range(4)]
    assert results == [10, 10, 10, 0]
    monday = berlin(2026, 3, 16, 0, 1)
    assert send(ctx, "review", monday).points == 10


def test_monthly_cap_across_month_end(ctx, make):
    make.rule("survey", cap_count=1, cap_period="month")
    assert send(ctx, "survey", berlin(2026, 1, 31, 23, 30)).points == 10
    assert send(ctx, "survey", berlin(2026, 1, 31, 23, 59)).points == 0
    assert send(ctx, "survey", berlin(2026, 2, 1, 0, 0)).points == 10


def test_lifetime_cap(ctx, make):
    make.rule("signup_bonus", points=500, cap_count=1, cap_period="ever")
    assert send(ctx, "signup_bonus", NOON).points == 500
    assert send(ctx, "signup_bonus", NOON + timedelta(days=400)).points == 0


def test_capped_events_do_not_count_as_completions(ctx, make):
    make.rule(
        "review",
        type="CONDITIONAL",
        points=5,
        value_field="rating",
        threshold=Decimal(4),
        cap_count=1,
        cap_period="day",
    )
    assert send(ctx, "review", NOON, metadata={"rating": 1}).points == 0
    assert send(ctx, "review", NOON, metadata={"rating": 5}).points == 5


# -- active window -------------------------------------------------------------


def test_rule_outside_its_active_window_awards_nothing(ctx, make):
    make.rule("promo", active_from=berlin(2026, 3, 1), active_until=berlin(2026, 4, 1))
    assert send(ctx, "promo", berlin(2026, 2, 28, 23, 59)).event.reason == "rule_inactive"
    assert send(ctx, "promo", berlin(2026, 3, 1)).points == 10
    assert send(ctx, "promo", berlin(2026, 4, 1)).event.reason == "rule_inactive"
    make.rule("retired", active=False)
    assert send(ctx, "retired", NOON).event.reason == "rule_inactive"


# -- user groups and tiers -----------------------------------------------------------


def test_group_override_gives_the_best_group_reward(ctx, make):
    make.group("staff")
    make.group("vip")
    make.rule("daily_login", points=10, overrides={"staff": 20, "vip": 30})
    make.member("plain")
    make.member("both", groups=["staff", "vip"])
    make.member("staffer", groups=["staff"])
    assert send(ctx, "daily_login", NOON, user_id="plain").points == 10
    assert send(ctx, "daily_login", NOON, user_id="staffer").points == 20
    assert send(ctx, "daily_login", NOON, user_id="both").points == 30


def test_group_override_rate_for_transactions(ctx, make):
    make.group("staff")
    make.rule(
        "purchase",
        type="TRANSACTION",
        points=None,
        points_per_unit=Decimal(1),
        overrides={"staff": Decimal(2)},
    )
    make.member("staffer", groups=["staff"])
    assert send(ctx, "purchase", NOON, user_id="staffer", amount=10).points == 20


def test_event_can_join_groups_when_trusted(ctx, make):
    make.group("staff")
    make.rule("daily_login", points=10, overrides={"staff": 40})
    outcome = send(ctx, "daily_login", NOON, join_groups=["staff"])
    assert outcome.points == 40
    with pytest.raises(ValidationFailed):
        send(ctx, "daily_login", NOON + timedelta(days=1), join_groups=["nope"])


def test_tier_multiplier_applies_before_the_per_event_cap(ctx, make):
    make.tier("Bronze", 0)
    make.tier("Silver", 100, "1.25")
    make.rule(
        "purchase", type="TRANSACTION", points=None, points_per_unit=Decimal(1), max_per_event=500
    )
    first = send(ctx, "purchase", NOON, amount=150)  # Bronze: 150, now Silver
    assert first.points == 150 and first.member.tier.name == "Silver"
    assert send(ctx, "purchase", NOON, amount=99).points == 123  # floor(99 * 1.25)
    assert send(ctx, "purchase", NOON, amount=450).points == 500  # 562 capped


def test_tier_counts_points_earned_in_the_trailing_window(ctx, make):
    make.tier("Bronze", 0)
    make.tier("Gold", 1000, "1.5")
    make.rule("bonus", points=1000)
    make.rule("daily_login", points=1)
    old = send(ctx, "bonus", NOON)
    assert old.member.tier.name == "Gold"
    later = send(ctx, "daily_login", NOON + timedelta(days=366))
    assert later.member.tier.name == "Bronze"


# -- pending points ------------------------------------------------------------------


def test_pending_points_become_spendable_after_the_pending_days(ctx, make):
    make.rule("purchase", points=50, pending_days=7)
    outcome = send(ctx, "purchase", NOON)
    assert (outcome.points, outcome.pending_points, outcome.event.reason) == (0, 50, "pending")
    member = outcome.member
    assert member.balance == 0 and pending.pending_total(ctx, member.id) == 50
    settlement.settle(ctx, member, NOON + timedelta(days=6, hours=23))
    assert member.balance == 0
    settled = settlement.settle(ctx, member, NOON + timedelta(days=7))
    ctx.commit()
    assert settled.balance == 50 and pending.pending_total(ctx, member.id) == 0
    lot = ctx.scalars(select(LedgerEntry)).one()
    assert lot.created_at == NOON + timedelta(days=7) and lot.event_log_id == outcome.event.id


def test_program_default_pending_days(ctx, make):
    from loyalty_portal.services.program.settings import settings_row

    settings_row(ctx).pending_days = 3
    ctx.commit()
    make.rule("purchase", points=5)  # pending_days None: program default
    assert send(ctx, "purchase", NOON).pending_points == 5


# -- expiry policies -------------------------------------------------------------------


def lot_of(session, outcome):
    return session.scalars(
        select(LedgerEntry).where(LedgerEntry.event_log_id == outcome.event.id)
    ).one()


def test_expiry_policies(ctx, make):
    make.rule("never", expiry_policy="never")
    make.rule("days", expiry_policy="days", expiry_days=30)
    make.rule("month", expiry_policy="end_of_month")
    make.rule("year", expiry_policy="end_of_year")
    late = berlin(2026, 12, 31, 23, 30)  # 22:30 UTC: still 2026 in UTC too
    assert lot_of(ctx, send(ctx, "never", late)).expires_at is None
    assert lot_of(ctx, send(ctx, "days", late)).expires_at == late + timedelta(days=30)
    assert lot_of(ctx, send(ctx, "month", late)).expires_at == berlin(2027, 1, 1)
    assert lot_of(ctx, send(ctx, "year", late)).expires_at == berlin(2027, 1, 1)
    jan31 = berlin(2026, 1, 31, 23, 30)
    assert lot_of(ctx, send(ctx, "month", jan31)).expires_at == berlin(2026, 2, 1)
    # Just after midnight on 1 Feb in Berlin is still 31 Jan in UTC: February's lot.
    feb1 = berlin(2026, 2, 1, 0, 30)
    assert lot_of(ctx, send(ctx, "month", feb1)).expires_at == berlin(2026, 3, 1)


def test_program_expiry_policy_applies_to_rules_that_defer(ctx, make):
    from loyalty_portal.services.program.settings import settings_row

    row = settings_row(ctx)
    row.expiry_policy, row.expiry_days = "days", 90
    ctx.commit()
    make.rule("login")  # expiry_policy "program"
    assert lot_of(ctx, send(ctx, "login", NOON)).expires_at == NOON + timedelta(days=90)


def test_expiry_turns_the_remainder_into_one_entry(ctx, make):
    make.rule("login", points=100, expiry_policy="days", expiry_days=10)
    make.rule("keep", points=5, expiry_policy="never")
    outcome = send(ctx, "login", NOON)
    send(ctx, "keep", NOON)
    from loyalty_portal.services.core.actors import Actor
    from loyalty_portal.services.ledger import adjustments

    adjustments.adjust(
        ctx,
        outcome.member,
        -30,
        reason="test spend",
        actor=Actor.system("t"),
        now=NOON + timedelta(days=1),
    )
    ctx.commit()
    member = settlement.settle(ctx, outcome.member, NOON + timedelta(days=10))
    ctx.commit()
    expired = ctx.scalars(select(LedgerEntry).where(LedgerEntry.kind == "expire")).all()
    assert [e.delta for e in expired] == [-70]
    assert member.balance == 5
    settlement.settle(ctx, member, NOON + timedelta(days=20))
    ctx.commit()
    assert len(ctx.scalars(select(LedgerEntry).where(LedgerEntry.kind == "expire")).all()) == 1
