"""Load benchmark: gunicorn on PostgreSQL and on SQLite, driven by wrk, in one run.

For each backend it measures the framework's ceiling (GET /bench/ping), the minimal
correct redemption (the anchor app in bench/app.py) and GET /v1/user/{userId}/points,
POST /v1/event, POST /v1/user/{userId}/offer/{offerId}/redeem and POST /v1/event/batch:
requests/s, p50 and p99, and the ratios the issue sets goals for (points and event to the
ceiling, redeem to the anchor, batch in events/s). Prints a Markdown report and writes it
to bench/RESULTS.md.

    make bench                          # or: .venv/bin/python bench/run.py --help
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import report, setup_db  # noqa: E402

SCENARIOS = [
    ("ceiling", "GET /bench/ping", "ping.lua"),
    ("points", "GET /v1/user/{userId}/points", "points.lua"),
    ("event", "POST /v1/event", "event.lua"),
    ("redeem", "POST /v1/user/{userId}/offer/{offerId}/redeem", "redeem.lua"),
    ("anchor", "POST /bench/anchor/{userId}/{offerId}/redeem", "anchor.lua"),
    ("batch", "POST /v1/event/batch (100 events)", "batch.lua"),
]


def options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    server_options(parser)
    parser.add_argument("--backends", default="postgresql,sqlite")
    parser.add_argument("--output", default=str(ROOT / "bench" / "RESULTS.md"))
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument(
        "--rounds",
        type=int,
        default=2,
        help="times every scenario is measured, one round after another (the report gives "
        "the ratios of each round: a shared machine's load moves between them)",
    )
    return parser.parse_args()


def server_options(parser: argparse.ArgumentParser) -> None:
    """The options of the server, wrk and the databases (shared with bench/scale.py)."""
    cpus = os.cpu_count() or 1
    parser.add_argument("--duration", type=int, default=20, help="seconds per scenario")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of warm-up each")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2 * cpus, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("BENCH_DATABASE_URL")
        or os.environ.get("TEST_DATABASE_URL")
        or "postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
        help="a PostgreSQL URL; the benchmark creates (and drops) its own database beside it",
    )
    parser.add_argument(
        "--redis", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
    )


def rate_limit_storage(redis_url: str) -> str:
    try:
        import redis

        redis.Redis.from_url(redis_url, socket_timeout=2).ping()
        return redis_url
    except Exception:  # noqa: BLE001  (any failure means: no Redis here)
        return "memory://"


def serve(database_url: str, instance: Path, args: argparse.Namespace, storage: str):
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOYALTY_")}
    env.update(
        LOYALTY_DATABASE_URL=database_url,
        LOYALTY_INSTANCE_PATH=str(instance),
        LOYALTY_SECRET_KEY=setup_db.SECRETS["SECRET_KEY"],
        LOYALTY_API_SECRET=setup_db.SECRETS["API_SECRET"],
        LOYALTY_API_RATE_LIMIT="1000000000 per minute",
        LOYALTY_RATELIMIT_STORAGE_URI=storage,
        LOYALTY_RATELIMIT_STORAGE_OPTIONS=json.dumps(
            {"key_prefix": f"LIMITS-bench-{uuid.uuid4().hex[:8]}"}
        ),
    )
    with socket.socket() as sock:  # a free port
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--workers",
        str(args.workers),
        "--threads",
        str(args.threads),
        "--bind",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
        "--backlog",
        "2048",
        "bench.app:app",
    ]
    process = subprocess.Popen(command, cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return process, base
        except OSError:
            time.sleep(0.2)
    process.terminate()
    raise RuntimeError("gunicorn did not come up")


def wrk(
    base: str,
    script: str,
    seconds: int,
    args: argparse.Namespace,
    key: str,
    users: int = setup_db.USERS,
) -> dict[str, Any]:
    """One wrk run of a Lua scenario; `users` is how many seeded members it draws from."""
    command = [
        "wrk",
        "--latency",
        "-t",
        str(args.wrk_threads),
        "-c",
        str(args.connections),
        "-d",
        f"{seconds}s",
        "--timeout",
        "10s",
        "-s",
        f"bench/lua/{script}",
        base,
        "--",
        key,
        str(users),
        setup_db.OFFER_ID,
    ]
    out = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True).stdout
    line = next(ln for ln in out.splitlines() if ln.startswith("{"))
    return dict(json.loads(line))


def run_backend(backend: str, args: argparse.Namespace, storage: str) -> dict[str, Any]:
    workdir = Path(tempfile.mkdtemp(prefix=f"loyalty-bench-{backend}-"))
    try:
        if backend == "postgresql":
            with setup_db.postgres_database(args.postgres) as url:
                return measure(url, workdir, args, storage)
        return measure(f"sqlite:///{workdir / 'bench.db'}", workdir, args, storage)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def measure(
    database_url: str, workdir: Path, args: argparse.Namespace, storage: str
) -> dict[str, Any]:
    instance = workdir / "instance"
    print(f"  seeding {setup_db.USERS} users ...", flush=True)
    key = setup_db.prepare(database_url, instance)
    version = setup_db.server_version(database_url, instance)
    process, base = serve(database_url, instance, args, storage)
    results: dict[str, Any] = {
        "database": version,
        "scenarios": {},
        "load_before": report.load_average(),
    }
    try:
        rounds = [scenarios(base, args, key) for _ in range(max(1, args.rounds))]
        results["rounds"] = rounds
        results["scenarios"] = report.combined(rounds)
    finally:
        process.terminate()
        process.wait(timeout=30)
    results["load_after"] = report.load_average()
    return results


def scenarios(
    base: str,
    args: argparse.Namespace,
    key: str,
    names: list[str] | None = None,
    users: int = setup_db.USERS,
) -> dict[str, Any]:
    """Warm up, then measure each scenario (all, or those `names`) against a server."""
    results: dict[str, Any] = {}
    for name, label, script in SCENARIOS:
        if names is not None and name not in names:
            continue
        print(f"  {label} ...", flush=True)
        wrk(base, script, args.warmup, args, key, users)
        results[name] = {"label": label, **wrk(base, script, args.duration, args, key, users)}
    return results


def main() -> int:
    args = options()
    if shutil.which("wrk") is None:
        print("wrk is not installed: apt-get install -y wrk", file=sys.stderr)
        return 2
    storage = rate_limit_storage(args.redis)
    runs: dict[str, Any] = {}
    for backend in [b.strip() for b in args.backends.split(",") if b.strip()]:
        print(f"{backend}:", flush=True)
        runs[backend] = run_backend(backend, args, storage)
    text = report.markdown(runs, args, storage)
    print(text)
    if not args.no_write:
        Path(args.output).write_text(text)
        print(f"Written to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
