"""`flask worker --once` runs every periodic job through the same services as the CLI
commands, logging one line per job; unknown job names are refused."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import select

from loyalty_portal.extensions import db
from loyalty_portal.models import Member, OutboxMessage, WorkerHeartbeat
from loyalty_portal.timeutil import utcnow
from loyalty_portal.worker.jobs import JOBS


def test_once_runs_every_job_and_logs_a_line_each(app, make, runner, caplog):
    make.rule("visit", points=30, expiry_policy="days", expiry_days=1)
    make.rule("buy", points=40, pending_days=1)
    past = utcnow() - timedelta(days=3)
    from loyalty_portal.services.earning import events

    with app.app_context():
        for event_id in ("visit", "buy"):
            events.record_event(
                db.session, user_id="ann", event_id=event_id, now=past, source="t", trusted=True
            )
        db.session.commit()
    with caplog.at_level(logging.INFO, logger="loyalty_portal.worker"):
        result = runner.invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("job ")]
    ran = [line.split()[1] for line in lines]
    assert set(ran) >= set(JOBS) - {"deliveries"}  # nothing to deliver: logged at DEBUG
    assert any("released 40 pending points" in line for line in lines)
    assert any("expired 30 points of 1 member" in line for line in lines)
    with app.app_context():
        assert db.session.scalars(select(Member.balance)).one() == 40
        types = list(db.session.scalars(select(OutboxMessage.type).order_by(OutboxMessage.id)))
        assert types.count("points.expired") == 1 and types.count("points.earned") == 2
        assert db.session.scalars(select(WorkerHeartbeat)).one().beat_at is not None


def test_the_worker_settles_expired_holds(app, make, runner, caplog):
    from loyalty_portal.models import PointsHold
    from loyalty_portal.services.ledger import holds

    make.member("ann", balance=100)
    with app.app_context():  # a checkout's hold of 60 points that expired an hour ago
        holds.create_hold(db.session, "ann", 60, now=utcnow() - timedelta(hours=2), expires_in=3600)
        db.session.commit()
    with caplog.at_level(logging.INFO, logger="loyalty_portal.worker"):
        result = runner.invoke(args=["worker", "--once", "--only", "hold_expiry"])
    assert result.exit_code == 0, result.output
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("job ")]
    assert any("settled the expired holds of 1 member" in line for line in lines), lines
    with app.app_context():
        member = db.session.scalars(select(Member).where(Member.user_id == "ann")).one()
        assert (member.balance, member.held_points) == (100, 0)
        assert db.session.scalars(select(PointsHold.status)).one() == "EXPIRED"


def test_unknown_job_is_refused(runner):
    result = runner.invoke(args=["worker", "--once", "--only", "nope"])
    assert result.exit_code != 0 and "Unknown job(s): nope" in result.output
