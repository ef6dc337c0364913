"""Browser tests: Playwright driving Debian's Chromium against the app on a live server.

Under CI=true a missing Chromium or Playwright fails the run instead of skipping.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.database import IN_CI

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def _unavailable(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"CI=true and browser tests are required: {reason}", pytrace=False)
    pytest.skip(reason)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        _unavailable(f"Chromium not found at {CHROMIUM} (apt-get install -y chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser: Any, live_server: Any) -> Iterator[Any]:
    """A factory of pages, each in a fresh browser context (its own cookies).

    `new_page(java_script_enabled=False)` gives a page with JavaScript off.
    """
    contexts = []

    def open_page(**options: Any) -> Any:
        context = browser.new_context(base_url=live_server.url(), **options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page: Any) -> Any:
    return new_page()


def login(page: Any, email: str, password: str = "correct-horse-battery") -> None:
    """Log in through the real login form."""
    page.goto("/auth/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()


#: Clicks the confirmation dialog's yes button as soon as it opens, as a member who
#: always agrees would, and keeps each question in `window.__asked`.
AUTO_CONFIRM = """(() => {
  if (window.__autoConfirm) return;
  window.__autoConfirm = true;
  window.__asked = [];
  new MutationObserver(() => {
    const dialog = document.getElementById("confirm-dialog");
    if (!dialog) return;
    if (!dialog.open) { delete dialog.dataset.handled; return; }
    if (dialog.dataset.handled) return;
    dialog.dataset.handled = "yes";
    window.__asked.push(dialog.querySelector("#confirm-question").textContent);
    dialog.querySelector("[data-answer=yes]").click();
  }).observe(document, {
    subtree: true, childList: true, attributes: true, attributeFilter: ["open"],
  });
})()"""


def accept_confirmations(page: Any) -> None:
    """Answer every confirmation (the styled dialog of static/app.js) with its yes button,
    on this page and every page it opens next."""
    page.add_init_script(AUTO_CONFIRM)
    page.evaluate(AUTO_CONFIRM)


def questions_asked(page: Any) -> list[str]:
    """The confirmations answered on the current page, in order."""
    return list(page.evaluate("window.__asked || []"))


def mark_document(page: Any) -> None:
    """Tag the loaded document; `still_same_document` then proves no page load happened."""
    page.evaluate("window.__sameDocument = true")


def still_same_document(page: Any) -> bool:
    return bool(page.evaluate("window.__sameDocument === true"))
