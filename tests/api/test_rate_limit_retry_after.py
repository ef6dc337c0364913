"""Retry-After on a 429 is what the window has left, not a fixed minute."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.api.conftest import error_code
from tests.api.test_rate_limit import storage  # noqa: F401  (memory and Redis)

LIMIT = 2


@pytest.fixture
def app_config(storage: dict[str, Any]) -> dict[str, Any]:  # noqa: F811
    return {"API_RATE_LIMIT": f"{LIMIT} per 10 seconds", **storage}


def test_a_client_told_to_wait_waits_only_until_the_window_resets(api, make, admin_key):
    make.member("a")
    for _ in range(LIMIT):
        assert api.get("/v1/user/a/points", admin_key).status_code == 200
    r = api.get("/v1/user/a/points", admin_key)
    assert r.status_code == 429 and error_code(r) == "rate_limited"
    left = int(r.headers["X-RateLimit-Reset"]) - time.time()
    assert 0 < int(r.headers["Retry-After"]) <= 10
    assert abs(int(r.headers["Retry-After"]) - left) <= 2, (r.headers["Retry-After"], left)
