"""Redeeming an offer: check and spend in one atomic step (points, stock, limit, coupon, entry)."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm.util import identity_key

from loyalty_portal.models import CouponCode, Member, Offer, Redemption
from loyalty_portal.services.core import outbox
from loyalty_portal.services.core.actors import Actor
from loyalty_portal.services.core.errors import RedemptionRefused, UserNotFound
from loyalty_portal.services.core.rows import insert_and_hold, transient
from loyalty_portal.services.core.session import DbSession
from loyalty_portal.services.core.sql import run_core
from loyalty_portal.services.ledger.locks import lock_member_for_change
from loyalty_portal.services.ledger.settlement import settle
from loyalty_portal.services.ledger.spending import spend, spendable
from loyalty_portal.services.program.settings import load_program
from loyalty_portal.services.rewards import codes, coupons
from loyalty_portal.services.rewards.eligibility import (
    Refusal,
    availability_refusal,
    counted_refusal,
    stock_and_taken,
)
from loyalty_portal.services.rewards.offer_terms import offer_terms

#: One unit of stock, if any is left (built once: every redemption of a stocked offer
#: runs it).
_RESERVING = (
    update(Offer)
    .where(Offer.id == bindparam("stocked_offer"), Offer.stock > 0)
    .values(stock=Offer.stock - 1)
    .returning(Offer.stock)
)


def new_coupon_id() -> str:
    return "cp_" + secrets.token_hex(8)


def _refuse(refusal: Refusal) -> RedemptionRefused:
    return RedemptionRefused(refusal.code, refusal.message, missing_points=refusal.missing_points)


def redeem(
    session: DbSession,
    member: Member | str,
    offer_id: str,
    *,
    now: datetime,
    actor: Actor,
    metadata: dict[str, Any] | None = None,
    expected_points: int | None = None,
) -> Redemption:
    """Check and spend in one transaction: points, stock, limit, coupon and entry, or none.

    `member`: the Member, or a userId (the API's hot path: found while it is locked).
    `expected_points` is the price the member was shown: if the offer costs anything
    else now, nothing is spent (`price_changed`), so nobody pays a price never confirmed.
    Lock order: the member row, then the offer row. The stock is counted under the
    member's lock and taken last (a conditional decrement), so the offer's row, which every
    redemption of it wants, stays locked only until the commit.
    """
    offer = offer_terms(session, offer_id)
    if expected_points is not None and expected_points != offer.cost:
        raise RedemptionRefused(
            "price_changed",
            f"The price changed from {expected_points:,} to {offer.cost:,} points. "
            "Nothing was spent; check the new price and redeem again if you want it.",
            expected_points=expected_points,
            points=offer.cost,
        )
    if not offer.active:  # before any lock: the cheapest refusal
        raise _refuse(Refusal("offer_not_available", "This reward is no longer offered."))
    locked = _lock(session, member, now)
    if refusal := availability_refusal(offer, locked, now):
        raise _refuse(refusal)
    stock_left, taken = None, 0
    if offer.limited_stock or offer.limit_per_member is not None:
        stock_left, taken = stock_and_taken(session, offer.id, locked.id)
    # A pool code is claimed below and the stock taken at the end, both atomically.
    if refusal := counted_refusal(offer, spendable(locked), taken, None, stock_left):
        raise _refuse(refusal)

    program = load_program(session)
    # Built without attribute events (`core.rows`), so the member's collection of coupons
    # does not take it in: inserted in Core and then held by the session, unless a pool
    # claims a code against it first (then the flush inserts it).
    redemption = transient(
        Redemption,
        id=new_coupon_id(),
        member=locked,
        member_id=locked.id,
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
    if offer.fulfilment == "pool":  # the code is claimed against the coupon's row
        session.add(redemption)
        code = _claim_pool_code(session, offer.id, redemption.id)  # flushes the coupon first
        if code is None:
            raise _refuse(Refusal("out_of_stock", "Out of stock."))
        coupons.activate(redemption, code, now, coupons.coupon_expiry(offer, now, program))
    else:
        insert_and_hold(session, redemption)  # before its entry, which names it
    spend(
        session,
        locked,
        offer.cost,
        kind="redeem",
        title=f"Redeemed: {offer.title}",
        description=offer.shop_name,
        now=now,
        expire_first=False,  # settled under the lock already
        flush=False,
        insert_now=True,
        redemption_id=redemption.id,
    )
    outbox.write(session, "redemption.created", outbox.coupon(redemption, locked, offer), now)
    session.flush()  # the member's balance (and a pool coupon's code)
    if offer.limited_stock and not _reserve_stock(session, offer.id):
        raise _refuse(Refusal("out_of_stock", "Out of stock."))  # a twin took the last one
    return redemption


def _reserve_stock(session: DbSession, offer_id: str) -> bool:
    """Take one unit of the offer's stock if any is left; an Offer this session holds
    reads its stock again (the door may show it)."""
    if run_core(session, _RESERVING, {"stocked_offer": offer_id}).scalar() is None:
        return False
    held = session.identity_map.get(identity_key(Offer, offer_id))
    if held is not None:
        session.expire(held, ["stock", "updated_at"])
    return True


def _lock(session: DbSession, member: Member | str, now: datetime) -> Member:
    """Lock the member (one statement that also says whether anything is due) and settle."""
    if isinstance(member, str):
        locked = lock_member_for_change(session, now, user_id=member)
        if locked is None:
            raise UserNotFound(f"No user {member!r}.")
    else:
        locked = lock_member_for_change(session, now, member_id=member.id)
        assert locked is not None
    return settle(session, locked.member, now) if locked.due else locked.member


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
