"""Redeeming in a real browser: HTMX swaps the card and the header balance without a
page load; refusals show on the card; double clicks redeem once; it works without
JavaScript and by keyboard alone."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from loyalty_portal.models import Member
from loyalty_portal.services.core.actors import Actor
from loyalty_portal.services.ledger.adjustments import adjust
from loyalty_portal.timeutil import utcnow
from tests.browser.conftest import (
    accept_confirmations,
    login,
    mark_document,
    still_same_document,
)
from tests.web.portal_support import balance_of, redemptions_of, write


def test_htmx_redeem_changes_card_and_balance_without_a_page_load(app, page, make):
    make.offer("coffee", title="Free coffee", cost=150, how_to_use="Show the code at the till.")
    account = make.member_login("ann@example.com", balance=1000)
    login(page, "ann@example.com")
    page.goto("/portal/rewards")
    mark_document(page)
    accept_confirmations(page)
    card = page.locator("#offer-coffee")
    card.get_by_test_id("redeem-button").click()
    code = card.get_by_test_id("coupon-code")
    code.wait_for()
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", code.inner_text())
    assert page.get_by_test_id("balance").inner_text() == "850"
    assert "Show the code at the till." in card.inner_text()
    assert page.locator("#announcer").inner_text().startswith("Redeemed Free coffee")
    expect(card.get_by_role("button", name=re.compile("Copy code"))).to_be_visible()
    assert still_same_document(page)
    assert balance_of(app, account.member_id) == 850
    assert redemptions_of(app, account.member_id) == [("coffee", "ACTIVE")]


def test_declining_the_confirmation_changes_nothing(app, page, make):
    make.offer("coffee", title="Free coffee", cost=150)
    account = make.member_login("ann@example.com", balance=1000)
    login(page, "ann@example.com")
    page.goto("/portal/rewards")
    native = []
    page.on("dialog", lambda dialog: (native.append(dialog.message), dialog.dismiss()))
    page.get_by_test_id("redeem-button").click()
    dialog = page.get_by_role("dialog")  # styled, not the browser's confirm()
    expect(dialog).to_contain_text("Redeem Free coffee for 150 points?")
    expect(dialog.get_by_role("button", name="Redeem")).to_be_visible()
    dialog.get_by_role("button", name="Keep it").click()
    expect(dialog).to_be_hidden()
    page.wait_for_timeout(300)  # give a (wrong) request the chance to happen
    assert native == []
    assert page.get_by_test_id("balance").inner_text() == "1,000"
    assert redemptions_of(app, account.member_id) == []


def test_refusal_on_an_unaffordable_offer(app, page, make):
    make.offer("cake", title="Cake", cost=100)
    make.offer("bike", title="Bike", cost=900)
    account = make.member_login("ann@example.com", balance=150)
    login(page, "ann@example.com")
    page.goto("/portal/rewards")
    bike = page.locator("#offer-bike")
    assert bike.get_by_test_id("refusal").inner_text() == "750 more points"
    assert bike.get_by_test_id("redeem-button").count() == 0
    mark_document(page)
    accept_confirmations(page)

    def spent_elsewhere(session):
        member = session.get_one(Member, account.member_id)
        adjust(
            session, member, -100, reason="spent in the shop", actor=Actor.system("t"), now=utcnow()
        )

    write(app, spent_elsewhere)  # the card was rendered when 150 points were enough
    cake = page.locator("#offer-cake")
    cake.get_by_test_id("redeem-button").click()
    alert = cake.get_by_role("alert")
    alert.wait_for()
    assert alert.inner_text() == "Not redeemed. You need 50 more points."
    assert page.get_by_test_id("balance").inner_text() == "50"
    assert bike.get_by_test_id("refusal").inner_text() == "850 more points"
    assert still_same_document(page)
    assert redemptions_of(app, account.member_id) == []


def test_a_double_click_redeems_once(app, page, make):
    make.offer("coffee", title="Free coffee", cost=100, stock=10)
    account = make.member_login("ann@example.com", balance=1000)
    login(page, "ann@example.com")
    page.goto("/portal/rewards")
    accept_confirmations(page)
    page.get_by_test_id("redeem-button").dblclick()
    page.get_by_test_id("coupon-code").wait_for()
    page.wait_for_timeout(300)
    assert redemptions_of(app, account.member_id) == [("coffee", "ACTIVE")]
    assert balance_of(app, account.member_id) == 900
    assert page.get_by_test_id("balance").inner_text() == "900"


def test_redeem_with_javascript_disabled(app, new_page, make):
    make.offer("coffee", title="Free coffee", cost=150)
    account = make.member_login("ann@example.com", balance=1000)
    page = new_page(java_script_enabled=False)
    login(page, "ann@example.com")
    page.goto("/portal/rewards")
    page.get_by_test_id("redeem-button").click()
    page.wait_for_url(re.compile(r".*/portal/coupons/cp_[0-9a-f]+$"))
    assert page.get_by_test_id("flash").inner_text() == (
        "You redeemed Free coffee. Here is your coupon."
    )
    expect(page.get_by_test_id("coupon-code")).to_be_visible()
    assert page.get_by_test_id("balance").inner_text() == "850"
    assert redemptions_of(app, account.member_id) == [("coffee", "ACTIVE")]


def test_refusal_with_javascript_disabled(app, new_page, make):
    make.offer("pie", title="Pie", cost=100)
    account = make.member_login("ann@example.com", balance=150)
    page = new_page(java_script_enabled=False)
    login(page, "ann@example.com")
    page.goto("/portal/rewards")

    def spent_elsewhere(session):
        member = session.get_one(Member, account.member_id)
        adjust(
            session, member, -100, reason="spent in the shop", actor=Actor.system("t"), now=utcnow()
        )

    write(app, spent_elsewhere)
    page.get_by_test_id("redeem-button").click()
    page.wait_for_url(re.compile(r".*/portal/rewards#offer-pie$"))
    assert page.get_by_test_id("flash").inner_text() == (
        "Could not redeem Pie. You need 50 more points."
    )
    assert page.locator("#offer-pie").get_by_test_id("refusal").inner_text() == "50 more points"
    assert redemptions_of(app, account.member_id) == []


def test_keyboard_alone_can_redeem(app, page, make):
    make.offer("coffee", title="Free coffee", cost=150)
    make.member_login("ann@example.com", balance=1000)
    login(page, "ann@example.com")
    page.goto("/portal/rewards")
    accept_confirmations(page)
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.dataset.testid") == "redeem-button":
            break
    else:
        raise AssertionError("Tab never reached the redeem button")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    shadow = page.evaluate("getComputedStyle(document.activeElement).boxShadow")
    assert outline != "none" or shadow != "none"  # a visible focus state
    page.keyboard.press("Enter")
    page.get_by_test_id("coupon-code").wait_for()
    # focus kept on the card: htmx moves it to the [autofocus] title once the swap settles
    page.wait_for_function("document.activeElement?.id === 'offer-coffee-title'", timeout=5000)


@pytest.mark.parametrize("width", [360, 1280])
def test_when_the_session_has_ended_the_tapped_card_says_so_and_links_to_log_in(
    app, new_page, make, width
):
    for n in range(8):
        make.offer(f"o{n}", title=f"Offer {n}", cost=100 + n)
    account = make.member_login("ann@example.com", balance=1000)
    page = new_page(viewport={"width": width, "height": 700})
    login(page, "ann@example.com")
    page.goto("/portal/rewards")
    page.context.clear_cookies()  # logged out elsewhere, or the session expired
    accept_confirmations(page)
    card = page.locator("#offer-o7")  # far down the page
    card.get_by_test_id("redeem-button").click()
    alert = card.get_by_role("alert")
    alert.wait_for()
    assert "You were logged out" in alert.inner_text()
    assert alert.is_visible() and _in_viewport(page, alert)
    assert page.locator("#flashes").inner_text().strip() == ""
    alert.get_by_role("link", name="Log in again").click()
    page.wait_for_url(re.compile(r".*/auth/login\?next=/portal/rewards$"))
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    assert redemptions_of(app, account.member_id) == []


def _in_viewport(page, locator):
    box = locator.bounding_box()
    height = page.viewport_size["height"]
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height
