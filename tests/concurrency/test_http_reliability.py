"""Reliability probes over real HTTP (gunicorn, PostgreSQL): a retry that arrives while
the first request is held up by a row lock, and a worker killed in the middle of a
request (issue 9). Both need another process holding locks, so PostgreSQL only."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import Connection, create_engine, func, select, text

from loyalty_portal.extensions import db
from loyalty_portal.models import EventLog, Member
from tests.api.live_gunicorn import gunicorn
from tests.concurrency.test_http_redeem import assert_clean_ledger
from tests.conftest import API_SECRET, SECRET

pytestmark = pytest.mark.slow

EVENT = {"eventId": "login", "userId": "held"}


def _settings(database_url: str, tmp_path: Path) -> dict[str, Any]:
    return {
        "DATABASE_URL": database_url,
        "SECRET_KEY": SECRET,
        "API_SECRET": API_SECRET,
        "TENANT_ID": "test-tenant",
        "PROJECT_ID": "test-project",
        "API_RATE_LIMIT": "100000 per minute",
        "RATELIMIT_STORAGE_URI": "memory://",
        "INSTANCE_PATH": str(tmp_path / "gunicorn-instance"),
        # the old code took a key over after this long, while its first request still ran
        "IDEMPOTENCY_STALE_SECONDS": 1,
        "LOCK_TIMEOUT_MS": 30_000,
    }


@pytest.fixture
def world(make: Any, backend: str) -> str:
    if backend != "postgresql":
        pytest.skip("another connection holding row locks: PostgreSQL")
    make.rule("login", points=10)
    make.member("held")
    _, plain = make.api_key(["events"])
    return str(plain)


@contextmanager
def member_row_locked(database_url: str, user_id: str) -> Iterator[Connection]:
    """Hold the member's row lock from another connection until the block ends."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            conn.execute(
                text("SELECT id FROM member WHERE user_id = :u FOR UPDATE"), {"u": user_id}
            )
            yield conn
            conn.commit()
    finally:
        engine.dispose()


def _wait_for_lock_waiters(conn: Connection, count: int, timeout: float = 20) -> None:
    """Until `count` other sessions wait on a lock (the requests reached the member row)."""
    deadline = time.monotonic() + timeout
    query = text(
        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
        "AND datname = current_database()"
    )
    while conn.execute(text("SELECT pg_stat_clear_snapshot()")) and (
        conn.execute(query).scalar_one() < count
    ):
        assert time.monotonic() < deadline, "the requests never reached the lock"
        time.sleep(0.05)


def _post(base: str, key: str, idem: str) -> requests.Response:
    headers = {"x-api-key": key, "Idempotency-Key": idem}
    return requests.post(f"{base}/v1/event", json=EVENT, headers=headers, timeout=60)


def _effects(app: Any) -> tuple[int, int]:
    with app.app_context():
        events = db.session.scalar(select(func.count()).select_from(EventLog))
        balance = db.session.scalar(select(Member.balance).where(Member.user_id == "held"))
        db.session.rollback()
    return int(events or 0), int(balance or 0)


def test_a_retry_past_the_old_stale_limit_while_the_first_waits_has_one_effect(
    app, database_url, tmp_path, world, runner
):
    settings = _settings(database_url, tmp_path)
    with gunicorn(settings, workers=2, threads=4) as base, ThreadPoolExecutor(2) as pool:
        with member_row_locked(database_url, "held") as conn:
            first = pool.submit(_post, base, world, "order-1")
            _wait_for_lock_waiters(conn, 1)
            time.sleep(1.5)  # past IDEMPOTENCY_STALE_SECONDS: the old code took over here
            retry = pool.submit(_post, base, world, "order-1")
            _wait_for_lock_waiters(conn, 2)
        answers = [first.result(), retry.result()]
    assert [a.status_code for a in answers] == [200, 200], [a.text for a in answers]
    replayed = sorted(a.headers.get("Idempotent-Replayed", "no") for a in answers)
    assert replayed == ["no", "true"]
    assert answers[0].json() == answers[1].json()
    assert _effects(app) == (1, 10)
    assert_clean_ledger(runner)


def _worker_pids(master: int) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == master:
                pids.append(int(entry.name))
    return pids


def test_the_retry_of_a_request_whose_worker_was_killed_succeeds_at_once(
    app, database_url, tmp_path, world, runner
):
    pid_file = tmp_path / "gunicorn.pid"
    settings = _settings(database_url, tmp_path)
    with gunicorn(settings, workers=1, threads=4, extra_args=("--pid", str(pid_file))) as base:
        master = int(pid_file.read_text().strip())
        with ThreadPoolExecutor(max_workers=1) as pool:
            with member_row_locked(database_url, "held") as conn:
                doomed = pool.submit(_post, base, world, "order-2")
                _wait_for_lock_waiters(conn, 1)
                for pid in _worker_pids(master):
                    os.kill(pid, signal.SIGKILL)  # mid-request: its transaction is open
            with pytest.raises(requests.ConnectionError):
                doomed.result()
        deadline = time.monotonic() + 30
        while True:  # the master starts a new worker
            try:
                retry = _post(base, world, "order-2")
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline
                time.sleep(0.2)
    assert retry.status_code == 200, retry.text
    assert "Idempotent-Replayed" not in retry.headers
    assert retry.json()["data"]["points"] == 10
    assert _effects(app) == (1, 10)
    assert_clean_ledger(runner)
