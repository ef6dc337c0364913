"""Factories for test data (`make.member(balance=500)`), written through the services.

Each call works inside the current app context when there is one (service tests);
otherwise it pushes its own short context and returns detached objects whose columns
are loaded, so web tests never hold an app context around client calls.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar

from flask import Flask, has_app_context
from sqlalchemy.orm import Session

from loyalty_portal.extensions import db
from loyalty_portal.models import (
    Account,
    ApiKey,
    EarningRule,
    Member,
    Offer,
    RuleGroupOverride,
    Shop,
    Tier,
    UserGroup,
)
from loyalty_portal.services.core.actors import Actor
from loyalty_portal.services.ledger import adjustments
from loyalty_portal.services.members import accounts, api_keys, members
from loyalty_portal.timeutil import utcnow

PASSWORD = "correct-horse-battery"
T = TypeVar("T")
_seq = itertools.count(1)


class Factories:
    def __init__(self, app: Flask) -> None:
        self.app = app

    @contextmanager
    def _session(self) -> Iterator[Session]:
        if has_app_context():
            yield db.session
            db.session.commit()
            return
        with self.app.app_context():
            yield db.session
            db.session.commit()

    def _build(self, build: Callable[[Session], T]) -> T:
        if has_app_context():
            obj = build(db.session)
            db.session.commit()
            return obj
        with self.app.app_context():
            obj = build(db.session)
            db.session.commit()
            db.session.refresh(obj)
            db.session.expunge(obj)
            return obj

    # -- people -------------------------------------------------------------
    def member(
        self,
        user_id: str | None = None,
        *,
        balance: int = 0,
        now: datetime | None = None,
        display_name: str | None = None,
        groups: list[str] | None = None,
    ) -> Member:
        def build(session: Session) -> Member:
            at = now or utcnow()
            member = members.create_member(
                session, user_id or f"user{next(_seq)}", at, display_name
            )
            if groups:
                members.join_groups(session, member, groups)
            if balance:
                adjustments.adjust(
                    session,
                    member,
                    balance,
                    reason="opening balance",
                    actor=Actor.system("test"),
                    now=at,
                )
            return member

        return self._build(build)

    def member_login(
        self,
        email: str | None = None,
        *,
        balance: int = 0,
        user_id: str | None = None,
        password: str = PASSWORD,
    ) -> Account:
        def build(session: Session) -> Account:
            account = accounts.create_member_login(
                session,
                email or f"member{next(_seq)}@example.com",
                password,
                utcnow(),
                user_id=user_id,
            )
            if balance:
                assert account.member is not None
                adjustments.adjust(
                    session,
                    account.member,
                    balance,
                    reason="opening balance",
                    actor=Actor.system("test"),
                    now=utcnow(),
                )
            return account

        return self._build(build)

    def admin(self, email: str | None = None, *, password: str = PASSWORD) -> Account:
        return self._build(
            lambda s: accounts.create_admin(s, email or f"admin{next(_seq)}@example.com", password)
        )

    def api_key(
        self, scopes: list[str] | None = None, name: str | None = None
    ) -> tuple[ApiKey, str]:
        """(key, plain text)."""
        plain: list[str] = []

        def build(session: Session) -> ApiKey:
            key, text = api_keys.create(
                session,
                name or f"key{next(_seq)}",
                scopes or ["events", "users", "redeem", "read"],
                Actor.system("test"),
                utcnow(),
            )
            plain.append(text)
            return key

        return self._build(build), plain[0]

    # -- program ------------------------------------------------------------
    def tier(self, name: str, threshold: int, multiplier: str = "1") -> Tier:
        return self._build(
            lambda s: _add(s, Tier(name=name, threshold=threshold, multiplier=Decimal(multiplier)))
        )

    def group(self, group_id: str, title: str | None = None) -> UserGroup:
        return self._build(
            lambda s: _add(
                s,
                UserGroup(
                    id=group_id, title={"default": title or group_id, "de": title or group_id}
                ),
            )
        )

    def rule(
        self, event_id: str | None = None, *, overrides: dict[str, Any] | None = None, **fields: Any
    ) -> EarningRule:
        """A FIX rule of 10 points unless told otherwise; `overrides` = {group: points}."""

        def build(session: Session) -> EarningRule:
            values: dict[str, Any] = {"type": "FIX", "points": 10, "title": "Test rule"}
            values.update(fields)
            rule = _add(session, EarningRule(event_id=event_id or f"event{next(_seq)}", **values))
            for group_id, value in (overrides or {}).items():
                key = "points_per_unit" if rule.type == "TRANSACTION" else "points"
                session.add(
                    RuleGroupOverride(rule_id=rule.id, usergroup_id=group_id, **{key: value})
                )
            session.flush()
            session.refresh(rule)
            return rule

        return self._build(build)

    def campaign(self, title: str, starts_at: datetime, ends_at: datetime, **fields: Any) -> Any:
        """A campaign through the service (`multiplier` as text, `bonus_points`, ...)."""
        from loyalty_portal.services.program import campaigns

        if "multiplier" in fields and fields["multiplier"] is not None:
            fields["multiplier"] = Decimal(str(fields["multiplier"]))
        data = campaigns.CampaignInput(title=title, starts_at=starts_at, ends_at=ends_at, **fields)
        return self._build(
            lambda s: campaigns.save_campaign(
                s, None, data, actor=Actor.system("test"), now=utcnow()
            )
        )

    def shop(self, shop_id: str | None = None, **fields: Any) -> Shop:
        values = {"name": "Test shop", **fields}
        return self._build(lambda s: _add(s, Shop(id=shop_id or f"shop{next(_seq)}", **values)))

    def offer(self, offer_id: str | None = None, **fields: Any) -> Offer:
        values: dict[str, Any] = {"title": "Test offer", "cost": 100}
        values.update(fields)
        return self._build(lambda s: _add(s, Offer(id=offer_id or f"offer{next(_seq)}", **values)))


def _add(session: Session, obj: T) -> T:
    session.add(obj)
    session.flush()
    return obj


def growth_settings(app: Flask, **fields: Any) -> None:
    """Store the referral / birthday settings through the service (the test's app)."""
    from loyalty_portal.services.program.growth_settings import GrowthProgram, save_growth

    def build(session: Session) -> None:
        save_growth(session, GrowthProgram(**fields), actor=Actor.system("test"), now=utcnow())
        session.commit()

    if has_app_context():
        build(db.session)
        return
    with app.app_context():
        build(db.session)
