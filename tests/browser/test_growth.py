"""Growth programs in a real browser: copy the invitation link, register through it in a
fresh browser context, see both rewards after the friend's first purchase; the campaign
admin creates and ends a campaign."""

from __future__ import annotations

from sqlalchemy import select

from loyalty_portal.models import Account
from loyalty_portal.services.earning import events
from loyalty_portal.timeutil import utcnow
from tests.browser.conftest import login
from tests.factories import growth_settings
from tests.web.portal_support import read, write

SETTINGS = {
    "referrals_enabled": True,
    "qualifying_event_id": "purchase_completed",
    "referrer_points": 200,
    "friend_points": 100,
    "monthly_cap": 10,
}


def test_invite_copy_register_and_both_rewards(app, new_page, make):
    make.rule("purchase_completed", type="TRANSACTION", points_per_unit=1, title="Purchase")
    growth_settings(app, **SETTINGS)
    make.member_login("ann@example.com", user_id="ann")
    page = new_page(permissions=["clipboard-read", "clipboard-write"])
    login(page, "ann@example.com")
    page.goto("/portal/invite")
    page.get_by_role("button", name="Copy link").click()
    page.get_by_role("button", name="Copied").wait_for()
    link = page.evaluate("navigator.clipboard.readText()")
    assert "/auth/register?ref=" in link
    assert link == page.get_by_test_id("referral-link").inner_text()

    friend = new_page()  # a fresh context: nobody logged in
    friend.goto(link)
    assert "ann invited you." in friend.get_by_test_id("invitation").inner_text()
    friend.locator("#display_name").fill("Bob")
    friend.locator("#email").fill("bob@example.com")
    friend.locator("#password").fill("long-enough-pw-1")
    friend.locator("#confirm").fill("long-enough-pw-1")
    friend.get_by_role("button", name="Create account").click()
    friend.wait_for_url("**/portal/")
    bob_user = read(
        app,
        lambda s: (
            s.scalars(select(Account).where(Account.email == "bob@example.com"))
            .one()
            .member.user_id
        ),
    )
    write(
        app,
        lambda s: events.record_event(
            s,
            user_id=bob_user,
            event_id="purchase_completed",
            now=utcnow(),
            source="test",
            amount=25,
            trusted=True,
        ),
    )
    friend.goto("/portal/")
    assert friend.get_by_test_id("balance").inner_text() == "125"
    page.goto("/portal/invite")
    stats = page.get_by_test_id("referral-stats").inner_text()
    assert "1" in stats and "200" in stats
    page.goto("/portal/")
    assert page.get_by_test_id("balance").inner_text() == "200"


def test_admin_creates_and_ends_a_campaign(app, page, make):
    make.rule("purchase_completed", title="Purchase", points=10)
    make.admin("root@example.com")
    login(page, "root@example.com")
    page.goto("/admin/campaigns")
    page.get_by_role("button", name="New campaign").or_(
        page.get_by_role("link", name="New campaign")
    ).click()
    page.get_by_label("Title").fill("Double points weekend")
    page.get_by_label("Starts").fill("2026-01-01T00:00")
    page.get_by_label("Ends").fill("2099-01-01T00:00")
    page.get_by_label("Multiplier").fill("2")
    page.get_by_label("Purchase (purchase_completed)").check()
    page.get_by_role("button", name="Create campaign").click()
    page.wait_for_url("**/admin/campaigns")
    active = page.locator("section", has=page.get_by_role("heading", name="Active (1)"))
    assert "Double points weekend" in active.inner_text()
    active.get_by_role("button", name="End now").click()
    page.wait_for_load_state()
    ended = page.locator("section", has=page.get_by_role("heading", name="Ended (1)"))
    assert "Double points weekend" in ended.inner_text()
