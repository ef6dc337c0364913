"""Campaigns: extra points for some rules' events during a window, in the program's zone.

Points = floor(base x tier multiplier x campaign multiplier) + bonus; when several match,
the one giving the most applies (no stacking). Events read campaigns from the
configuration cache (a campaign is configuration: an edit bumps the config version), so
judging an event with campaigns costs no statement.
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import func, select

from loyalty_portal.models import Campaign, EventLog, Tier
from loyalty_portal.services.core import audit, config_cache
from loyalty_portal.services.core.actors import Actor
from loyalty_portal.services.core.errors import NotFound
from loyalty_portal.services.core.session import DbSession
from loyalty_portal.services.core.validation import Problems, plain_fields
from loyalty_portal.services.program.tiers import TierInfo

MAX_MULTIPLIER = Decimal(10)


class CampaignStatus(StrEnum):
    SCHEDULED = "SCHEDULED"
    ACTIVE = "ACTIVE"
    ENDED = "ENDED"


@dataclass(frozen=True)
class CampaignSnapshot:
    id: str
    title: str
    starts_at: datetime
    ends_at: datetime  # the effective end: the planned one or when it was ended early
    multiplier: Decimal  # 1 when only a bonus
    bonus_points: int
    event_ids: tuple[str, ...] | None
    usergroups: tuple[str, ...] | None
    min_tier: str | None
    min_tier_threshold: int | None

    def status(self, now: datetime) -> CampaignStatus:
        if now >= self.ends_at or self.ends_at <= self.starts_at:  # ended (maybe before start)
            return CampaignStatus.ENDED
        return CampaignStatus.SCHEDULED if now < self.starts_at else CampaignStatus.ACTIVE

    def points(self, rule_points: Decimal) -> int:
        """floor(rule points (base x tier, not yet rounded) x multiplier) + bonus."""
        return math.floor(rule_points * self.multiplier) + self.bonus_points

    def matches(
        self, event_id: str, now: datetime, tier: TierInfo | None, groups: Callable[[], set[str]]
    ) -> bool:
        if self.event_ids is not None and event_id not in self.event_ids:
            return False
        return self.open_to(now, tier, groups)

    def open_to(self, now: datetime, tier: TierInfo | None, groups: Callable[[], set[str]]) -> bool:
        """Active now, and the member's tier and groups qualify (whatever the rule)."""
        if self.status(now) is not CampaignStatus.ACTIVE:
            return False
        if self.min_tier_threshold is not None and (
            tier is None or tier.threshold < self.min_tier_threshold
        ):
            return False
        return not self.usergroups or bool(groups() & set(self.usergroups))


def snapshot_of(campaign: Campaign, tiers: dict[int, Tier | TierInfo]) -> CampaignSnapshot:
    tier = tiers.get(campaign.min_tier_id) if campaign.min_tier_id is not None else None
    ends = campaign.ends_at
    if campaign.ended_at is not None and campaign.ended_at < ends:
        ends = campaign.ended_at
    return CampaignSnapshot(
        id=campaign.id,
        title=campaign.title,
        starts_at=campaign.starts_at,
        ends_at=ends,
        multiplier=campaign.multiplier or Decimal(1),
        bonus_points=campaign.bonus_points or 0,
        event_ids=tuple(campaign.event_ids) if campaign.event_ids is not None else None,
        usergroups=tuple(campaign.usergroups) if campaign.usergroups else None,
        min_tier=tier.name if tier else None,
        min_tier_threshold=tier.threshold if tier else None,
    )


def _load_live(session: DbSession) -> tuple[CampaignSnapshot, ...]:
    """Every campaign; evaluation skips those not active at its moment."""
    tiers: dict[int, Tier | TierInfo] = {t.id: t for t in session.scalars(select(Tier))}
    rows = session.scalars(select(Campaign).order_by(Campaign.starts_at, Campaign.id))
    return tuple(snapshot_of(c, tiers) for c in rows)


def all_campaigns(session: DbSession) -> tuple[CampaignSnapshot, ...]:
    return config_cache.cached(session, "campaigns", _load_live)


def active_campaigns(session: DbSession, now: datetime) -> list[CampaignSnapshot]:
    return [c for c in all_campaigns(session) if c.status(now) is CampaignStatus.ACTIVE]


def open_to(
    session: DbSession, now: datetime, tier: TierInfo | None, groups: set[str]
) -> list[CampaignSnapshot]:
    """Campaigns active now whose groups and minimum tier this member meets (any rule)."""
    return [c for c in active_campaigns(session, now) if c.open_to(now, tier, lambda: groups)]


def best_campaign(
    candidates: Iterable[CampaignSnapshot],
    event_id: str,
    now: datetime,
    tier: TierInfo | None,
    groups: Callable[[], set[str]],
    rule_points: Decimal,
) -> tuple[CampaignSnapshot, int] | None:
    """The matching campaign that gives the most points (ties: the earliest), with them."""
    best: tuple[CampaignSnapshot, int] | None = None
    for campaign in candidates:
        if not campaign.matches(event_id, now, tier, groups):
            continue
        points = campaign.points(rule_points)
        if best is None or points > best[1]:
            best = (campaign, points)
    return best


