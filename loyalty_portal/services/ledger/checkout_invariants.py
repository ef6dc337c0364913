"""`ledger verify` for orders, points owed and holds (see services/ledger/invariants).

- points owed = what refunds could not debit, less what later earnings repaid;
- an order's reversed points = the sum of its refunds' reversals, never above its earnings;
- a member's held points = the points of their holds that are HELD, never above the balance;
- a captured hold has exactly one `payment` entry of minus its captured points.
"""

from __future__ import annotations

from sqlalchemy import func, select

from loyalty_portal.models import LedgerEntry, Member, OrderRefund, PointsHold, ShopOrder
from loyalty_portal.services.core.session import DbSession
from loyalty_portal.services.ledger.lots import DEBT_REPAYMENT


def checkout_invariants(session: DbSession) -> list[str]:
    return _debt(session) + _orders(session) + _holds(session)


def _debt(session: DbSession) -> list[str]:
    owed = (
        select(OrderRefund.member_id, func.sum(OrderRefund.points_owed).label("owed"))
        .group_by(OrderRefund.member_id)
        .subquery()
    )
    repaid = (
        select(LedgerEntry.member_id, func.sum(-LedgerEntry.delta).label("repaid"))
        .where(LedgerEntry.kind == "reverse", LedgerEntry.source_note == DEBT_REPAYMENT)
        .group_by(LedgerEntry.member_id)
        .subquery()
    )
    rows = session.execute(
        select(Member.user_id, Member.points_owed, owed.c.owed, repaid.c.repaid)
        .outerjoin(owed, owed.c.member_id == Member.id)
        .outerjoin(repaid, repaid.c.member_id == Member.id)
    ).all()
    problems = []
    for user_id, points_owed, not_covered, paid in rows:
        expected = int(not_covered or 0) - int(paid or 0)
        if points_owed != expected or points_owed < 0:
            problems.append(
                f"member {user_id}: points owed {points_owed} but refunds left "
                f"{int(not_covered or 0)} uncovered and earnings repaid {int(paid or 0)}"
            )
    return problems


def _orders(session: DbSession) -> list[str]:
    refunds = (
        select(OrderRefund.order_id, func.sum(OrderRefund.points_reversed).label("reversed"))
        .group_by(OrderRefund.order_id)
        .subquery()
    )
    rows = session.execute(
        select(
            ShopOrder.order_key,
            ShopOrder.points_reversed,
            ShopOrder.points_earned,
            refunds.c.reversed,
        ).outerjoin(refunds, refunds.c.order_id == ShopOrder.id)
    ).all()
    problems = []
    for key, reversed_, earned, by_refunds in rows:
        if reversed_ != int(by_refunds or 0) or reversed_ > earned:
            problems.append(
                f"order {key}: {reversed_} points reversed of {earned}, refunds say "
                f"{int(by_refunds or 0)}"
            )
    return problems


def _holds(session: DbSession) -> list[str]:
    held = (
        select(PointsHold.member_id, func.sum(PointsHold.points).label("held"))
        .where(PointsHold.status == "HELD")
        .group_by(PointsHold.member_id)
        .subquery()
    )
    rows = session.execute(
        select(Member.user_id, Member.held_points, held.c.held, Member.balance).outerjoin(
            held, held.c.member_id == Member.id
        )
    ).all()
    problems = [
        f"member {u}: {h} points held but HELD holds hold {int(s or 0)}"
        for u, h, s, _b in rows
        if h != int(s or 0)
    ]
    problems += [
        f"member {u}: {h} points held, more than the balance {b}" for u, h, _s, b in rows if h > b
    ]
    paid = (
        select(LedgerEntry.hold_id, func.count().label("n"), func.sum(LedgerEntry.delta).label("d"))
        .where(LedgerEntry.kind == "payment")
        .group_by(LedgerEntry.hold_id)
        .subquery()
    )
    captured = session.execute(
        select(
            PointsHold.id, PointsHold.status, PointsHold.captured_points, paid.c.n, paid.c.d
        ).outerjoin(paid, paid.c.hold_id == PointsHold.id)
    ).all()
    for hold_id, status, points, n, delta in captured:
        if status == "CAPTURED" and (n != 1 or delta != -points):
            problems.append(f"hold {hold_id}: captured {points} without one payment of -{points}")
        if status != "CAPTURED" and n:
            problems.append(f"hold {hold_id}: {status} but paid")
    return problems
