"""Scale benchmark (issue 9): do the hot paths keep their speed on a big database?

On one fresh database (PostgreSQL; SQLite with --backend sqlite), seeded as `make bench`
seeds it, it measures the hot paths with the wrk scenarios of bench/run.py, then seeds
--members members and --entries ledger entries through POST /v1/event/batch (concurrent
senders against the same gunicorn: a FIX rule creates each member on first sight and
books one lot, one ledger entry, per event), measures again, and times
`flask --app app ledger verify` over that data. Prints a Markdown report and writes it to
bench/SCALE.md.

    make bench-scale BENCH_SCALE_ARGS="--members 20000 --entries 100000"
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import report, run, scale_report, setup_db  # noqa: E402

MEMBERS = 1_000_000  # the sizes
ENTRIES = 5_000_000
SEED_EVENT = "bench_seed"
SEED_POINTS = 100  # each seeded member can then afford the redeem scenario many times
RETRIES = 5
HOT_PATHS = ["ceiling", "points", "event", "redeem", "batch"]  # the ceiling: a load control


def options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    run.server_options(parser)
    parser.set_defaults(duration=10, warmup=2)
    parser.add_argument("--members", type=int, default=MEMBERS, help="members in all")
    parser.add_argument("--entries", type=int, default=ENTRIES, help="ledger entries seeded")
    parser.add_argument("--batch-size", type=int, default=500, help="events per seed request")
    parser.add_argument("--senders", type=int, default=2 * (os.cpu_count() or 1))
    parser.add_argument("--backend", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--database-name", default="loyalty_bench_scale")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--verify-timeout", type=int, default=3600, help="seconds")
    parser.add_argument("--output", default=str(ROOT / "bench" / "SCALE.md"))
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    if not setup_db.USERS <= args.members <= args.entries:
        parser.error(f"need {setup_db.USERS} <= --members <= --entries")
    return args


def seed_chunks(entries: int, size: int) -> Iterator[tuple[int, int]]:
    """Event index ranges [start, stop) of `size` each: one request each."""
    for start in range(0, entries, size):
        yield start, min(start + size, entries)


def user_of(event: int, members: int) -> str:
    """Event i goes to member (i + 1,000) mod N: the first pass creates the members
    `make bench` did not (first, so the tail of the small batch scenario, queued on those
    1,000, is not in the way), the later passes book more entries, and concurrent chunks
    never touch the same members."""
    return f"bench-{(event + setup_db.USERS) % members + 1}"


class Sender:
    """POSTs seed batches over one keep-alive connection per thread."""

    def __init__(self, base: str, key: str, members: int) -> None:
        self.address = urlsplit(base)
        self.key = key
        self.members = members
        self.local = threading.local()
        self.lock = threading.Lock()
        self.retries = 0

    def send(self, chunk: tuple[int, int]) -> tuple[int, int]:
        """Returns (accepted, failed) items. A batch refused for a lock timeout (409
        `request_in_progress`: it met the tail of the batch scenario's queued requests, or
        a chunk of the next pass over the same members) is sent again; any other refusal
        fails the run."""
        events = [
            {"eventId": SEED_EVENT, "userId": user_of(i, self.members)} for i in range(*chunk)
        ]
        body = json.dumps({"events": events})
        headers = {
            "x-api-key": self.key,
            "Content-Type": "application/json",
            "Idempotency-Key": uuid.uuid4().hex,
        }
        if not hasattr(self.local, "conn"):
            host, port = self.address.hostname or "127.0.0.1", self.address.port
            self.local.conn = http.client.HTTPConnection(host, port, timeout=600)
        conn: http.client.HTTPConnection = self.local.conn
        for attempt in range(RETRIES + 1):
            conn.request("POST", "/v1/event/batch", body=body, headers=headers)
            response = conn.getresponse()
            payload = response.read()
            if response.status == 200:
                answer = json.loads(payload)
                return int(answer["accepted"]), int(answer["failed"])
            if response.status != 409 or attempt == RETRIES:
                break
            with self.lock:  # a lock timeout rolled it all back: the same key runs it anew
                self.retries += 1
            time.sleep(1)
        raise RuntimeError(f"seed batch {chunk}: {response.status} {payload[:300]!r}")


def seed(base: str, key: str, args: argparse.Namespace) -> dict[str, Any]:
    """Seed through the batch path with concurrent senders and a progress bar."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    sender = Sender(base, key, args.members)
    accepted = failed = 0
    started = time.monotonic()
    columns = [BarColumn(), MofNCompleteColumn(), TimeRemainingColumn()]
    with Progress("{task.description}", *columns) as bar, ThreadPoolExecutor(args.senders) as pool:
        task = bar.add_task("seeding", total=args.entries)
        chunks = list(seed_chunks(args.entries, args.batch_size))
        for (start, stop), (ok, bad) in zip(chunks, pool.map(sender.send, chunks), strict=True):
            accepted, failed = accepted + ok, failed + bad
            rate = accepted / max(time.monotonic() - started, 1e-9)
            bar.update(task, advance=stop - start, description=f"seeding {rate:,.0f} events/s")
    seconds = time.monotonic() - started
    return {
        "accepted": accepted,
        "failed": failed,
        "retries": sender.retries,
        "seconds": seconds,
        "rate": accepted / seconds,
    }


