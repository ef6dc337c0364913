"""An admin subscribes a receiver, sends a test message, reads the attempt in the log and
replays it, in Chromium; the receiver (127.0.0.1) checks every signature."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from loyalty_portal.worker import Worker
from tests.browser.conftest import login
from tests.webhooks.receiver import Receiver


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"WEBHOOKS_ALLOW_PRIVATE": True, "WEBHOOK_RETRY_DELAYS": ()}


def test_admin_creates_an_endpoint_tests_it_and_replays(app, new_page, make):
    receiver = Receiver(statuses=[502]).start()
    try:
        make.admin("root@example.com")
        page = new_page()
        login(page, "root@example.com")
        page.get_by_role("link", name="Webhooks", exact=True).click()
        page.get_by_label("URL").fill(receiver.url)
        page.get_by_label("Every type, including those added later").check()
        page.get_by_role("button", name="Create endpoint").click()
        secret = page.get_by_test_id("webhook-secret").inner_text().strip()
        assert secret.startswith("whsec_")

        page.get_by_role("button", name="Send test message").click()
        expect(page.get_by_text("Test message queued")).to_be_visible()
        Worker(app, ["deliveries"]).run_once()
        page.reload()
        log = page.get_by_test_id("delivery-log")
        expect(log).to_contain_text("webhook.test")
        expect(log).to_contain_text("Failed")
        expect(log).to_contain_text("502")
        expect(page.get_by_test_id("webhook-secret")).to_have_count(0)  # shown once only

        page.get_by_role("button", name="Replay").click()
        expect(page.get_by_text("Delivery queued again")).to_be_visible()
        Worker(app, ["deliveries"]).run_once()
        page.reload()
        expect(page.get_by_test_id("delivery-log")).to_contain_text("Delivered")
        got = receiver.wait_for(2)
    finally:
        receiver.stop()
    assert len(got) == 2 and got[0].headers["webhook-id"] == got[1].headers["webhook-id"]
    assert all(g.verified(secret)["type"] == "webhook.test" for g in got)
