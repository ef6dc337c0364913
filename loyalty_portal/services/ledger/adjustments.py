"""Manual points adjustments by an admin or a trusted integrator."""

from __future__ import annotations

from datetime import datetime

from loyalty_portal.models import LedgerEntry, Member
from loyalty_portal.services.core import audit, outbox
from loyalty_portal.services.core.actors import Actor
from loyalty_portal.services.core.errors import InsufficientPoints, ValidationFailed
from loyalty_portal.services.core.session import DbSession
from loyalty_portal.services.ledger import locks, lots, settlement, spending
from loyalty_portal.services.ledger.expiry import program_lot_expiry
from loyalty_portal.services.program.settings import load_program

MAX_ADJUSTMENT = 10_000_000


def adjust(
    session: DbSession,
    member: Member,
    delta: int,
    *,
    reason: str,
    actor: Actor,
    now: datetime,
    title: str | None = None,
) -> LedgerEntry:
    """Add or remove points with a mandatory reason. Never takes a balance below zero."""
    reason = (reason or "").strip()
    problems: dict[str, list[str]] = {}
    if not reason:
        problems["reason"] = ["A reason is required."]
    elif len(reason) > 500:
        problems["reason"] = ["At most 500 characters."]
    if isinstance(delta, bool) or not isinstance(delta, int) or delta == 0:
        problems["points"] = ["A whole number other than zero."]
    elif abs(delta) > MAX_ADJUSTMENT:
        problems["points"] = [f"At most {MAX_ADJUSTMENT:,} either way."]
    if problems:
        raise ValidationFailed(next(iter(problems.values()))[0], details=problems)

    member = locks.lock_member(session, member.id)
    member = settlement.settle(session, member, now)
    before = member.balance
    title = title or ("Points added" if delta > 0 else "Points removed")
    if delta > 0:
        entry = lots.add_lot(
            session,
            member,
            delta,
            kind="adjust",
            title=title,
            description=reason,
            now=now,
            expires_at=program_lot_expiry(now, load_program(session)),
            **actor.source(),
        )
    else:
        if member.balance + delta < 0:
            raise InsufficientPoints(
                f"Cannot remove {-delta:,} points: the balance is {member.balance:,}.",
                missing_points=-delta - member.balance,
            )
        entry = spending.spend(
            session,
            member,
            -delta,
            kind="adjust",
            title=title,
            description=reason,
            now=now,
            **actor.source(),
        )
    outbox.publish(session, "points.adjusted", outbox.points(member, delta, reason=reason), now)
    audit.record(
        session,
        actor,
        "points.adjust",
        "member",
        member.user_id,
        now=now,
        before={"balance": before},
        after={"balance": member.balance, "delta": delta, "reason": reason},
    )
    return entry
