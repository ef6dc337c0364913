"""The one-trip Redis storage (loyalty_portal/web/one_trip_redis.py): a rate-limited API
request costs Redis one round trip, and the X-RateLimit-* / Retry-After headers, the
counts and the unreachable-Redis behaviour are those of limits' own RedisStorage."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any
from unittest.mock import Mock
from urllib.parse import urlsplit

import pytest
from flask import Flask
from limits.storage import RedisStorage, storage_from_string

from loyalty_portal import create_app
from loyalty_portal.extensions import db, limiter
from loyalty_portal.web.one_trip_redis import OneTripRedisStorage, one_trip_uri
from tests.api.test_rate_limit import REDIS_URL, redis_or_skip
from tests.conftest import make_config

LIMIT = 3
POINTS = "/v1/user/a/points"


@pytest.fixture
def redis_client() -> Any:
    return redis_or_skip(REDIS_URL)


@pytest.fixture
def prefix(redis_client: Any) -> Iterator[str]:
    prefix = f"LIMITS-onetrip-{uuid.uuid4().hex[:12]}"
    yield prefix
    keys = list(redis_client.scan_iter(f"{prefix}*"))
    if keys:
        redis_client.delete(*keys)


@pytest.fixture
def app_config(prefix: str) -> dict[str, Any]:
    return {
        "API_RATE_LIMIT": f"{LIMIT} per minute",
        "RATELIMIT_STORAGE_URI": REDIS_URL,
        "RATELIMIT_STORAGE_OPTIONS": {"key_prefix": prefix},
    }


@pytest.fixture
def storage(prefix: str) -> OneTripRedisStorage:
    made = storage_from_string(one_trip_uri(REDIS_URL), key_prefix=prefix)
    assert isinstance(made, OneTripRedisStorage)
    return made


@contextmanager
def fresh_app(
    database_url: str, instance: Any, monkeypatch: pytest.MonkeyPatch, stock: bool, **config: Any
) -> Iterator[Flask]:
    """An app on these settings; `stock`: served by limits' own RedisStorage, the
    behaviour to keep. The limiter is one object: the newest app's storage serves all."""
    with monkeypatch.context() as patch:
        if stock:
            patch.setattr("loyalty_portal.config.one_trip_uri", lambda uri: uri)
        app = create_app(make_config(database_url, instance, **config))
    assert type(limiter.storage) is (RedisStorage if stock else OneTripRedisStorage)
    try:
        yield app
    finally:
        with app.app_context():
            db.engine.dispose()


def rate_headers(response: Any) -> tuple[int, int, int, int]:
    """Status, X-RateLimit-Remaining, X-RateLimit-Reset, Retry-After."""
    h = response.headers
    return (
        response.status_code,
        int(h["X-RateLimit-Remaining"]),
        int(h["X-RateLimit-Reset"]),
        int(h["Retry-After"]),
    )


def test_redis_uris_go_to_the_one_trip_storage_and_redis_gets_them_as_written(app, prefix):
    assert app.config["RATELIMIT_STORAGE_URI"] == "onetrip+" + REDIS_URL
    storage = limiter.storage
    assert isinstance(storage, OneTripRedisStorage) and storage.key_prefix == prefix
    kwargs = storage.storage.connection_pool.connection_kwargs
    target = urlsplit(REDIS_URL)  # redis://127.0.0.1:6379/15 unless TEST_REDIS_URL says
    assert (kwargs["host"], kwargs["port"], kwargs["db"]) == (
        target.hostname,
        target.port,
        int(target.path.strip("/") or 0),
    )
    assert one_trip_uri("rediss://:pw@cache:6380/2") == "onetrip+rediss://:pw@cache:6380/2"
    assert one_trip_uri("redis+unix:///run/redis.sock") == "onetrip+redis+unix:///run/redis.sock"
    for other in ("memory://", "memcached://cache:11211", "valkey://cache:6379", None):
        assert one_trip_uri(other) == other


