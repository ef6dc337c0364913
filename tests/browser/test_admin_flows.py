"""Admin flows in a real browser (Chromium) against the live server.

The member's rewards and coupons pages are built in parallel (the portal branch). Here the
member's redemption goes through `redeeming.redeem`, the service those pages call, and
the member checks the result on the portal dashboard; `test_admin_cross_area.py` does the
same through the member's own pages once they are merged.
"""

from __future__ import annotations

from playwright.sync_api import expect

from loyalty_portal.extensions import db
from loyalty_portal.models import Member, Redemption
from loyalty_portal.services.core.actors import Actor
from loyalty_portal.services.rewards import redeeming
from loyalty_portal.timeutil import utcnow
from tests.browser.conftest import login


def member_redeems(app, user_id: str, offer_id: str) -> str:
    """What the portal's redeem button does (rewards page not in this branch yet)."""
    with app.app_context():
        member = db.session.query(Member).filter_by(user_id=user_id).one()
        coupon = redeeming.redeem(
            db.session, member, offer_id, now=utcnow(), actor=Actor.member(user_id)
        )
        db.session.commit()
        return coupon.id


def coupon_status(app, coupon_id: str) -> tuple[str, str | None]:
    with app.app_context():
        coupon = db.session.get(Redemption, coupon_id)
        return coupon.status, coupon.code


def test_admin_creates_an_offer_and_a_member_redeems_it(app, new_page, make):
    make.admin("root@example.com")
    make.member_login("mia@example.com", user_id="mia", balance=500)
    admin = new_page()
    login(admin, "root@example.com")
    admin.get_by_role("link", name="Offers", exact=True).click()
    admin.get_by_role("button", name="New offer").click()
    admin.get_by_label("Offer id").fill("tote")
    admin.get_by_label("Title", exact=True).fill("Tote bag")
    admin.get_by_label("Cost in points").fill("300")
    admin.get_by_label("Stock left").fill("10")
    admin.get_by_label("Fulfilment").select_option("auto")
    admin.get_by_role("button", name="Create offer").click()
    assert admin.get_by_test_id("flash").inner_text() == "Offer “Tote bag” created."
    assert admin.get_by_test_id("stock").inner_text() == "10"

    # Through the rewards page: test_admin_cross_area.py (after the merge).
    member_redeems(app, "mia", "tote")
    member = new_page()
    login(member, "mia@example.com")
    assert member.get_by_test_id("balance").inner_text() == "200"
    expect(member.get_by_text("Redeemed: Tote bag")).to_be_visible()

    admin.reload()
    assert admin.get_by_test_id("stock").inner_text() == "9"
    assert admin.get_by_test_id("redemptions").inner_text() == "1"


def test_admin_issues_a_manual_redemption_inline(app, new_page, make):
    make.admin("root@example.com")
    make.member_login("mia@example.com", user_id="mia", balance=500)
    make.offer("session", title="Styling session", cost=200, fulfilment="manual")
    coupon_id = member_redeems(app, "mia", "session")
    admin = new_page()
    login(admin, "root@example.com")
    admin.get_by_role("link", name="Fulfilment").click()
    row = admin.locator(f"#row-{coupon_id}")
    expect(row.get_by_text("Pending")).to_be_visible()
    row.get_by_label(f"Code for {coupon_id}").fill("STYLE-42")
    url = admin.url
    row.get_by_role("button", name="Issue").click()
    row.get_by_text("Issued code STYLE-42.").wait_for()
    assert row.get_by_test_id("code").inner_text() == "STYLE-42"
    assert admin.url == url  # swapped in place, no page load
    assert coupon_status(app, coupon_id) == ("ACTIVE", "STYLE-42")

    # The code on the member's coupon page: test_admin_cross_area.py (after the merge).
    member = new_page()
    login(member, "mia@example.com")
    expect(member.get_by_text("Redeemed: Styling session")).to_be_visible()


def test_try_it_panel_answers_in_place(new_page, make):
    make.admin("root@example.com")
    rule_id = make.rule("purchase", title="Purchase", type="TRANSACTION", points_per_unit=2).id
    admin = new_page()
    login(admin, "root@example.com")
    admin.goto(f"/admin/rules/{rule_id}")
    admin.get_by_label("Amount", exact=True).fill("12.5")
    admin.get_by_role("button", name="Try it").click()
    admin.get_by_test_id("try-points").wait_for()
    assert admin.get_by_test_id("try-points").inner_text() == "25"
    expect(admin.get_by_text("12.5 × 2 points per unit = 25 points")).to_be_visible()
    assert admin.url.endswith(f"/admin/rules/{rule_id}")


def test_dashboard_draws_its_charts(new_page, make):
    make.admin("root@example.com")
    make.member("ann", balance=100)
    admin = new_page()
    login(admin, "root@example.com")
    assert admin.get_by_test_id("outstanding").inner_text() == "100"
    drawn = admin.evaluate(
        "[...document.querySelectorAll('canvas[data-chart]')]"
        ".filter(c => window.Chart && Chart.getChart(c)).length"
    )
    assert drawn == 6
    admin.get_by_text("Show as table").first.click()
    expect(admin.get_by_role("columnheader", name="Issued")).to_be_visible()
