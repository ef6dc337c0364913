"""Redeeming offers and the coupon lifecycle: fulfil, use, cancel with refund."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from loyalty_portal.models import CouponCode, Member, Offer, Redemption
from loyalty_portal.services import audit, ledger, members
from loyalty_portal.services.actors import Actor
from loyalty_portal.services.eligibility import (
    Refusal,
    availability_refusal,
    counted_refusal,
    redemptions_by_offer,
)
from loyalty_portal.services.errors import (
    CouponNotActive,
    CouponNotFound,
    OfferNotFound,
    RedemptionRefused,
    ValidationFailed,
)
from loyalty_portal.services.expiry import program_lot_expiry
from loyalty_portal.services.program import Program, load_program

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def generate_code() -> str:
    """A coupon code that is easy to read out: XXXX-XXXX-XXXX, no 0/O or 1/I."""
    chars = "".join(secrets.choice(CODE_ALPHABET) for _ in range(12))
    return f"{chars[:4]}-{chars[4:8]}-{chars[8:]}"


def new_coupon_id() -> str:
    return "cp_" + secrets.token_hex(8)


def get_offer(session: Session, offer_id: str) -> Offer:
    offer = session.get(Offer, offer_id)
    if offer is None:
        raise OfferNotFound(f"No offer {offer_id!r}.")
    return offer


def _refuse(refusal: Refusal) -> RedemptionRefused:
    return RedemptionRefused(refusal.code, refusal.message, missing_points=refusal.missing_points)


def _coupon_expiry(offer: Offer, now: datetime, program: Program) -> datetime | None:
    days = offer.coupon_valid_days or program.coupon_valid_days
    return now + timedelta(days=days) if days else None


def redeem(
    session: Session,
    member: Member,
    offer_id: str,
    *,
    now: datetime,
    actor: Actor,
    metadata: dict[str, Any] | None = None,
) -> Redemption:
    """Check and spend in one transaction: points, stock, limit, coupon and entry, or none.

    Lock order: the offer row (conditional stock decrement), then the member row.
    """
    offer = get_offer(session, offer_id)
    if refusal := availability_refusal(offer, member, now):
        raise _refuse(refusal)
    if offer.stock is not None:
        left = session.execute(
            update(Offer)
            .where(Offer.id == offer.id, Offer.stock > 0)
            .values(stock=Offer.stock - 1)
            .returning(Offer.stock)
        ).scalar()
        if left is None:
            raise _refuse(Refusal("out_of_stock", "Out of stock."))
    member = ledger.lock_member(session, member.id)
    member = members.settle(session, member, now)
    taken = redemptions_by_offer(session, member.id, [offer.id]).get(offer.id, 0)
    # Stock was reserved above and a pool code is claimed below, both atomically.
    if refusal := counted_refusal(offer, member.balance, taken, None, stock_reserved=True):
        raise _refuse(refusal)

    program = load_program(session)
    redemption = Redemption(
        id=new_coupon_id(),
        member_id=member.id,
        offer_id=offer.id,
        points=offer.cost,
        status="PENDING",
        coupon_metadata=dict(metadata or {}),
        created_at=now,
    )
    if offer.fulfilment == "auto":
        _activate(redemption, generate_code(), now, _coupon_expiry(offer, now, program))
    session.add(redemption)
    session.flush()
    if offer.fulfilment == "pool":
        code = _claim_pool_code(session, offer.id, redemption.id)
        if code is None:
            raise _refuse(Refusal("out_of_stock", "Out of stock."))
        _activate(redemption, code, now, _coupon_expiry(offer, now, program))
    ledger.spend(
        session,
        member,
        offer.cost,
        kind="redeem",
        title=f"Redeemed: {offer.title}",
        description=offer.shop.name if offer.shop else "",
        now=now,
        redemption_id=redemption.id,
    )
    session.flush()
    return redemption


def _activate(
    redemption: Redemption, code: str, now: datetime, expires_at: datetime | None
) -> None:
    redemption.status = "ACTIVE"
    redemption.code = code
    redemption.fulfilled_at = now
    redemption.expires_at = expires_at


def _claim_pool_code(session: Session, offer_id: str, redemption_id: str) -> str | None:
    free = (
        select(CouponCode.id)
        .where(CouponCode.offer_id == offer_id, CouponCode.redemption_id.is_(None))
        .order_by(CouponCode.id)
        .limit(1)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    return session.execute(
        update(CouponCode)
        .where(CouponCode.id == free)
        .values(redemption_id=redemption_id)
        .returning(CouponCode.code)
    ).scalar()


def get_coupon(session: Session, coupon_id: str, member: Member | None = None) -> Redemption:
    redemption = session.get(Redemption, coupon_id)
    if redemption is None or (member is not None and redemption.member_id != member.id):
        raise CouponNotFound(f"No coupon {coupon_id!r}.")
    return redemption


def use_coupon(session: Session, member: Member, coupon_id: str, now: datetime) -> Redemption:
    """ACTIVE -> USED (at a till). Anything else is `coupon_not_active`."""
    redemption = get_coupon(session, coupon_id, member)
    changed = session.execute(
        update(Redemption)
        .where(
            Redemption.id == redemption.id,
            Redemption.status == "ACTIVE",
            (Redemption.expires_at.is_(None)) | (Redemption.expires_at > now),
        )
        .values(status="USED", used_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    session.refresh(redemption)
    if not changed:
        raise CouponNotActive(f"Coupon is {redemption.status_at(now).lower()}, not active.")
    return redemption


def fulfil(
    session: Session, coupon_id: str, *, actor: Actor, now: datetime, code: str | None = None
) -> Redemption:
    """Issue a PENDING (manually fulfilled) redemption: PENDING -> ACTIVE with a code."""
    redemption = get_coupon(session, coupon_id)
    code = (code or "").strip() or generate_code()
    if len(code) > 128:
        raise ValidationFailed("A code is at most 128 characters.", details={"code": ["too long"]})
    expires_at = _coupon_expiry(redemption.offer, now, load_program(session))
    changed = session.execute(
        update(Redemption)
        .where(Redemption.id == coupon_id, Redemption.status == "PENDING")
        .values(status="ACTIVE", code=code, fulfilled_at=now, expires_at=expires_at)
        .execution_options(synchronize_session=False)
    ).rowcount
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
    return redemption


def cancel(
    session: Session, coupon_id: str, *, actor: Actor, now: datetime, reason: str = ""
) -> Redemption:
    """Cancel a PENDING or ACTIVE redemption: points back as a new lot, stock restored."""
    redemption = get_coupon(session, coupon_id)
    before = redemption.status_at(now)
    changed = session.execute(
        update(Redemption)
        .where(Redemption.id == coupon_id, Redemption.status.in_(("PENDING", "ACTIVE")))
        .values(status="CANCELLED", cancelled_at=now, note=reason[:500] or None)
        .execution_options(synchronize_session=False)
    ).rowcount
    session.refresh(redemption)
    if not changed:
        raise CouponNotActive(
            "Only pending or active coupons can be cancelled; "
            f"this one is {redemption.status.lower()}."
        )
    offer = redemption.offer
    if offer.stock is not None:
        session.execute(update(Offer).where(Offer.id == offer.id).values(stock=Offer.stock + 1))
    member = ledger.lock_member(session, redemption.member_id)
    ledger.add_lot(
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
    session.flush()
    return redemption
