"""The JWT hand-off in a real browser: an app's web view posts the token and lands in the
portal, logged in."""

from __future__ import annotations

from playwright.sync_api import expect

from loyalty_portal.services.members.tokens import issue_member_token
from loyalty_portal.services.program.settings import load_program
from tests.conftest import API_SECRET
from tests.web.portal_support import read


def test_hand_off_lands_in_the_portal_logged_in(app, page, make, live_server):
    make.member("ext-42", balance=2500, display_name="Ann Embedded")
    token = read(app, lambda s: issue_member_token("ext-42", API_SECRET, load_program(s)))
    # The integrator's page (another origin) posts the token in a form body.
    page.set_content(
        f"""<form method="post" action="{live_server.url("/auth/token")}">
              <input type="hidden" name="token" value="{token}">
              <button>Open rewards</button>
            </form>"""
    )
    page.get_by_role("button", name="Open rewards").click()
    page.wait_for_url("**/portal/")
    assert token not in page.url
    expect(page.get_by_role("heading", name="Hello, Ann Embedded")).to_be_visible()
    assert page.get_by_test_id("balance").inner_text() == "2,500"
    page.goto("/portal/rewards")  # the session holds for further pages
    expect(page.get_by_role("heading", name="Rewards")).to_be_visible()


def test_a_bad_token_shows_an_error_and_no_session(page, live_server):
    page.set_content(
        f"""<form method="post" action="{live_server.url("/auth/token")}">
              <input type="hidden" name="token" value="not-a-token">
              <button>Open rewards</button>
            </form>"""
    )
    page.get_by_role("button", name="Open rewards").click()
    page.wait_for_load_state()
    assert "Invalid token" in page.content()
    page.goto("/portal/")
    assert "/auth/login" in page.url
