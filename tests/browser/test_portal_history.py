"""History in a real browser: "load more" appends the next page without a page load."""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import expect

from loyalty_portal.services.core.actors import Actor
from loyalty_portal.services.ledger import adjustments
from loyalty_portal.services.members.members import get_member
from loyalty_portal.timeutil import utcnow
from tests.browser.conftest import login, mark_document, still_same_document
from tests.web.portal_support import write


def test_load_more_appends_the_next_entries(app, page, make):
    make.member_login("ann@example.com", user_id="ann")
    start = utcnow() - timedelta(days=2)

    def history(session):
        member = get_member(session, "ann")
        for i in range(30):
            adjustments.adjust(
                session,
                member,
                i + 1,
                reason=f"gift {i + 1}",
                actor=Actor.system("t"),
                now=start + timedelta(minutes=i),
            )

    write(app, history)
    login(page, "ann@example.com")
    page.goto("/portal/history")
    entries = page.get_by_test_id("history-entry")
    assert entries.count() == 20
    url = page.url
    mark_document(page)
    page.get_by_test_id("load-more").click()
    page.get_by_text("gift 1", exact=True).wait_for()
    assert entries.count() == 30
    assert page.get_by_test_id("load-more").count() == 0
    assert still_same_document(page) and page.url == url
    focused = page.evaluate("document.activeElement.innerText")
    assert "gift 10" in focused  # focus moves to the first new entry


def test_load_more_without_javascript_opens_the_next_page(app, new_page, make):
    make.member_login("ann@example.com", user_id="ann")

    def history(session):
        member = get_member(session, "ann")
        for i in range(25):
            adjustments.adjust(
                session, member, 1, reason=f"gift {i + 1}", actor=Actor.system("t"), now=utcnow()
            )

    write(app, history)
    page = new_page(java_script_enabled=False)
    login(page, "ann@example.com")
    page.goto("/portal/history")
    page.get_by_test_id("load-more").click()
    page.wait_for_url("**/portal/history?cursor=*")
    assert page.get_by_test_id("history-entry").count() == 5
    expect(page.get_by_role("link", name="Back to the newest")).to_be_visible()
