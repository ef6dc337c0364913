"""Points holds: pay with points at checkout, in two phases.

A hold takes points out of the spendable balance at once (`Member.held_points`, changed
only under the member's row lock, so holds and redemptions racing for the same points
never both win). Capture spends the captured points from the lots that expire first, as
one `payment` entry titled after the order, and frees the rest; release and expiry free
them all and leave no entry (the points never left).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from loyalty_portal.models import Member, PointsHold
from loyalty_portal.models.enums import MessageType
from loyalty_portal.services.core import audit, outbox
from loyalty_portal.services.core.actors import Actor
from loyalty_portal.services.core.errors import (
    HoldExpired,
    HoldNotActive,
    HoldNotFound,
    InsufficientPoints,
    UserNotFound,
    ValidationFailed,
)
from loyalty_portal.services.core.session import DbSession
from loyalty_portal.services.ledger import locks, settlement
from loyalty_portal.services.ledger.spending import spend, spendable


@dataclass(frozen=True)
class HoldView:
    """A hold as of `now`: a HELD hold past its expiry reads EXPIRED before it is settled."""

    hold: PointsHold
    user_id: str
    status: str


def view(hold: PointsHold, user_id: str, now: datetime) -> HoldView:
    expired = hold.status == "HELD" and hold.expires_at <= now
    return HoldView(hold, user_id, "EXPIRED" if expired else hold.status)


def create_hold(
    session: DbSession,
    user_id: str,
    points: int,
    *,
    now: datetime,
    expires_in: int = 900,
    order_key: str | None = None,
    metadata: dict[str, Any] | None = None,
) -> tuple[PointsHold, Member]:
    """Reserve `points` of the member's spendable balance, or InsufficientPoints."""
    locked = locks.lock_member_for_change(session, now, user_id=user_id)
    if locked is None:
        raise UserNotFound(f"No user {user_id!r}.")
    member = settlement.settle(session, locked.member, now) if locked.due else locked.member
    available = spendable(member)
    if points > available:
        raise InsufficientPoints(
            f"{points:,} points needed, {available:,} available.",
            missing_points=points - available,
        )
    hold = PointsHold(
        id="hd_" + secrets.token_hex(8),
        member_id=member.id,
        points=points,
        captured_points=0,
        status="HELD",
        order_key=order_key,
        hold_metadata=dict(metadata or {}),
        created_at=now,
        expires_at=now + timedelta(seconds=expires_in),
    )
    session.add(hold)
    member.held_points += points
    session.flush()
    return hold, member


def _locked_hold(
    session: DbSession, hold_id: str, now: datetime, owner: str | None
) -> tuple[PointsHold, Member]:
    """The hold and its member, locked and settled. `owner`: a member acting for itself
    sees only its own holds (another's is as unknown as a missing one)."""
    holder = select(PointsHold.member_id).where(PointsHold.id == hold_id).scalar_subquery()
    stmt = (
        select(
            Member,
            locks.due_pending_exists(now),
            locks.due_lots_exist(now),
            locks.due_holds_exist(now),
        )
        .where(Member.id == holder, Member.erased_at.is_(None))
    )
    if owner is not None:
        stmt = stmt.where(Member.user_id == owner)
    row = session.execute(
        stmt.with_for_update(of=Member).execution_options(populate_existing=True)
    ).first()
    if row is None:
        raise HoldNotFound(f"No hold {hold_id!r}.")
    member = row[0]
    if row[1] or row[2] or row[3]:
        member = settlement.settle(session, member, now)
    hold = session.execute(
        select(PointsHold).where(PointsHold.id == hold_id).execution_options(populate_existing=True)
    ).scalar_one()
    if hold.status != "HELD":
        error = HoldExpired if hold.status == "EXPIRED" else HoldNotActive
        raise error(f"Hold {hold_id!r} is {hold.status}.")
    return hold, member


def capture(
    session: DbSession, hold_id: str, points: int | None, *, now: datetime
) -> tuple[PointsHold, Member]:
    """Spend `points` of the hold (default all) and free the rest."""
    hold, member = _locked_hold(session, hold_id, now, None)
    taken = hold.points if points is None else points
    if not 1 <= taken <= hold.points:
        raise ValidationFailed(
            f"Capture 1 to {hold.points:,} points.", details={"points": [f"1..{hold.points}"]}
        )
    hold.status, hold.captured_points, hold.settled_at = "CAPTURED", taken, now
    member.held_points -= hold.points
    title = f"Paid: order {hold.order_key}" if hold.order_key else "Paid with points"
    with session.no_autoflush:  # the hold, the member and the entry in one flush
        spend(
            session,
            member,
            taken,
            kind="payment",
            title=title,
            description=f"{taken:,} of {hold.points:,} held points captured.",
            now=now,
            expire_first=False,
            hold_id=hold.id,
            source_note="hold_capture",
        )
        data = outbox.points(
            member, -taken, holdId=hold.id, orderId=hold.order_key, capturedPoints=taken
        )
        outbox.publish(session, MessageType.HOLD_CAPTURED, data, now, flush=False)
    return hold, member


def release(
    session: DbSession,
    hold_id: str,
    *,
    now: datetime,
    owner: str | None = None,
    audited_by: Actor | None = None,
) -> tuple[PointsHold, Member]:
    """Free all of the hold's points; no ledger entry. `audited_by`: the admin who did it."""
    hold, member = _locked_hold(session, hold_id, now, owner)
    hold.status, hold.settled_at = "RELEASED", now
    member.held_points -= hold.points
    if audited_by is not None:
        audit.record(
            session,
            audited_by,
            "hold.release",
            "hold",
            hold.id,
            after={"userId": member.user_id, "points": hold.points},
        )
    session.flush()
    return hold, member


def get_hold(session: DbSession, hold_id: str, now: datetime, owner: str | None) -> HoldView:
    stmt = (
        select(PointsHold, Member.user_id)
        .join(Member, Member.id == PointsHold.member_id)
        .where(PointsHold.id == hold_id, Member.erased_at.is_(None))
    )
    if owner is not None:
        stmt = stmt.where(Member.user_id == owner)
    row = session.execute(stmt).first()
    if row is None:
        raise HoldNotFound(f"No hold {hold_id!r}.")
    return view(row[0], row[1], now)


def active_holds(session: DbSession, member_id: int, now: datetime) -> list[PointsHold]:
    """The member's holds still held at `now`, soonest to expire first."""
    return list(
        session.scalars(
            select(PointsHold)
            .where(
                PointsHold.member_id == member_id,
                PointsHold.status == "HELD",
                PointsHold.expires_at > now,
            )
            .order_by(PointsHold.expires_at, PointsHold.id)
        )
    )
