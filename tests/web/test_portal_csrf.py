"""CSRF protection turned on: redeem needs the token (form field or htmx's header)."""

from __future__ import annotations

import re

import pytest

from tests.web.portal_support import (
    HTMX,
    balance_of,
    form_key,
    redemptions_of,
    text_of,
)


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True}


def login_with_csrf(client, make):
    account = make.member_login("ann@example.com", balance=500)
    page = client.get("/auth/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post(
        "/auth/login",
        data={"email": "ann@example.com", "password": "correct-horse-battery", "csrf_token": token},
    )
    assert response.status_code == 303
    return account


def test_redeem_without_the_token_is_refused_and_changes_nothing(app, client, make):
    make.offer("coffee", cost=100)
    account = login_with_csrf(client, make)
    page = client.get("/portal/rewards").get_data(as_text=True)
    key = form_key(page, "coffee")
    for headers in ({}, HTMX):
        response = client.post(
            "/portal/rewards/coffee/redeem", data={"idempotency_key": key}, headers=headers
        )
        assert response.status_code == 403
        assert "Reload the page and try again." in text_of(response.get_data(as_text=True))
    assert balance_of(app, account.member_id) == 500
    assert redemptions_of(app, account.member_id) == []


def test_a_wrong_token_is_refused(app, client, make):
    make.offer("coffee", cost=100)
    account = login_with_csrf(client, make)
    response = client.post(
        "/portal/rewards/coffee/redeem",
        data={"idempotency_key": "k" * 12},
        headers={**HTMX, "X-CSRFToken": "forged"},
    )
    assert response.status_code == 403
    assert redemptions_of(app, account.member_id) == []


def test_the_body_header_token_and_the_form_token_both_work(app, client, make):
    make.offer("coffee", cost=100)
    account = login_with_csrf(client, make)
    page = client.get("/portal/rewards").get_data(as_text=True)
    header_token = re.search(r"hx-headers='\{\"X-CSRFToken\": \"([^\"]+)\"\}'", page).group(1)
    form_token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    by_htmx = client.post(
        "/portal/rewards/coffee/redeem",
        data={"idempotency_key": "htmx-key-123"},
        headers={**HTMX, "X-CSRFToken": header_token},
    )
    assert by_htmx.status_code == 200, by_htmx.get_data(as_text=True)
    assert 'data-testid="coupon-code"' in by_htmx.get_data(as_text=True)
    by_form = client.post(
        "/portal/rewards/coffee/redeem",
        data={"idempotency_key": "form-key-123", "csrf_token": form_token},
    )
    assert by_form.status_code == 303
    assert balance_of(app, account.member_id) == 300
