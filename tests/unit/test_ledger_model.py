"""A stateful property test: random earn / redeem / cancel / adjust / expire / clock steps,
order refunds and points holds (ledger_model_checkout) against a plain-Python model, with
every ledger invariant checked after every step."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import select

from loyalty_portal.extensions import db
from loyalty_portal.models import EarningRule, LedgerEntry, Offer, Redemption
from loyalty_portal.services.core import idempotency
from loyalty_portal.services.core.actors import Actor
from loyalty_portal.services.core.errors import DomainError
from loyalty_portal.services.earning import events
from loyalty_portal.services.ledger import adjustments, expiry
from loyalty_portal.services.ledger.invariants import verify
from loyalty_portal.services.members import members
from loyalty_portal.services.rewards import coupons as coupons_service
from loyalty_portal.services.rewards import redeeming
from tests.database import reset
from tests.unit.ledger_model_checkout import CheckoutSteps

START = datetime(2026, 1, 5, 9, tzinfo=UTC)
USERS = ("ann", "bob")
OFFERS = {"cheap": (30, 4, None), "dear": (120, None, 2)}  # cost, stock, per-member limit
SHORT_LIFE = timedelta(days=5)


@dataclass
class Lot:
    remaining: int
    expires_at: datetime | None
    order: int


@dataclass
class Model:
    now: datetime = START
    lots: dict[str, list[Lot]] = field(default_factory=lambda: {u: [] for u in USERS})
    stock: dict[str, int | None] = field(
        default_factory=lambda: {k: v[1] for k, v in OFFERS.items()}
    )
    taken: dict[tuple[str, str], int] = field(default_factory=dict)
    coupons: list[tuple[str, str, str, int]] = field(default_factory=list)  # id, user, offer, cost
    cancelled: set[str] = field(default_factory=set)
    counter: int = 0
    owed: dict[str, int] = field(default_factory=lambda: {u: 0 for u in USERS})

    def live(self, user: str) -> list[Lot]:
        lots = [
            lot
            for lot in self.lots[user]
            if lot.remaining and (lot.expires_at is None or lot.expires_at > self.now)
        ]
        return sorted(
            lots, key=lambda lot: (lot.expires_at is None, lot.expires_at or self.now, lot.order)
        )

    def balance(self, user: str) -> int:
        return sum(lot.remaining for lot in self.live(user))

    def add(self, user: str, points: int, expires_at: datetime | None) -> None:
        self.counter += 1
        self.lots[user].append(Lot(points, expires_at, self.counter))

    def earn(self, user: str, points: int, expires_at: datetime | None) -> None:
        """Earnings pay off points owed first (the lot keeps only the rest)."""
        repaid = min(self.owed[user], points)
        self.owed[user] -= repaid
        self.add(user, points - repaid, expires_at)

    def spend(self, user: str, points: int) -> None:
        for lot in self.live(user):
            take = min(lot.remaining, points)
            lot.remaining -= take
            points -= take


class LedgerMachine(CheckoutSteps, RuleBasedStateMachine):
    app = None  # set by the test

    @initialize()
    def setup(self) -> None:
        self.ctx = self.app.app_context()
        self.ctx.push()
        self.session = db.session
        reset(db.engine)
        self.session.add_all(
            [
                EarningRule(
                    event_id="buy",
                    title="Purchase",
                    type="TRANSACTION",
                    points_per_unit=Decimal(1),
                    expiry_policy="days",
                    expiry_days=5,
                ),
                EarningRule(
                    event_id="bonus", title="Bonus", type="FIX", points=13, expiry_policy="never"
                ),
            ]
        )
        for offer_id, (cost, stock, limit) in OFFERS.items():
            self.session.add(
                Offer(id=offer_id, title=offer_id, cost=cost, stock=stock, limit_per_member=limit)
            )
        for user in USERS:
            members.create_member(self.session, user, START)
        self.session.commit()
        self.model = Model()

    def teardown(self) -> None:
        if hasattr(self, "ctx"):
            self.session.rollback()
            self.session.remove()
            self.ctx.pop()

    def member(self, user: str):  # type: ignore[no-untyped-def]
        return members.get_member(self.session, user)

    # -- steps ---------------------------------------------------------------------
    @rule(user=st.sampled_from(USERS), amount=st.integers(0, 90))
    def buy(self, user: str, amount: int) -> None:
        events.record_event(
            self.session,
            user_id=user,
            event_id="buy",
            now=self.model.now,
            source="model",
            amount=amount,
            trusted=True,
        )
        self.session.commit()
        self.settled(user)
        if amount:
            self.model.earn(user, amount, self.model.now + SHORT_LIFE)

    @rule(user=st.sampled_from(USERS))
    def bonus(self, user: str) -> None:
        events.record_event(
            self.session,
            user_id=user,
            event_id="bonus",
            now=self.model.now,
            source="model",
            trusted=True,
        )
        self.session.commit()
        self.settled(user)
        self.model.earn(user, 13, None)

    @rule(user=st.sampled_from(USERS), offer_id=st.sampled_from(sorted(OFFERS)))
    def redeem(self, user: str, offer_id: str) -> None:
        cost, _, limit = OFFERS[offer_id]
        m = self.model
        expected = None
        if m.stock[offer_id] == 0:
            expected = "out_of_stock"
        elif limit is not None and m.taken.get((user, offer_id), 0) >= limit:
            expected = "limit_reached"
        elif self.spendable(user) < cost:
            expected = "insufficient_points"
        try:
            coupon = redeeming.redeem(
                self.session, self.member(user), offer_id, now=m.now, actor=Actor.member(user)
            )
            self.session.commit()
        except DomainError as exc:
            self.session.rollback()
            assert exc.code == expected, (exc.code, expected)
            return
        assert expected is None, f"redeemed although {expected}"
        self.settled(user)
        m.spend(user, cost)
        if m.stock[offer_id] is not None:
            m.stock[offer_id] -= 1
        m.taken[(user, offer_id)] = m.taken.get((user, offer_id), 0) + 1
        m.coupons.append((coupon.id, user, offer_id, cost))

    @precondition(lambda self: any(c[0] not in self.model.cancelled for c in self.model.coupons))
    @rule(data=st.data())
    def cancel(self, data: st.DataObject) -> None:
        open_ = [c for c in self.model.coupons if c[0] not in self.model.cancelled]
        coupon_id, user, offer_id, cost = data.draw(st.sampled_from(open_))
        coupons_service.cancel(
            self.session, coupon_id, actor=Actor.system("model"), now=self.model.now
        )
        self.session.commit()
        m = self.model
        m.cancelled.add(coupon_id)
        m.add(user, cost, None)  # program policy "never"
        if m.stock[offer_id] is not None:
            m.stock[offer_id] += 1
        m.taken[(user, offer_id)] -= 1

    @rule(user=st.sampled_from(USERS), delta=st.integers(-60, 60).filter(bool))
    def adjust(self, user: str, delta: int) -> None:
        fits = self.spendable(user) + delta >= 0
        try:
            adjustments.adjust(
                self.session,
                self.member(user),
                delta,
                reason="model",
                actor=Actor.system("model"),
                now=self.model.now,
            )
            self.session.commit()
        except DomainError as exc:
            self.session.rollback()
            assert not fits and exc.code == "insufficient_points"
            return
        assert fits
        self.settled(user)
        if delta > 0:
            self.model.add(user, delta, None)
        else:
            self.model.spend(user, -delta)

    @rule()
    def expire(self) -> None:
        expiry.expire_all_due(self.session, self.model.now)
        self.session.commit()
        self.settled()
        for user in USERS:
            for lot in self.model.lots[user]:
                if lot.expires_at is not None and lot.expires_at <= self.model.now:
                    lot.remaining = 0

    @rule(hours=st.integers(1, 24 * 4))
    def advance_clock(self, hours: int) -> None:
        self.model.now += timedelta(hours=hours)

    @rule(user=st.sampled_from(USERS), key=st.sampled_from(["k1", "k2"]))
    def event_with_idempotency_key(self, user: str, key: str) -> None:
        """A retried request with the same key has one effect."""
        fingerprint = idempotency.fingerprint("POST", "/v1/event", {"user": user, "event": "bonus"})
        stale = timedelta(minutes=1)
        claimed = idempotency.claim(
            self.session, f"user:{user}", key, fingerprint, self.model.now, stale
        )
        if isinstance(claimed, idempotency.Replay):
            self.session.rollback()
            return
        self.session.commit()
        events.record_event(
            self.session,
            user_id=user,
            event_id="bonus",
            now=self.model.now,
            source="model",
            trusted=True,
        )
        idempotency.complete(self.session, claimed.id, 200, {"ok": True}, self.model.now)
        self.session.commit()
        self.settled(user)
        self.model.earn(user, 13, None)

    # -- invariants --------------------------------------------------------------------
    @invariant()
    def ledger_is_sound(self) -> None:
        if not hasattr(self, "model"):
            return
        assert verify(self.session) == []
        now = self.model.now
        for user in USERS:
            member = self.member(user)
            lots = self.session.scalars(
                select(LedgerEntry).where(
                    LedgerEntry.member_id == member.id, LedgerEntry.remaining.is_not(None)
                )
            ).all()
            live = sorted(
                (lot.expires_at or now, lot.remaining)
                for lot in lots
                if lot.remaining and (lot.expires_at is None or lot.expires_at > now)
            )
            expected = sorted(
                (lot.expires_at or now, lot.remaining) for lot in self.model.live(user)
            )
            assert live == expected  # the same lots, spent first-to-expire first
            assert sum(r for _, r in live) == self.model.balance(user)
            assert member.balance >= 0
        for offer_id in OFFERS:
            assert self.session.get(Offer, offer_id).stock == self.model.stock[offer_id]
        active = self.session.scalars(
            select(Redemption.id).where(Redemption.status != "CANCELLED")
        ).all()
        assert set(active) == {c[0] for c in self.model.coupons} - self.model.cancelled
        self.check_checkout()
        self.session.rollback()


def test_ledger_matches_a_simple_model(app, backend):
    LedgerMachine.app = app
    run_state_machine_as_test(
        LedgerMachine,
        settings=settings(
            max_examples=40 if backend == "sqlite" else 20,
            stateful_step_count=30,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )
