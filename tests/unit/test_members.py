"""Members: creation, settling, erasure."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from loyalty_portal.models import Account, EventLog, LedgerEntry, Member
from loyalty_portal.services.core.actors import Actor
from loyalty_portal.services.core.errors import UserExists, UserNotFound, ValidationFailed
from loyalty_portal.services.earning import events
from loyalty_portal.services.ledger import settlement
from loyalty_portal.services.ledger.invariants import verify
from loyalty_portal.services.members import accounts, members
from loyalty_portal.services.rewards import redeeming

NOW = datetime(2026, 5, 1, 10, tzinfo=UTC)


def test_create_member_rejects_duplicates_and_bad_ids(ctx):
    members.create_member(ctx, "ann", NOW)
    with pytest.raises(UserExists):
        members.create_member(ctx, "ann", NOW)
    for bad in ["", "has space", "x" * 129, "semi;colon"]:
        with pytest.raises(ValidationFailed):
            members.create_member(ctx, bad, NOW)


def test_erase_removes_personal_data_but_keeps_program_totals(ctx, make):
    make.rule("buy", points=300)
    make.offer("gift", cost=100, fulfilment="manual")
    accounts.create_member_login(ctx, "ann@example.com", "long-enough-pw", NOW, user_id="ann")
    events.record_event(
        ctx,
        user_id="ann",
        event_id="buy",
        now=NOW,
        source="t",
        trusted=True,
        metadata={"note": "my address is 1 Main St"},
    )
    member = members.get_member(ctx, "ann")
    coupon = redeeming.redeem(ctx, member, "gift", now=NOW, actor=Actor.member("ann"))
    ctx.commit()
    issued = ctx.scalar(select(func.sum(LedgerEntry.delta)).where(LedgerEntry.kind == "earn"))

    members.erase(ctx, member, Actor.system("test"), NOW + timedelta(hours=1))
    ctx.commit()

    with pytest.raises(UserNotFound):
        members.get_member(ctx, "ann")
    erased = ctx.get(Member, member.id)
    assert erased.balance == 0 and erased.display_name is None and erased.erased_at
    assert ctx.scalar(select(func.count()).select_from(Account)) == 0
    assert ctx.scalars(select(EventLog.event_metadata)).all() == [{}]
    assert coupon.status == "CANCELLED" and coupon.code is None
    assert (
        ctx.scalar(select(func.sum(LedgerEntry.delta)).where(LedgerEntry.kind == "earn")) == issued
    )
    assert verify(ctx) == []
    fresh = members.create_member(ctx, "ann", NOW)  # the userId is free again
    assert fresh.balance == 0 and fresh.id != member.id


def test_settle_is_cheap_when_nothing_is_due(ctx, make):
    make.rule("buy", points=10, expiry_policy="days", expiry_days=30)
    events.record_event(ctx, user_id="ann", event_id="buy", now=NOW, source="t", trusted=True)
    ctx.commit()
    member = members.get_member(ctx, "ann")
    assert settlement.settle(ctx, member, NOW + timedelta(days=29)) is member
    assert not ctx.dirty and not ctx.new
    settled = settlement.settle(ctx, member, NOW + timedelta(days=30))
    assert settled.balance == 0
