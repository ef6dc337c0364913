"""Bounded reads for portal pages: every one fetches at most a page of rows."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select

from loyalty_portal.models import EarningRule, Member, Offer, Shop, Tier
from loyalty_portal.services.core.pages import Page, fetch_page
from loyalty_portal.services.core.session import DbSession
from loyalty_portal.services.ledger.spending import spendable
from loyalty_portal.services.rewards.offers import visible_offers_query

CATALOG_PAGE_SIZE = 24
MAX_SHOPS = 100


def catalog_page(
    session: DbSession,
    member: Member,
    now: datetime,
    *,
    affordable: bool = False,
    within: int | None = None,
    shop_id: str | None = None,
    offer_type: str | None = None,
    page: int = 1,
) -> Page[Offer]:
    """One page of the catalog, cheapest first; `affordable` keeps offers costing at most
    `within` points (by default what the member can spend now)."""
    stmt = visible_offers_query(member, now)
    if affordable:
        stmt = stmt.where(Offer.cost <= (spendable(member) if within is None else within))
    if shop_id:
        stmt = stmt.where(Offer.shop_id == shop_id)
    if offer_type:
        stmt = stmt.where(Offer.type == offer_type)
    stmt = stmt.order_by(Offer.cost, Offer.title, Offer.id)
    return fetch_page(session, stmt, per_page=CATALOG_PAGE_SIZE, number=page)


def affordable_candidates(
    session: DbSession, member: Member, now: datetime, *, limit: int = 12
) -> list[Offer]:
    """Offers that pass the cheap checks in SQL (cost, dates, stock, tier), dearest first.

    The caller runs the full eligibility check on these few.
    """
    my_threshold = member.tier.threshold if member.tier else -1
    stmt = (
        visible_offers_query(member, now)
        .outerjoin(Tier, Tier.id == Offer.min_tier_id)
        .where(
            Offer.cost <= member.balance - member.held_points,
            or_(Offer.valid_from.is_(None), Offer.valid_from <= now),
            or_(Offer.stock.is_(None), Offer.stock > 0),
            or_(Offer.min_tier_id.is_(None), Tier.threshold <= my_threshold),
        )
        .order_by(Offer.cost.desc(), Offer.title, Offer.id)
        .limit(limit)
    )
    return list(session.scalars(stmt).unique())


def active_shops(session: DbSession) -> list[Shop]:
    stmt = select(Shop).where(Shop.status == "ACTIVE").order_by(Shop.name).limit(MAX_SHOPS)
    return list(session.scalars(stmt))


MAX_RULES = 100


def active_rules(session: DbSession, now: datetime) -> list[EarningRule]:
    """Earning rules a member can earn by now, by title (Ways to earn)."""
    stmt = (
        select(EarningRule)
        .where(
            EarningRule.active.is_(True),
            or_(EarningRule.active_from.is_(None), EarningRule.active_from <= now),
            or_(EarningRule.active_until.is_(None), EarningRule.active_until > now),
        )
        .order_by(EarningRule.title, EarningRule.id)
        .limit(MAX_RULES)
    )
    return list(session.scalars(stmt))
