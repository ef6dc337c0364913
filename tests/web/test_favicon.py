"""Every page names a favicon, and it is served (no 404 in the browser's tab)."""

from __future__ import annotations

import re


def test_pages_link_a_favicon_that_is_served(client):
    html = client.get("/auth/login").get_data(as_text=True)
    href = re.search(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', html)[1]
    response = client.get(href)
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    assert b"<svg" in response.data
