"""The analytics dashboard: the page, its range picker, and proof that it stays fast at
scale: a fixed number of statements whatever the history, none scanning the big tables,
and every rollup query answered from an index (EXPLAIN with sequential scans disabled on
PostgreSQL; EXPLAIN QUERY PLAN on SQLite)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, timedelta
from typing import Any

import pytest
from sqlalchemy import event

from loyalty_portal.extensions import db
from loyalty_portal.services.analytics import dashboard
from loyalty_portal.services.core.actors import Actor
from loyalty_portal.services.earning import events
from loyalty_portal.services.rewards import redeeming
from loyalty_portal.timeutil import utcnow

BIG_TABLES = ("ledger_entry", "event_log", "member", "redemption", "audit_log")


@pytest.fixture
def app_config():
    return {"ANALYTICS_REFRESH_SECONDS": 3600}


@pytest.fixture
def admin(make, auth):
    account = make.admin("root@example.com")
    auth.login("root@example.com")
    return account


@contextmanager
def statements(app) -> Iterator[list[tuple[str, Any]]]:
    """Every SQL statement sent while the block runs (requests included)."""
    with app.app_context():
        engine = db.engine
    seen: list[tuple[str, Any]] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def history(app, members: int, days: int) -> None:
    """`members` members earning on each of the last `days` days, redeeming every third."""
    now = utcnow()
    with app.app_context():
        for m in range(members):
            for d in range(days, 0, -1):
                at = now - timedelta(days=d, minutes=m)
                outcome = events.record_event(
                    db.session, user_id=f"u{members}-{m}", event_id="buy", now=at, source="t"
                )
                if d % 3 == 0:
                    redeeming.redeem(
                        db.session, outcome.member, "pen", now=at, actor=Actor.member("x")
                    )
        db.session.commit()


def rebuild(app) -> None:
    with app.app_context():
        dashboard.refresh(db.session, utcnow(), max_age=timedelta(0))
        db.session.commit()


def test_dashboard_shows_the_figures_and_chart_data(app, client, admin, make):
    make.rule("buy", points=100)
    make.offer("pen", title="Pen", cost=10)
    history(app, members=2, days=3)
    html = client.get("/admin/?days=7").data.decode()
    assert 'data-testid="issued">600<' in html and 'data-testid="redeemed">20<' in html
    assert 'data-testid="outstanding">580<' in html and 'data-testid="members-total">2<' in html
    data = json.loads(re.search(r'id="analytics-data">(.*?)</script>', html).group(1))
    assert len(data["days"]) == 7 and sum(data["series"]["issued"]) == 600
    assert data["outstanding"][-1] == 580
    assert data["offers"] == [{"title": "Pen", "redeemed": 2, "points": 20, "issued": 2, "used": 0}]
    # Every chart has its numbers as a table too.
    assert html.count("<canvas") == 6 and html.count("Show as table") == 6
    assert "chartjs-4.6.1/chart.umd.min.js" in html


def test_range_picker(client, admin):
    today = utcnow().date()
    html = client.get(f"/admin/?from={today - timedelta(days=9)}&to={today}").data.decode()
    assert json.loads(re.search(r'id="analytics-data">(.*?)</script>', html).group(1))["days"][
        0
    ] == (str(today - timedelta(days=9)))
    response = client.get(f"/admin/?from={today}&to={today - timedelta(days=1)}")
    assert response.status_code == 400 and b"The start is after the end." in response.data
    response = client.get(f"/admin/?from={today - timedelta(days=1000)}&to={today}")
    assert b"At most 731 days at once." in response.data


def test_statements_per_page_do_not_grow_with_the_history(app, client, admin, make):
    make.rule("buy", points=10)
    make.offer("pen", title="Pen", cost=10)
    history(app, members=2, days=3)
    rebuild(app)
    client.get("/admin/?days=365")  # warm up (templates)
    with statements(app) as small:
        assert client.get("/admin/?days=365").status_code == 200
    history(app, members=12, days=40)  # 20 times the events, over 40 days
    rebuild(app)
    with statements(app) as large:
        assert client.get("/admin/?days=365").status_code == 200
    assert len(small) == len(large) <= 10
    touched = " ".join(sql for sql, _ in large).lower()
    for table in ("ledger_entry", "event_log"):
        assert f"from {table}" not in touched, table  # figures come from the rollups


def full_passes(statement: str, parameters: Any) -> list[str]:
    """The big tables this statement would read whole instead of through an index condition.

    PostgreSQL: EXPLAIN (FORMAT JSON) with sequential scans disabled; any scan of a big
    table must carry an index condition. SQLite: EXPLAIN QUERY PLAN; "SCAN t" (with or
    without an index) is a full pass, "SEARCH t USING INDEX" is not.
    """
    raw = db.session.connection().connection.driver_connection
    cursor = raw.cursor()
    if db.engine.dialect.name == "sqlite":
        cursor.execute("EXPLAIN QUERY PLAN " + statement, parameters)
        details = [row[-1] for row in cursor.fetchall()]
        return [t for t in BIG_TABLES for d in details if re.match(rf"SCAN {t}\b", d)]
    cursor.execute("SET LOCAL enable_seqscan = off")
    cursor.execute("EXPLAIN (FORMAT JSON) " + statement, parameters)
    plan = cursor.fetchone()[0][0]["Plan"]
    found = []

    def walk(node: dict[str, Any]) -> None:
        if node.get("Relation Name") in BIG_TABLES:
            indexed = "Index Cond" in node or any(
                "Index Cond" in child for child in node.get("Plans", [])
            )
            if not indexed:
                found.append(node["Relation Name"])
        for child in node.get("Plans", []):
            walk(child)

    walk(plan)
    return found


def test_the_plan_check_sees_a_full_pass(app):
    with app.app_context():
        assert full_passes("SELECT count(*) FROM ledger_entry WHERE title = 'x'", ()) == [
            "ledger_entry"
        ]
        assert full_passes("SELECT count(*) FROM member", ()) == ["member"]
        db.session.rollback()


def test_every_rollup_query_is_answered_from_an_index(app, make):
    make.rule("buy", points=10)
    make.offer("pen", title="Pen", cost=10)
    history(app, members=2, days=3)
    rebuild(app)
    history(app, members=3, days=1)  # new activity: today (and a back-dated scan) to redo
    today = utcnow().date()
    with statements(app) as seen, app.app_context():
        state, changed = dashboard.refresh(db.session, utcnow(), max_age=timedelta(0))
        board = dashboard.dashboard(db.session, today - timedelta(days=30), today, state)
        assert changed and board.totals["issued"] > 0
        reads = [(sql, params) for sql, params in seen if sql.lstrip().upper().startswith("SELECT")]
        assert len(reads) >= 10
        for sql, params in reads:
            assert full_passes(sql, params) == [], sql
        db.session.rollback()


def members_total(client) -> str:
    html = client.get("/admin/").data.decode()
    return re.search(r'data-testid="members-total">([^<]*)<', html).group(1)


def test_counts_the_admin_just_changed_are_current(app, client, admin, make):
    make.member("ann")
    assert members_total(client) == "1"
    import_text = "userId,balance\nbob,5\ncid,0\n"
    from .test_admin_data import import_file

    import_file(client, import_text, dry_run=False)
    assert members_total(client) == "3"  # not 15 minutes later
    client.post("/admin/members/cid/erase", data={"confirm": "cid"})
    assert members_total(client) == "2"
    client.post("/admin/tiers/new", data={"name": "Gold", "threshold": "0", "multiplier": "1"})
    client.post("/admin/tiers/recompute")
    html = client.get("/admin/").data.decode()
    tiers = json.loads(re.search(r'id="analytics-data">(.*?)</script>', html).group(1))["tiers"]
    assert {"name": "Gold", "members": 2} in tiers


def test_the_header_says_when_the_counts_were_taken(app, client, admin, make):
    from loyalty_portal.models.stats import StatsState

    client.get("/admin/")
    taken = utcnow() - timedelta(minutes=10)
    with app.app_context():
        state = db.session.get(StatsState, 1)
        state.snapshot_at, state.refreshed_at = taken, utcnow() - timedelta(hours=2)
        db.session.commit()
    make.member("ann")  # joined through the portal: the snapshot does not know yet
    html = client.get("/admin/").data.decode()
    assert members_total(client) == "0"
    local = taken.astimezone(UTC).strftime("%-d %b %Y, %H:%M")
    assert f"member and tier counts as of {local}" in html
