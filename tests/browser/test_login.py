from playwright.sync_api import expect

from tests.browser.conftest import login


def test_member_logs_in_and_sees_balance(page, make):
    make.member_login("ann@example.com", balance=1234)
    login(page, "ann@example.com")
    assert page.get_by_test_id("balance").inner_text() == "1,234"


def test_wrong_password_stays_on_login_with_message(page, make):
    make.member_login("ann@example.com")
    login(page, "ann@example.com", "wrong-password")
    assert "/auth/login" in page.url
    expect(page.get_by_text("Email or password is not correct.")).to_be_visible()
