"""The reward catalog: shops, offers and pools of pre-made coupon codes."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from loyalty_portal.models.base import Base
from loyalty_portal.models.enums import Fulfilment, OfferType, one_of
from loyalty_portal.timeutil import utcnow

if TYPE_CHECKING:
    from loyalty_portal.models.program import Tier, UserGroup


class Shop(Base):
    __tablename__ = "shop"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(String(16), default="ACTIVE")
    logo: Mapped[str | None] = mapped_column(String(500))
    image: Mapped[str | None] = mapped_column(String(500))
    description: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class OfferUserGroup(Base):
    __tablename__ = "offer_usergroup"

    offer_id: Mapped[str] = mapped_column(
        ForeignKey("offer.id", ondelete="CASCADE"), primary_key=True
    )
    usergroup_id: Mapped[str] = mapped_column(
        ForeignKey("usergroup.id", ondelete="CASCADE"), primary_key=True
    )


class Offer(Base):
    __tablename__ = "offer"
    __table_args__ = (
        CheckConstraint("cost > 0", name="cost_positive"),
        CheckConstraint("stock IS NULL OR stock >= 0", name="stock_non_negative"),
        CheckConstraint("limit_per_member IS NULL OR limit_per_member > 0", name="limit"),
        CheckConstraint(one_of("type", OfferType), name="type"),
        CheckConstraint(one_of("fulfilment", Fulfilment), name="fulfilment"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    image_url: Mapped[str | None] = mapped_column(String(500))
    type: Mapped[str] = mapped_column(String(8), default="LOCAL")
    shop_id: Mapped[str | None] = mapped_column(
        ForeignKey("shop.id", ondelete="SET NULL"), index=True
    )
    cost: Mapped[int]
    stock: Mapped[int | None]
    limit_per_member: Mapped[int | None]
    valid_from: Mapped[datetime | None]
    valid_until: Mapped[datetime | None]
    min_tier_id: Mapped[int | None] = mapped_column(ForeignKey("tier.id", ondelete="SET NULL"))
    fulfilment: Mapped[str] = mapped_column(String(8), default="auto")
    coupon_valid_days: Mapped[int | None]
    how_to_use: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    shop: Mapped[Shop | None] = relationship(lazy="joined")
    min_tier: Mapped[Tier | None] = relationship(lazy="joined")
    usergroups: Mapped[list[UserGroup]] = relationship(
        secondary="offer_usergroup", lazy="selectin", order_by="UserGroup.id"
    )

    def __repr__(self) -> str:
        return f"<Offer {self.id} cost={self.cost} stock={self.stock}>"


class CouponCode(Base):
    """A pre-made code of a code-pool offer; taken by at most one redemption."""

    __tablename__ = "coupon_code"
    __table_args__ = (UniqueConstraint("offer_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    offer_id: Mapped[str] = mapped_column(ForeignKey("offer.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(128))
    redemption_id: Mapped[str | None] = mapped_column(
        ForeignKey("redemption.id", ondelete="SET NULL"), unique=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
