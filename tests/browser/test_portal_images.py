"""Reward images keep the card's shape: a fixed 2:1 frame the picture covers, however
tall it is; a picture that fails to load gives way to the card's initial; long
descriptions stop at three lines."""

from __future__ import annotations

import pytest

from tests.browser.conftest import login

TALL_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="100" height="1200">'
    '<rect width="100" height="1200" fill="#c2410c"/></svg>'
)
LONG = "A very long description of this reward that goes on and on. " * 12


def _serve_images(page):
    def answer(route):
        if route.request.url.endswith("/tall.svg"):
            route.fulfill(status=200, content_type="image/svg+xml", body=TALL_SVG)
        else:
            route.fulfill(status=404, content_type="text/plain", body="gone")

    page.route("https://images.example.com/**", answer)


@pytest.mark.parametrize("width", [360, 1280])
def test_tall_and_broken_images_and_long_descriptions_keep_the_card_shape(new_page, make, width):
    make.offer("tall", title="Tall", cost=10, image_url="https://images.example.com/tall.svg")
    make.offer("broken", title="Broken", cost=20, image_url="https://images.example.com/x.png")
    make.offer("long", title="Long", cost=30, description=LONG)
    make.member_login("ann@example.com", balance=100)
    page = new_page(viewport={"width": width, "height": 900})
    _serve_images(page)
    login(page, "ann@example.com")
    page.goto("/portal/rewards")
    page.wait_for_load_state("networkidle")

    tall = page.locator("#offer-tall .offer-image")
    tall.locator("img").evaluate("img => img.decode()")
    frame = tall.bounding_box()
    assert abs(frame["height"] - frame["width"] / 2) <= 1.5  # the 1200 px image is cropped

    broken = page.locator("#offer-broken .offer-image")
    broken.locator(".offer-initial").wait_for(state="visible")
    assert broken.locator(".offer-initial").inner_text() == "B"
    assert broken.locator("img").count() == 0
    box = broken.bounding_box()
    assert abs(box["height"] - box["width"] / 2) <= 1.5

    description = page.locator("#offer-long .offer-description")
    line = description.evaluate("e => parseFloat(getComputedStyle(e).lineHeight)")
    assert description.bounding_box()["height"] <= 3 * line + 2
    assert LONG.strip() in description.get_attribute("title")  # the whole text on hover