# -- managing campaigns (admin area and POST /v1/campaign) -------------------------------
@dataclass
class CampaignInput:
    title: str
    starts_at: datetime | None
    ends_at: datetime | None
    multiplier: Decimal | None = None
    bonus_points: int | None = None
    event_ids: list[str] | None = None  # None or empty: every rule
    usergroups: list[str] | None = None
    min_tier: str | None = None  # a tier's name


def _checked(session: DbSession, data: CampaignInput) -> tuple[Problems, int | None]:
    problems = Problems()
    data.title = problems.text("title", data.title, max_len=200, required=True)
    if data.starts_at is None:
        problems.add("startsAt", "Required.")
    if data.ends_at is None:
        problems.add("endsAt", "Required.")
    problems.window("startsAt", data.starts_at, "endsAt", data.ends_at)
    if data.multiplier is not None and not (Decimal(1) <= data.multiplier <= MAX_MULTIPLIER):
        problems.add("multiplier", "Between 1.0 and 10.0.")
    problems.int_range("bonusPoints", data.bonus_points, low=0, high=1_000_000)
    if (data.multiplier is None or data.multiplier == 1) and not data.bonus_points:
        problems.add("multiplier", "Give a multiplier above 1, bonus points, or both.")
    tier_id = None
    if data.min_tier:
        tier_id = session.scalar(select(Tier.id).where(Tier.name == data.min_tier))
        if tier_id is None:
            problems.add("minTier", f"No tier named {data.min_tier!r}.")
    return problems, tier_id


def _fields(c: Campaign) -> dict[str, Any]:
    return plain_fields(
        {
            "title": c.title,
            "starts_at": c.starts_at,
            "ends_at": c.ends_at,
            "multiplier": c.multiplier,
            "bonus_points": c.bonus_points,
            "event_ids": c.event_ids,
            "usergroups": c.usergroups,
            "min_tier_id": c.min_tier_id,
            "ended_at": c.ended_at,
        }
    )


def save_campaign(
    session: DbSession,
    campaign: Campaign | None,
    data: CampaignInput,
    *,
    actor: Actor,
    now: datetime,
) -> Campaign:
    """Create (campaign=None) or edit a campaign. Raises ValidationFailed."""
    problems, tier_id = _checked(session, data)
    problems.raise_any()
    before = _fields(campaign) if campaign else None
    if campaign is None:
        campaign = Campaign(id="cmp_" + secrets.token_hex(6), created_at=now)
        session.add(campaign)
    campaign.title = data.title
    assert data.starts_at is not None and data.ends_at is not None
    campaign.starts_at, campaign.ends_at = data.starts_at, data.ends_at
    campaign.multiplier = data.multiplier if data.multiplier not in (None, Decimal(1)) else None
    campaign.bonus_points = data.bonus_points or 0
    campaign.event_ids = sorted(set(data.event_ids)) if data.event_ids else None
    campaign.usergroups = sorted(set(data.usergroups)) if data.usergroups else None
    campaign.min_tier_id = tier_id
    session.flush()
    after = _fields(campaign)
    if before is None:
        audit.record(
            session, actor, "campaign.create", "campaign", campaign.id, after=after, now=now
        )
    else:
        audit.record_changes(
            session,
            actor,
            "campaign.update",
            "campaign",
            campaign.id,
            before=before,
            after=after,
            now=now,
        )
    return campaign


def end_campaign(session: DbSession, campaign: Campaign, *, actor: Actor, now: datetime) -> None:
    """End it now (a scheduled one never starts); points already awarded stay."""
    if campaign.ended_at is not None or campaign.ends_at <= now:
        return
    campaign.ended_at = now
    session.flush()
    audit.record(
        session,
        actor,
        "campaign.end",
        "campaign",
        campaign.id,
        after={"ended_at": str(now)},
        now=now,
    )


def describe(session: DbSession, campaign: Campaign) -> CampaignSnapshot:
    """The snapshot of one stored campaign (what the API answers)."""
    tier = session.get(Tier, campaign.min_tier_id) if campaign.min_tier_id else None
    return snapshot_of(campaign, {tier.id: tier} if tier else {})


def get_campaign(session: DbSession, campaign_id: str) -> Campaign:
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        raise NotFound(f"No campaign {campaign_id!r}.")
    return campaign


@dataclass(frozen=True)
class CampaignRow:
    campaign: CampaignSnapshot
    status: CampaignStatus
    points_awarded: int
    events: int


def campaign_report(session: DbSession, now: datetime) -> list[CampaignRow]:
    """Every campaign, newest first, with the points its events have earned."""
    totals = {
        r.campaign_id: (int(r.points), int(r.events))
        for r in session.execute(
            select(
                EventLog.campaign_id,
                func.coalesce(func.sum(EventLog.points + EventLog.pending_points), 0).label(
                    "points"
                ),
                func.count().label("events"),
            )
            .where(EventLog.campaign_id.is_not(None))
            .group_by(EventLog.campaign_id)
        )
    }
    tiers: dict[int, Tier | TierInfo] = {t.id: t for t in session.scalars(select(Tier))}
    rows = session.scalars(select(Campaign).order_by(Campaign.starts_at.desc(), Campaign.id))
    out = []
    for c in rows:
        snap = snapshot_of(c, tiers)
        points, events = totals.get(c.id, (0, 0))
        out.append(CampaignRow(snap, snap.status(now), points, events))
    return out
