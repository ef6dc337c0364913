"""Redeeming an offer: check and spend in one atomic step (points, stock, limit, coupon, entry)."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from loyalty_portal.models import CouponCode, Member, Offer, Redemption
from loyalty_portal.services.core import outbox
from loyalty_portal.services.core.actors import Actor
from loyalty_portal.services.core.errors import RedemptionRefused
from loyalty_portal.services.core.session import DbSession
from loyalty_portal.services.ledger.locks import lock_member
from loyalty_portal.services.ledger.settlement import settle
from loyalty_portal.services.ledger.spending import spend
from loyalty_portal.services.program.settings import load_program
from loyalty_portal.services.rewards import codes, coupons, offers
from loyalty_portal.services.rewards.eligibility import (
    Refusal,
    availability_refusal,
    counted_refusal,
    redemptions_by_offer,
)


def new_coupon_id() -> str:
    return "cp_" + secrets.token_hex(8)


def _refuse(refusal: Refusal) -> RedemptionRefused:
    return RedemptionRefused(refusal.code, refusal.message, missing_points=refusal.missing_points)


def redeem(
    session: DbSession,
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
    offer = offers.get_offer(session, offer_id)
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
    member = lock_member(session, member.id)
    member = settle(session, member, now)
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
        coupons.activate(
            redemption, codes.generate_code(), now, coupons.coupon_expiry(offer, now, program)
        )
    session.add(redemption)
    session.flush()
    if offer.fulfilment == "pool":
        code = _claim_pool_code(session, offer.id, redemption.id)
        if code is None:
            raise _refuse(Refusal("out_of_stock", "Out of stock."))
        coupons.activate(redemption, code, now, coupons.coupon_expiry(offer, now, program))
    spend(
        session,
        member,
        offer.cost,
        kind="redeem",
        title=f"Redeemed: {offer.title}",
        description=offer.shop.name if offer.shop else "",
        now=now,
        redemption_id=redemption.id,
    )
    outbox.publish(session, "redemption.created", outbox.coupon(redemption, member), now)
    session.flush()
    return redemption


def _claim_pool_code(session: DbSession, offer_id: str, redemption_id: str) -> str | None:
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
