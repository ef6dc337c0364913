"""Campaigns: scheduled, active and ended with the points each awarded; create, edit, end."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from loyalty_portal.admin import bp
from loyalty_portal.admin.forms.growth import CampaignForm
from loyalty_portal.admin.helpers import admin_actor, to_local, to_utc
from loyalty_portal.extensions import db
from loyalty_portal.models import Campaign, EarningRule, Tier, UserGroup
from loyalty_portal.services.program import campaigns as campaigns_service
from loyalty_portal.timeutil import utcnow
from loyalty_portal.web.forms import submit


@bp.get("/campaigns")
def campaigns() -> str:
    now = utcnow()
    rows = campaigns_service.campaign_report(db.session, now)
    return render_template("admin/campaigns/list.html", rows=rows, now=now)


def _choices(form: CampaignForm) -> None:
    rules = db.session.scalars(select(EarningRule).order_by(EarningRule.event_id))
    form.eventIds.choices = {r.event_id: f"{r.title} ({r.event_id})" for r in rules}
    groups = db.session.scalars(select(UserGroup).order_by(UserGroup.id))
    form.usergroups.choices = {g.id: g.display_title() for g in groups}
    tiers = db.session.scalars(select(Tier).order_by(Tier.threshold))
    form.minTier.choices = {"": "No minimum", **{t.name: t.name for t in tiers}}


def _form_data(campaign: Campaign) -> dict[str, Any]:
    tier = db.session.get(Tier, campaign.min_tier_id) if campaign.min_tier_id else None
    return {
        "title": campaign.title,
        "startsAt": to_local(campaign.starts_at),
        "endsAt": to_local(campaign.ends_at),
        "multiplier": campaign.multiplier,
        "bonusPoints": campaign.bonus_points,
        "eventIds": campaign.event_ids or [],
        "usergroups": campaign.usergroups or [],
        "minTier": tier.name if tier else "",
    }


def _input(form: CampaignForm) -> campaigns_service.CampaignInput:
    return campaigns_service.CampaignInput(
        title=form.title.data or "",
        starts_at=to_utc(form.startsAt.data),
        ends_at=to_utc(form.endsAt.data),
        multiplier=form.multiplier.data,
        bonus_points=form.bonusPoints.data,
        event_ids=list(form.eventIds.data or []),
        usergroups=list(form.usergroups.data or []),
        min_tier=form.minTier.data or None,
    )


@bp.route("/campaigns/new", methods=["GET", "POST"])
@bp.route("/campaigns/<campaign_id>", methods=["GET", "POST"])
def campaign_edit(campaign_id: str | None = None) -> Response | str:
    campaign = campaigns_service.get_campaign(db.session, campaign_id) if campaign_id else None
    if request.method == "GET" and campaign is not None:
        form = CampaignForm(data=_form_data(campaign))
    else:
        form = CampaignForm()
    _choices(form)
    done = submit(
        form,
        lambda: campaigns_service.save_campaign(
            db.session, campaign, _input(form), actor=admin_actor(), now=utcnow()
        ),
        field="title",
        success=lambda c: f"Campaign “{c.title}” saved.",
    )
    if done.ok:
        return redirect(url_for("admin.campaigns"), 303)
    return render_template("admin/campaigns/form.html", form=form, campaign=campaign)


@bp.post("/campaigns/<campaign_id>/end")
def campaign_end(campaign_id: str) -> Response:
    campaign = campaigns_service.get_campaign(db.session, campaign_id)
    campaigns_service.end_campaign(db.session, campaign, actor=admin_actor(), now=utcnow())
    flash(f"Campaign “{campaign.title}” ended. Points already awarded stay.", "success")
    return redirect(url_for("admin.campaigns"), 303)
