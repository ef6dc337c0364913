"""Rate limits per credential: 429 with Retry-After and the JSON error body, on the
in-memory storage and on Redis (which is what holds limits across gunicorn workers)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from tests.api.conftest import error_code, member_token
from tests.database import IN_CI

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
LIMIT = 3


def redis_or_skip(url: str) -> Any:
    import redis

    client = redis.Redis.from_url(url)
    try:
        client.ping()
    except redis.RedisError as exc:
        if IN_CI:
            pytest.fail(f"CI=true and Redis is required at {url}: {exc}", pytrace=False)
        pytest.skip(f"Redis not reachable at {url}")
    return client


@pytest.fixture(params=["memory", "redis"])
def storage(request: pytest.FixtureRequest) -> Iterator[dict[str, Any]]:
    if request.param == "memory":
        yield {"RATELIMIT_STORAGE_URI": "memory://"}
        return
    client = redis_or_skip(REDIS_URL)
    prefix = f"LIMITS-test-{uuid.uuid4().hex[:12]}"
    yield {"RATELIMIT_STORAGE_URI": REDIS_URL, "RATELIMIT_STORAGE_OPTIONS": {"key_prefix": prefix}}
    keys = list(client.scan_iter(f"{prefix}*"))
    if keys:
        client.delete(*keys)


@pytest.fixture
def app_config(storage: dict[str, Any]) -> dict[str, Any]:
    return {"API_RATE_LIMIT": f"{LIMIT} per minute", **storage}


def _exhaust(api, headers, path="/v1/user/a/points"):
    for _ in range(LIMIT):
        assert api.get(path, headers).status_code == 200


def test_the_call_over_the_limit_is_429_with_retry_after(api, make, admin_key):
    make.member("a")
    _exhaust(api, admin_key)
    r = api.get("/v1/user/a/points", admin_key)
    assert r.status_code == 429 and error_code(r) == "rate_limited"
    assert "Retry-After" in r.get_json()["error"]["message"]
    assert 0 < int(r.headers["Retry-After"]) <= 60


def test_limits_are_per_credential(api, make, admin_key):
    make.member("a")
    _exhaust(api, admin_key)
    assert api.get("/v1/user/a/points", admin_key).status_code == 429
    assert api.get("/v1/user/a/points", api.key("read")).status_code == 200
    mine = {"Authorization": f"Bearer {member_token('a')}"}
    assert api.get("/v1/user/a/points", mine).status_code == 200


def test_one_bucket_across_routes_and_version_prefixes(api, make, admin_key):
    make.member("a")
    assert api.get("/v1/user/a/points", admin_key).status_code == 200
    assert api.get("/v2/user/a", admin_key).status_code == 200
    assert api.get("/v0/user/a/history", admin_key).status_code == 200
    assert api.get("/v3/customer/a/points", admin_key).status_code == 429


def test_a_member_is_one_bucket_whatever_token_they_hold(api, make):
    make.member("a")
    tokens = [member_token("a", ttl=600 + i) for i in range(LIMIT + 1)]
    assert len(set(tokens)) == LIMIT + 1
    for token in tokens[:LIMIT]:
        assert api.get("/v1/user/a/points", {"Authorization": f"Bearer {token}"}).status_code == 200
    r = api.get("/v1/user/a/points", {"Authorization": f"Bearer {tokens[-1]}"})
    assert r.status_code == 429


def test_failed_credentials_are_limited_per_address(api):
    for _ in range(LIMIT):
        assert api.get("/v1/user/a/points", {"x-api-key": "lp_wrong"}).status_code == 401
    r = api.get("/v1/user/a/points", {"x-api-key": "lp_also-wrong"})
    assert r.status_code == 429 and error_code(r) == "rate_limited"


@pytest.mark.parametrize("storage", ["redis"], indirect=True)
def test_with_redis_the_counters_live_in_redis(api, make, admin_key, storage):
    make.member("a")
    _exhaust(api, admin_key)
    prefix = storage["RATELIMIT_STORAGE_OPTIONS"]["key_prefix"]
    keys = list(redis_or_skip(REDIS_URL).scan_iter(f"{prefix}*"))
    assert keys and any(b"api_key:" in k for k in keys)
