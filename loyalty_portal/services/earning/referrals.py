"""Two-sided referrals: a readable code per member, friends referred when they are created,
and both rewarded once, when the friend's first qualifying event earns points.

Points that are pending (the rule's return window) have not been earned yet: the referral
completes when they become available (`pending.on_release`). A refund that cancels them
first leaves it waiting for the friend's next qualifying event.

Once only: the referral row is unique per friend and is claimed by one conditional UPDATE
(`completed_at IS NULL`) under the friend's lock, so a qualifying event sent twice at the
same moment completes it once. The referrer's monthly cap is counted under the
referrer's lock, so concurrent completions of different friends cannot both take its
last place. Locks go friend -> referrer: a referrer always exists before the friend, so
two completions never wait on each other in a circle.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from loyalty_portal.models import EventLog, Member, PendingAward, Referral
from loyalty_portal.models.enums import MessageType
from loyalty_portal.services.core import outbox
from loyalty_portal.services.core.errors import ReferralInvalid
from loyalty_portal.services.core.session import DbSession
from loyalty_portal.services.earning import rule_snapshots
from loyalty_portal.services.earning.evaluation import Evaluation
from loyalty_portal.services.ledger import locks, lots, pending, settlement
from loyalty_portal.services.program import tiers
from loyalty_portal.services.program.growth_settings import GrowthProgram, load_growth
from loyalty_portal.services.program.settings import load_program
from loyalty_portal.timeutil import period_start

#: The coupon alphabet (no 0/O, 1/I/L): codes read aloud or typed from paper survive.
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8


def code_for(session: DbSession, member: Member) -> str:
    """The member's referral code, created on first use (unique; retried on a clash)."""
    if member.referral_code:
        return member.referral_code
    for _ in range(5):
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        try:
            with session.begin_nested():
                claimed = session.execute(
                    update(Member)
                    .where(Member.id == member.id, Member.referral_code.is_(None))
                    .values(referral_code=code)
                    .returning(Member.referral_code)
                ).scalar()
        except IntegrityError:  # another member has this code: draw again
            continue
        if claimed is None:  # a concurrent request gave the member its code first
            session.refresh(member, ["referral_code"])
            assert member.referral_code is not None
            return member.referral_code
        member.referral_code = claimed
        return code
    raise RuntimeError("could not draw a unique referral code")


def referrer_for_code(session: DbSession, code: str, *, friend_user_id: str | None) -> Member:
    """The member whose code this is. Unknown, or the friend's own: ReferralInvalid."""
    normalised = (code or "").strip().upper()
    referrer = (
        session.scalar(
            select(Member).where(Member.referral_code == normalised, Member.erased_at.is_(None))
        )
        if normalised
        else None
    )
    if referrer is None:
        raise ReferralInvalid(
            "This referral code is not valid.", details={"referralCode": ["unknown"]}
        )
    if friend_user_id is not None and referrer.user_id == friend_user_id:
        raise ReferralInvalid(
            "A member cannot refer themself.", details={"referralCode": ["your own code"]}
        )
    return referrer


def refer(session: DbSession, friend: Member, referrer: Member, now: datetime) -> Referral:
    """Record that `referrer` invited `friend` (who was just created)."""
    if friend.id == referrer.id:
        raise ReferralInvalid("A member cannot refer themself.")
    referral = Referral(referrer_id=referrer.id, friend_id=friend.id, created_at=now)
    session.add(referral)
    session.flush()
    return referral


def qualifies(growth: GrowthProgram, ev: Evaluation) -> bool:
    """Does this evaluated event complete a waiting referral? (Read from the cache.)"""
    return ev.points > 0 and _qualifying_event(growth, ev.rule.event_id, ev.value)


def _qualifying_event(growth: GrowthProgram, event_id: str, value: Decimal | None) -> bool:
    if not growth.referrals_enabled or event_id != growth.qualifying_event_id:
        return False
    minimum = growth.minimum_value
    return minimum is None or (value is not None and value >= minimum)


def complete_if_qualifying(
    session: DbSession, friend: Member, ev: Evaluation, log: EventLog, now: datetime
) -> Referral | None:
    """Called under the friend's lock after its event was logged: pay both sides once.
    Pending points complete it when they are released (`complete_on_release`)."""
    growth = load_growth(session)
    if not qualifies(growth, ev) or log.pending_points > 0:
        return None
    return _complete(session, growth, friend, log, now)


