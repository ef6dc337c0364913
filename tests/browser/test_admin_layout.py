"""Admin screens in Chromium at 1280 px: the section menu on one line, search forms drawn
as a field and a button, long reasons that wrap, red destructive actions, and confirmations
in a styled dialog (with JavaScript) or a plain post (without)."""

from __future__ import annotations

from playwright.sync_api import expect

from loyalty_portal.extensions import db
from loyalty_portal.models import ApiKey, Member
from loyalty_portal.services.core.actors import Actor
from loyalty_portal.services.ledger import adjustments
from loyalty_portal.timeutil import utcnow
from tests.browser.conftest import login

DESKTOP = {"viewport": {"width": 1280, "height": 800}}


def admin_page(new_page, make, **options):
    make.admin("root@example.com")
    page = new_page(**{**DESKTOP, **options})
    login(page, "root@example.com")
    return page


def test_the_section_menu_fits_on_one_line_at_1280(new_page, make):
    page = admin_page(new_page, make)
    page.goto("/admin/")
    tops = page.eval_on_selector_all(
        ".admin-nav a", "links => links.map(a => Math.round(a.getBoundingClientRect().top))"
    )
    assert len(tops) == 15 and len(set(tops)) == 1, tops
    overflow = page.eval_on_selector(".admin-nav ul", "ul => ul.scrollWidth - ul.clientWidth")
    assert overflow <= 0


def test_the_members_search_is_a_field_and_a_button(new_page, make):
    page = admin_page(new_page, make)
    page.goto("/admin/members")
    field = page.get_by_role("searchbox").bounding_box()
    button = page.get_by_role("button", name="Search").bounding_box()
    # Not joined into one pill: the button stands apart from the field.
    assert button["x"] >= field["x"] + field["width"] + 4, (field, button)
    expect(page.get_by_role("search")).to_be_visible()  # still a search landmark


def test_a_long_reason_wraps_instead_of_widening_the_ledger(app, new_page, make):
    make.member("ann", display_name="Ann")
    with app.app_context():
        ann = db.session.query(Member).filter_by(user_id="ann").one()
        reason = "x" * 500
        adjustments.adjust(db.session, ann, 5, reason=reason, actor=Actor.system("t"), now=utcnow())
        db.session.commit()
    page = admin_page(new_page, make)
    page.goto("/admin/members/ann")
    width = page.eval_on_selector("[data-testid=ledger]", "t => t.getBoundingClientRect().width")
    main = page.eval_on_selector("main", "m => m.clientWidth")
    assert width <= main, (width, main)
    assert page.eval_on_selector("body", "b => b.scrollWidth <= window.innerWidth")


def test_revoking_asks_in_a_styled_dialog(app, new_page, make):
    make.api_key(["read"], name="reporting")
    page = admin_page(new_page, make)
    native = []
    page.on("dialog", lambda dialog: (native.append(dialog.message), dialog.dismiss()))
    page.goto("/admin/api-keys")
    revoke = page.get_by_role("button", name="Revoke")
    colour = revoke.evaluate("b => getComputedStyle(b).color")
    assert colour == "rgb(153, 27, 27)"  # a destructive action looks like one
    revoke.click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Revoke “reporting”? Integrations using it stop working")
    dialog.get_by_role("button", name="Keep it").click()
    expect(dialog).to_be_hidden()
    with app.app_context():
        assert db.session.query(ApiKey).one().revoked_at is None
    revoke.click()
    dialog.get_by_role("button", name="Revoke").click()
    expect(page.get_by_test_id("flash")).to_contain_text("API key “reporting” revoked.")
    with app.app_context():
        assert db.session.query(ApiKey).one().revoked_at is not None
    assert native == []  # the browser's own confirm() never opened


def test_without_javascript_the_action_simply_posts(app, new_page, make):
    make.api_key(["read"], name="reporting")
    page = admin_page(new_page, make, java_script_enabled=False)
    page.goto("/admin/api-keys")
    page.get_by_role("button", name="Revoke").click()
    expect(page.get_by_test_id("flash")).to_contain_text("API key “reporting” revoked.")


def test_cancelling_a_redemption_asks_in_the_dialog_too(app, new_page, make):
    make.offer("session", title="Styling session", cost=100, fulfilment="manual")
    make.member("mia", balance=500)
    with app.app_context():
        from loyalty_portal.services.rewards import redeeming

        mia = db.session.query(Member).filter_by(user_id="mia").one()
        redeeming.redeem(db.session, mia, "session", now=utcnow(), actor=Actor.member("mia"))
        db.session.commit()
    page = admin_page(new_page, make)
    page.goto("/admin/fulfilment")
    page.get_by_role("button", name="Cancel & refund").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Cancel this redemption and refund 100 points?")
    dialog.get_by_role("button", name="Cancel & refund").click()
    expect(page.get_by_text("Cancelled; 100 points refunded.")).to_be_visible()
