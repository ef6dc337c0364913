"""The human API reference at /docs/api: rendered from /v1/openapi.json, self-contained."""

from __future__ import annotations

import re

from markupsafe import escape


def test_reference_page_lists_every_operation_and_schema(client):
    doc = client.get("/v1/openapi.json").get_json()
    r = client.get("/docs/api")
    assert r.status_code == 200 and r.mimetype == "text/html"
    html = r.get_data(as_text=True)
    operations = [
        (method.upper(), path, op)
        for path, item in doc["paths"].items()
        for method, op in item.items()
    ]
    assert html.count('data-testid="operation"') == len(operations)
    for _method, path, op in operations:
        assert f'id="{op["operationId"]}"' in html
        assert path in html and str(escape(op["summary"])) in html
    for name in doc["components"]["schemas"]:
        assert f'id="schema-{name}"' in html


def test_reference_page_loads_nothing_from_elsewhere(client):
    html = client.get("/docs/api").get_data(as_text=True)
    urls = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert urls and all(u.startswith(("/", "#")) for u in urls), urls
    assert "@import" not in html and "url(http" not in html


def test_reference_page_needs_no_login_and_links_the_document(client):
    html = client.get("/docs/api").get_data(as_text=True)
    assert 'href="/v1/openapi.json"' in html
