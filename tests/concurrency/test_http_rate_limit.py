"""Over real HTTP, against gunicorn with several workers: with Redis storage the API rate
limit holds across worker processes (in-memory counters would multiply it by N)."""

from __future__ import annotations

import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests

from tests.api.live_gunicorn import gunicorn
from tests.api.test_rate_limit import REDIS_URL, redis_or_skip
from tests.conftest import API_SECRET, SECRET

LIMIT = 10
WORKERS = 4
CALLS = 40

pytestmark = pytest.mark.slow


@pytest.fixture
def redis_prefix() -> Any:
    client = redis_or_skip(REDIS_URL)
    prefix = f"LIMITS-http-{uuid.uuid4().hex[:12]}"
    yield prefix
    keys = list(client.scan_iter(f"{prefix}*"))
    if keys:
        client.delete(*keys)


def statuses_over_http(
    database_url: str, tmp_path: Any, key: str, **storage: Any
) -> tuple[Counter, set[str]]:
    """40 calls, eight at a time, each on a new connection: their statuses, and the pids
    of the workers that answered (from gunicorn's access log)."""
    settings = {
        "DATABASE_URL": database_url,
        "SECRET_KEY": SECRET,
        "API_SECRET": API_SECRET,
        "API_RATE_LIMIT": f"{LIMIT} per minute",
        "INSTANCE_PATH": str(tmp_path / "gunicorn-instance"),
        **storage,
    }
    access_log = tmp_path / "access.log"
    log_args = ("--access-logfile", str(access_log), "--access-logformat", "%(p)s %(s)s")
    with gunicorn(settings, workers=WORKERS, threads=1, extra_args=log_args) as base:
        warmed = _all_workers_answering(base, access_log)

        def call(_: int) -> int:
            r = requests.get(
                f"{base}/v1/user/a/points",
                headers={"x-api-key": key, "Connection": "close"},
                timeout=30,
            )
            if r.status_code == 429:
                assert r.json()["error"]["code"] == "rate_limited"
                assert int(r.headers["Retry-After"]) > 0
            return r.status_code

        with ThreadPoolExecutor(max_workers=8) as pool:
            statuses = Counter(pool.map(call, range(CALLS)))
    lines = [line.split() for line in access_log.read_text().splitlines()[warmed:]]
    pids = {pid for pid, status in lines if status in ("200", "429")}
    return statuses, pids


def _all_workers_answering(base: str, access_log: Any, timeout: float = 30) -> int:
    """Wait until every worker has answered a /healthz (gunicorn is up once the first one
    answers; the others may still be importing the app, and the calls would all reach
    the first). Returns how many lines of the access log the wait wrote."""
    deadline = time.monotonic() + timeout

    def health(_: int) -> None:
        requests.get(f"{base}/healthz", headers={"Connection": "close"}, timeout=10)

    while True:
        with ThreadPoolExecutor(max_workers=WORKERS * 2) as pool:
            list(pool.map(health, range(WORKERS * 2)))
        lines = access_log.read_text().splitlines()
        if len({line.split()[0] for line in lines}) >= WORKERS or time.monotonic() > deadline:
            return len(lines)
        time.sleep(0.2)


def test_with_redis_the_limit_holds_across_workers(app, make, database_url, tmp_path, redis_prefix):
    make.member("a")
    _, key = make.api_key(["read"])
    statuses, pids = statuses_over_http(
        database_url,
        tmp_path,
        key,
        RATELIMIT_STORAGE_URI=REDIS_URL,
        RATELIMIT_STORAGE_OPTIONS={"key_prefix": redis_prefix},
    )
    assert len(pids) >= 2, "the calls should have reached several workers"
    assert statuses == {200: LIMIT, 429: CALLS - LIMIT}
