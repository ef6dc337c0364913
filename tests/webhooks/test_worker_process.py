"""`flask --app app worker` as a real process: one log line per job run, a clean stop on
SIGTERM, nothing lost to kill -9 mid-delivery, and two workers on PostgreSQL that
deliver each message once."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from loyalty_portal.extensions import db
from loyalty_portal.models import WebhookDelivery
from tests.api.live_gunicorn import ROOT, loyalty_env
from tests.conftest import API_SECRET, SECRET
from tests.webhooks.receiver import Receiver

pytestmark = pytest.mark.slow


def start_worker(database_url: str, instance: Path, log: Path, **settings: Any) -> Any:
    env = loyalty_env(
        {
            "DATABASE_URL": database_url,
            "INSTANCE_PATH": str(instance),
            "SECRET_KEY": SECRET,
            "API_SECRET": API_SECRET,
            "WEBHOOKS_ALLOW_PRIVATE": True,
            "WEBHOOK_RETRY_DELAYS": [0, 0, 0],
            "WORKER_INTERVALS": {"deliveries": 0.2, "lot_expiry": 0.5},
            **settings,
        }
    )
    flask = [sys.executable, "-m", "flask", "--app", "app", "worker"]
    command = flask + ["--only", "deliveries", "--only", "lot_expiry"]
    return subprocess.Popen(command, cwd=ROOT, env=env, stderr=log.open("ab"))


def subscribe(api: Any, url: str) -> dict[str, Any]:
    r = api.post("/v1/webhook", api.key("webhooks"), {"url": url, "events": ["*"]})
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def wait_until(check: Any, timeout: float = 30) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return False


def statuses(app: Any) -> list[str]:
    with app.app_context():
        found = list(db.session.scalars(select(WebhookDelivery.status)))
        db.session.rollback()
        return found


def test_logs_a_line_per_job_and_stops_cleanly_on_sigterm(
    app, api, make, receiver, database_url, tmp_path
):
    hook = subscribe(api, receiver.url)
    make.member("ann")
    log = tmp_path / "worker.log"
    worker = start_worker(database_url, tmp_path / "instance", log)
    try:
        [got] = receiver.wait_for(1)
        got.verified(hook["secret"])
        assert wait_until(lambda: "job lot_expiry done" in log.read_text())
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=20) == 0
    finally:
        if worker.poll() is None:
            worker.kill()
    text = log.read_text()
    assert "job deliveries done" in text and "1 delivered" in text
    assert "SIGTERM received, stopping" in text and text.rstrip().endswith("stopped")


def test_kill_9_mid_delivery_loses_nothing(app, api, make, database_url, tmp_path):
    receiver = Receiver(hold_seconds=30).start()
    log = tmp_path / "worker.log"
    try:
        hook = subscribe(api, receiver.url)
        make.member("bo")
        first = start_worker(database_url, tmp_path / "instance", log, WEBHOOK_CLAIM_SECONDS=2)
        try:
            assert len(receiver.wait_for(1)) == 1  # the worker is inside the POST now
            os.kill(first.pid, signal.SIGKILL)
            first.wait(timeout=10)
        finally:
            if first.poll() is None:
                first.kill()
        assert statuses(app) == ["pending"]  # nothing recorded, nothing lost
        receiver.hold_seconds = 0
        second = start_worker(database_url, tmp_path / "instance", log, WEBHOOK_CLAIM_SECONDS=2)
        try:
            got = receiver.wait_for(2, timeout=30)
            assert wait_until(lambda: statuses(app) == ["delivered"])
        finally:
            second.terminate()
            second.wait(timeout=20)
    finally:
        receiver.stop()
    assert len(got) == 2 and got[0].headers["webhook-id"] == got[1].headers["webhook-id"]
    assert got[1].verified(hook["secret"])["data"]["userId"] == "bo"


def test_two_workers_deliver_each_message_once(app, api, make, backend, database_url, tmp_path):
    if backend != "postgresql":
        pytest.skip("several workers at once need PostgreSQL (SKIP LOCKED)")
    receiver = Receiver(hold_seconds=0.05).start()
    try:
        subscribe(api, receiver.url)
        for n in range(40):
            make.member(f"m{n}")
        workers = [
            start_worker(database_url, tmp_path / "instance", tmp_path / f"w{i}.log")
            for i in range(2)
        ]
        try:
            assert wait_until(lambda: statuses(app).count("delivered") == 40, timeout=60)
            time.sleep(1)  # any duplicate would arrive now
        finally:
            for worker in workers:
                worker.terminate()
            for worker in workers:
                worker.wait(timeout=20)
    finally:
        receiver.stop()
    ids = [g.headers["webhook-id"] for g in receiver.received]
    assert len(ids) == 40 and len(set(ids)) == 40
    logs = "".join((tmp_path / f"w{i}.log").read_text() for i in range(2))
    assert sum(int(n) for n in re.findall(r"(\d+) delivered", logs)) == 40  # once each