def test_a_rate_limited_request_is_one_redis_round_trip(api, make, admin_key, prefix):
    make.member("a")
    assert api.get(POINTS, admin_key).status_code == 200  # connects, loads the script
    monitor_client = redis_or_skip(REDIS_URL).__class__.from_url(REDIS_URL, socket_timeout=10)
    sentinel = f"{prefix}:sentinel"
    with monitor_client.monitor() as monitor:
        assert api.get(POINTS, admin_key).status_code == 200
        assert api.get(POINTS, admin_key).status_code == 200
        assert api.get(POINTS, admin_key).status_code == 429
        redis_or_skip(REDIS_URL).get(sentinel)
        sent = []
        while (command := monitor.next_command())["command"] != f"GET {sentinel}":
            # Other tests share this Redis: only the commands naming our keys, sent by a
            # client (not the ones the script runs inside Redis).
            if command["client_type"] != "lua" and prefix in command["command"]:
                sent.append(command["command"].split()[0].upper())
    assert sent == ["EVALSHA"] * 3


def test_headers_count_down_with_one_reset_as_redis_holds_it(
    api, make, admin_key, redis_client, prefix
):
    make.member("a")
    seen = [rate_headers(api.get(POINTS, admin_key)) for _ in range(LIMIT + 2)]
    now = time.time()
    assert [(status, remaining) for status, remaining, _, _ in seen] == [
        (200, 2),
        (200, 1),
        (200, 0),
        (429, 0),
        (429, 0),
    ]
    (key,) = redis_client.scan_iter(f"{prefix}*")
    assert int(redis_client.get(key)) == LIMIT + 2
    expected_reset = int(now + redis_client.ttl(key) + 1)
    resets = {reset for _, _, reset, _ in seen}
    assert max(resets) - min(resets) <= 1 and abs(max(resets) - expected_reset) <= 1
    for _, _, reset, retry_after in seen:
        assert 0 < retry_after <= 60 and abs(reset - (now + retry_after)) <= 2


def test_headers_match_the_stock_redis_storage(
    make, admin_key, app_config, prefix, database_url, tmp_path, monkeypatch
):
    make.member("a")
    seen = {}
    for stock in (True, False):
        options = {"key_prefix": f"{prefix}-{'stock' if stock else 'ours'}"}
        config = {**app_config, "RATELIMIT_STORAGE_OPTIONS": options}
        with fresh_app(database_url, tmp_path / str(stock), monkeypatch, stock, **config) as app:
            client, started = app.test_client(), time.time()
            seen[stock] = [rate_headers(client.get(POINTS, headers=admin_key)) for _ in range(5)]
            # The apps start their windows apart: compare resets from each first call.
            seen[stock] = [(*h[:2], h[2] - started, h[3]) for h in seen[stock]]
    for ours, theirs in zip(seen[False], seen[True], strict=True):
        assert ours[:2] == theirs[:2]
        assert abs(ours[2] - theirs[2]) <= 1.5 and abs(ours[3] - theirs[3]) <= 1


def test_concurrent_requests_each_report_the_count_their_own_hit_left(app, make):
    make.member("a")
    _, key = make.api_key(["read"])
    app.config["API_RATE_LIMIT"] = "40 per minute"
    calls = 16

    def call(_: int) -> int:
        r = app.test_client().get(POINTS, headers={"x-api-key": key})
        assert r.status_code == 200
        return int(r.headers["X-RateLimit-Remaining"])

    with ThreadPoolExecutor(max_workers=8) as pool:
        remaining = sorted(pool.map(call, range(calls)))
    # Each hit left its own count: 39, 38, ... once each, never a later thread's.
    assert remaining == list(range(40 - calls, 40))


