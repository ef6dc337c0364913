"""Races with real connections: many threads, each its own session, released together."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select

from loyalty_portal.extensions import db
from loyalty_portal.models import EventLog, Offer, Redemption
from loyalty_portal.services.core.actors import Actor
from loyalty_portal.services.core.errors import DomainError
from loyalty_portal.services.earning import events
from loyalty_portal.services.ledger.invariants import verify
from loyalty_portal.services.members import members
from loyalty_portal.services.rewards import redeeming
from loyalty_portal.timeutil import utcnow
from loyalty_portal.web.idempotent import run_idempotent


def race(app, threads: int, work: Callable[[], Any]) -> list[Any]:
    """Run `work` in `threads` threads at once; each result or the exception it raised."""
    barrier = threading.Barrier(threads)
    results: list[Any] = [None] * threads

    def run(i: int) -> None:
        with app.app_context():
            barrier.wait()
            try:
                results[i] = work()
            except Exception as exc:  # noqa: BLE001 (collected and asserted on)
                db.session.rollback()
                results[i] = exc
            finally:
                db.session.remove()

    pool = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join(timeout=120)
    return results


def outcome_codes(results: list[Any]) -> Counter[str]:
    unexpected = [r for r in results if isinstance(r, Exception) and not isinstance(r, DomainError)]
    assert not unexpected, unexpected[:3]
    return Counter("ok" if not isinstance(r, Exception) else r.code for r in results)


@pytest.mark.parametrize(
    ("balance", "stock", "limit", "refusals"),
    [
        (500, 5, 5, {"out_of_stock", "insufficient_points", "limit_reached"}),
        (500, None, None, {"insufficient_points"}),
        (10_000, 5, None, {"out_of_stock"}),
        (10_000, None, 5, {"limit_reached"}),
    ],
    ids=["all-three", "balance", "stock", "limit"],
)
def test_fifty_concurrent_redeems_only_five_succeed(app, make, balance, stock, limit, refusals):
    member = make.member("ann", balance=balance)
    make.offer("prize", cost=100, stock=stock, limit_per_member=limit)

    def redeem() -> str:
        coupon = redeeming.redeem(
            db.session,
            members.get_member(db.session, "ann"),
            "prize",
            now=utcnow(),
            actor=Actor.member("ann"),
        )
        db.session.commit()
        return coupon.id

    codes = outcome_codes(race(app, 50, redeem))
    assert codes["ok"] == 5, codes
    assert set(codes) - {"ok"} <= refusals
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Redemption)) == 5
        assert members.get_member(db.session, "ann").balance == balance - 500
        offer = db.session.get(Offer, "prize")
        assert offer.stock == (None if stock is None else stock - 5)
        assert verify(db.session) == []
    assert member.user_id == "ann"


def test_twenty_requests_with_one_idempotency_key_have_one_effect(app, make):
    make.rule("purchase", points=25)

    def send() -> Any:
        def effect() -> tuple[int, dict[str, Any]]:
            out = events.record_event(
                db.session,
                user_id="ann",
                event_id="purchase",
                now=utcnow(),
                source="test",
                trusted=True,
            )
            return 200, {"points": out.points, "balance": out.member.balance}

        return run_idempotent("user:ann", "retry-1", "same-request", effect)

    results = race(app, 20, send)
    codes = outcome_codes(results)
    assert set(codes) <= {"ok", "request_in_progress"}
    bodies = {tuple(sorted(r.body.items())) for r in results if not isinstance(r, Exception)}
    assert bodies == {(("balance", 25), ("points", 25))}
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(EventLog)) == 1
        assert members.get_member(db.session, "ann").balance == 25
        assert verify(db.session) == []


def test_concurrent_first_events_create_one_member(app, make):
    make.rule("hello", points=1)

    def send() -> int:
        out = events.record_event(
            db.session,
            user_id="newbie",
            event_id="hello",
            now=utcnow(),
            source="test",
            trusted=True,
        )
        db.session.commit()
        return out.points

    codes = outcome_codes(race(app, 10, send))
    assert codes["ok"] == 10
    with app.app_context():
        assert members.get_member(db.session, "newbie").balance == 10
