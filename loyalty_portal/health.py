"""`GET /healthz` for load balancers: 200 when the database answers, 503 otherwise.

It also reports the background worker (its last heartbeat) and the webhook outbox
backlog (the age of the oldest message not yet delivered), for monitoring; neither
changes the status, since a web node is healthy while the worker is being restarted.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, jsonify
from sqlalchemy import func, select, text
from sqlalchemy.exc import SQLAlchemyError

from loyalty_portal.extensions import db, limiter
from loyalty_portal.models import WorkerHeartbeat
from loyalty_portal.services.webhooks.deliveries import oldest_undelivered
from loyalty_portal.timeutil import utcnow
from loyalty_portal.web.outages import outage_log

bp = Blueprint("health", __name__)


def _background() -> dict[str, Any]:
    now = utcnow()
    beat = db.session.scalar(select(func.max(WorkerHeartbeat.beat_at)))
    oldest = oldest_undelivered(db.session)
    return {
        "worker": {
            "lastHeartbeat": beat.isoformat() if beat else None,
            "secondsSinceHeartbeat": round((now - beat).total_seconds(), 1) if beat else None,
        },
        "outbox": {
            "oldestUndeliveredSeconds": round((now - oldest).total_seconds(), 1)
            if oldest
            else None,
        },
    }


@bp.get("/healthz")
@limiter.exempt
def healthz() -> Response | tuple[Response, int]:
    try:
        db.session.execute(text("SELECT 1"))
        background = _background()
        db.session.rollback()
    except SQLAlchemyError as exc:
        db.session.close()
        # one log line per outage (a balancer asks every few seconds), not a traceback each
        outage_log(current_app).failed(exc)
        return jsonify(status="unavailable", database="unreachable"), 503
    return jsonify(status="ok", database="ok", **background)
