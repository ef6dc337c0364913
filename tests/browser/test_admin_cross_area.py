"""Across both areas: an admin creates an offer, a member sees and redeems it on the rewards
page; an admin issues a manual redemption and the member sees the code on their coupon.
"""

from __future__ import annotations

from tests.browser.conftest import accept_confirmations, login


def test_admin_creates_an_offer_and_a_member_redeems_it(new_page, make):
    make.admin("root@example.com")
    make.member_login("mia@example.com", user_id="mia", balance=500)
    admin = new_page()
    login(admin, "root@example.com")
    admin.goto("/admin/offers/new")
    admin.get_by_label("Offer id").fill("tote")
    admin.get_by_label("Title", exact=True).fill("Tote bag")
    admin.get_by_label("Cost in points").fill("300")
    admin.get_by_label("Stock left").fill("10")
    admin.get_by_label("Fulfilment").select_option("auto")
    admin.get_by_role("button", name="Create offer").click()
    assert admin.get_by_test_id("flash").inner_text() == "Offer “Tote bag” created."

    member = new_page()
    login(member, "mia@example.com")
    member.goto("/portal/rewards")
    accept_confirmations(member)
    card = member.locator("#offer-tote")
    assert "Tote bag" in card.inner_text()
    card.get_by_test_id("redeem-button").click()
    card.get_by_test_id("coupon-code").wait_for()
    assert member.get_by_test_id("balance").inner_text() == "200"

    admin.reload()
    assert admin.get_by_test_id("stock").inner_text() == "9"
    assert admin.get_by_test_id("redemptions").inner_text() == "1"


def test_admin_issues_a_manual_redemption_and_the_member_sees_the_code(new_page, make):
    make.admin("root@example.com")
    make.member_login("mia@example.com", user_id="mia", balance=500)
    make.offer("session", title="Styling session", cost=200, fulfilment="manual")
    member = new_page()
    login(member, "mia@example.com")
    member.goto("/portal/rewards")
    accept_confirmations(member)
    member.locator("#offer-session").get_by_test_id("redeem-button").click()
    member.wait_for_timeout(500)

    admin = new_page()
    login(admin, "root@example.com")
    admin.goto("/admin/fulfilment")
    row = admin.locator("tbody tr").first
    row.get_by_role("textbox", name="Code for").fill("STYLE-42")
    row.get_by_role("button", name="Issue").click()
    admin.get_by_text("Issued code STYLE-42.").wait_for()

    member.goto("/portal/coupons")
    assert "STYLE-42" in member.get_by_test_id("coupon-card").first.inner_text()
