"""The reward catalog for admins: create, edit, (de)activate and delete offers, audited.

An offer that has redemptions is never deleted (coupons and ledger entries point at it);
deactivating takes it out of the catalog instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, or_, select

from loyalty_portal.models import Member, Offer, OfferUserGroup, Redemption, Shop, Tier, UserGroup
from loyalty_portal.models.enums import Fulfilment, OfferType
from loyalty_portal.services.core import audit
from loyalty_portal.services.core.actors import Actor
from loyalty_portal.services.core.errors import Conflict, OfferNotFound
from loyalty_portal.services.core.session import DbSession
from loyalty_portal.services.core.validation import Problems, plain_fields

MAX_COST = 100_000_000
MAX_STOCK = 100_000_000


@dataclass
class OfferInput:
    """Everything an admin sets on an offer (times are aware UTC instants)."""

    title: str
    cost: int | None
    description: str = ""
    image_url: str | None = None
    type: str = "LOCAL"
    shop_id: str | None = None
    stock: int | None = None
    limit_per_member: int | None = None
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    min_tier_id: int | None = None
    usergroup_ids: list[str] = field(default_factory=list)
    fulfilment: str = "auto"
    coupon_valid_days: int | None = None
    how_to_use: str = ""
    active: bool = True


def offer_snapshot(offer: Offer) -> dict[str, Any]:
    """The offer's editable fields as JSON, for the audit log."""
    return plain_fields(
        {
            "title": offer.title,
            "description": offer.description,
            "image_url": offer.image_url,
            "type": offer.type,
            "shop_id": offer.shop_id,
            "cost": offer.cost,
            "stock": offer.stock,
            "limit_per_member": offer.limit_per_member,
            "valid_from": offer.valid_from,
            "valid_until": offer.valid_until,
            "min_tier_id": offer.min_tier_id,
            "usergroups": [g.id for g in offer.usergroups],
            "fulfilment": offer.fulfilment,
            "coupon_valid_days": offer.coupon_valid_days,
            "how_to_use": offer.how_to_use,
            "active": offer.active,
        }
    )


def _checked(session: DbSession, data: OfferInput, problems: Problems) -> list[UserGroup]:
    """Validate `data` in place (trimmed texts); returns the offer's user groups."""
    data.title = problems.text("title", data.title, max_len=200, required=True)
    data.description = problems.text("description", data.description, max_len=5000)
    data.how_to_use = problems.text("how_to_use", data.how_to_use, max_len=5000)
    data.image_url = problems.url("image_url", data.image_url)
    problems.choice("type", data.type, tuple(OfferType))
    problems.choice("fulfilment", data.fulfilment, tuple(Fulfilment))
    if data.cost is None:
        problems.add("cost", "Required.")
    problems.int_range("cost", data.cost, low=1, high=MAX_COST)
    problems.int_range("stock", data.stock, low=0, high=MAX_STOCK)
    problems.int_range("limit_per_member", data.limit_per_member, low=1, high=1_000_000)
    problems.int_range("coupon_valid_days", data.coupon_valid_days, low=1, high=3650)
    problems.window("valid_from", data.valid_from, "valid_until", data.valid_until)
    if data.shop_id and session.get(Shop, data.shop_id) is None:
        problems.add("shop_id", "No such shop.")
    if data.min_tier_id is not None and session.get(Tier, data.min_tier_id) is None:
        problems.add("min_tier_id", "No such tier.")
    wanted = sorted(set(data.usergroup_ids))
    groups = list(session.scalars(select(UserGroup).where(UserGroup.id.in_(wanted))))
    if unknown := sorted(set(wanted) - {g.id for g in groups}):
        problems.add("usergroup_ids", f"Unknown group(s): {', '.join(unknown)}.")
    return sorted(groups, key=lambda g: g.id)


