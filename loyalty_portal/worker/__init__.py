"""`flask --app app worker`: one long-running process for all background work.

Each job of `jobs.JOBS` runs on its own interval (WORKER_INTERVALS, seconds); every run
logs one line. SIGTERM (or SIGINT) asks the worker to stop: the running job finishes
its current step, deliveries claimed but not tried go back, and the process exits 0.
The worker beats every few seconds into `worker_heartbeat`, which `/healthz` reports.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import sys
import threading
import time
from types import FrameType

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from loyalty_portal.config import DEFAULTS
from loyalty_portal.extensions import db
from loyalty_portal.models import WorkerHeartbeat
from loyalty_portal.timeutil import utcnow
from loyalty_portal.worker.jobs import JOBS

log = logging.getLogger("loyalty_portal.worker")
HEARTBEAT_SECONDS = 5


class Worker:
    def __init__(self, app: Flask, only: list[str] | None = None) -> None:
        self.app = app
        self.stop = threading.Event()
        self.worker_id = f"{socket.gethostname()}:{os.getpid()}"[:80]
        # A setting that names some jobs keeps the defaults of the others.
        intervals: dict[str, float] = {
            **DEFAULTS["WORKER_INTERVALS"],
            **app.config["WORKER_INTERVALS"],
        }
        names = only or list(JOBS)
        unknown = [n for n in names if n not in JOBS]
        if unknown:
            raise click.UsageError(f"Unknown job(s): {', '.join(unknown)}; use {', '.join(JOBS)}.")
        self.intervals = {name: float(intervals[name]) for name in names}
        self.next_run = dict.fromkeys(names, 0.0)
        self.started_at = utcnow()
        self.last_beat = 0.0

    def run_job(self, name: str) -> None:
        started = time.monotonic()
        try:
            with self.app.app_context():
                summary = JOBS[name](self.stop)
                db.session.remove()
        except Exception:
            log.exception("job %s failed after %d ms", name, (time.monotonic() - started) * 1000)
            return
        took = (time.monotonic() - started) * 1000
        if summary is None:
            log.debug("job %s done in %d ms: nothing to do", name, took)
        else:
            log.info("job %s done in %d ms: %s", name, took, summary)

    def beat(self) -> None:
        try:
            with self.app.app_context():
                db.session.merge(
                    WorkerHeartbeat(
                        worker_id=self.worker_id, beat_at=utcnow(), started_at=self.started_at
                    )
                )
                db.session.commit()
                db.session.remove()
        except Exception:
            log.exception("heartbeat failed")
        self.last_beat = time.monotonic()

    def run_once(self) -> None:
        """Every job once, in order (the `--once` flag, and tests)."""
        self.beat()
        for name in self.intervals:
            if self.stop.is_set():
                break
            self.run_job(name)

    def run_forever(self) -> None:
        log.info("worker %s started: %s", self.worker_id, ", ".join(self.intervals))
        while not self.stop.is_set():
            now = time.monotonic()
            if now - self.last_beat >= HEARTBEAT_SECONDS:
                self.beat()
            for name, interval in self.intervals.items():
                if self.stop.is_set():
                    break
                if self.next_run[name] <= time.monotonic():
                    self.run_job(name)
                    self.next_run[name] = time.monotonic() + interval
            wake = min(min(self.next_run.values()), self.last_beat + HEARTBEAT_SECONDS)
            self.stop.wait(max(0.0, wake - time.monotonic()))
        log.info("worker %s stopped", self.worker_id)

    def handle_signal(self, signum: int, frame: FrameType | None) -> None:
        log.info("worker %s: %s received, stopping", self.worker_id, signal.Signals(signum).name)
        self.stop.set()


@click.command("worker")
@with_appcontext
@click.option("--once", is_flag=True, help="Run every job once, then exit.")
@click.option("--only", "only", multiple=True, help="Run only this job (repeatable).")
def worker_command(once: bool, only: tuple[str, ...]) -> None:
    """Run the background work: webhook deliveries and every periodic job."""
    if not logging.getLogger().handlers:
        logging.basicConfig(
            stream=sys.stderr, level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s"
        )
    log.setLevel(current_app.config.get("WORKER_LOG_LEVEL", "INFO"))
    worker = Worker(current_app._get_current_object(), list(only) or None)  # type: ignore[attr-defined]
    db.session.remove()  # each job opens its own context and session
    if once:
        worker.run_once()
        return
    signal.signal(signal.SIGTERM, worker.handle_signal)
    signal.signal(signal.SIGINT, worker.handle_signal)
    worker.run_forever()


def register(app: Flask) -> None:
    app.cli.add_command(worker_command)
