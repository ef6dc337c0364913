"""Members: lookup, creation, settling due points, group membership and erasure."""

from __future__ import annotations

import re
import secrets
from datetime import datetime

from sqlalchemy import ScalarSelect, delete, select, update

from loyalty_portal.models import (
    Account,
    EventLog,
    IdempotencyKey,
    LedgerEntry,
    Member,
    MemberUserGroup,
    PointsHold,
    Redemption,
    Tier,
    UserGroup,
)
from loyalty_portal.models.enums import OPEN_COUPON_STATUSES, MessageType
from loyalty_portal.services.core import audit, outbox
from loyalty_portal.services.core.actors import Actor
from loyalty_portal.services.core.errors import UserExists, UserNotFound, ValidationFailed
from loyalty_portal.services.core.session import DbSession
from loyalty_portal.services.core.sql import insert_ignore, insert_many_ignore
from loyalty_portal.services.ledger import expiry, locks, pending, spending
from loyalty_portal.services.members import welcome_bonus

USER_ID_PATTERN = re.compile(r"^[A-Za-z0-9_.@:+\-]{1,128}$")


def validate_user_id(user_id: str) -> str:
    if not isinstance(user_id, str) or not USER_ID_PATTERN.fullmatch(user_id):
        raise ValidationFailed(
            "userId must be 1 to 128 letters, digits or _ . @ : + -",
            details={"userId": ["invalid"]},
        )
    return user_id


def find_member(session: DbSession, user_id: str) -> Member | None:
    return session.scalar(
        select(Member).where(Member.user_id == user_id, Member.erased_at.is_(None))
    )


def get_member(session: DbSession, user_id: str) -> Member:
    member = find_member(session, user_id)
    if member is None:
        raise UserNotFound(f"No user {user_id!r}.")
    return member


def base_tier_id() -> ScalarSelect[int]:
    """The tier a member with no points is in (threshold 0), as a subquery of the INSERT:
    a new member is in it from creation, not from the nightly recompute."""
    return select(Tier.id).where(Tier.threshold == 0).scalar_subquery()


def create_member(
    session: DbSession,
    user_id: str,
    now: datetime,
    display_name: str | None = None,
    *,
    welcome: bool = True,
) -> Member:
    """Create a member; a taken userId is `user_exists`. The program's welcome bonus is
    paid through the ledger unless `welcome` is off (an import brings its own balances)."""
    validate_user_id(user_id)
    new_id = insert_ignore(
        session,
        Member.__table__,
        {
            "user_id": user_id,
            "display_name": display_name,
            "balance": 0,
            "lifetime_points": 0,
            "tier_id": base_tier_id(),
            "created_at": now,
        },
        ["user_id"],
    )
    if new_id is None:
        raise UserExists(f"User {user_id!r} already exists.")
    member = session.get_one(Member, new_id)
    welcomed(session, member, now, bonus=welcome)
    return member


def ensure_member(session: DbSession, user_id: str, now: datetime) -> Member:
    """The member with this userId, created if unknown (safe under concurrency); one
    created here (by an event, a token hand-off) gets the welcome bonus too."""
    member = find_member(session, user_id)
    if member is not None:
        return member
    validate_user_id(user_id)
    new_id = insert_ignore(
        session,
        Member.__table__,
        {
            "user_id": user_id,
            "balance": 0,
            "lifetime_points": 0,
            "tier_id": base_tier_id(),
            "created_at": now,
        },
        ["user_id"],
    )
    if new_id is None:  # created meanwhile by a concurrent request
        return get_member(session, user_id)
    member = session.get_one(Member, new_id)
    welcomed(session, member, now)
    return member


def create_members(session: DbSession, user_ids: list[str], now: datetime) -> set[int]:
    """Create the members of these (valid) userIds that don't exist yet, in one insert
    (batch ingest). Returns the new members' ids: the caller locks them, then passes each
    to `welcomed`, as `create_member` does."""
    created = insert_many_ignore(
        session,
        Member.__table__,
        [
            {
                "user_id": u,
                "balance": 0,
                "lifetime_points": 0,
                "tier_id": base_tier_id(),
                "created_at": now,
            }
            for u in user_ids
        ],
        ["user_id"],
    )
    return set(created)


def welcomed(session: DbSession, member: Member, now: datetime, *, bonus: bool = True) -> None:
    """What every new member gets, whichever door made it: the `member.created` message
    and, unless `bonus` is off (an import brings its own balances), the welcome bonus."""
    data = outbox.member(member)
    outbox.publish(session, MessageType.MEMBER_CREATED, data, now, flush=False)
    if bonus:
        welcome_bonus.pay(session, member, now)


def join_groups(session: DbSession, member: Member, group_ids: list[str]) -> None:
    """Add the member to existing groups; an unknown group id is a validation error."""
    wanted = set(group_ids)
    if not wanted:
        return
    known = set(session.scalars(select(UserGroup.id).where(UserGroup.id.in_(wanted))))
    if unknown := sorted(wanted - known):
        raise ValidationFailed(
            f"Unknown user group(s): {', '.join(unknown)}",
            details={"metadata.usergroup": [f"unknown group {g}" for g in unknown]},
        )
    have = {g.id for g in member.usergroups}
    for group_id in sorted(wanted - have):
        session.add(MemberUserGroup(member_id=member.id, usergroup_id=group_id))
    session.flush()
    session.refresh(member, ["usergroups"])


def erase(session: DbSession, member: Member, actor: Actor, now: datetime) -> None:
    """Erase personal data, coupons and history; program totals stay correct.

    The balance is forfeited through the ledger, entries stay (anonymised) so issued,
    redeemed and outstanding totals still add up; the userId becomes free again.
    """
    member = locks.lock_member(session, member.id)
    user_id = member.user_id
    pending.cancel_all(session, member.id, now)
    expiry.expire_due_lots(session, member, now)
    session.execute(  # open holds end with the account (no entry: the points never left)
        update(PointsHold)
        .where(PointsHold.member_id == member.id, PointsHold.status == "HELD")
        .values(status="RELEASED", settled_at=now, hold_metadata={})
    )
    member.held_points = 0
    if member.balance > 0:
        spending.spend(
            session,
            member,
            member.balance,
            kind="adjust",
            title="Balance forfeited",
            description="The account was erased.",
            now=now,
            **actor.source(),
        )
    session.execute(
        update(Redemption)
        .where(Redemption.member_id == member.id, Redemption.status.in_(OPEN_COUPON_STATUSES))
        .values(status="CANCELLED", cancelled_at=now)
    )
    session.execute(
        update(Redemption)
        .where(Redemption.member_id == member.id)
        .values(code=None, coupon_metadata={}, note="erased")
    )
    session.execute(
        update(LedgerEntry).where(LedgerEntry.member_id == member.id).values(description="")
    )
    session.execute(
        update(EventLog).where(EventLog.member_id == member.id).values(event_metadata={})
    )
    session.execute(delete(MemberUserGroup).where(MemberUserGroup.member_id == member.id))
    session.execute(delete(Account).where(Account.member_id == member.id))
    session.execute(delete(IdempotencyKey).where(IdempotencyKey.principal == f"user:{user_id}"))
    member.user_id = f"erased:{member.id}:{secrets.token_hex(4)}"
    member.display_name = None
    member.erased_at = now
    member.tier = None
    audit.record(
        session,
        actor,
        "member.erase",
        "member",
        str(member.id),
        now=now,
        before={"userId": user_id},
        after=None,
    )
    session.flush()
    session.expire(member)