def test_two_threads_on_one_key_each_read_their_own_answer(storage, redis_client, prefix):
    both_counted = threading.Barrier(2)
    read: dict[str, tuple[int, int, float]] = {}

    def hit(name: str) -> None:
        count = storage.incr("shared", 60)
        both_counted.wait(timeout=10)  # the key now holds 2 for both threads
        read[name] = (count, storage.get("shared"), storage.get_expiry("shared"))

    threads = [threading.Thread(target=hit, args=(name,)) for name in ("one", "two")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert sorted(count for count, _, _ in read.values()) == [1, 2]
    for count, got, expires_at in read.values():
        assert got == count and 58 <= expires_at - time.time() <= 61
    assert int(redis_client.get(f"{prefix}:shared")) == 2


def test_an_answer_is_read_once_then_redis_is_asked(storage, redis_client, prefix, monkeypatch):
    assert storage.incr("k", 60) == 1
    redis_client.incrby(f"{prefix}:k", 5)  # another worker's hits
    assert storage.get("k") == 1  # this request's own count
    assert storage.get("k") == 6  # a later read: Redis
    assert 58 <= storage.get_expiry("k") - time.time() <= 61
    assert storage.get_expiry("k") - time.time() <= 61
    assert storage.incr("k", 60) == 7
    assert storage.get("other") == 0  # another key drops the answer...
    assert storage.get("k") == 7  # ...so this one is Redis' (unchanged here)
    storage.incr("k", 60)
    storage.clear("k")
    assert storage.get("k") == 0 and storage.get_expiry("k") <= time.time() + 1
    assert storage.incr("k", 60) == 1
    redis_client.incrby(f"{prefix}:k", 5)
    with monkeypatch.context() as patch:  # Redis fails this one call
        patch.setattr(storage, "lua_incr_expire_ttl", Mock(side_effect=ConnectionError))
        with pytest.raises(ConnectionError):
            storage.incr("k", 60)
    assert storage.get("k") == 6  # not the answer before the failure


def test_a_new_request_never_reads_the_last_ones_answer(app, storage, redis_client, prefix):
    storage.incr("k", 60)  # nothing reads this answer (headers off, say)
    redis_client.incrby(f"{prefix}:k", 5)
    app.test_client().get("/healthz")  # sends request_started
    assert storage.get("k") == 6


FALLBACK_COUNTS = [(200, "2"), (200, "1"), (200, "0"), (429, "0")]


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ({}, [(500, None)] * 4),
        ({"RATELIMIT_SWALLOW_ERRORS": True}, [(200, None)] * 4),
        ({"RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True}, FALLBACK_COUNTS),
    ],
    ids=["default", "swallow_errors", "in_memory_fallback"],
)
def test_unreachable_redis_fails_as_the_stock_storage_does(
    make, database_url, tmp_path, monkeypatch, settings, expected
):
    make.member("a")
    _, key = make.api_key(["read"])
    config = {
        "API_RATE_LIMIT": f"{LIMIT} per minute",
        "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:1/15",
        "RATELIMIT_STORAGE_OPTIONS": {"socket_connect_timeout": 1},
        **settings,
    }
    # The one limiter reads these settings from the first app it meets and keeps them (and
    # a dead storage); set them for this test, and undo them after it.
    monkeypatch.setattr(limiter, "_swallow_errors", bool(settings.get("RATELIMIT_SWALLOW_ERRORS")))
    monkeypatch.setattr(limiter, "_in_memory_fallback_enabled", False)
    monkeypatch.setattr(limiter, "_storage_dead", False)

    def outcomes(app: Flask) -> list[Any]:
        client, seen = app.test_client(), []
        for _ in range(LIMIT + 1):
            try:
                r = client.get(POINTS, headers={"x-api-key": key})
                seen.append((r.status_code, r.headers.get("X-RateLimit-Remaining")))
            except Exception as exc:  # noqa: BLE001  (TESTING propagates what a 500 hides)
                seen.append(type(exc).__name__)
        return seen

    seen = {}
    for stock in (True, False):
        limiter._storage_dead = False
        with fresh_app(database_url, tmp_path / str(stock), monkeypatch, stock, **config) as app:
            seen[stock] = outcomes(app)
    assert seen[True] == expected and seen[False] == expected
