"""With CSRF on, a redeem whose token has gone stale (tab left open too long) is refused;
the page says so clearly instead of silently doing nothing, and nothing changes."""

from __future__ import annotations

import pytest

from tests.browser.conftest import accept_confirmations, login
from tests.web.portal_support import balance_of, redemptions_of


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True}


def test_htmx_redeem_works_with_the_token(app, page, make):
    make.offer("coffee", title="Free coffee", cost=150)
    account = make.member_login("ann@example.com", balance=1000)
    login(page, "ann@example.com")
    page.goto("/portal/rewards")
    accept_confirmations(page)
    page.get_by_test_id("redeem-button").click()
    page.get_by_test_id("coupon-code").wait_for()
    assert balance_of(app, account.member_id) == 850


def test_a_stale_token_is_refused_with_a_clear_message(app, page, make):
    make.offer("coffee", title="Free coffee", cost=150)
    account = make.member_login("ann@example.com", balance=1000)
    login(page, "ann@example.com")
    page.goto("/portal/rewards")
    page.evaluate(
        """() => {
            document.body.setAttribute('hx-headers', '{"X-CSRFToken": "stale"}');
            for (const input of document.querySelectorAll('input[name=csrf_token]')) {
                input.value = 'stale';
            }
        }"""
    )
    accept_confirmations(page)
    page.get_by_test_id("redeem-button").click()
    flash = page.get_by_test_id("flash")
    flash.wait_for()
    assert "Reload the page and try again." in flash.inner_text()
    assert page.get_by_test_id("redeem-button").is_enabled()  # the page stays usable
    assert page.get_by_test_id("balance").inner_text() == "1,000"
    assert redemptions_of(app, account.member_id) == []
