"""Forgot password end to end: a real browser, a real SMTP server, the link from the mail."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import login
from tests.smtp import link_in


@pytest.fixture
def app_config(smtp_server):
    return {"SMTP_URL": smtp_server.url}


def test_a_member_gets_back_in_with_the_mailed_link(page, new_page, make, smtp_server):
    make.member_login("ann@example.com", balance=1234)
    other_device = new_page()
    login(other_device, "ann@example.com")
    expect(other_device.get_by_test_id("balance")).to_have_text("1,234")

    page.goto("/auth/login")
    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("Email").fill("ann@example.com")
    page.get_by_role("button", name="Send me a link").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    expect(
        page.get_by_text("If an account exists for that address, we sent a link")
    ).to_be_visible()

    [mail] = smtp_server.wait_for(1)
    page.goto(link_in(mail, "/auth/reset/"))
    page.get_by_label(re.compile(r"^New password")).fill("found-my-way-back")
    page.get_by_label("Repeat new password").fill("found-my-way-back")
    page.get_by_role("button", name="Set password").click()

    page.wait_for_url("**/portal/")
    expect(page.get_by_test_id("balance")).to_have_text("1,234")
    expect(page.get_by_text("Your new password is set")).to_be_visible()
    other_device.reload()  # the other device was logged out
    assert "/auth/login" in other_device.url

    page.get_by_role("button", name="Log out").click()
    login(page, "ann@example.com", "found-my-way-back")
    expect(page.get_by_test_id("balance")).to_have_text("1,234")
