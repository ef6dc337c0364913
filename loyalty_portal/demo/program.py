"""The demo program's configuration: tiers, a staff group, earning rules, shops and offers."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from loyalty_portal.models import (
    CouponCode,
    EarningRule,
    Offer,
    Shop,
    Tier,
    UserGroup,
)
from loyalty_portal.services.core.session import DbSession


def add_tiers(session: DbSession) -> None:
    session.add_all(
        [
            Tier(name="Bronze", threshold=0, multiplier=Decimal(1), benefits="Collect and redeem."),
            Tier(
                name="Silver",
                threshold=1000,
                multiplier=Decimal("1.25"),
                benefits="25% more points on every event.",
            ),
            Tier(
                name="Gold",
                threshold=5000,
                multiplier=Decimal("1.5"),
                benefits="50% more points and the Gold-only rewards.",
            ),
        ]
    )
    session.add(
        UserGroup(id="staff", title={"default": "Staff", "de": "Mitarbeitende", "en": "Staff"})
    )


def add_rules(session: DbSession) -> None:
    session.add_all(
        [
            EarningRule(
                event_id="daily_login",
                title="Daily login",
                type="FIX",
                points=10,
                description="Thanks for stopping by.",
                cap_count=1,
                cap_period="day",
                expiry_policy="days",
                expiry_days=60,
            ),
            EarningRule(
                event_id="purchase_completed",
                title="Purchase",
                type="TRANSACTION",
                description="1 point per 1.00 spent",
                points_per_unit=Decimal(1),
                value_field="amount",
                max_per_event=500,
                requires_api_key=True,
            ),
            EarningRule(
                event_id="review_written",
                title="Review written",
                type="CONDITIONAL",
                description="Reviews rated 4 stars or more",
                points=25,
                value_field="rating",
                threshold=Decimal(4),
                cap_count=3,
                cap_period="week",
            ),
        ]
    )


def add_catalog(session: DbSession, now: datetime) -> None:
    cafe = Shop(
        id="cafe",
        name="Corner Café",
        description={"en": "Coffee and cake", "de": "Kaffee und Kuchen"},
    )
    store = Shop(
        id="store",
        name="Northwind Store",
        description={"en": "Clothing and gifts", "de": "Kleidung und Geschenke"},
    )
    session.add_all([cafe, store])
    gold = session.scalar(select(Tier).where(Tier.name == "Gold"))
    offers = [
        Offer(
            id="free-coffee",
            title="Free coffee",
            cost=150,
            shop=cafe,
            description="Any hot drink, any size.",
            how_to_use="Show the code at the till.",
        ),
        Offer(
            id="tote-bag",
            title="Canvas tote bag",
            cost=400,
            stock=5,
            shop=store,
            description="Limited edition, only five made.",
            how_to_use="Collect in store.",
        ),
        Offer(
            id="welcome-cake",
            title="Welcome cake",
            cost=100,
            limit_per_member=1,
            shop=cafe,
            description="A slice of the cake of the day, once per member.",
        ),
        Offer(
            id="gold-lounge",
            title="Gold lounge pass",
            cost=1000,
            min_tier=gold,
            shop=store,
            description="A day in the members' lounge.",
        ),
        Offer(
            id="summer-voucher",
            title="Summer sale voucher",
            cost=300,
            shop=store,
            valid_until=now - timedelta(days=30),
            description="Ended with the summer.",
        ),
        Offer(
            id="winter-special",
            title="Winter special",
            cost=250,
            shop=cafe,
            valid_from=now + timedelta(days=6),
            description="Mulled wine and a pastry.",
        ),
        Offer(
            id="styling-session",
            title="Personal styling session",
            cost=2000,
            shop=store,
            fulfilment="manual",
            description="An hour with our stylist; we will call you.",
        ),
        Offer(
            id="online-10",
            title="10% off online",
            cost=500,
            type="ONLINE",
            shop=store,
            coupon_valid_days=30,
            description="One order in the web shop.",
            how_to_use="Enter the code at checkout.",
        ),
        Offer(
            id="cinema-ticket",
            title="Cinema ticket",
            cost=800,
            fulfilment="pool",
            description="One ticket for any film.",
            how_to_use="Redeem the code online.",
        ),
    ]
    session.add_all(offers)
    session.flush()
    session.add_all(
        CouponCode(offer_id="cinema-ticket", code=f"CINE-{1000 + i}") for i in range(10)
    )
