"""Security headers: a CSP with no inline script, framing only by this site (and, for the
portal, the origins an admin lists), nosniff, a referrer policy, HSTS behind HTTPS."""

from __future__ import annotations

import re
from pathlib import Path

from loyalty_portal import create_app
from loyalty_portal.extensions import db
from tests.conftest import make_config
from tests.web.portal_support import logged_in_member

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def directives(response):
    policy = response.headers["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in policy.split("; ")}


def test_every_kind_of_page_carries_the_headers(client, make):
    make.admin("root@example.com")
    pages = [
        client.get("/auth/login"),
        client.get("/v1/openapi.json"),
        client.get("/docs/api"),
        client.get("/nowhere"),
        client.get("/static/app.js"),
    ]
    for response in pages:
        csp = directives(response)
        assert csp["script-src"] == ["'self'"] and csp["style-src"] == ["'self'"]
        assert csp["frame-ancestors"] == ["'self'"] and csp["object-src"] == ["'none'"]
        assert response.headers["X-Frame-Options"] == "SAMEORIGIN"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"
        assert "Strict-Transport-Security" not in response.headers


def test_no_template_has_inline_script_style_or_event_handlers():
    found = []
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text()
        for match in re.finditer(r"<script\b(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", text):
            found.append(f"{path.name}: {match[0]}")
        found += [f"{path.name}: {m[0]}" for m in re.finditer(r"<style\b|\son[a-z]+=", text)]
        found += [f"{path.name}: {m[0]}" for m in re.finditer(r'\sstyle="', text)]
    assert found == []


def test_admins_list_the_sites_that_may_frame_the_portal(app, client, make, auth):
    make.admin("root@example.com")
    auth.login("root@example.com")
    form = client.get("/admin/settings").get_data(as_text=True)
    assert 'name="embed_origins"' in form
    data = {
        "name": "Shop",
        "timezone": "UTC",
        "expiry_policy": "never",
        "tenant_id": "test-tenant",
        "project_id": "test-project",
        "embed_origins": "https://app.shop.example\nhttp://localhost:8100/",
    }
    refused = client.post("/admin/settings", data={**data, "embed_origins": "https://x.test/path"})
    assert refused.status_code == 200
    assert "is not an origin such as https://app.example.com" in refused.get_data(as_text=True)
    bad = client.post(
        "/admin/settings", data={**data, "embed_origins": "https://a.test; script-src *"}
    )
    assert "is not an origin" in bad.get_data(as_text=True)
    assert client.post("/admin/settings", data=data).status_code == 303
    assert "https://app.shop.example\nhttp://localhost:8100<" in client.get(
        "/admin/settings"
    ).get_data(as_text=True)
    portal = client.get("/auth/login")
    assert directives(portal)["frame-ancestors"] == [
        "'self'",
        "https://app.shop.example",
        "http://localhost:8100",
    ]
    assert "X-Frame-Options" not in portal.headers
    admin_page = client.get("/admin/settings")  # the admin area is never framed by others
    assert directives(admin_page)["frame-ancestors"] == ["'self'"]
    assert admin_page.headers["X-Frame-Options"] == "SAMEORIGIN"


def test_member_pages_use_the_embed_list_too(app, client, make):
    logged_in_member(client, make)
    assert directives(client.get("/portal/"))["frame-ancestors"] == ["'self'"]


def test_hsts_only_when_cookies_are_secure(database_url, tmp_path):
    app = create_app(make_config(database_url, tmp_path, SESSION_COOKIE_SECURE=True))
    response = app.test_client().get("/auth/login", base_url="https://localhost")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"
    with app.app_context():
        db.engine.dispose()
