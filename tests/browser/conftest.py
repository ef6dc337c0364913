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


def accept_confirmations(page: Any) -> None:
    """Answer every `confirm()` (htmx's hx-confirm) with OK."""
    page.on("dialog", lambda dialog: dialog.accept())


def mark_document(page: Any) -> None:
    """Tag the loaded document; `still_same_document` then proves no page load happened."""
    page.evaluate("window.__sameDocument = true")


def still_same_document(page: Any) -> bool:
    return bool(page.evaluate("window.__sameDocument === true"))
