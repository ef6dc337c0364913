"""Profile each hot path in-process (cProfile) and print the top functions by own time.

    .venv/bin/python bench/profile_hot_paths.py [--calls 300] [--top 15]

On a fresh SQLite database seeded like the load benchmark: a warm-up call, then `--calls`
calls of each hot path through Flask's test client (no network, no gunicorn), profiled
together per path. bench/README.md records the output.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
import tempfile
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import setup_db  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--top", type=int, default=15)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="loyalty-profile-"))
    url = f"sqlite:///{workdir / 'profile.db'}"
    from bench.run import rate_limit_storage  # Redis when reachable, as the load benchmark

    os.environ.update(
        LOYALTY_RATELIMIT_STORAGE_URI=rate_limit_storage("redis://127.0.0.1:6379/14"),
        LOYALTY_DATABASE_URL=url,
        LOYALTY_INSTANCE_PATH=str(workdir),
        LOYALTY_API_RATE_LIMIT="1000000000 per minute",
        LOYALTY_SECRET_KEY=setup_db.SECRETS["SECRET_KEY"],
        LOYALTY_API_SECRET=setup_db.SECRETS["API_SECRET"],
    )
    setup_db.USERS = 50
    key = setup_db.prepare(url, workdir)
    from bench.app import app

    client = app.test_client()
    user = "bench-7"
    event = {"eventId": setup_db.EVENT_ID, "userId": user}

    def write_headers() -> dict[str, str]:
        return {"x-api-key": key, "Idempotency-Key": uuid.uuid4().hex}

    paths = {
        "GET /v1/user/{userId}/points": lambda: client.get(
            f"/v1/user/{user}/points", headers={"x-api-key": key}
        ),
        "POST /v1/event": lambda: client.post("/v1/event", headers=write_headers(), json=event),
        "POST /v1/user/{userId}/offer/{offerId}/redeem": lambda: client.post(
            f"/v1/user/{user}/offer/{setup_db.OFFER_ID}/redeem", headers=write_headers(), json={}
        ),
        "POST /v1/event/batch (100 events)": lambda: client.post(
            "/v1/event/batch", headers=write_headers(), json={"events": [event] * 100}
        ),
    }
    for label, call in paths.items():
        assert call().status_code in (200, 201), label  # warm: caches, statement cache
        profiler = cProfile.Profile()
        calls = args.calls if "batch" not in label else max(1, args.calls // 20)
        profiler.enable()
        for _ in range(calls):
            call()
        profiler.disable()
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats("tottime").print_stats(args.top)
        body = out.getvalue()
        lines = [ln for ln in body.splitlines() if ln.strip()]
        start = next(i for i, ln in enumerate(lines) if ln.lstrip().startswith("ncalls"))
        print(f"### {label} ({calls} calls)\n")
        print("```")
        print(lines[0].strip())
        print("\n".join(ln.replace(str(ROOT) + "/", "").rstrip() for ln in lines[start:]))
        print("```\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
