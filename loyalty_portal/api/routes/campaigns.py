"""Campaigns (**ours**): POST/GET/DELETE /v1/campaign, scope `program`."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from loyalty_portal.api import serialize
from loyalty_portal.api.routing import Call, api_route
from loyalty_portal.api.schemas.growth import CampaignBody, CampaignList, CampaignOut
from loyalty_portal.api.schemas.types import parse_timestamp
from loyalty_portal.extensions import db
from loyalty_portal.services.program import campaigns
from loyalty_portal.services.program.campaigns import CampaignSnapshot


def campaign_out(c: CampaignSnapshot, now: datetime) -> CampaignOut:
    return CampaignOut(
        campaignId=c.id,
        title=c.title,
        startsAt=serialize.ms(c.starts_at),
        endsAt=serialize.ms(c.ends_at),
        multiplier=float(c.multiplier),
        bonusPoints=c.bonus_points,
        eventIds=list(c.event_ids) if c.event_ids is not None else None,
        usergroups=list(c.usergroups) if c.usergroups else None,
        minTier=c.min_tier,
        status=c.status(now).value,
    )


@api_route(
    "POST",
    "/campaign",
    tag="Campaigns",
    scope="program",
    api_key_only=True,
    body=CampaignBody,
    response=CampaignOut,
    status=201,
    summary="Create a campaign: a multiplier and/or bonus points for some rules in a window",
    description="End before start, or neither multiplier (above 1) nor bonus: 400.",
)
def create_campaign(call: Call) -> CampaignOut:
    body: CampaignBody = call.body
    data = campaigns.CampaignInput(
        title=body.title,
        starts_at=parse_timestamp(body.startsAt),
        ends_at=parse_timestamp(body.endsAt),
        multiplier=Decimal(str(body.multiplier)) if body.multiplier is not None else None,
        bonus_points=body.bonusPoints,
        event_ids=body.eventIds,
        usergroups=body.usergroups,
        min_tier=body.minTier,
    )
    campaign = campaigns.save_campaign(
        db.session, None, data, actor=call.principal.actor, now=call.now
    )
    return campaign_out(campaigns.describe(db.session, campaign), call.now)


@api_route(
    "GET",
    "/campaign",
    tag="Campaigns",
    scope="program",
    api_key_only=True,
    response=CampaignList,
    summary="Every campaign, newest first, with its status now",
)
def list_campaigns(call: Call) -> CampaignList:
    rows = campaigns.campaign_report(db.session, call.now)
    return CampaignList(campaigns=[campaign_out(r.campaign, call.now) for r in rows])


@api_route(
    "DELETE",
    "/campaign/{campaignId}",
    tag="Campaigns",
    scope="program",
    api_key_only=True,
    response=CampaignOut,
    errors=(404,),
    summary="End a campaign now (points already awarded stay)",
)
def end_campaign(call: Call) -> CampaignOut:
    campaign = campaigns.get_campaign(db.session, call.params["campaign_id"])
    campaigns.end_campaign(db.session, campaign, actor=call.principal.actor, now=call.now)
    return campaign_out(campaigns.describe(db.session, campaign), call.now)
