"""Shops (where a reward is used), created and edited by admins, audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from loyalty_portal.models import Shop
from loyalty_portal.models.enums import ShopStatus
from loyalty_portal.services.core import audit
from loyalty_portal.services.core.actors import Actor
from loyalty_portal.services.core.errors import NotFound
from loyalty_portal.services.core.session import DbSession
from loyalty_portal.services.core.validation import Problems


@dataclass
class ShopInput:
    name: str
    status: str = "ACTIVE"
    logo: str | None = None
    image: str | None = None
    description: str = ""


def shop_snapshot(shop: Shop) -> dict[str, Any]:
    return {
        "name": shop.name,
        "status": shop.status,
        "logo": shop.logo,
        "image": shop.image,
        "description": dict(shop.description or {}),
    }


def _checked(data: ShopInput, problems: Problems) -> None:
    data.name = problems.text("name", data.name, max_len=120, required=True)
    problems.choice("status", data.status, tuple(ShopStatus))
    data.logo = problems.url("logo", data.logo)
    data.image = problems.url("image", data.image)
    data.description = problems.text("description", data.description, max_len=2000)


def _apply(shop: Shop, data: ShopInput) -> None:
    shop.name = data.name
    shop.status = data.status
    shop.logo = data.logo
    shop.image = data.image
    description = dict(shop.description or {})
    if data.description:
        description["default"] = data.description
    else:
        description.pop("default", None)
    shop.description = description


def get_shop(session: DbSession, shop_id: str) -> Shop:
    shop = session.get(Shop, shop_id)
    if shop is None:
        raise NotFound(f"No shop {shop_id!r}.")
    return shop


def create_shop(
    session: DbSession, shop_id: str, data: ShopInput, *, actor: Actor, now: datetime
) -> Shop:
    problems = Problems()
    shop_id = problems.slug("id", shop_id)
    _checked(data, problems)
    if not problems.details.get("id") and session.get(Shop, shop_id) is not None:
        problems.add("id", "A shop with this id already exists.")
    problems.raise_any()
    shop = Shop(id=shop_id, created_at=now, description={})
    _apply(shop, data)
    session.add(shop)
    session.flush()
    audit.record(session, actor, "shop.create", "shop", shop.id, now=now, after=shop_snapshot(shop))
    return shop


def update_shop(
    session: DbSession, shop: Shop, data: ShopInput, *, actor: Actor, now: datetime
) -> Shop:
    problems = Problems()
    _checked(data, problems)
    problems.raise_any()
    before = shop_snapshot(shop)
    _apply(shop, data)
    session.flush()
    audit.record_changes(
        session,
        actor,
        "shop.update",
        "shop",
        shop.id,
        now=now,
        before=before,
        after=shop_snapshot(shop),
    )
    return shop
