"""The analytics dashboard (the admin's home page), and a CLI command to prebuild rollups."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import click
from flask import current_app, render_template, request

from loyalty_portal.admin import bp
from loyalty_portal.admin.helpers import parse_day
from loyalty_portal.extensions import db
from loyalty_portal.services.analytics import dashboard as dashboard_service
from loyalty_portal.services.core.errors import ValidationFailed
from loyalty_portal.timeutil import utcnow
from loyalty_portal.web.templating import program_zone

PRESETS = (7, 30, 90, 365)


def _max_age() -> timedelta:
    return timedelta(seconds=current_app.config.get("ANALYTICS_REFRESH_SECONDS", 60))


def chart_data(board: dashboard_service.Dashboard) -> dict[str, Any]:
    """What static/admin-charts.js draws (the tables beside each chart show the same)."""
    return {
        "days": [d.isoformat() for d in board.days],
        "series": board.series,
        "outstanding": board.outstanding,
        "offers": [
            {
                "title": o.title,
                "redeemed": o.redeemed,
                "points": o.points,
                "issued": o.issued,
                "used": o.used,
            }
            for o in board.top_offers
        ],
        "tiers": [{"name": name, "members": count} for name, count in board.tiers],
    }


@bp.get("/")
def dashboard() -> tuple[str, int]:
    now = utcnow()
    today = now.astimezone(program_zone()).date()
    days = request.args.get("days", type=int)
    first = parse_day(request.args.get("from"))
    last = parse_day(request.args.get("to"), "to") or today
    if first is None or days:
        first = last - timedelta(days=(days if days in PRESETS else 30) - 1)
    state, _changed = dashboard_service.refresh(db.session, now, max_age=_max_age())
    error, status = None, 200
    try:
        board = dashboard_service.dashboard(db.session, first, last, state)
    except ValidationFailed as exc:
        error, status = exc.message, 400
        first, last = today - timedelta(days=29), today
        board = dashboard_service.dashboard(db.session, first, last, state)
    return render_template(
        "admin/dashboard/index.html",
        board=board,
        data=chart_data(board),
        presets=PRESETS,
        days=days,
        error=error,
        today=today,
    ), status


@bp.cli.command("analytics-refresh")
def analytics_refresh() -> None:
    """Bring the analytics rollups up to date (run from cron to keep the dashboard fast)."""
    now = utcnow()
    dashboard_service.refresh(db.session, now, max_age=timedelta(0))
    db.session.commit()
    click.echo("Analytics rollups are up to date.")
