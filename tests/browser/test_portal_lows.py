"""Small portal defects seen in a real browser: a history filter's error sits below its
field instead of over it; the new pages fit a phone."""

from __future__ import annotations

import pytest

from tests.browser.conftest import login

WIDTHS = [360, 1280]


def _overlap(a, b):
    return not (
        a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
        or a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
    )


@pytest.mark.parametrize("width", WIDTHS)
def test_the_history_filter_error_does_not_cover_its_field(new_page, make, width):
    make.member_login("ann@example.com")
    page = new_page(viewport={"width": width, "height": 800})
    login(page, "ann@example.com")
    page.goto("/portal/history?start=2026-05-10&end=2026-05-01")
    error = page.locator(".field-error")
    assert error.inner_text() == "The end date is before the start date."
    field = page.locator("#end").bounding_box()
    assert not _overlap(error.bounding_box(), field)
    assert error.bounding_box()["y"] >= field["y"] + field["height"]


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("path", ["/portal/earn", "/portal/tiers", "/portal/"])
def test_the_new_pages_fit_the_screen(new_page, make, width, path):
    make.tier("Bronze", 0)
    make.tier("Gold", 1000, multiplier="1.5")
    make.rule("visit", title="Daily visit", points=10, cap_count=1, cap_period="day")
    make.member_login("ann@example.com", user_id="a-rather-long-member-id-from-the-crm-0001")
    page = new_page(viewport={"width": width, "height": 800})
    login(page, "ann@example.com")
    page.goto(path)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    if path == "/portal/":
        qr = page.locator("[data-testid=member-card] svg.qr-code").bounding_box()
        assert qr["width"] >= 120 and abs(qr["width"] - qr["height"]) < 1
