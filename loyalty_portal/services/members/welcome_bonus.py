"""The welcome bonus: points a new member gets on creation, as an earning in the ledger
(so it counts toward tiers, expires like any earning and shows in the history)."""

from __future__ import annotations

from datetime import datetime

from loyalty_portal.models import LedgerEntry, Member
from loyalty_portal.models.enums import MessageType
from loyalty_portal.services.core import outbox
from loyalty_portal.services.core.actors import Actor
from loyalty_portal.services.core.session import DbSession
from loyalty_portal.services.ledger import lots
from loyalty_portal.services.ledger.expiry import program_lot_expiry
from loyalty_portal.services.program import tiers
from loyalty_portal.services.program.settings import load_program

TITLE = "Welcome bonus"


def pay(session: DbSession, member: Member, now: datetime) -> LedgerEntry | None:
    """Credit the program's welcome bonus, if one is set; the tier follows at once."""
    program = load_program(session)
    if program.welcome_bonus <= 0:
        return None
    entry = lots.add_lot(
        session,
        member,
        program.welcome_bonus,
        kind="earn",
        title=TITLE,
        description="Thanks for joining.",
        now=now,
        expires_at=program_lot_expiry(now, program),
        **Actor.system("welcome").source(),
    )
    data = outbox.points(member, program.welcome_bonus, title=TITLE)
    outbox.publish(session, MessageType.POINTS_EARNED, data, now, flush=False)
    tiers.recompute(session, member, now, program.tier_window_days)
    session.flush()
    return entry
