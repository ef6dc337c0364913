"""Webhook tests: private addresses allowed (the receivers listen on 127.0.0.1), quick
retries, and a receiver fixture."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.api.conftest import admin_key, api  # noqa: F401 (fixtures)
from tests.webhooks.receiver import Receiver

FAST = {
    "WEBHOOKS_ALLOW_PRIVATE": True,
    "WEBHOOK_RETRY_DELAYS": (0, 0, 0),
    "WEBHOOK_TIMEOUT_SECONDS": 5,
}


@pytest.fixture
def app_config() -> dict[str, Any]:
    return dict(FAST)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver().start()
    yield server
    server.stop()