def _apply(offer: Offer, data: OfferInput, groups: list[UserGroup]) -> None:
    for name in (
        "title",
        "description",
        "image_url",
        "type",
        "cost",
        "stock",
        "limit_per_member",
        "valid_from",
        "valid_until",
        "min_tier_id",
        "fulfilment",
        "coupon_valid_days",
        "how_to_use",
        "active",
    ):
        setattr(offer, name, getattr(data, name))
    offer.shop_id = data.shop_id or None
    offer.usergroups = groups


def get_offer(session: DbSession, offer_id: str) -> Offer:
    offer = session.get(Offer, offer_id)
    if offer is None:
        raise OfferNotFound(f"No offer {offer_id!r}.")
    return offer


def visible_offers_query(member: Member, now: datetime) -> Select[Offer]:
    """Offers this member may see: active, not ended, for everyone or one of their groups.

    Offers not started yet, tier-locked and out-of-stock ones are included (the feed and
    the catalog say why they can't be redeemed). Doors add their own order and filters.
    """
    my_groups = [g.id for g in member.usergroups]
    restricted = select(OfferUserGroup.offer_id).where(OfferUserGroup.offer_id == Offer.id)
    for_me = restricted.where(OfferUserGroup.usergroup_id.in_(my_groups))
    return select(Offer).where(
        Offer.active.is_(True),
        or_(Offer.valid_until.is_(None), Offer.valid_until > now),
        or_(~restricted.exists(), for_me.exists()),
    )


def visible_offers(session: DbSession, member: Member, now: datetime) -> list[Offer]:
    """The offers of `visible_offers_query`, cheapest first (the API's feed)."""
    stmt = visible_offers_query(member, now).order_by(Offer.cost, Offer.id)
    return list(session.scalars(stmt).unique())


def create_offer(
    session: DbSession, offer_id: str, data: OfferInput, *, actor: Actor, now: datetime
) -> Offer:
    problems = Problems()
    offer_id = problems.slug("id", offer_id)
    groups = _checked(session, data, problems)
    if not problems.details.get("id") and session.get(Offer, offer_id) is not None:
        problems.add("id", "An offer with this id already exists.")
    problems.raise_any()
    offer = Offer(id=offer_id, created_at=now, updated_at=now)
    _apply(offer, data, groups)
    session.add(offer)
    session.flush()
    session.refresh(offer)
    audit.record(
        session, actor, "offer.create", "offer", offer.id, now=now, after=offer_snapshot(offer)
    )
    return offer


def update_offer(
    session: DbSession, offer: Offer, data: OfferInput, *, actor: Actor, now: datetime
) -> Offer:
    problems = Problems()
    groups = _checked(session, data, problems)
    problems.raise_any()
    before = offer_snapshot(offer)
    _apply(offer, data, groups)
    offer.updated_at = now
    session.flush()
    session.refresh(offer)
    audit.record_changes(
        session,
        actor,
        "offer.update",
        "offer",
        offer.id,
        now=now,
        before=before,
        after=offer_snapshot(offer),
    )
    return offer


def set_active(
    session: DbSession, offer: Offer, active: bool, *, actor: Actor, now: datetime
) -> Offer:
    """Take an offer out of the catalog (or back in); its coupons stay valid."""
    audit.set_active(session, offer, active, kind="offer", target_id=offer.id, actor=actor, now=now)
    return offer


def redemption_count(session: DbSession, offer_id: str) -> int:
    stmt = select(func.count()).select_from(Redemption).where(Redemption.offer_id == offer_id)
    return int(session.execute(stmt).scalar_one())


def delete_offer(session: DbSession, offer: Offer, *, actor: Actor, now: datetime) -> None:
    """Delete an offer nobody has redeemed (with its unused pool codes)."""
    if redemption_count(session, offer.id):
        raise Conflict(
            "This offer has redemptions, so it cannot be deleted. Deactivate it instead."
        )
    audit.record(
        session, actor, "offer.delete", "offer", offer.id, now=now, before=offer_snapshot(offer)
    )
    session.delete(offer)
    session.flush()
