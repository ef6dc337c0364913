"""Order refund and points hold steps of the ledger state machine (test_ledger_model):
orders earn once, refunds reverse floor(P * R / V) cumulatively with spent points owed
and repaid from the next earnings, holds reserve points until captured, released or
expired."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st
from hypothesis.stateful import precondition, rule

from loyalty_portal.services.core.errors import DomainError
from loyalty_portal.services.earning import events, refunds
from loyalty_portal.services.ledger import holds as holds_service
from loyalty_portal.services.members import summary

USERS = ("ann", "bob")


@dataclass
class Order:
    user: str
    key: str
    points: int
    value: int
    refunded: int = 0
    reversed: int = 0
    closed: bool = False


@dataclass
class Hold:
    hold_id: str
    user: str
    points: int
    expires_at: datetime
    status: str = "HELD"

    def status_at(self, now: datetime) -> str:
        return "EXPIRED" if self.status == "HELD" and self.expires_at <= now else self.status


class CheckoutSteps:
    """Mixed into LedgerMachine: `self.model` is its Model, extended here on first use."""

    model: Any
    session: Any

    def _orders(self) -> dict[tuple[str, str], Order]:
        return self.model.__dict__.setdefault("orders", {})

    def _holds(self) -> list[Hold]:
        return self.model.__dict__.setdefault("holds", [])

    def _live_holds(self, user: str) -> list[Hold]:
        now = self.model.now
        return [h for h in self._holds() if h.user == user and h.status_at(now) == "HELD"]

    def held(self, user: str) -> int:
        """Held points never exceed the balance (settling shrinks the holds)."""
        return min(sum(h.points for h in self._live_holds(user)), self.model.balance(user))

    def shrunk(self, user: str) -> dict[str, tuple[int, str]]:
        """What settling does to the user's holds when expired lots took points from under
        them: the holds that expire last give way first. hold id -> (points, status)."""
        excess = sum(h.points for h in self._live_holds(user)) - self.model.balance(user)
        changes: dict[str, tuple[int, str]] = {}
        for hold in sorted(self._live_holds(user), key=lambda h: (h.expires_at, h.hold_id))[::-1]:
            if excess <= 0:
                break
            take = min(excess, hold.points)
            changes[hold.hold_id] = (
                (hold.points, "EXPIRED") if take == hold.points else (hold.points - take, "HELD")
            )
            excess -= take
        return changes

    def settled(self, *users: str) -> None:
        """A step succeeded: the DB settled these users under their lock."""
        for user in users or USERS:
            for hold_id, (points, status) in self.shrunk(user).items():
                hold = next(h for h in self._holds() if h.hold_id == hold_id)
                hold.points, hold.status = points, status

    def spendable(self, user: str) -> int:
        return max(0, self.model.balance(user) - self.held(user))

    # -- orders --------------------------------------------------------------------
    @rule(user=st.sampled_from(USERS), amount=st.integers(0, 90), number=st.integers(1, 4))
    def buy_order(self, user: str, amount: int, number: int) -> None:
        key = f"o-{number}"
        outcome = events.record_event(
            self.session,
            user_id=user,
            event_id="buy",
            now=self.model.now,
            source="model",
            amount=amount,
            trusted=True,
            order_key=key,
        )
        self.session.commit()
        self.settled(user)
        if (user, key) in self._orders():
            assert (outcome.points, outcome.event.reason) == (0, "duplicate_order")
            return
        self._orders()[(user, key)] = Order(user, key, amount, amount)
        if amount:
            self.model.earn(user, amount, self.model.now + timedelta(days=5))

    @precondition(lambda self: bool(self.model.__dict__.get("orders")))
    @rule(data=st.data())
    def refund(self, data: st.DataObject) -> None:
        order = data.draw(st.sampled_from(sorted(self._orders().values(), key=_order_key)))
        left = order.value - order.refunded
        amount = data.draw(st.none() | st.integers(1, max(1, left + 3)))
        refused = order.closed or (amount is not None and amount > left)
        try:
            outcome = refunds.refund_order(
                self.session,
                order.user,
                order.key,
                amount=None if amount is None else Decimal(amount),
                reason="model",
                now=self.model.now,
            )
            self.session.commit()
        except DomainError as exc:
            self.session.rollback()
            assert refused and exc.code == "refund_exceeds_order", exc.code
            return
        assert not refused
        self.settled(order.user)
        order.refunded += left if amount is None else amount
        target = (
            order.points
            if order.value == 0 or order.refunded >= order.value
            else math.floor(order.points * order.refunded / order.value)
        )
        reversing, order.reversed = target - order.reversed, target
        order.closed = order.refunded >= order.value
        debited = min(reversing, self.spendable(order.user))
        self.model.spend(order.user, debited)
        self.model.owed[order.user] += reversing - debited
        assert outcome.refund.points_reversed == reversing
        assert outcome.refund.points_debited == debited

    # -- holds ---------------------------------------------------------------------
    @rule(
        user=st.sampled_from(USERS),
        points=st.integers(1, 60),
        expires_in=st.sampled_from([60, 3600 * 30]),
    )
    def hold(self, user: str, points: int, expires_in: int) -> None:
        enough = points <= self.spendable(user)
        try:
            hold, _ = holds_service.create_hold(
                self.session, user, points, now=self.model.now, expires_in=expires_in
            )
            self.session.commit()
        except DomainError as exc:
            self.session.rollback()
            assert not enough and exc.code == "insufficient_points", exc.code
            return
        assert enough
        self.settled(user)
        self._holds().append(
            Hold(hold.id, user, points, self.model.now + timedelta(seconds=expires_in))
        )

    def _refusal(self, hold: Hold) -> str | None:
        status = hold.status_at(self.model.now)
        if status == "HELD":
            return None
        return "hold_expired" if status == "EXPIRED" else "hold_not_active"

    @precondition(lambda self: bool(self.model.__dict__.get("holds")))
    @rule(data=st.data(), part=st.floats(0.01, 1))
    def capture(self, data: st.DataObject, part: float) -> None:
        hold = data.draw(st.sampled_from(self._holds()))
        taken = max(1, math.floor(hold.points * part))
        points, status = self.shrunk(hold.user).get(hold.hold_id, (hold.points, hold.status))
        expected = self._refusal(Hold(hold.hold_id, hold.user, points, hold.expires_at, status))
        if expected is None and taken > points:
            expected = "validation_error"  # lots under the hold expired, the hold shrank
        try:
            holds_service.capture(self.session, hold.hold_id, taken, now=self.model.now)
            self.session.commit()
        except DomainError as exc:
            self.session.rollback()
            assert exc.code == expected, (exc.code, expected)
            return
        assert expected is None, expected
        self.settled(hold.user)
        hold.status = "CAPTURED"
        self.model.spend(hold.user, taken)

    @precondition(lambda self: bool(self.model.__dict__.get("holds")))
    @rule(data=st.data())
    def release(self, data: st.DataObject) -> None:
        hold = data.draw(st.sampled_from(self._holds()))
        points, status = self.shrunk(hold.user).get(hold.hold_id, (hold.points, hold.status))
        expected = self._refusal(Hold(hold.hold_id, hold.user, points, hold.expires_at, status))
        try:
            holds_service.release(self.session, hold.hold_id, now=self.model.now)
            self.session.commit()
        except DomainError as exc:
            self.session.rollback()
            assert exc.code == expected, (exc.code, expected)
            return
        assert expected is None, expected
        self.settled(hold.user)
        hold.status = "RELEASED"

    def check_checkout(self) -> None:
        """Called by the machine's invariant: spendable, held and owed points agree."""
        for user in USERS:
            standing = summary.standing(self.session, user, self.model.now)
            assert standing.spendable == self.spendable(user)
            assert standing.held_points == self.held(user)
            assert standing.points_owed == self.model.owed[user]


def _order_key(order: Order) -> tuple[str, str]:
    return (order.user, order.key)
