"""A member's coupons (their redemptions), newest first, paged without counting."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from loyalty_portal.models import Member, Redemption


@dataclass(frozen=True)
class CouponPage:
    coupons: list[Redemption]
    has_more: bool


def member_coupons(
    session: Session,
    member: Member,
    *,
    limit: int = 20,
    offset: int = 0,
    statuses: tuple[str, ...] | None = None,
) -> CouponPage:
    """The member's redemptions, newest first (walks ix_redemption_member_time).

    `statuses` filters on the stored status; an ACTIVE coupon past its date is shown as
    EXPIRED by `Redemption.status_at`.
    """
    stmt = select(Redemption).where(Redemption.member_id == member.id)
    if statuses:
        stmt = stmt.where(Redemption.status.in_(statuses))
    rows = list(
        session.scalars(
            stmt.order_by(Redemption.created_at.desc(), Redemption.id.desc())
            .offset(offset)
            .limit(limit + 1)
        )
    )
    return CouponPage(coupons=rows[:limit], has_more=len(rows) > limit)
