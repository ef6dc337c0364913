"""The rule editor's "try it" panel in Chromium: it judges the form as edited, unsaved,
in place; Enter in a sample field tries instead of saving the rule."""

from __future__ import annotations

from decimal import Decimal

from playwright.sync_api import expect

from loyalty_portal.extensions import db
from loyalty_portal.models import EarningRule
from tests.browser.conftest import login, mark_document, still_same_document


def test_try_it_judges_the_unsaved_form_in_place(app, new_page, make):
    make.admin("root@example.com")
    rule_id = make.rule("purchase", title="Purchase", type="TRANSACTION", points_per_unit=2).id
    page = new_page(viewport={"width": 1280, "height": 900})
    login(page, "root@example.com")
    page.goto(f"/admin/rules/{rule_id}")
    mark_document(page)
    page.locator("#points_per_unit").fill("3")
    page.get_by_label("Amount", exact=True).fill("10")
    page.get_by_label("Amount", exact=True).press("Enter")  # tries; does not save
    expect(page.get_by_test_id("try-points")).to_have_text("30")
    expect(page.get_by_text("10 × 3 points per unit = 30 points")).to_be_visible()
    assert still_same_document(page)
    with app.app_context():
        assert db.session.get(EarningRule, rule_id).points_per_unit == Decimal(2)
    page.locator("#title").fill("")
    page.get_by_role("button", name="Try it").click()
    expect(page.get_by_test_id("try-rule-problems")).to_contain_text("Title")
    expect(page.get_by_test_id("try-result")).to_have_count(0)
