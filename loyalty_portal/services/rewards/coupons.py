"""Coupons (a member's redemptions): listing, and the lifecycle fulfil, use, cancel with refund."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update

from loyalty_portal.models import Member, Offer, Redemption
from loyalty_portal.models.enums import OPEN_COUPON_STATUSES, MessageType
from loyalty_portal.services.core import audit, outbox
from loyalty_portal.services.core.actors import Actor
from loyalty_portal.services.core.errors import CouponNotActive, CouponNotFound, ValidationFailed
from loyalty_portal.services.core.pages import Page, fetch_page
from loyalty_portal.services.core.session import DbSession
from loyalty_portal.services.core.sql import rowcount
from loyalty_portal.services.ledger.expiry import program_lot_expiry
from loyalty_portal.services.ledger.locks import lock_member
from loyalty_portal.services.ledger.lots import add_lot
from loyalty_portal.services.program.settings import Program, load_program
from loyalty_portal.services.rewards import codes
from loyalty_portal.services.rewards.offer_terms import OfferTerms
from loyalty_portal.timeutil import to_epoch_ms


def member_coupons(
    session: DbSession,
    member: Member,
    *,
    limit: int = 20,
    offset: int = 0,
    statuses: tuple[str, ...] | None = None,
) -> Page[Redemption]:
    """The member's redemptions, newest first (walks ix_redemption_member_time).

    `statuses` filters on the stored status; an ACTIVE coupon past its date is shown as
    EXPIRED by `Redemption.status_at`.
    """
    stmt = select(Redemption).where(Redemption.member_id == member.id)
    if statuses:
        stmt = stmt.where(Redemption.status.in_(statuses))
    stmt = stmt.order_by(Redemption.created_at.desc(), Redemption.id.desc())
    return fetch_page(session, stmt, per_page=limit, offset=offset, number=offset // limit + 1)


def coupon_expiry(offer: Offer | OfferTerms, now: datetime, program: Program) -> datetime | None:
    days = offer.coupon_valid_days or program.coupon_valid_days
    return now + timedelta(days=days) if days else None


def activate(redemption: Redemption, code: str, now: datetime, expires_at: datetime | None) -> None:
    redemption.status = "ACTIVE"
    redemption.code = code
    redemption.fulfilled_at = now
    redemption.expires_at = expires_at


def get_coupon(session: DbSession, coupon_id: str, member: Member | None = None) -> Redemption:
    redemption = session.get(Redemption, coupon_id)
    if redemption is None or (member is not None and redemption.member_id != member.id):
        raise CouponNotFound(f"No coupon {coupon_id!r}.")
    return redemption


def find_by_code(session: DbSession, code: str) -> list[Redemption]:
    """The coupons carrying this code (a code is unique within an offer, not across them)."""
    code = code.strip()
    if not code or len(code) > 128 or "\x00" in code:
        raise ValidationFailed(
            "Type the code as the member shows it (at most 128 characters).",
            details={"code": ["not a code"]},
        )
    stmt = select(Redemption).where(Redemption.code == code).order_by(Redemption.created_at.desc())
    return list(session.scalars(stmt.limit(20)))


def use_coupon(session: DbSession, member: Member, coupon_id: str, now: datetime) -> Redemption:
    """ACTIVE -> USED (at a till). Anything else is `coupon_not_active`."""
    return _mark_used(session, get_coupon(session, coupon_id, member), now)


def mark_used(session: DbSession, coupon_id: str, *, actor: Actor, now: datetime) -> Redemption:
    """An admin marks a coupon used (found by its code at a till); audited."""
    redemption = _mark_used(session, get_coupon(session, coupon_id), now)
    audit.record(
        session,
        actor,
        "redemption.use",
        "redemption",
        coupon_id,
        now=now,
        before={"status": "ACTIVE"},
        after={"status": "USED"},
    )
    return redemption


def _mark_used(session: DbSession, redemption: Redemption, now: datetime) -> Redemption:
    changed = rowcount(
        session.execute(
            update(Redemption)
            .where(
                Redemption.id == redemption.id,
                Redemption.status == "ACTIVE",
                (Redemption.expires_at.is_(None)) | (Redemption.expires_at > now),
            )
            .values(status="USED", used_at=now)
            .execution_options(synchronize_session=False)
        )
    )
    session.refresh(redemption)
    if not changed:
        raise CouponNotActive(f"Coupon is {redemption.status_at(now).lower()}, not active.")
    data = outbox.coupon(redemption, redemption.member, usedAt=to_epoch_ms(now))
    outbox.publish(session, MessageType.REDEMPTION_USED, data, now)
    return redemption


def fulfil(
    session: DbSession, coupon_id: str, *, actor: Actor, now: datetime, code: str | None = None
) -> Redemption:
    """Issue a PENDING (manually fulfilled) redemption: PENDING -> ACTIVE with a code."""
    redemption = get_coupon(session, coupon_id)
    code = (code or "").strip() or codes.generate_code()
    if len(code) > 128:
        raise ValidationFailed("A code is at most 128 characters.", details={"code": ["too long"]})
    expires_at = coupon_expiry(redemption.offer, now, load_program(session))
    changed = rowcount(
        session.execute(
            update(Redemption)
            .where(Redemption.id == coupon_id, Redemption.status == "PENDING")
            .values(status="ACTIVE", code=code, fulfilled_at=now, expires_at=expires_at)
            .execution_options(synchronize_session=False)
        )
    )
    session.refresh(redemption)
    if not changed:
        raise CouponNotActive(
            f"Only pending redemptions can be issued; this one is {redemption.status.lower()}."
        )
    audit.record(
        session,
        actor,
        "redemption.fulfil",
        "redemption",
        coupon_id,
        now=now,
        before={"status": "PENDING"},
        after={"status": "ACTIVE"},
    )
    data = outbox.coupon(redemption, redemption.member, fulfilledAt=to_epoch_ms(now))
    outbox.publish(session, MessageType.REDEMPTION_FULFILLED, data, now)
    return redemption


def cancel(
    session: DbSession, coupon_id: str, *, actor: Actor, now: datetime, reason: str = ""
) -> Redemption:
    """Cancel a PENDING or ACTIVE redemption: points back as a new lot, stock restored."""
    redemption = get_coupon(session, coupon_id)
    before = redemption.status_at(now)
    changed = rowcount(
        session.execute(
            update(Redemption)
            .where(Redemption.id == coupon_id, Redemption.status.in_(OPEN_COUPON_STATUSES))
            .values(status="CANCELLED", cancelled_at=now, note=reason[:500] or None)
            .execution_options(synchronize_session=False)
        )
    )
    session.refresh(redemption)
    if not changed:
        raise CouponNotActive(
            "Only pending or active coupons can be cancelled; "
            f"this one is {redemption.status.lower()}."
        )
    offer = redemption.offer
    member = lock_member(session, redemption.member_id)  # before the offer, as redeem does
    if offer.stock is not None:
        session.execute(update(Offer).where(Offer.id == offer.id).values(stock=Offer.stock + 1))
    add_lot(
        session,
        member,
        redemption.points,
        kind="refund",
        title=f"Refund: {offer.title}",
        description=reason or "Redemption cancelled.",
        now=now,
        expires_at=program_lot_expiry(now, load_program(session)),
        redemption_id=redemption.id,
    )
    audit.record(
        session,
        actor,
        "redemption.cancel",
        "redemption",
        coupon_id,
        now=now,
        before={"status": before},
        after={"status": "CANCELLED", "reason": reason},
    )
    data = outbox.coupon(redemption, member, refunded=redemption.points, reason=reason)
    outbox.publish(session, MessageType.REDEMPTION_CANCELLED, data, now)
    session.flush()
    return redemption
