"""Over real HTTP, against gunicorn with several workers: with Redis storage the API rate
limit holds across worker processes (in-memory counters would multiply it by N)."""

from __future__ import annotations

import uuid
from collections import Counter
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


def statuses_over_http(database_url: str, tmp_path: Any, key: str, **storage: Any) -> Counter:
    settings = {
        "DATABASE_URL": database_url,
        "SECRET_KEY": SECRET,
        "API_SECRET": API_SECRET,
        "API_RATE_LIMIT": f"{LIMIT} per minute",
        "INSTANCE_PATH": str(tmp_path / "gunicorn-instance"),
        **storage,
    }
    with gunicorn(settings, workers=WORKERS, threads=1) as base:
        statuses: Counter = Counter()
        for _ in range(CALLS):
            # a new connection each time, so the calls spread over the workers
            r = requests.get(
                f"{base}/v1/user/a/points",
                headers={"x-api-key": key, "Connection": "close"},
                timeout=30,
            )
            statuses[r.status_code] += 1
            if r.status_code == 429:
                assert r.json()["error"]["code"] == "rate_limited"
                assert int(r.headers["Retry-After"]) > 0
    return statuses


def test_with_redis_the_limit_holds_across_workers(app, make, database_url, tmp_path, redis_prefix):
    make.member("a")
    _, key = make.api_key(["read"])
    statuses = statuses_over_http(
        database_url,
        tmp_path,
        key,
        RATELIMIT_STORAGE_URI=REDIS_URL,
        RATELIMIT_STORAGE_OPTIONS={"key_prefix": redis_prefix},
    )
    assert statuses == {200: LIMIT, 429: CALLS - LIMIT}


def test_in_memory_counters_are_per_worker(app, make, database_url, tmp_path):
    """The control: the calls really spread over the workers, which is why Redis is needed."""
    make.member("a")
    _, key = make.api_key(["read"])
    statuses = statuses_over_http(database_url, tmp_path, key, RATELIMIT_STORAGE_URI="memory://")
    assert statuses[200] > LIMIT
