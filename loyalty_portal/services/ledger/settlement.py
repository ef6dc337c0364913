"""Settling a member: what is due at `now` (pending points released, lots expired) is booked."""

from __future__ import annotations

from datetime import datetime

from loyalty_portal.models import Member
from loyalty_portal.services.core.session import DbSession
from loyalty_portal.services.ledger import expiry, hold_expiry, pending
from loyalty_portal.services.ledger.locks import lock_member
from loyalty_portal.services.program.settings import load_program


def settle(session: DbSession, member: Member, now: datetime) -> Member:
    """Release due pending points, expire due lots and holds: balances exact at `now`.

    Cheap when nothing is due (indexed probes, no lock). Returns the member,
    locked and reloaded if anything had to change.
    """
    if not (
        pending.has_due(session, member.id, now)
        or expiry.has_due_lots(session, member.id, now)
        or hold_expiry.has_due_holds(session, member.id, now)
    ):
        return member
    locked = lock_member(session, member.id)
    pending.release_due(session, locked, now, load_program(session))
    expiry.expire_due_lots(session, locked, now)
    hold_expiry.expire_due_holds(session, locked, now)
    session.flush()
    return locked
