"""The Content-Security-Policy holds in Chromium: no page of the portal or the admin area
breaks it (no inline script or style anywhere), and htmx, the charts and the confirmations
still work under it."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from loyalty_portal.extensions import db
from loyalty_portal.models import ApiKey
from loyalty_portal.services.core.actors import Actor
from loyalty_portal.services.rewards import redeeming
from loyalty_portal.timeutil import utcnow
from tests.browser.conftest import accept_confirmations, login, mark_document, still_same_document
from tests.web.portal_support import read

REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error("CSP violation: " + event.violatedDirective + " " + event.blockedURI);
});
"""


def watch(page: Any) -> list[str]:
    """Every CSP violation and console error of the page, across navigations."""
    problems: list[str] = []
    page.add_init_script(REPORT_VIOLATIONS)

    def record(message: Any) -> None:
        where = message.location.get("url", "")
        if message.type == "error" and not where.endswith("/favicon.ico"):
            problems.append(f"{message.text} ({where})")

    page.on("console", record)
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    return problems


def visit(page: Any, paths: list[str]) -> None:
    for path in paths:
        response = page.goto(path)
        assert response.status == 200, path
        assert "script-src 'self'" in response.headers["content-security-policy"]
        page.wait_for_load_state("networkidle")


def test_member_pages_run_without_violations_and_htmx_works(app, page, make):
    make.offer("coffee", title="Free coffee", cost=150)
    make.member_login("ann@example.com", balance=1000, user_id="ann")
    problems = watch(page)
    login(page, "ann@example.com")
    visit(page, ["/portal/", "/portal/history", "/portal/coupons", "/portal/leaderboard"])
    page.goto("/portal/rewards")
    mark_document(page)
    accept_confirmations(page)
    card = page.locator("#offer-coffee")
    card.get_by_test_id("redeem-button").click()
    card.get_by_test_id("coupon-code").wait_for()  # swapped in by htmx
    assert page.get_by_test_id("balance").inner_text() == "850"
    assert still_same_document(page)
    visit(page, ["/portal/coupons", "/docs/api"])
    assert problems == []


def test_admin_pages_run_without_violations(app, page, make):
    make.admin("root@example.com")
    make.shop("cafe", name="Café")
    make.tier("Silver", 100)
    make.group("staff", "Staff")
    rule = make.rule("visit", points=10)
    make.offer("coffee", title="Free coffee", cost=50, shop_id="cafe", fulfilment="manual")
    make.member("ann", balance=500)
    with app.app_context():
        from loyalty_portal.models import Member

        ann = db.session.query(Member).filter_by(user_id="ann").one()
        redeeming.redeem(db.session, ann, "coffee", now=utcnow(), actor=Actor.member("ann"))
        db.session.commit()
    problems = watch(page)
    login(page, "root@example.com")
    visit(
        page,
        [
            "/admin/",
            "/admin/offers",
            "/admin/offers/coffee",
            "/admin/offers/coffee/edit",
            "/admin/shops",
            "/admin/rules",
            f"/admin/rules/{rule.id}",
            "/admin/tiers",
            "/admin/groups",
            "/admin/members",
            "/admin/members/ann",
            "/admin/fulfilment",
            "/admin/api-keys",
            "/admin/audit",
            "/admin/data",
            "/admin/settings",
        ],
    )
    page.goto("/admin/")
    expect(page.locator("canvas").first).to_be_visible()  # Chart.js drew under the policy
    assert problems == []


def test_confirmations_still_ask_without_inline_handlers(app, page, make):
    make.admin("root@example.com")
    make.api_key(["read"], name="shop-backend")
    login(page, "root@example.com")
    problems = watch(page)
    page.goto("/admin/api-keys")
    page.get_by_role("button", name="Revoke").first.click()
    dialog = page.get_by_role("dialog")  # data-confirm, handled by static/admin.js
    expect(dialog).to_contain_text("Revoke “shop-backend”? Integrations using it stop working")
    dialog.get_by_role("button", name="Keep it").click()
    expect(dialog).to_be_hidden()
    assert read(app, lambda s: s.query(ApiKey).filter(ApiKey.revoked_at.is_not(None)).count()) == 0
    page.get_by_role("button", name="Revoke").first.click()
    dialog.get_by_role("button", name="Revoke").click()
    page.wait_for_load_state()
    expect(page.locator("body")).to_contain_text("revoked")
    assert read(app, lambda s: s.query(ApiKey).filter(ApiKey.revoked_at.is_not(None)).count()) == 1
    assert problems == []
