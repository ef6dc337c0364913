"""Webhook benchmark: the event path with one subscribed endpoint next to none, and the
worker's delivery rate to a local receiver, on SQLite and PostgreSQL.

In-process (Flask's test client, one thread), so it isolates what the outbox adds to a
request (statements and time) from HTTP and gunicorn; `bench/run.py` measures those.

    .venv/bin/python bench/webhooks.py [--events 400] [--backends sqlite,postgresql]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import event  # noqa: E402

from bench import setup_db  # noqa: E402
from loyalty_portal import create_app  # noqa: E402
from loyalty_portal.extensions import db  # noqa: E402
from loyalty_portal.models import EarningRule  # noqa: E402
from loyalty_portal.services.core.actors import Actor  # noqa: E402
from loyalty_portal.services.members import api_keys  # noqa: E402
from loyalty_portal.services.webhooks import endpoints  # noqa: E402
from loyalty_portal.timeutil import utcnow  # noqa: E402
from loyalty_portal.worker.jobs import deliver_webhooks  # noqa: E402


class _Quiet(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802
        self.rfile.read(int(self.headers.get("content-length") or 0))
        self.send_response(204)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


def _events(app: Any, key: str, count: int, prefix: str) -> tuple[float, float]:
    """(events/s, SQL statements per request) for `count` POST /v1/event."""
    statements = [0]
    with app.app_context():
        engine = db.engine

    def counted(*_: Any) -> None:
        statements[0] += 1

    client = app.test_client()
    body = {"eventId": setup_db.EVENT_ID}
    for i in range(20):  # warm-up: caches, first-time member creation
        client.post(
            "/v1/event", json={**body, "userId": f"{prefix}-w{i}"}, headers={"x-api-key": key}
        )
    event.listen(engine, "before_cursor_execute", counted)
    started = time.perf_counter()
    for i in range(count):
        r = client.post(
            "/v1/event", json={**body, "userId": f"{prefix}-{i % 50}"}, headers={"x-api-key": key}
        )
        assert r.status_code == 200, r.get_json()
    took = time.perf_counter() - started
    event.remove(engine, "before_cursor_execute", counted)
    return count / took, statements[0] / count


def bench_backend(database_url: str, instance: Path, count: int) -> dict[str, float]:
    from flask_migrate import upgrade

    server = ThreadingHTTPServer(("127.0.0.1", 0), _Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    config = {
        "DATABASE_URL": database_url,
        "INSTANCE_PATH": str(instance),
        "WEBHOOKS_ALLOW_PRIVATE": True,
        "API_RATE_LIMIT": "1000000 per minute",
        **setup_db.SECRETS,
    }
    app = create_app(config)
    with app.app_context():
        upgrade()
        db.session.add(EarningRule(event_id=setup_db.EVENT_ID, title="Bench", type="FIX", points=1))
        _, key = api_keys.create(db.session, "bench", ["events"], Actor.system("bench"), utcnow())
        db.session.commit()
    none_rate, none_sql = _events(app, key, count, "none")
    with app.app_context():
        deliver_webhooks(threading.Event())  # fan out (to nobody) what came before
        endpoints.create(
            db.session,
            f"http://127.0.0.1:{server.server_port}/hook",
            ["*"],
            actor=Actor.system("bench"),
            now=utcnow(),
            allow_private=True,
        )
        db.session.commit()
    one_rate, one_sql = _events(app, key, count, "one")
    with app.app_context():
        started = time.perf_counter()
        summary = deliver_webhooks(threading.Event()) or ""
        took = time.perf_counter() - started
        delivered = int(summary.split("; ")[1].split()[0]) if summary else 0
        db.session.remove()
        db.engine.dispose()
    server.shutdown()
    return {
        "none_rate": none_rate,
        "none_sql": none_sql,
        "one_rate": one_rate,
        "one_sql": one_sql,
        "delivered": delivered,
        "delivery_rate": delivered / took if took else 0.0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=400)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("BENCH_DATABASE_URL")
        or os.environ.get("TEST_DATABASE_URL")
        or "postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
    )
    parser.add_argument("--output", default=str(ROOT / "bench" / "WEBHOOKS.md"))
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    rows = []
    for backend in args.backends.split(","):
        with tempfile.TemporaryDirectory() as tmp:
            if backend == "sqlite":
                result = bench_backend(f"sqlite:///{tmp}/bench.db", Path(tmp), args.events)
            else:
                with setup_db.postgres_database(args.postgres) as url:
                    result = bench_backend(url, Path(tmp), args.events)
        rows.append(
            f"| {backend} | {result['none_rate']:.0f} | {result['none_sql']:.1f} | "
            f"{result['one_rate']:.0f} | {result['one_sql']:.1f} | "
            f"{result['delivered']:.0f} | {result['delivery_rate']:.0f} |"
        )
    text = "\n".join(
        [
            "# Webhook benchmark (`bench/webhooks.py`)",
            "",
            f"{args.events} `POST /v1/event` in-process (one thread, Flask's test client), "
            "then one worker delivering every resulting message to a receiver on 127.0.0.1.",
            "",
            "| backend | events/s, no endpoint | SQL/event | events/s, one endpoint (`*`) "
            "| SQL/event | messages delivered | deliveries/s |",
            "|---|---|---|---|---|---|---|",
            *rows,
            "",
            f"Load average (1 min) before and after: {load_before:.2f} → {os.getloadavg()[0]:.2f}"
            " (2 CPUs; other work on the machine skews both columns alike).",
            "",
        ]
    )
    print(text)
    if not args.no_write:
        Path(args.output).write_text(text)


if __name__ == "__main__":
    main()
