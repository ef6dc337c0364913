"""After an HTMX redeem every card on the page reflects the new balance, and a price
changed since the page was shown is refused on the card, which then shows the new price."""

from __future__ import annotations

import pytest

from loyalty_portal.models import Offer
from tests.browser.conftest import (
    accept_confirmations,
    login,
    mark_document,
    questions_asked,
    still_same_document,
)
from tests.web.portal_support import balance_of, redemptions_of, write

WIDTHS = [360, 1280]


@pytest.mark.parametrize("width", WIDTHS)
def test_every_card_reflects_the_new_balance_after_a_redeem(app, new_page, make, width):
    make.offer("coffee", title="Coffee", cost=400)
    make.offer("cake", title="Cake", cost=500)
    make.offer("bike", title="Bike", cost=900)
    account = make.member_login("ann@example.com", balance=1000)
    page = new_page(viewport={"width": width, "height": 800})
    login(page, "ann@example.com")
    page.goto("/portal/rewards")
    mark_document(page)
    accept_confirmations(page)
    coffee, cake, bike = (page.locator(f"#offer-{o}") for o in ("coffee", "cake", "bike"))
    assert bike.get_by_test_id("redeem-button").count() == 1
    coffee.get_by_test_id("redeem-button").click()
    coffee.get_by_test_id("coupon-code").wait_for()
    assert page.get_by_test_id("balance").inner_text() == "600"
    assert bike.get_by_test_id("refusal").inner_text() == "300 more points"
    assert bike.get_by_test_id("redeem-button").count() == 0
    assert cake.get_by_test_id("redeem-button").count() == 1  # 600 still covers 500
    assert coffee.get_by_role("button", name="Redeem another").is_visible()  # 600 >= 400
    cake.get_by_test_id("redeem-button").click()
    cake.get_by_test_id("coupon-code").wait_for()
    assert coffee.get_by_test_id("refusal").inner_text() == "300 more points"
    assert still_same_document(page)
    assert balance_of(app, account.member_id) == 100
    assert sorted(redemptions_of(app, account.member_id)) == [
        ("cake", "ACTIVE"),
        ("coffee", "ACTIVE"),
    ]


@pytest.mark.parametrize("width", WIDTHS)
def test_a_price_raised_after_the_page_was_shown_is_not_charged(app, new_page, make, width):
    make.offer("tote", title="Tote bag", cost=60)
    account = make.member_login("ann@example.com", balance=1000)
    page = new_page(viewport={"width": width, "height": 800})
    login(page, "ann@example.com")
    page.goto("/portal/rewards")
    accept_confirmations(page)
    write(app, lambda s: setattr(s.get_one(Offer, "tote"), "cost", 300))
    card = page.locator("#offer-tote")
    card.get_by_test_id("redeem-button").click()
    alert = card.get_by_role("alert")
    alert.wait_for()
    assert "The price changed from 60 to 300 points" in alert.inner_text()
    assert card.get_by_test_id("offer-cost").inner_text() == "300"
    assert balance_of(app, account.member_id) == 1000
    assert redemptions_of(app, account.member_id) == []
    card.get_by_test_id("redeem-button").click()
    card.get_by_test_id("coupon-code").wait_for()
    asked = questions_asked(page)
    assert asked == ["Redeem Tote bag for 60 points?", "Redeem Tote bag for 300 points?"]
    assert balance_of(app, account.member_id) == 700
