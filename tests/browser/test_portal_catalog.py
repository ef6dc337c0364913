"""Catalog filters and leaderboard tabs swap their part of the page over HTMX, keep the
URL in step, and going back shows the previous state again."""

from __future__ import annotations

from tests.browser.conftest import login, mark_document, still_same_document


def test_filters_swap_the_catalog_and_back_restores_it(page, make):
    make.offer("coffee", title="Free coffee", cost=100)
    make.offer("bike", title="Bike", cost=9000)
    make.member_login("ann@example.com", balance=500)
    login(page, "ann@example.com")
    page.goto("/portal/rewards")
    cards = page.get_by_test_id("offer-card")
    assert cards.count() == 2
    mark_document(page)
    page.get_by_label("Show").select_option("affordable")
    page.wait_for_url("**/portal/rewards?show=affordable*")
    page.get_by_role("heading", name="Bike").wait_for(state="detached")
    assert cards.count() == 1 and still_same_document(page)
    page.go_back()
    page.get_by_role("heading", name="Bike").wait_for()
    assert cards.count() == 2
    assert page.evaluate("localStorage.getItem('htmx-history-cache')") is None


def test_leaderboard_tabs(page, make):
    make.member_login("ann@example.com")
    login(page, "ann@example.com")
    page.goto("/portal/leaderboard")
    mark_document(page)
    page.get_by_role("link", name="7 days").click()
    page.get_by_role("heading", name="Everyone, last 7 days").wait_for()
    assert page.get_by_role("link", name="7 days").get_attribute("aria-current") == "page"
    assert page.url.endswith("timeframe=7d") and still_same_document(page)
