"""`ledger verify`: recompute every invariant of DESIGN.md from the rows themselves."""

from __future__ import annotations

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import aliased

from loyalty_portal.models import (
    IdempotencyKey,
    LedgerEntry,
    Member,
    MemberPointsDay,
    Offer,
    Redemption,
)
from loyalty_portal.models.enums import COUNTED_COUPON_STATUSES
from loyalty_portal.services.core.session import DbSession
from loyalty_portal.services.ledger.checkout_invariants import checkout_invariants


def verify(session: DbSession) -> list[str]:
    """Every drift found, as sentences; an empty list means the ledger is sound."""
    problems: list[str] = []
    problems += _balances(session)
    problems += _bounds(session)
    problems += _limits(session)
    problems += _redemptions(session)
    problems += _entries(session)
    problems += _idempotency(session)
    problems += _rollups(session)
    problems += checkout_invariants(session)
    return problems


def _rollups(session: DbSession) -> list[str]:
    days = (
        select(MemberPointsDay.member_id, func.sum(MemberPointsDay.earned).label("earned"))
        .group_by(MemberPointsDay.member_id)
        .subquery()
    )
    rows = session.execute(
        select(Member.user_id, Member.lifetime_points, days.c.earned)
        .outerjoin(days, days.c.member_id == Member.id)
        .where(Member.lifetime_points != func.coalesce(days.c.earned, 0))
    ).all()
    return [
        f"member {u}: lifetime points {lp} but daily rollups hold {d or 0}" for u, lp, d in rows
    ]


def _balances(session: DbSession) -> list[str]:
    sums = (
        select(
            LedgerEntry.member_id.label("member_id"),
            func.sum(LedgerEntry.delta).label("deltas"),
            func.sum(func.coalesce(LedgerEntry.remaining, 0)).label("remaining"),
            func.sum(case((LedgerEntry.kind == "earn", LedgerEntry.delta), else_=0)).label(
                "earned"
            ),
        )
        .group_by(LedgerEntry.member_id)
        .subquery()
    )
    rows = session.execute(
        select(
            Member.user_id,
            Member.balance,
            Member.lifetime_points,
            sums.c.deltas,
            sums.c.remaining,
            sums.c.earned,
        ).outerjoin(sums, sums.c.member_id == Member.id)
    ).all()
    problems = []
    for user_id, balance, lifetime, deltas, remaining, earned in rows:
        deltas, remaining, earned = int(deltas or 0), int(remaining or 0), int(earned or 0)
        if balance != deltas:
            problems.append(f"member {user_id}: balance {balance} but entries sum to {deltas}")
        if balance != remaining:
            problems.append(f"member {user_id}: balance {balance} but live lots hold {remaining}")
        if lifetime != earned:
            problems.append(f"member {user_id}: lifetime points {lifetime} but earned {earned}")
    return problems


def _bounds(session: DbSession) -> list[str]:
    problems = [
        f"member {u}: negative balance {b}"
        for u, b in session.execute(
            select(Member.user_id, Member.balance).where(Member.balance < 0)
        )
    ]
    problems += [
        f"offer {o}: negative stock {s}"
        for o, s in session.execute(select(Offer.id, Offer.stock).where(Offer.stock < 0))
    ]
    bad_lots = session.scalars(
        select(LedgerEntry.id).where(
            LedgerEntry.remaining.is_not(None),
            or_(LedgerEntry.remaining < 0, LedgerEntry.remaining > LedgerEntry.delta),
        )
    )
    problems += [f"entry {i}: lot remainder outside 0..delta" for i in bad_lots]
    return problems


def _limits(session: DbSession) -> list[str]:
    rows = session.execute(
        select(Member.user_id, Offer.id, Offer.limit_per_member, func.count())
        .join(Redemption, Redemption.member_id == Member.id)
        .join(Offer, Offer.id == Redemption.offer_id)
        .where(Offer.limit_per_member.is_not(None), Redemption.status.in_(COUNTED_COUPON_STATUSES))
        .group_by(Member.user_id, Offer.id, Offer.limit_per_member)
        .having(func.count() > Offer.limit_per_member)
    ).all()
    return [f"member {u}: {n} redemptions of {o}, limit {lim}" for u, o, lim, n in rows]


def _redemptions(session: DbSession) -> list[str]:
    spent = (
        select(
            LedgerEntry.redemption_id,
            func.count().label("n"),
            func.sum(LedgerEntry.delta).label("total"),
        )
        .where(LedgerEntry.kind == "redeem")
        .group_by(LedgerEntry.redemption_id)
        .subquery()
    )
    refunded = (
        select(
            LedgerEntry.redemption_id,
            func.count().label("n"),
            func.sum(LedgerEntry.delta).label("total"),
        )
        .where(LedgerEntry.kind == "refund")
        .group_by(LedgerEntry.redemption_id)
        .subquery()
    )
    rows = session.execute(
        select(
            Redemption.id,
            Redemption.status,
            Redemption.points,
            Redemption.code,
            Member.erased_at,
            spent.c.n,
            spent.c.total,
            refunded.c.n,
            refunded.c.total,
        )
        .join(Member, Member.id == Redemption.member_id)
        .outerjoin(spent, spent.c.redemption_id == Redemption.id)
        .outerjoin(refunded, refunded.c.redemption_id == Redemption.id)
    ).all()
    problems = []
    for rid, status, points, code, erased, n_spent, spent_total, n_ref, ref_total in rows:
        if n_spent != 1 or spent_total != -points:
            problems.append(f"redemption {rid}: expected one redeem entry of -{points}")
        if status == "CANCELLED" and not erased and (n_ref != 1 or ref_total != points):
            problems.append(f"redemption {rid}: cancelled without a refund of {points}")
        if status != "CANCELLED" and n_ref:
            problems.append(f"redemption {rid}: refunded but {status}")
        if status in ("ACTIVE", "USED") and not code and not erased:
            problems.append(f"redemption {rid}: {status} without a code")
    return problems


def _entries(session: DbSession) -> list[str]:
    untitled = session.scalars(
        select(LedgerEntry.id).where(or_(LedgerEntry.title.is_(None), LedgerEntry.title == ""))
    )
    problems = [f"entry {i}: no title" for i in untitled]
    lot = aliased(LedgerEntry)
    twice = session.execute(
        select(LedgerEntry.lot_id, func.count())
        .where(LedgerEntry.kind == "expire")
        .group_by(LedgerEntry.lot_id)
        .having(func.count() > 1)
    ).all()
    problems += [f"lot {i}: expired {n} times" for i, n in twice]
    orphan = session.scalars(
        select(LedgerEntry.id)
        .outerjoin(lot, and_(lot.id == LedgerEntry.lot_id, lot.member_id == LedgerEntry.member_id))
        .where(LedgerEntry.kind == "expire", lot.id.is_(None))
    )
    problems += [f"entry {i}: expiry of an unknown lot" for i in orphan]
    return problems


def _idempotency(session: DbSession) -> list[str]:
    rows = session.scalars(
        select(IdempotencyKey.id).where(
            IdempotencyKey.state == "done", IdempotencyKey.response_status.is_(None)
        )
    )
    return [f"idempotency key {i}: done without a stored response" for i in rows]
