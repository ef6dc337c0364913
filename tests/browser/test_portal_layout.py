"""Layout and accessibility in a real browser: every portal page fits a 360 px phone,
passes WCAG AA text contrast, and loads nothing from outside the app."""

from __future__ import annotations

from datetime import timedelta

import pytest

from loyalty_portal.services.core.actors import Actor
from loyalty_portal.services.earning import events
from loyalty_portal.services.members.members import get_member
from loyalty_portal.services.rewards import redeeming
from loyalty_portal.timeutil import utcnow
from tests.browser.a11y import CONTRAST_FAILURES_JS, OVERFLOW_JS
from tests.browser.conftest import accept_confirmations, login
from tests.web.portal_support import write

PAGES = [
    "/portal/",
    "/portal/rewards",
    "/portal/history",
    "/portal/coupons",
    "/portal/leaderboard",
    "/portal/earn",
    "/portal/tiers",
]


@pytest.fixture
def busy_member(app, make):
    """A member with a tier, history, coupons in several states and offers of every kind."""
    gold = make.tier("Gold", 5000)
    make.tier("Bronze", 0)
    cafe = make.shop("cafe", name="Corner Café with a rather long name")
    make.rule(
        "purchase",
        points=1234,
        title="Purchase at the Corner Café",
        expiry_policy="days",
        expiry_days=20,
    )
    make.offer("coffee", title="Free coffee", cost=150, shop_id=cafe.id, how_to_use="Show it.")
    make.offer("lounge", title="Gold lounge pass", cost=100, min_tier_id=gold.id)
    make.offer("tote", title="Canvas tote bag, limited edition", cost=400, stock=0)
    make.offer("later", title="Winter special", cost=250, valid_from=utcnow() + timedelta(days=6))
    make.offer("bike", title="Bike", cost=99_000, type="ONLINE", limit_per_member=1)
    make.offer("styling", title="Styling session", cost=100, fulfilment="manual")
    make.member_login("ann@example.com", user_id="ann")

    def activity(session):
        for _ in range(3):
            events.record_event(
                session, user_id="ann", event_id="purchase", now=utcnow(), source="t"
            )
        member = get_member(session, "ann")
        for offer_id in ("coffee", "styling"):
            redeeming.redeem(session, member, offer_id, now=utcnow(), actor=Actor.member("ann"))

    write(app, activity)


@pytest.mark.parametrize("width", [360, 1280])
def test_pages_fit_the_screen_and_pass_contrast(busy_member, new_page, width):
    page = new_page(viewport={"width": width, "height": 800})
    login(page, "ann@example.com")
    for path in PAGES:
        page.goto(path)
        assert page.evaluate(OVERFLOW_JS) <= 0, f"{path} scrolls sideways at {width}px"
        assert page.evaluate(CONTRAST_FAILURES_JS) == [], path


def test_the_contrast_check_catches_faint_text(page):
    page.set_content(
        '<p style="color:#999">faint</p><p style="background:#1d4ed8;color:#fff">fine</p>'
        '<p style="color:#767676">just enough</p><p style="color:#777">just too faint</p>'
    )
    failures = page.evaluate(CONTRAST_FAILURES_JS)
    assert [f["text"] for f in failures] == ["faint", "just too faint"]


def test_a_refused_and_a_redeemed_card_pass_contrast(busy_member, page):
    login(page, "ann@example.com")
    page.goto("/portal/rewards")
    accept_confirmations(page)
    page.locator("#offer-coffee").get_by_test_id("redeem-button").click()
    page.locator("#offer-coffee").get_by_test_id("coupon-code").wait_for()
    assert page.evaluate(CONTRAST_FAILURES_JS) == []


def test_nothing_is_loaded_from_outside_the_app(busy_member, page, live_server):
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    login(page, "ann@example.com")
    for path in PAGES:
        page.goto(path)
    origin = live_server.url("/")
    outside = [url for url in requested if not url.startswith(origin)]
    assert requested and outside == []
    assert any("/static/vendor/htmx-2.0.11/htmx.min.js" in url for url in requested)
    assert any("/static/vendor/pico-2.1.1/pico.min.css" in url for url in requested)


def test_every_form_control_has_a_label(busy_member, page):
    login(page, "ann@example.com")
    for path in ("/portal/rewards", "/portal/history"):
        page.goto(path)
        unlabelled = page.evaluate(
            """() => [...document.querySelectorAll('select, input:not([type=hidden])')]
                   .filter((el) => !el.labels || el.labels.length === 0).map((el) => el.name)"""
        )
        assert unlabelled == [], path


def test_the_copy_button_copies_the_code(busy_member, new_page):
    page = new_page(permissions=["clipboard-read", "clipboard-write"])
    login(page, "ann@example.com")
    page.goto("/portal/coupons")
    code = page.get_by_test_id("coupon-code").first.inner_text()
    page.get_by_role("button", name=f"Copy code {code}").click()
    page.get_by_role("button", name=f"Copy code {code}").filter(has_text="Copied").wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == code