def add_seed_rule(database_url: str, instance: Path) -> None:
    """A FIX rule of its own for the seed, generous enough for the redeem scenario."""
    from loyalty_portal.extensions import db
    from loyalty_portal.models import EarningRule

    app = setup_db.app_for(database_url, instance)
    with app.app_context():
        db.session.add(
            EarningRule(event_id=SEED_EVENT, title="Scale seed", type="FIX", points=SEED_POINTS)
        )
        db.session.commit()
        db.engine.dispose()


def analyze(database_url: str) -> float:
    """VACUUM ANALYZE after the bulk load, as autovacuum would do before long: fresh
    planner statistics and visibility maps. Returns the seconds it took."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url, isolation_level="AUTOCOMMIT")
    started = time.monotonic()
    with engine.connect() as conn:
        conn.execute(text("VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE"))
    engine.dispose()
    return time.monotonic() - started


def sizes(database_url: str) -> dict[str, Any]:
    """What the database holds: members, ledger entries, event logs and bytes on disk."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    with engine.connect() as conn:
        count = {
            table: int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())
            for table in ("member", "ledger_entry", "event_log")
        }
        if engine.dialect.name == "postgresql":
            query = "SELECT pg_database_size(current_database())"
            count["bytes"] = int(conn.execute(text(query)).scalar_one())
        else:
            count["bytes"] = Path(str(engine.url.database)).stat().st_size
    engine.dispose()
    return count


def ledger_verify(database_url: str, instance: Path, timeout: int) -> dict[str, Any]:
    """Time `flask --app app ledger verify` as an operator runs it, configured by env."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOYALTY_")}
    env.update(
        LOYALTY_DATABASE_URL=database_url,
        LOYALTY_INSTANCE_PATH=str(instance),
        LOYALTY_SECRET_KEY=setup_db.SECRETS["SECRET_KEY"],
        LOYALTY_API_SECRET=setup_db.SECRETS["API_SECRET"],
    )
    command = [sys.executable, "-m", "flask", "--app", "app", "ledger", "verify"]
    started = time.monotonic()
    done = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    lines = (done.stdout + done.stderr).strip().splitlines()
    return {
        "seconds": time.monotonic() - started,
        "code": done.returncode,
        "last": lines[-1] if lines else "",
    }


@contextmanager
def database(args: argparse.Namespace, workdir: Path) -> Iterator[str]:
    if args.backend == "postgresql":
        with setup_db.postgres_database(args.postgres, args.database_name, args.keep) as url:
            yield url
    else:
        yield f"sqlite:///{workdir / 'scale.db'}"


def bench(args: argparse.Namespace, workdir: Path, storage: str) -> dict[str, Any]:
    """The whole run against one database; returns every figure the report needs."""
    instance = workdir / "instance"
    out: dict[str, Any] = {"load": {"start": report.load_average()}}
    with database(args, workdir) as url:
        print(f"seeding {setup_db.USERS:,} members as make bench does ...", flush=True)
        key = setup_db.prepare(url, instance)
        add_seed_rule(url, instance)
        out["database"] = setup_db.server_version(url, instance)
        print("flask ledger verify (small) ...", flush=True)
        out["verify_small"] = ledger_verify(url, instance, args.verify_timeout)
        process, base = run.serve(url, instance, args, storage)
        try:
            print("small database:", flush=True)
            out["small"] = run.scenarios(base, args, key, HOT_PATHS)
            out["load"]["small"] = report.load_average()
            print(f"seeding {args.entries:,} events for {args.members:,} members:", flush=True)
            out["seed"] = seed(base, key, args)
            out["load"]["seeded"] = report.load_average()
            out["analyze_s"] = analyze(url)
            out["sizes"] = sizes(url)
            print("big database:", flush=True)
            out["big"] = run.scenarios(base, args, key, HOT_PATHS, users=args.members)
            out["load"]["big"] = report.load_average()
        finally:
            process.terminate()
            process.wait(timeout=30)
        print("flask ledger verify ...", flush=True)
        out["verify"] = ledger_verify(url, instance, args.verify_timeout)
        out["load"]["end"] = report.load_average()
        if args.keep:
            print(f"Kept the database: {url}", flush=True)
    return out


def main() -> int:
    args = options()
    if shutil.which("wrk") is None:
        print("wrk is not installed: apt-get install -y wrk", file=sys.stderr)
        return 2
    storage = run.rate_limit_storage(args.redis)
    workdir = Path(tempfile.mkdtemp(prefix="loyalty-bench-scale-"))
    try:
        results = bench(args, workdir, storage)
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    text = scale_report.markdown(results, args, storage, full=(MEMBERS, ENTRIES))
    print(text)
    if not args.no_write:
        Path(args.output).write_text(text)
        print(f"Written to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
