"""The demo program: rules, tiers, shops, offers, an admin and three members with history.

History is written through the same services as live traffic, with the clock set back,
so every entry, lot, expiry and tier is exactly what real use would have produced.
"""

from __future__ import annotations

import random
import secrets
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from loyalty_portal.demo import growth, program
from loyalty_portal.models import EarningRule, Member, Offer
from loyalty_portal.services.core.actors import Actor
from loyalty_portal.services.core.session import DbSession
from loyalty_portal.services.earning import events
from loyalty_portal.services.ledger import expiry, pending
from loyalty_portal.services.members import accounts
from loyalty_portal.services.program import tiers
from loyalty_portal.services.program.settings import load_program, settings_row
from loyalty_portal.services.rewards import redeeming
from loyalty_portal.services.rewards.eligibility import check_offer

HISTORY_DAYS = 150
DEMO_MEMBERS = [
    # email, userId, name, purchase size, purchases per week, share of days logged in
    ("alice@example.com", "alice", "Alice Meyer", (5, 25), 1, 0.3),
    ("bob@example.com", "bob", "Bob Okafor", (10, 60), 2, 0.6),
    ("carol@example.com", "carol", "Carol Lindqvist", (120, 400), 3, 0.9),
]


def is_empty(session: DbSession) -> bool:
    return not (
        session.scalar(select(func.count()).select_from(EarningRule))
        or session.scalar(select(func.count()).select_from(Member))
    )


def seed(
    session: DbSession, now: datetime, password: str | None = None
) -> list[tuple[str, str, str]] | None:
    """Seed everything; None (and nothing written) when the program already has data."""
    if not is_empty(session):
        return None
    settings = settings_row(session)
    settings.name = "Loyalty Portal Demo"
    settings.timezone = "Europe/Berlin"
    settings.expiry_policy = "end_of_year"
    settings.coupon_valid_days = 90
    program.add_tiers(session)
    program.add_rules(session)
    program.add_catalog(session, now)
    growth.add_growth(session, now)
    session.flush()

    logins = []
    secret = password or secrets.token_urlsafe(9)
    accounts.create_admin(session, "admin@example.com", secret)
    logins.append(("admin", "admin@example.com", secret))
    for email, user_id, name, *_ in DEMO_MEMBERS:
        secret = password or secrets.token_urlsafe(9)
        accounts.create_member_login(
            session,
            email,
            secret,
            now - timedelta(days=HISTORY_DAYS + 1),
            user_id=user_id,
            display_name=name,
        )
        logins.append(("member", email, secret))
    session.flush()
    growth.add_invitation(session, now - timedelta(days=HISTORY_DAYS + 1))
    _history(session, now)
    return logins


def _history(session: DbSession, now: datetime) -> None:
    rng = random.Random(2026)  # noqa: S311 (demo data, not security)
    start = now - timedelta(days=HISTORY_DAYS)
    wishes = {
        "alice": ["welcome-cake", "free-coffee", "free-coffee"],
        "bob": ["welcome-cake", "tote-bag", "free-coffee", "online-10"],
        "carol": ["tote-bag", "cinema-ticket", "gold-lounge", "styling-session"],
    }
    for _, user_id, _, (low, high), per_week, logins in DEMO_MEMBERS:
        for day in range(HISTORY_DAYS):
            moment = start + timedelta(
                days=day, hours=rng.randint(8, 20), minutes=rng.randint(0, 59)
            )
            if rng.random() < logins:
                _event(session, user_id, "daily_login", moment)
            if rng.random() < per_week / 7:
                amount = Decimal(rng.randint(low * 100, high * 100)) / 100
                _event(
                    session,
                    user_id,
                    "purchase_completed",
                    moment + timedelta(minutes=5),
                    {"amount": float(amount)},
                )
            if rng.random() < 0.08:
                _event(
                    session,
                    user_id,
                    "review_written",
                    moment + timedelta(minutes=9),
                    {"rating": rng.randint(2, 5)},
                )
            if day >= 89 and day % 15 == 14 and wishes[user_id]:
                _redeem_if_possible(
                    session, user_id, wishes[user_id], moment + timedelta(minutes=15)
                )
    program = load_program(session)
    pending.release_all_due(session, now, program)
    expiry.expire_all_due(session, now)
    tiers.recompute_all(session, now, program.tier_window_days)


def _event(
    session: DbSession,
    user_id: str,
    event_id: str,
    when: datetime,
    metadata: dict[str, object] | None = None,
) -> None:
    events.record_event(
        session,
        user_id=user_id,
        event_id=event_id,
        now=when,
        source="demo",
        metadata=metadata,
        trusted=True,
    )


def _redeem_if_possible(
    session: DbSession, user_id: str, wishes: list[str], when: datetime
) -> None:
    member = session.scalars(select(Member).where(Member.user_id == user_id)).one()
    offer = session.get_one(Offer, wishes[0])
    if check_offer(session, member, offer, when) is None:
        redeeming.redeem(session, member, offer.id, actor=Actor.member(user_id), now=when)
        wishes.pop(0)