@pending.on_release
def complete_on_release(
    session: DbSession, friend: Member, awards: list[PendingAward], now: datetime
) -> None:
    """The friend's pending points became available: a qualifying event's completes it."""
    growth = load_growth(session)
    if not growth.referrals_enabled or growth.qualifying_event_id is None:
        return
    for award in awards:
        log = session.get_one(EventLog, award.event_log_id)
        if _qualifying_event(growth, log.event_key, log.value):
            _complete(session, growth, friend, log, now)
            return


def _complete(
    session: DbSession, growth: GrowthProgram, friend: Member, log: EventLog, now: datetime
) -> Referral | None:
    """Claim the friend's waiting referral (once) and pay both sides."""
    claimed = session.execute(
        update(Referral)
        .where(Referral.friend_id == friend.id, Referral.completed_at.is_(None))
        .values(completed_at=now)
        .returning(Referral.id, Referral.referrer_id)
    ).first()
    if claimed is None:
        return None
    referral = session.get_one(Referral, claimed.id)
    locked = locks.lock_member_for_change(session, now, member_id=claimed.referrer_id)
    assert locked is not None
    referrer = settlement.settle(session, locked.member, now) if locked.due else locked.member
    if growth.friend_points:
        lots.add_lot(
            session,
            friend,
            growth.friend_points,
            kind="earn",
            title=f"Referral bonus: invited by {referrer.name}"[:200],
            now=now,
            expires_at=None,
            event_log_id=log.id,
        )
        referral.friend_points = growth.friend_points
    if growth.referrer_points and _under_cap(session, growth, referrer.id, referral.id, now):
        lots.add_lot(
            session,
            referrer,
            growth.referrer_points,
            kind="earn",
            title=f"Referral: {friend.name} joined"[:200],
            now=now,
            expires_at=None,
            event_log_id=log.id,
        )
        referral.referrer_points = growth.referrer_points
    window = load_program(session).tier_window_days  # the rewards are earned points
    for paid in {friend.id: friend, referrer.id: referrer}.values():
        tiers.recompute(session, paid, now, window)
    data = {
        "userId": referrer.user_id,
        "friendUserId": friend.user_id,
        "points": referral.referrer_points or 0,
        "friendPoints": referral.friend_points or 0,
        "balance": referrer.balance,
    }
    outbox.publish(session, MessageType.REFERRAL_COMPLETED, data, now, flush=False)
    session.flush()
    return referral


def _under_cap(
    session: DbSession, growth: GrowthProgram, referrer_id: int, this_id: int, now: datetime
) -> bool:
    """Fewer paid completions this month (program zone) than the cap; read under its lock."""
    if growth.monthly_cap is None:
        return True
    start = period_start(now, "month", load_program(session).timezone)
    paid = session.scalar(
        select(func.count())
        .select_from(Referral)
        .where(
            Referral.referrer_id == referrer_id,
            Referral.id != this_id,
            Referral.referrer_points > 0,
            Referral.completed_at >= start,
        )
    )
    return int(paid or 0) < growth.monthly_cap


@dataclass(frozen=True)
class ReferralStats:
    code: str
    invited: int
    completed: int
    points_earned: int


def stats_for(session: DbSession, member: Member) -> ReferralStats:
    """The member's code (created if missing) and how their invitations went."""
    code = code_for(session, member)
    row = session.execute(
        select(
            func.count(),
            func.count(Referral.completed_at),
            func.coalesce(func.sum(Referral.referrer_points), 0),
        ).where(Referral.referrer_id == member.id)
    ).one()
    return ReferralStats(code, int(row[0]), int(row[1]), int(row[2]))


@dataclass(frozen=True)
class Invitation:
    """What a friend registering through a referral link is told."""

    code: str
    referrer_name: str
    friend_points: int
    qualifying_title: str | None
    enabled: bool


def invitation(session: DbSession, code: str | None) -> Invitation | None:
    """The invitation behind `code`, or None when there is no valid code."""
    if not (code or "").strip():
        return None
    try:
        referrer = referrer_for_code(session, code or "", friend_user_id=None)
    except ReferralInvalid:
        return None
    growth = load_growth(session)
    rule = (
        rule_snapshots.all_rules_by_event(session).get(growth.qualifying_event_id)
        if growth.qualifying_event_id
        else None
    )
    return Invitation(
        code=referrer.referral_code or "",
        referrer_name=referrer.name,
        friend_points=growth.friend_points,
        qualifying_title=rule.title if rule else None,
        enabled=growth.referrals_enabled,
    )
