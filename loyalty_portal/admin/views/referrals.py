"""The referral program: its settings (and the birthday reward) and the report."""

from __future__ import annotations

from dataclasses import asdict

from flask import redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from loyalty_portal.admin import bp
from loyalty_portal.admin.forms.growth import ReferralSettingsForm
from loyalty_portal.admin.helpers import admin_actor
from loyalty_portal.extensions import db
from loyalty_portal.models import EarningRule
from loyalty_portal.services.analytics.referrals import referral_report
from loyalty_portal.services.program.growth_settings import (
    GrowthProgram,
    load_growth,
    save_growth,
)
from loyalty_portal.timeutil import utcnow
from loyalty_portal.web.forms import submit


def _input(form: ReferralSettingsForm) -> GrowthProgram:
    return GrowthProgram(
        referrals_enabled=bool(form.referrals_enabled.data),
        qualifying_event_id=form.qualifying_event_id.data or None,
        minimum_value=form.minimum_value.data,
        referrer_points=form.referrer_points.data or 0,
        friend_points=form.friend_points.data or 0,
        monthly_cap=form.monthly_cap.data,
        birthday_points=form.birthday_points.data or 0,
    )


@bp.route("/referrals", methods=["GET", "POST"])
def referrals() -> Response | str:
    if request.method == "GET":
        form = ReferralSettingsForm(data=asdict(load_growth(db.session)))
    else:
        form = ReferralSettingsForm()
    rules = db.session.scalars(select(EarningRule).order_by(EarningRule.event_id))
    form.qualifying_event_id.choices = {
        "": "Choose a rule",
        **{r.event_id: f"{r.title} ({r.event_id})" for r in rules},
    }
    done = submit(
        form,
        lambda: save_growth(db.session, _input(form), actor=admin_actor(), now=utcnow()),
        field="referrals_enabled",
        success="Referral and birthday settings saved.",
    )
    if done.ok:
        return redirect(url_for("admin.referrals"), 303)
    report = referral_report(db.session, utcnow())
    chart = {
        "months": report.months,
        "invites": report.invites_by_month,
        "completions": report.completions_by_month,
    }
    return render_template("admin/referrals/index.html", form=form, report=report, chart=chart)
